"""How long creating a stack takes: the critical path through the declared dependency graph."""

def estimate(resources: list[dict]) -> dict:
    return {}
