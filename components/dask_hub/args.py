"""A DaskHub's arguments: what differs between two hubs, checked before anything is declared."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, SecretStr, StringConstraints, model_validator

from components.fields import Base, Domain, Email, Int, Key, Number, reject
from components.sizing import Allocatable

from .experience import HubPage, Image, ImageChoice, Sharing, SharedDirectory, anchored_regex


class GitHubAuth(Base):
    """GitHub OAuth, restricted to members of GitHub teams."""

    client_id: str = Field(min_length=1, description="OAuth app client id.")
    client_secret: SecretStr | None = Field(
        None, description="OAuth app secret; set with `pulumi config set --secret --path`."
    )
    allowed_teams: list[str] = Field(
        min_length=1,
        description="`org:team` slugs whose members may log in.",
    )

    @model_validator(mode="after")
    def _team_slugs(self):
        reject([
            ("allowed_teams", f"must be 'org:team', got {t!r}")
            for t in self.allowed_teams
            if t.count(":") != 1 or not all(t.split(":"))
        ])
        return self


class Auth(Base):
    """Who may log in and who administers the hub."""

    github: GitHubAuth
    admins: list[str] = Field(min_length=1, description="GitHub usernames with admin rights.")


TEAM = r"^[A-Za-z0-9][-A-Za-z0-9]*:[a-z0-9][-_a-z0-9]*$"
# JupyterHub scope syntax, e.g. admin:servers or read:users!group=staff; JupyterHub
# itself checks the names at start-up (and the tests against the real one).
SCOPE = r"^[a-z][-a-z:]*[a-z](![a-z]+=[-_.A-Za-z0-9]+)?$"


class Group(Base):
    """A set of users and what they may do, managed here rather than in Kubernetes.

    Membership comes from GitHub teams (read at each login) and explicit usernames."""

    github_teams: list[Annotated[str, StringConstraints(pattern=TEAM)]] = Field(
        default_factory=list, description="`org:team` slugs whose members belong to the group."
    )
    members: list[str] = Field(default_factory=list, description="GitHub usernames that belong to the group.")
    admin: bool = Field(False, description="Members administer the hub.")
    scopes: list[Annotated[str, StringConstraints(pattern=SCOPE)]] = Field(
        default_factory=list, description="Extra JupyterHub scopes granted to members, e.g. admin:servers."
    )

    @model_validator(mode="after")
    def _has_members(self):
        if not self.github_teams and not self.members:
            reject([("members", "a group needs github_teams or members")])
        return self


class Profile(Base):
    """A server size users pick at spawn time."""

    display_name: str = Field(min_length=1)
    description: str = ""
    node_pool: Key = Field(description="User pool the server runs on.")
    # Finite bounds, Room's (components/cluster/existing.py); the stack also checks that a profile
    # fits an empty node of its own pool.
    cpu: Number = Field(gt=0, le=1024, description="Guaranteed and limit CPUs.")
    memory_gb: Number = Field(gt=0, le=24576, description="Guaranteed and limit memory in GiB (KubeSpawner reads G as 1024**3).")
    default: bool = False
    groups: list[Key] = Field(
        default_factory=list, description="Only members of these groups (and admins) see it; empty: everyone."
    )
    images: list[Key] | None = Field(
        None, description="Keys of the hub's `images` this profile offers besides the hub's image; unset: all."
    )
    other_image_pattern: Annotated[str, AfterValidator(anchored_regex)] | None = Field(
        None, description="Lets users of this profile type any image matching this anchored regex.",
    )


def fit_problems(profile: Profile, room: Allocatable, node: str) -> list[tuple[str, str]]:
    """(field, problem) for what a profile guarantees beyond `room`, what a pod may request on an
    empty node of its pool with headroom kept (components/sizing.py room()): beyond the node's
    allocatable such a server would never schedule."""
    too_big = []
    if profile.cpu > room.cpu:
        too_big.append(("cpu", f"{profile.cpu:g} CPU", f"{room.cpu:.2f} CPU"))
    if profile.memory_gb > room.memory_gib:
        too_big.append(("memory_gb", f"{profile.memory_gb:g} GiB", f"{room.memory_gib:.1f} GiB"))
    return [(field, f"{asked} does not fit on {node} (room for one pod on an empty node: {has})")
            for field, asked, has in too_big]


class Scratch(Base):
    """A per-hub bucket for intermediate data, so work is not tied to one hub's disk."""

    enabled: bool = True
    retention_days: Int = Field(7, ge=1, le=365, description="Objects are deleted after this many days.")


