"""Groups of users from config: membership from GitHub teams, admin rights, scopes and profiles.

Hub admins change who may do what by editing the stack config; nothing in
Kubernetes is touched. Membership is recomputed at every login.
"""

import json

from .args import DaskHubConfig

# Runs inside the hub's config (z2jh hub.extraConfig), after z2jh has set
# c.KubeSpawner.profile_list from singleuser.profileList.
_EXTRA_CONFIG = '''\
GROUPS = json.loads({groups!r})
RESTRICTED = json.loads({restricted!r})


def groups_from_auth_state(auth_state):
    """JupyterHub groups of a GitHub user: by team (org:slug) or by username."""
    teams = {{f"{{t['organization']['login']}}:{{t['slug']}}" for t in auth_state.get("teams") or []}}
    login = (auth_state.get("github_user") or {{}}).get("login")
    return sorted(
        name for name, group in GROUPS.items()
        if teams & set(group["github_teams"]) or login in group["members"]
    )


c.GitHubOAuthenticator.auth_state_groups_key = groups_from_auth_state

_all_profiles = c.KubeSpawner.profile_list


def profiles_for(spawner):
    """The profiles this user may choose: open ones, and those of their groups."""
    groups = {{group.name for group in spawner.user.groups}}
    return [
        profile for profile in _all_profiles
        if spawner.user.admin or not RESTRICTED.get(profile["slug"]) or groups & set(RESTRICTED[profile["slug"]])
    ]


c.KubeSpawner.profile_list = profiles_for
'''


def groups_extra_config(hub: DaskHubConfig) -> str:
    groups = {name: {"github_teams": sorted(g.github_teams), "members": sorted(g.members)}
              for name, g in sorted(hub.groups.items())}
    restricted = {slug: sorted(p.groups) for slug, p in hub.profiles.items() if p.groups}
    return "import json\n\n" + _EXTRA_CONFIG.format(
        groups=json.dumps(groups, sort_keys=True), restricted=json.dumps(restricted, sort_keys=True)
    )


def group_roles(hub: DaskHubConfig) -> dict:
    """One role per group that grants extra scopes (z2jh hub.loadRoles entries)."""
    return {
        f"group-{name}": {"name": f"group-{name}", "groups": [name], "scopes": sorted(g.scopes)}
        for name, g in sorted(hub.groups.items())
        if g.scopes
    }


def sharing_role(hub: DaskHubConfig) -> dict:
    """Members of the sharing groups may share their own servers with users or groups
    (JupyterHub 5's `shares` scope, filtered to their own servers), and look up whom to share with."""
    if not hub.sharing.groups:
        return {}
    return {"sharing": {
        "name": "sharing", "groups": sorted(hub.sharing.groups),
        "scopes": ["shares!user", "read:users:name", "read:groups:name"],
    }}


def authenticator_group_config(hub: DaskHubConfig) -> dict:
    """GitHubOAuthenticator settings that turn team membership into JupyterHub groups."""
    return {
        "populate_teams_in_auth_state": True,
        "manage_groups": True,
        "admin_groups": sorted(name for name, g in hub.groups.items() if g.admin),
    }
