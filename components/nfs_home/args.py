"""An NFSHome's arguments: the storage tier and size, its backups, and the copy of old homes into it."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from components.fields import Base, Int, reject
from components.phases import Phase

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
    retention_days: Int = Field(14, ge=1, le=365, description="Backups older than this are deleted; the newest never is.")


class Home(Base):
    """Shared NFS home storage; user data lives here."""

    tier: str = Field("BASIC_HDD", description="Filestore tier on GCP; 'elastic' (EFS) on AWS.")
    capacity_gb: Int | None = Field(
        None, ge=1, le=102400, description="Filestore size; EFS grows by itself (optional, for costs)."
    )
    backups: HomeBackups | None = Field(
        default_factory=HomeBackups, description="Scheduled Filestore backups (GCP); null turns them off.")


class LegacyNfs(Base):
    """Where the old homes are, and how the old hub named them."""

    server: str | None = Field(
        None, pattern=r"^[A-Za-z0-9.-]+$",
        description="NFS server the new cluster can mount directly. Unset: the homes are read through the "
        "stack's `legacy` deployment (an rsync export on the old cluster, see docs/migration.md).",
    )
    path: str = Field(pattern=r"^/", description="Directory holding one directory per user: on the NFS server, "
                      "or inside the old Filestore share (e.g. /homes/<cluster-subdir>).")
    naming: Literal["same", "escapism-legacy"] = Field(
        "same", description="How the old hub named homes: `escapism-legacy` is KubeSpawner < 7's escape scheme.")
    map: str | None = Field(None, description="File of `old<TAB>new` lines from `python -m infra.migrate "
                            "map-usernames`; required unless naming is `same`.")
    old_users: str | None = Field(None, description="File of the old hub's user names; cutover fails "
                                  "unless each of them with an old home has one where the new hub looks.")

    @model_validator(mode="after")
    def _map_for_renames(self):
        if self.naming != "same" and self.map is None:
            reject([("map", f"naming {self.naming!r} renames homes, so it needs the map file")])
        if self.old_users is not None and self.map is None:
            reject([("old_users", "is checked against the map, so it needs `map`")])
        return self


class HomeMigration(Base):
    """Copying users' homes from an old deployment, one reviewed phase per update: a bulk
    pass from `sync` on, a final pass (the old hub stopped) from `cutover` on."""

    phase: Phase = "none"
    source: LegacyNfs | None = None
    sync_generation: Int = Field(0, ge=0, le=9999, description="Raise to run another sync pass.")
    parallel: Int = Field(4, ge=1, le=64, description="User directories copied at once.")

    @property
    def uses_legacy(self) -> bool:
        """Reads the old homes through the stack's `legacy` deployment (no direct NFS server)."""
        return self.source is not None and self.source.server is None

    def _phase_problems(self) -> list[tuple[str, str]]:
        if self.phase != "none" and self.source is None:
            return [("source", f"phase {self.phase!r} needs the legacy NFS source: write source.path (the "
                               "directory of old homes) and source.server (the NFS server; leave it out to read "
                               "through the stack's `legacy`)")]
        return []

    @model_validator(mode="after")
    def _needs_for_phase(self):
        reject(self._phase_problems())
        return self
