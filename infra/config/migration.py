"""Moving a hub's users from an old deployment, one reviewed phase per update.

The home copy (components/nfs_home) and the old deployment (components/legacy)
own their arguments; the stack adds the old hub to stop, what the last update
completed, and the rules that hold across its hubs.
"""

from pydantic import Field, SecretStr

from components.fields import Base, Key
from components.legacy.args import PHASES, LegacyResources, Phase
from components.nfs_home.args import HomeMigration


class LegacyHub(Base):
    """The old hub's Kubernetes deployment, stopped at cutover."""

    kubeconfig: SecretStr | None = Field(
        None, description="Kubeconfig of the old cluster; set with `pulumi config set --secret --path`."
    )
    namespace: Key = Field(description="Namespace of the old hub's hub and proxy Deployments.")


class Previous(Base):
    """What the last update completed. Normally read from the stack's own outputs;
    set it only for offline plans (`--set`) or to recover a lost state."""

    phase: Phase
    home_tier: str | None = None
    legacy_home_deletable: bool = False
    legacy_cluster: bool = Field(False, description="The last update adopted `legacy.cluster`.")
    legacy_home: bool = Field(False, description="The last update adopted `legacy.home`.")


class Migration(HomeMigration):
    """Moving users from an old deployment: the home copy, the old hub it stops and what the last update did."""

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

    def _phase_problems(self) -> list[tuple[str, str]]:
        problems = super()._phase_problems()
        if self.old_hub_replicas() is not None and self.legacy_hub is None:
            problems.append(("legacy_hub", f"phase {self.phase!r} scales the old hub, so it needs its kubeconfig and namespace"))
        return problems


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
