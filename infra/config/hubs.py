"""One JupyterHub with Dask: its domain, image, users, profiles, storage and migration."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, IPvAnyNetwork, SecretStr, StringConstraints, model_validator

from .experience import HubPage, Image, ImageChoice, Sharing, SharedDirectory, anchored_regex
from .migration import Migration
from .types import Base, Domain, Email, Key, reject


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
    cpu: float = Field(gt=0, description="Guaranteed and limit CPUs.")
    memory_gb: float = Field(gt=0, description="Guaranteed and limit memory in GiB (KubeSpawner reads G as 1024**3).")
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


# The sizes (GiB) each storage tier can be created with. Filestore service tiers:
# Basic HDD 1 to 63.9 TiB, Basic SSD 2.5 to 63.9 TiB, zonal and regional 1 to 100 TiB
# (https://cloud.google.com/filestore/docs/service-tiers). EFS has no size.
HOME_TIERS: dict[str, dict[str, tuple[int, int] | None]] = {
    "gcp": {"BASIC_HDD": (1024, 63900), "BASIC_SSD": (2560, 63900), "ZONAL": (1024, 102400),
            "REGIONAL": (1024, 102400)},
    "aws": {"elastic": None},
}


# Kubernetes CronJob schedules: five fields, each `*`, a value, a range or a list
# of them, optionally `/step` (https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax).
_CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))


def _cron_field_problem(text: str, name: str, low: int, high: int) -> str | None:
    for part in text.split(","):
        span, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return f"{name} step {step!r} is not a positive number"
        if span == "*":
            continue
        bounds = span.split("-")
        if len(bounds) > 2 or not all(b.isdigit() for b in bounds):
            return f"{name} {part!r} is not *, a number, a range or a list of them"
        if not all(low <= int(b) <= high for b in bounds) or int(bounds[0]) > int(bounds[-1]):
            return f"{name} {part!r} is outside {low}-{high}"
    return None


def cron_schedule(value: str) -> str:
    fields = value.split()
    if len(fields) != len(_CRON_FIELDS):
        raise ValueError(f"must be a cron expression of 5 fields (minute hour day month weekday), got {value!r}")
    for text, (name, low, high) in zip(fields, _CRON_FIELDS):
        if problem := _cron_field_problem(text, name, low, high):
            raise ValueError(f"{value!r}: {problem}")
    return value


class HomeBackups(Base):
    """Filestore has no backup schedule of its own: a CronJob in the hub's namespace takes one
    (components/nfs_home/backups.py). GCP only: EFS homes are backed up by AWS Backup."""

    schedule: Annotated[str, AfterValidator(cron_schedule)] = Field(
        "0 3 * * *", description="When to take a backup: a cron expression, in the cluster's time zone (UTC on GKE).")
    retention_days: int = Field(14, ge=1, le=365, description="Backups older than this are deleted; the newest never is.")


class Home(Base):
    """Shared NFS home storage; user data lives here."""

    tier: str = Field("BASIC_HDD", description="Filestore tier on GCP; 'elastic' (EFS) on AWS.")
    capacity_gb: int | None = Field(
        None, ge=1, le=102400, description="Filestore size; EFS grows by itself (optional, for costs)."
    )
    backups: HomeBackups | None = Field(
        default_factory=HomeBackups, description="Scheduled Filestore backups (GCP); null turns them off.")


class Scratch(Base):
    """A per-hub bucket for intermediate data, so work is not tied to one hub's disk."""

    enabled: bool = True
    retention_days: int = Field(7, ge=1, le=365, description="Objects are deleted after this many days.")


class DaskLimits(Base):
    """What one user may run on the hub's dask-gateway; each cluster gets an equal share."""

    max_clusters_per_user: int = Field(2, ge=1, le=20, description="Active clusters one user may hold.")
    max_cores_per_user: float = Field(128, gt=0, le=4096, description="Worker and scheduler cores of all a user's clusters.")
    max_memory_gb_per_user: float = Field(
        1024, gt=0, le=32768, description="Worker and scheduler memory (GiB) of all a user's clusters."
    )
    idle_timeout_minutes: int = Field(
        30, ge=5, le=24 * 60, description="A cluster with no client connected for this long is shut down."
    )


