"""The labels every Kubernetes object pangeo-hubs declares carries, so `kubectl -l` finds them all."""

PART_OF = {"app.kubernetes.io/part-of": "pangeo-hubs"}


def labels(component: str | None = None) -> dict[str, str]:
    return {**PART_OF, **({"app.kubernetes.io/component": component} if component else {})}
