"""The declared-state diff a reviewer reads: what a change adds, changes and removes.

Two plans are compared by URN. `before` is either the stack file as it is (with
`--set` the change is the overrides) or, with `--base REV`, the plan of the code
and stack file at REV, made in a temporary git worktree (see base.py). Each row
carries the engine's action (labels.py): create, import, update, replace, delete
or forget (retained), and whether `protect` stands in its way.
"""

from dataclasses import dataclass, field
from pathlib import Path

from . import labels
from .run import Plan, plan


@dataclass
class Change:
    action: str  # create, update or delete: what happens to the declaration
    resource: dict
    paths: list[str] = field(default_factory=list)
    label: str = ""  # what the engine does: one of labels.LABELS
    before: dict | None = None  # the previous declaration (update and delete)
    replaced_by: list[str] = field(default_factory=list)  # the paths that force a replace

    def __post_init__(self):
        if not self.label:
            self.label = {"create": labels.CREATE, "update": labels.UPDATE, "delete": labels.DELETE}[self.action]

    @property
    def blocked(self) -> bool:
        """The engine refuses this step: the resource is protected."""
        return labels.blocked_by_protect(self.label, self.before)


def _flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict) and value:
        out = {}
        for key, item in value.items():
            out |= _flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, item in enumerate(value):
            out |= _flatten(item, f"{prefix}[{i}]")
        return out
    return {prefix: value}


def changed_paths(before: dict, after: dict) -> list[str]:
    """Input paths whose values differ, plus the options that decide what a delete does."""
    old, new = _flatten(before["inputs"]), _flatten(after["inputs"])
    paths = sorted(k for k in old.keys() | new.keys() if old.get(k, _MISSING) != new.get(k, _MISSING))
    paths += [f"({opt})" for opt in ("protect", "retain_on_delete", "import_id", "provider")
              if before.get(opt) != after.get(opt)]
    return paths


_MISSING = object()


def classify(before: dict | None, after: dict | None) -> Change | None:
    """One URN's change, or None when the engine would see none."""
    if before is None:
        return Change("create", after, label=labels.label(None, after))
    if after is None:
        return Change("delete", before, label=labels.label(before, None), before=before)
    paths = changed_paths(before, after)
    ignored = set(labels.ignored_paths(paths, after.get("ignore_changes") or []))
    paths = [p for p in paths if p not in ignored]
    if not paths:
        return None
    return Change("update", after, paths, label=labels.label(before, after, paths), before=before,
                  replaced_by=labels.replacing_paths(after["type"], paths, after.get("ignore_changes") or []))


def diff_plans(before: Plan, after: Plan) -> list[Change]:
    old = {r["urn"]: r for r in before.resources}
    new = {r["urn"]: r for r in after.resources}
    changes = [classify(None, new[u]) for u in sorted(new.keys() - old.keys())]
    changes += [classify(old[u], new[u]) for u in sorted(old.keys() & new.keys())]
    changes += [classify(old[u], None) for u in sorted(old.keys() - new.keys())]
    return [c for c in changes if c is not None]


def diff(
    stack: str, overrides: tuple[str, ...], stack_file: Path | None = None, *,
    base: str | None = None, previous: tuple[str, ...] = (),
) -> tuple[Plan, Plan, list[Change]]:
    """The stack before the change, then after it, as the update after it would see it.

    Without `base`, before is the stack file as it is and after adds `overrides`. With
    `base`, before is the code and stack file at that git revision, after the working
    tree with `overrides`. The before plan's `migration` output is what the after
    plan's guards read as the last completed update, unless `previous` says otherwise.
    """
    if base:
        from .base import plan_at  # git and a subprocess: only for --base

        before = plan_at(base, stack, stack_file)
    else:
        before = plan(stack, stack_file=stack_file)
    after = plan(stack, stack_file=stack_file, overrides=overrides,
                 completed=before.outputs.get("migration") or {}, previous=previous)
    return before, after, diff_plans(before, after)


def _row(change: Change) -> str:
    r = change.resource
    notes = []
    if change.replaced_by:
        notes.append("replaced because of " + ", ".join(f"`{p}`" for p in change.replaced_by))
    if change.label == labels.IMPORT:
        notes.append(f"adopts `{r['import_id']}`")
    if change.label == labels.FORGET:
        notes.append("stays in the cloud")
    if change.blocked:
        notes.append(f"**protected: the engine refuses to {change.label.split()[0]} it; the update stops here**")
    elif (change.before or r).get("protect") or r.get("protect"):
        notes.append("protect")
    paths = ", ".join(f"`{p}`" for p in change.paths)
    return f"| {change.label} | `{r['type']}` | `{r['name']}` | {paths} | {'; '.join(notes)} |"


def to_markdown(
    stack: str, overrides: tuple[str, ...], changes: list[Change], *,
    base: str | None = None, previous: tuple[str, ...] = (),
) -> str:
    change = ", ".join(f"`--set {o}`" for o in overrides)
    if base:
        title = f"`{stack}` at `{base}` → working tree" + (f" with {change}" if change else "")
    else:
        title = f"`{stack}` with {change or 'no change'}"
    if previous:
        title += f" (previous phase {', '.join(f'`{p}`' for p in previous)})"
    lines = [
        f"### Declared-state diff: {title}",
        "",
        "This compares the resources the program declares before and after the change. "
        "`replace` comes from a table of the inputs each provider replaces on (infra/plan/labels.py); "
        "`pulumi preview` remains the authority on replacements and on what the cloud will do.",
        "",
    ]
    if not changes:
        return "\n".join(lines + ["No declared resource changes."]) + "\n"
    lines += ["| change | type | name | inputs changed | notes |", "|---|---|---|---|---|"]
    lines += [_row(c) for c in changes]
    counts = {a: sum(c.label == a for c in changes) for a in labels.LABELS}
    lines += ["", ", ".join(f"{n} to {a}" for a, n in counts.items() if n)]
    if blocked := [c for c in changes if c.blocked]:
        lines += ["", f"{len(blocked)} protected resource(s) would have to go: the update fails unless "
                      "`protect` is cleared in an earlier update."]
    return "\n".join(lines) + "\n"
