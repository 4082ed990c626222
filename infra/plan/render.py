"""Human and machine views of a plan."""

import json
from collections import Counter

from .creation_minutes import UNAVOIDABLE_CHAIN
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
        lines += ["", *estimate_lines(plan.estimates)]
    lines += ["", "outputs: " + json.dumps(plan.outputs, indent=2, sort_keys=True)]
    if plan.unset_secrets:
        lines += ["", "secrets not set (shown as [secret]; set before `pulumi up`):"]
        lines += [f"  pulumi config set --secret --path '{p}' -s {plan.stack}" for p in plan.unset_secrets]
    if plan.placeholders:
        lines += ["", "placeholders (`pulumi preview` and `pulumi up` refuse them; replace them first):"]
        lines += [f"  {p}" for p in plan.placeholders]
    return "\n".join(lines) + "\n"


def estimate_lines(estimates: dict) -> list[str]:
    """The creation estimate as a reader takes it in (docs/estimates.md explains the figures)."""
    return [
        "estimates (minutes to create the stack from nothing; docs/estimates.md):",
        f"  critical path      {estimates['critical_path_minutes']}",
        f"  unavoidable chain  {estimates['unavoidable_chain_minutes']} "
        f"({estimates['unavoidable_chain']}: {' -> '.join(_short(t) for t in UNAVOIDABLE_CHAIN[estimates['unavoidable_chain']])})",
        f"  ratio              {estimates['critical_path_ratio']}",
        f"  through            {' -> '.join(estimates['critical_path']) or 'nothing that takes time'}",
    ]


def _short(resource_type: str) -> str:
    """`gcp:container/nodePool:NodePool` -> `NodePool`, `kubernetes:helm.sh/v3:Release` -> `Release`."""
    return resource_type.rsplit(":", 1)[-1]
