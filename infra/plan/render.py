"""Human and machine views of a plan."""

import json
from collections import Counter

from .run import Plan


def to_json(plan: Plan) -> str:
    """Byte-identical for identical config: keys sorted, resources ordered by URN."""
    return json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n"


def to_tree(plan: Plan) -> str:
    children: dict[str | None, list[dict]] = {}
    for r in plan.resources:
        children.setdefault(r["parent"] if r["parent"] in {x["urn"] for x in plan.resources} else None, []).append(r)
    lines = [f"stack {plan.stack}"]

    def walk(parent: str | None, depth: int) -> None:
        for r in children.get(parent, []):
            flags = [f for f, on in (("protect", r["protect"]), ("retain", r["retain_on_delete"])) if on]
            suffix = f"  [{', '.join(flags)}]" if flags else ""
            lines.append(f"{'  ' * depth}├─ {r['type']}  {r['name']}{suffix}")
            walk(r["urn"], depth + 1)

    walk(None, 1)
    counts = Counter(r["type"] for r in plan.resources if r["custom"])
    lines += ["", f"{sum(counts.values())} resources in {len(plan.resources) - sum(counts.values())} components:"]
    lines += [f"  {n:4d}  {t}" for t, n in sorted(counts.items())]
    if plan.estimates:
        lines += ["", "estimates: " + json.dumps(plan.estimates, sort_keys=True)]
    lines += ["", "outputs: " + json.dumps(plan.outputs, indent=2, sort_keys=True)]
    if plan.unset_secrets:
        lines += ["", "secrets not set (shown as [secret]; set before `pulumi up`):"]
        lines += [f"  pulumi config set --secret --path '{p}'" for p in plan.unset_secrets]
    return "\n".join(lines) + "\n"
