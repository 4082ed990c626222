"""Groups from config, run by the real GitHubOAuthenticator, KubeSpawner profiles and JupyterHub scopes."""

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyterhub.scopes import _check_scopes_exist
from oauthenticator.github import GitHubOAuthenticator
from traitlets.config import Config

from components.nfs_home.volumes import singleuser_home_values
from components.dask_hub.charts import HubReleases
from components.dask_hub.jupyterhub_values import HubSecrets, jupyterhub_values
from infra.config import ConfigError, parse_stack_config, read_stack_file, set_key

REPO = Path(__file__).resolve().parents[2]


def render(values=None):
    config = parse_stack_config(values or read_stack_file(REPO / "Pulumi.gcp.yaml"))
    selectors = {pool: {"cloud.google.com/gke-nodepool": pool} for pool in config.cluster.node_pools}
    return jupyterhub_values(
        config.hubs["prod"], releases=HubReleases("prod"), secrets=HubSecrets(*"abcdef"), pool_selectors=selectors, home=singleuser_home_values("home-nfs"),
        scratch_prefix=None, service_account="user", proxy_service={},
    )


@pytest.fixture(scope="module")
def hub_config():
    """The hub's traitlets config as z2jh builds it: chart config, profile list, then extraConfig."""
    values = render()
    c = Config(values["hub"]["config"])
    c.KubeSpawner.profile_list = values["singleuser"]["profileList"]
    exec(values["hub"]["extraConfig"]["groups"], {"c": c})
    return c


def github_auth_state(login, *teams):
    return {"github_user": {"login": login},
            "teams": [{"slug": t.split(":")[1], "organization": {"login": t.split(":")[0]}} for t in teams]}


def test_github_teams_and_usernames_become_jupyterhub_groups(hub_config):
    auth = GitHubOAuthenticator(config=hub_config)
    assert auth.manage_groups and auth.populate_teams_in_auth_state
    assert auth.admin_groups == {"operators"}
    groups = asyncio.run(auth.get_user_groups(github_auth_state("alice", "pangeo-data:hub-power-users", "other:team")))
    assert set(groups) == {"power-users"}
    assert set(asyncio.run(auth.get_user_groups(github_auth_state("bob")))) == set()
    assert set(asyncio.run(auth.get_user_groups(github_auth_state("ops", "2i2c-org:hub-operators")))) == {"operators"}


def spawner(*groups, admin=False):
    return SimpleNamespace(user=SimpleNamespace(groups=[SimpleNamespace(name=g) for g in groups], admin=admin))


def test_restricted_profiles_are_offered_only_to_their_groups_and_admins(hub_config):
    profiles_for = hub_config.KubeSpawner.profile_list
    assert [p["slug"] for p in profiles_for(spawner())] == ["small", "medium"]
    assert [p["slug"] for p in profiles_for(spawner("power-users"))] == ["small", "medium", "large"]
    assert [p["slug"] for p in profiles_for(spawner(admin=True))] == ["small", "medium", "large", "huge"]


def test_the_cds_lab_team_and_only_it_gets_the_huge_profile(hub_config):
    """The old hubs' Huge profile was for the pangeo-data:cds-lab team (issue 18 item 5)."""
    auth = GitHubOAuthenticator(config=hub_config)
    groups = asyncio.run(auth.get_user_groups(github_auth_state("carol", "pangeo-data:cds-lab")))
    assert set(groups) == {"cds-lab"}
    profiles_for = hub_config.KubeSpawner.profile_list
    assert [p["slug"] for p in profiles_for(spawner(*groups))] == ["small", "medium", "huge"]
    plain = asyncio.run(auth.get_user_groups(github_auth_state("dave", "pangeo-data:us-central1-b-gcp")))
    assert "huge" not in [p["slug"] for p in profiles_for(spawner(*plain))]


def test_group_roles_use_scopes_jupyterhub_knows():
    roles = render()["hub"]["loadRoles"]
    assert roles["group-operators"]["groups"] == ["operators"]
    for role in roles.values():
        _check_scopes_exist(role["scopes"])


def test_an_unknown_scope_is_caught_by_jupyterhub():
    values = set_key(read_stack_file(REPO / "Pulumi.gcp.yaml"), "hubs.prod.groups.operators.scopes=[admin:everything]")
    with pytest.raises(KeyError):
        _check_scopes_exist(render(values)["hub"]["loadRoles"]["group-operators"]["scopes"])


@pytest.mark.parametrize("assignment, message", [
    ("hubs.prod.profiles.large.groups=[nobody]", "pangeo-hubs:hubs.prod.profiles.large.groups: unknown group 'nobody'"),
    ("hubs.prod.profiles.small.groups=[power-users]", "pangeo-hubs:hubs.prod.profiles.small.default: the default profile must be open to everyone"),
    ("hubs.prod.groups.empty={}", "pangeo-hubs:hubs.prod.groups.empty.members: a group needs github_teams or members"),
    ("hubs.prod.groups.operators.github_teams=[no-colon]", "pangeo-hubs:hubs.prod.groups.operators.github_teams.0: string should match pattern"),
])
def test_bad_group_config_names_the_key(assignment, message):
    with pytest.raises(ConfigError) as error:
        parse_stack_config(set_key(read_stack_file(REPO / "Pulumi.gcp.yaml"), assignment))
    assert any(line.startswith(message) for line in error.value.problems), error.value.problems


def test_hubs_without_groups_render_no_group_machinery():
    values = read_stack_file(REPO / "Pulumi.gcp.yaml")
    values = set_key(values, "hubs.prod.groups={}")
    values = set_key(values, "hubs.prod.profiles.large.groups=[]")
    values = set_key(values, "hubs.prod.profiles.huge.groups=[]")
    values = set_key(values, "hubs.prod.sharing.groups=[]")
    values = set_key(values, "hubs.prod.shared_directory.writers=[]")
    rendered = render(values)
    assert "groups" not in rendered["hub"]["extraConfig"]
    assert "manage_groups" not in rendered["hub"]["config"]["GitHubOAuthenticator"]