class DaskLimits(Base):
    """What one user may run on the hub's dask-gateway; each cluster gets an equal share."""

    max_clusters_per_user: Int = Field(2, ge=1, le=20, description="Active clusters one user may hold.")
    max_cores_per_user: Number = Field(128, gt=0, le=4096, description="Worker and scheduler cores of all a user's clusters.")
    max_memory_gb_per_user: Number = Field(
        1024, gt=0, le=32768, description="Worker and scheduler memory (GiB) of all a user's clusters."
    )
    idle_timeout_minutes: Int = Field(
        30, ge=5, le=24 * 60, description="A cluster with no client connected for this long is shut down."
    )


class Dns(Base):
    """Who points the hub's domain at its load balancer."""

    mode: Literal["cloud", "external"] = Field(
        "external", description="cloud: a record in `zone` (Cloud DNS or Route53); external: set by hand."
    )
    zone: str | None = Field(None, description="Cloud DNS managed zone name or Route53 hosted zone id.")

    @model_validator(mode="after")
    def _zone(self):
        if self.mode == "cloud" and not self.zone:
            reject([("zone", "is required when mode is 'cloud'")])
        return self


class DaskHubConfig(Base):
    """One hub's own settings: its address, image, logins, profiles, groups and Dask limits."""

    domain: Domain
    image: Image
    auth: Auth
    profiles: dict[Key, Profile] = Field(min_length=1)
    groups: dict[Key, Group] = Field(default_factory=dict, description="Groups of users by name.")
    scratch: Scratch = Scratch()
    idle_timeout_minutes: Int = Field(60, ge=5, le=7 * 24 * 60, description="Idle servers are culled.")
    dask: DaskLimits = DaskLimits()
    redundant_entry: bool = Field(
        True, description="The proxy's load balancer spans two zones (on AWS, one Elastic IP each); "
        "false: one zone, for a staging hub or a public binder, within a new account's 5 addresses.",
    )
    images: dict[Key, ImageChoice] = Field(
        default_factory=dict, description="Further environments users may pick; `image` stays the default."
    )
    sharing: Sharing = Sharing()
    page: HubPage = HubPage()
    shared_directory: SharedDirectory = SharedDirectory()
    letsencrypt_email: Email = Field(description="Let's Encrypt contact for the hub's HTTPS certificate.")
    dns: Dns = Dns()

    @model_validator(mode="after")
    def _profiles(self):
        defaults = [k for k, p in self.profiles.items() if p.default]
        problems = []
        if len(defaults) > 1:
            problems.append(("profiles", f"only one profile may be the default, got {', '.join(defaults)}"))
        for slug, profile in self.profiles.items():
            problems += [
                (f"profiles.{slug}.groups", f"unknown group {group!r}; groups: {', '.join(self.groups) or 'none'}")
                for group in profile.groups
                if group not in self.groups
            ]
            if profile.default and profile.groups:
                problems.append((f"profiles.{slug}.default", "the default profile must be open to everyone"))
            problems += [
                (f"profiles.{slug}.images", f"unknown image {key!r}; images: {', '.join(self.images) or 'none'}")
                for key in profile.images or ()
                if key not in self.images
            ]
        if not any(not p.groups for p in self.profiles.values()):
            problems.append(("profiles", "at least one profile must be open to everyone"))
        for section in ("sharing", "shared_directory"):
            key = "groups" if section == "sharing" else "writers"
            problems += [
                (f"{section}.{key}", f"unknown group {group!r}; groups: {', '.join(self.groups) or 'none'}")
                for group in getattr(getattr(self, section), key)
                if group not in self.groups
            ]
        reject(problems)
        return self
