"""Queries over a plan's recorded resources."""


def of_type(plan, type_: str) -> list[dict]:
    return [r for r in plan.resources if r["type"] == type_]


def one(plan, type_: str, name: str) -> dict:
    matches = [r for r in of_type(plan, type_) if r["name"] == name]
    assert len(matches) == 1, f"expected one {type_} named {name}, got {len(matches)}"
    return matches[0]


def by_urn(plan) -> dict[str, dict]:
    return {r["urn"]: r for r in plan.resources}


def waits_on(plan, resource: dict, target: dict) -> bool:
    """True when `resource` transitively depends on `target` (through inputs, depends_on or parents)."""
    index = by_urn(plan)
    seen, stack = set(), [resource["urn"]]
    while stack:
        urn = stack.pop()
        if urn == target["urn"]:
            return True
        if urn in seen or urn not in index:
            continue
        seen.add(urn)
        stack += index[urn]["dependencies"]
    return False
