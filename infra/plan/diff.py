"""The declared-state diff a reviewer reads: what a config change adds, changes and removes."""

from dataclasses import dataclass, field
from pathlib import Path

from .run import Plan, plan


@dataclass
class Change:
    action: str  # create, update or delete
    resource: dict
    paths: list[str] = field(default_factory=list)


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
    paths += [f"({opt})" for opt in ("protect", "retain_on_delete", "import_id") if before[opt] != after[opt]]
    return paths


_MISSING = object()


def diff_plans(before: Plan, after: Plan) -> list[Change]:
    old = {r["urn"]: r for r in before.resources}
    new = {r["urn"]: r for r in after.resources}
    changes = [Change("create", new[u]) for u in sorted(new.keys() - old.keys())]
    for urn in sorted(old.keys() & new.keys()):
        if paths := changed_paths(old[urn], new[urn]):
            changes.append(Change("update", new[urn], paths))
    changes += [Change("delete", old[u]) for u in sorted(old.keys() - new.keys())]
    return changes


def diff(stack: str, overrides: tuple[str, ...], stack_file: Path | None = None) -> tuple[Plan, Plan, list[Change]]:
    """The stack as configured, then with `overrides`, as the update after it would see it."""
    before = plan(stack, stack_file=stack_file)
    after = plan(stack, stack_file=stack_file, overrides=overrides, completed=before.outputs.get("migration"))
    return before, after, diff_plans(before, after)


def to_markdown(stack: str, overrides: tuple[str, ...], changes: list[Change]) -> str:
    lines = [
        f"### Declared-state diff: `{stack}` with {', '.join(f'`{o}`' for o in overrides) or 'no change'}",
        "",
        "This compares the resources the program declares before and after the change. "
        "`pulumi preview` remains the authority on replacements and on what the cloud will do.",
        "",
    ]
    if not changes:
        return "\n".join(lines + ["No declared resource changes."]) + "\n"
    lines += ["| change | type | name | inputs changed |", "|---|---|---|---|"]
    for change in changes:
        r = change.resource
        lines.append(f"| {change.action} | `{r['type']}` | `{r['name']}` | {', '.join(f'`{p}`' for p in change.paths)} |")
    counts = {a: sum(c.action == a for c in changes) for a in ("create", "update", "delete")}
    lines += ["", ", ".join(f"{n} to {a}" for a, n in counts.items())]
    return "\n".join(lines) + "\n"
