"""The labels every Kubernetes object pangeo-hubs declares carries, so `kubectl -l` finds them all,
and the annotation every Job Pulumi waits for carries."""

PART_OF = {"app.kubernetes.io/part-of": "pangeo-hubs"}


def labels(component: str | None = None) -> dict[str, str]:
    return {**PART_OF, **({"app.kubernetes.io/component": component} if component else {})}


# pulumi-kubernetes waits for a Job to complete and fails the update on its Failed
# condition. The next update neither reruns nor re-awaits a Job whose spec is unchanged,
# so it stays failed, unless it carries this: then a Job that is not ready is replaced
# (the pulumi_kubernetes batch/v1 Job docstring; pulumi/pulumi-kubernetes#1575).
REPLACE_UNREADY = {"pulumi.com/replaceUnready": "true"}
