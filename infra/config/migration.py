"""Moving a hub's users from an old deployment, one reviewed phase per update."""

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from .types import Base, Key, reject

PHASES = ("none", "sync", "cutover", "decommission")
Phase = Literal["none", "sync", "cutover", "decommission"]


class LegacyNfs(Base):
    """The old deployment's NFS export holding the users' homes."""

    server: str = Field(pattern=r"^[A-Za-z0-9.-]+$", description="NFS server address.")
    path: str = Field(pattern=r"^/", description="Exported path.")


class LegacyHub(Base):
    """The old hub's Kubernetes deployment, stopped at cutover."""

    kubeconfig: SecretStr | None = Field(
        None, description="Kubeconfig of the old cluster; set with `pulumi config set --secret --path`."
    )
    namespace: Key = Field(description="Namespace of the old hub's hub and proxy Deployments.")


class LegacyCluster(Base):
    name: str = Field(pattern=r"^[a-z][-a-z0-9]{0,39}$")
    location: str = Field(pattern=r"^[a-z]+-[a-z]+[0-9](-[a-z])?$")
    node_pools: list[str] = Field(default_factory=list, description="Node pools adopted with the cluster.")


class LegacyHome(Base):
    """The old Filestore instance, as it is (its inputs are adopted, not changed)."""

    name: str = Field(pattern=r"^[a-z][-a-z0-9]{0,62}$")
    location: str = Field(pattern=r"^[a-z]+-[a-z]+[0-9](-[a-z])?$")
    share: str = Field(pattern=r"^[a-z][_a-z0-9]{0,15}$", description="File share name.")
    delete_after_backup: bool = Field(
        False,
        description="Delete it at decommission, after a backup made in that same update. "
        "Must already be true in the cutover update; otherwise it is retained.",
    )


class LegacyResources(Base):
    """Old GCP resources adopted into the stack with `import`, and deleted at decommission."""

    project: str = Field(pattern=r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$", description="Project holding them.")
    cluster: LegacyCluster | None = None
    home: LegacyHome | None = None


class Previous(Base):
    """What the last update completed. Normally read from the stack's own outputs;
    set it only for offline plans (`--set`) or to recover a lost state."""

    phase: Phase
    home_tier: str | None = None
    legacy_home_deletable: bool = False


class Migration(Base):
    """Moving users from an old deployment; phases are applied one reviewed update at a time."""

    phase: Phase = "none"
    source: LegacyNfs | None = None
    sync_generation: int = Field(0, ge=0, description="Raise to run another sync pass.")
    parallel: int = Field(4, ge=1, le=64, description="User directories copied at once.")
    legacy_hub: LegacyHub | None = None
    legacy_resources: LegacyResources | None = None
    previous: Previous | None = None

    def old_hub_replicas(self) -> int | None:
        """0 at cutover; 1 again when cutover is rolled back to sync; otherwise left alone."""
        previous = self.previous.phase if self.previous else "none"
        if self.phase == "cutover":
            return 0
        if self.phase == "sync" and previous == "cutover":
            return 1
        return None

    def legacy_home_deletable(self) -> bool:
        """True when the old home will be deleted by the next (decommission) update.

        State keeps retain_on_delete from the last update, so it is cleared only in
        the cutover update, and only when the operator asked for delete-after-backup.
        """
        home = self.legacy_resources and self.legacy_resources.home
        return bool(home and home.delete_after_backup and self.phase == "cutover")

    @model_validator(mode="after")
    def _needs_for_phase(self):
        problems = []
        if self.phase != "none" and self.source is None:
            problems.append(("source", f"phase {self.phase!r} needs the legacy NFS source"))
        if self.old_hub_replicas() is not None and self.legacy_hub is None:
            problems.append(("legacy_hub", f"phase {self.phase!r} scales the old hub, so it needs its kubeconfig and namespace"))
        reject(problems)
        return self


def transition_problems(path: str, migration: Migration, home_tier: str) -> list[tuple[str, str]]:
    """Phase changes that would skip a step, undo a teardown or move user data unsafely."""
    previous = migration.previous or Previous(phase="none")
    before, after = PHASES.index(previous.phase), PHASES.index(migration.phase)
    problems = []
    where = f"{path}.migration.phase"
    if after > before + 1:
        problems.append((where, f"cannot go from {previous.phase!r} to {migration.phase!r}: "
                                f"apply {PHASES[before + 1]!r} first"))
    if previous.phase == "decommission" and after < before:
        problems.append((where, "the old deployment is gone: decommission cannot be rolled back"))
    if after != before and previous.home_tier not in (None, home_tier):
        problems.append((f"{path}.home.tier", f"changes the home volume ({previous.home_tier} to {home_tier}) "
                                              "in the same update as a phase change; do one at a time"))
    legacy_home = migration.legacy_resources and migration.legacy_resources.home
    if previous.legacy_home_deletable and not legacy_home:
        problems.append((f"{path}.migration.legacy_resources.home",
                         "was set to be deleted after a backup; removing it now would delete it without one"))
    return problems
