"""How long creating a stack takes: the longest chain through the declared dependency graph."""

from .creation_minutes import CREATION_MINUTES, DEFAULT_MINUTES, UNAVOIDABLE_CHAIN

_RELEASE = "kubernetes:helm.sh/v3:Release"


def minutes(resource: dict) -> float:
    if not resource["custom"] or resource["type"].startswith("pulumi:providers:"):
        return 0.0
    return CREATION_MINUTES.get(resource["type"], DEFAULT_MINUTES)


def _waits_on(resource: dict) -> set[str]:
    """What the engine must finish first: inputs, depends_on and the resource's provider."""
    return set(resource["dependencies"]) | ({resource["provider"]} if resource["provider"] else set())


def critical_path(resources: list[dict]) -> tuple[float, list[str]]:
    index = {r["urn"]: r for r in resources}
    finish: dict[str, tuple[float, list[str]]] = {}

    def done_at(urn: str) -> tuple[float, list[str]]:
        if urn not in finish:
            resource = index[urn]
            before = max((done_at(d) for d in _waits_on(resource) if d in index), default=(0.0, []))
            own = minutes(resource)
            finish[urn] = (before[0] + own, before[1] + ([resource["name"]] if own else []))
        return finish[urn]

    return max((done_at(urn) for urn in index), default=(0.0, []))


# The control plane that tells which chain applies; no cluster declared: an existing one.
_CLUSTERS = {"gcp:container/cluster:Cluster": "gcp", "aws:eks/cluster:Cluster": "aws"}


def chain_of(resources: list[dict]) -> str:
    """Which UNAVOIDABLE_CHAIN fits the program: the cloud whose cluster it declares, if any."""
    clouds = {_CLUSTERS[r["type"]] for r in resources if r["type"] in _CLUSTERS}
    return clouds.pop() if len(clouds) == 1 else "existing cluster"


def estimate(resources: list[dict]) -> dict:
    chain_name = chain_of(resources)
    total, path = critical_path(resources)
    chain = sum(CREATION_MINUTES[t] for t in UNAVOIDABLE_CHAIN[chain_name])
    # A Release that skips its chart's CRDs waits for the one that installs them (infra/hubs.py):
    # helm applies a chart's crds/ only with the chart's own release, so that is a Release more.
    if any(r["type"] == _RELEASE and (r.get("inputs") or {}).get("skipCrds") for r in resources):
        chain += CREATION_MINUTES[_RELEASE]
    return {
        "unavoidable_chain": chain_name,
        "critical_path_minutes": round(total, 1),
        "unavoidable_chain_minutes": round(chain, 1),
        "critical_path_ratio": round(total / chain, 3),
        "critical_path": path,
    }
