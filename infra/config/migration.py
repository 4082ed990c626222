"""Moving a hub's users from an old deployment, one reviewed phase per update."""

import ipaddress
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from .types import Base, Key, reject

PHASES = ("none", "sync", "cutover", "decommission")
Phase = Literal["none", "sync", "cutover", "decommission"]


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
    export_ip: ipaddress.IPv4Address | None = Field(
        None, description="Free address in the old nodes' subnet for the rsync export's internal load balancer.")
    kubeconfig: SecretStr | None = Field(
        None, description="Kubeconfig of the old cluster, for the rsync export; `pulumi config set --secret --path`.")


class LegacyHome(Base):
    """The old Filestore instance, as it is (its inputs are adopted, not changed)."""

    name: str = Field(pattern=r"^[a-z][-a-z0-9]{0,62}$")
    location: str = Field(pattern=r"^[a-z]+-[a-z]+[0-9](-[a-z])?$")
    share: str = Field(pattern=r"^[a-z][_a-z0-9]{0,15}$", description="File share name.")
    ip: str | None = Field(None, pattern=r"^[0-9.]+$", description="The instance's address in the old VPC.")
    reserved_ip_range: ipaddress.IPv4Network | None = Field(
        None, description="The instance's reserved range (its own peered network, reachable from the old VPC only).")
    delete_after_backup: bool = Field(
        False,
        description="Delete it at decommission, after a backup made in that same update. "
        "Must already be true in the cutover update; otherwise it is retained.",
    )


class LegacyNetwork(Base):
    """The old VPC, peered with the new one so the new cluster's pods reach the rsync export."""

    name: str = Field(pattern=r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", description="VPC name in the old project.")
    ranges: dict[Key, ipaddress.IPv4Network] = Field(
        min_length=1, description="Every subnet range of the old VPC, secondary (pod, service) ranges included.")


class LegacyResources(Base):
    """The old deployment, once per stack however many hubs it served: adopted with `import`,
    read through an rsync export while hubs sync, deleted after every hub using it is cut over."""

    project: str = Field(pattern=r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$", description="Project holding them.")
    network: LegacyNetwork | None = None
    cluster: LegacyCluster | None = None
    home: LegacyHome | None = None


class Previous(Base):
    """What the last update completed. Normally read from the stack's own outputs;
    set it only for offline plans (`--set`) or to recover a lost state."""

    phase: Phase
    home_tier: str | None = None
    legacy_home_deletable: bool = False
    legacy_cluster: bool = Field(False, description="The last update adopted `legacy.cluster`.")
    legacy_home: bool = Field(False, description="The last update adopted `legacy.home`.")


class Migration(Base):
    """Moving users from an old deployment; phases are applied one reviewed update at a time."""

    phase: Phase = "none"
    source: LegacyNfs | None = None
    sync_generation: int = Field(0, ge=0, description="Raise to run another sync pass.")
    parallel: int = Field(4, ge=1, le=64, description="User directories copied at once.")
    legacy_hub: LegacyHub | None = None
    previous: Previous | None = None

    def old_hub_replicas(self) -> int | None:
        """0 at cutover; 1 again when cutover is rolled back to sync; otherwise left alone."""
        previous = self.previous.phase if self.previous else "none"
        if self.phase == "cutover":
            return 0
        if self.phase == "sync" and previous == "cutover":
            return 1
        return None

    @property
    def uses_legacy(self) -> bool:
        """Reads the old homes through the stack's `legacy` deployment (no direct NFS server)."""
        return self.source is not None and self.source.server is None

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
    return problems


def legacy_stage(migrations: dict[str, Migration]) -> Phase:
    """Where the shared old deployment stands: the least advanced phase of the hubs that use it.

    It is dropped (deleted) only when every one of them is at decommission, which
    the phase guard allows only after that hub's cutover completed.
    """
    using = [m.phase for m in migrations.values() if m.uses_legacy]
    return min(using, key=PHASES.index) if using else "none"


def legacy_home_deletable(legacy: LegacyResources | None, migrations: dict[str, Migration]) -> bool:
    """True when the old home will be deleted by the update that decommissions the last hub using it.

    State keeps retain_on_delete from the last update, so it is cleared one update
    earlier: when every hub using it is at least at cutover, and only when the
    operator asked for delete-after-backup.
    """
    home = legacy and legacy.home
    phases = [m.phase for m in migrations.values() if m.uses_legacy]
    return bool(home and home.delete_after_backup and phases and legacy_stage(migrations) == "cutover")


def dropped_legacy_problems(legacy: LegacyResources | None, migrations: dict[str, Migration]) -> list[tuple[str, str]]:
    """Adopted old resources taken out of the config while a hub still syncs from or cuts over
    from them: the update would delete the live old cluster or homes. Their `protect`
    (components/legacy/gcp.py) makes the engine refuse it too; this says so before the update."""
    moving = sorted(n for n, m in migrations.items() if m.phase in ("sync", "cutover"))
    if not moving:
        return []
    problems = []
    for key, field in (("cluster", "legacy_cluster"), ("home", "legacy_home")):
        adopted = any(getattr(m.previous, field) for m in migrations.values() if m.previous)
        if adopted and getattr(legacy, key, None) is None:
            problems.append((f"legacy.{key}", f"was adopted by the last update and {', '.join(moving)} "
                                              "is still migrating: removing it would delete it; "
                                              "it goes at decommission"))
    return problems