class PublicBinder(Base):
    """The abuse limits of a public binder, whose users are anonymous and whose servers are throwaway."""

    per_repo_quota: int = Field(150, ge=1, le=10000, description="Servers running at once from one repository.")
    cull_idle_minutes: int = Field(10, ge=1, le=24 * 60, description="An idle server is stopped after this long.")
    cull_max_age_hours: float = Field(3, gt=0, le=48, description="Every server is stopped at this age, idle or not.")
    cpu: float = Field(1, gt=0, le=8, description="CPU limit of one server (half of it guaranteed).")
    memory_gb: float = Field(2, gt=0, le=32, description="Memory limit of one server in GiB (half of it guaranteed).")
    build_pool: Key | None = Field(
        None, description="A user node pool kept for builds (no profile uses it); unset: builds share the user nodes."
    )
    ban_networks: dict[IPvAnyNetwork, str] = Field(
        default_factory=dict, description="CIDR -> reason: BinderHub refuses launch and build requests from these."
    )


class Binder(Base):
    """Binder on this hub: users build images from repositories and launch them.

    `authenticated`: a feature of a hub with logins, open to `builders` (all users if
    empty). `public`: the hub *is* a binder (mybinder.org-like): anonymous users,
    throwaway servers, no home storage, and the `public` limits. The old
    `enabled: true` still reads as `mode: authenticated` (and `false` as no binder).
    """

    mode: Literal["authenticated", "public"] | None = Field(None, description="Who may build and launch; unset: no binder.")
    builders: list[Key] = Field(
        default_factory=list, description="authenticated: groups whose members may build; empty: every user."
    )
    public: PublicBinder | None = Field(None, description="public: the abuse limits (defaults apply if unset).")

    @model_validator(mode="before")
    @classmethod
    def _enabled_is_authenticated(cls, data):
        if isinstance(data, dict) and "enabled" in data:
            if "mode" in data:
                reject([("enabled", "is the old spelling of mode; set only mode")])
            if not isinstance(data["enabled"], bool):
                reject([("enabled", f"must be true or false, got {data['enabled']!r}")])
            data = {**{k: v for k, v in data.items() if k != "enabled"},
                    "mode": "authenticated" if data["enabled"] else None}
        return data

    @model_validator(mode="after")
    def _mode_fields(self):
        problems = []
        if self.builders and self.mode != "authenticated":
            problems.append(("builders", "only applies in mode authenticated (a public binder builds for anyone)"))
        if self.public is not None and self.mode != "public":
            problems.append(("public", "only applies in mode public"))
        reject(problems)
        return self

    @property
    def enabled(self) -> bool:
        return self.mode is not None

    @property
    def limits(self) -> PublicBinder:
        return self.public or PublicBinder()


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


class HubConfig(Base):
    """Everything that differs between two hubs of the same stack."""

    domain: Domain
    image: Image
    auth: Auth
    profiles: dict[Key, Profile] = Field(min_length=1)
    groups: dict[Key, Group] = Field(default_factory=dict, description="Groups of users by name.")
    home: Home = Home()
    scratch: Scratch = Scratch()
    idle_timeout_minutes: int = Field(60, ge=5, le=7 * 24 * 60, description="Idle servers are culled.")
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
    binder: Binder = Binder()
    dns: Dns = Dns()
    migration: Migration = Migration()

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

    @model_validator(mode="after")
    def _binder(self):
        problems = [
            ("binder.builders", f"unknown group {group!r}; groups: {', '.join(self.groups) or 'none'}")
            for group in self.binder.builders
            if group not in self.groups
        ]
        if self.binder.mode == "public":
            # Anonymous users' servers get no storage and no cloud credentials.
            problems += [(f"{section}.enabled", "must be false on a public binder (its users are anonymous)")
                         for section in ("scratch", "shared_directory") if getattr(self, section).enabled]
            if self.sharing.groups:
                problems.append(("sharing.groups", "must be empty on a public binder (its users are anonymous)"))
        reject(problems)
        return self
