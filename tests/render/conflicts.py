"""Cluster-level collisions between the objects of one stack: pure functions over `Obj` lists.

Each hub is fine on its own; the failures come from two of them on one cluster.
Helm refuses to install an object another release owns. CRDs from a chart's crds/
are the one exception, and still reported: helm skips those that exist, so the
second release would silently depend on the first one's copy. One release per
cluster installs them and the others set skip_crds and wait for it (crd_order), so who owns them is explicit.
Some names are cluster-wide by design: two dask-gateways with one instance id
reconcile each other's clusters, and two user-schedulers with one schedulerName
schedule each other's pods. Every function returns messages naming both sides.
"""

import re
from collections import defaultdict

import yaml

from .objects import Obj

_INSTANCE_CONFIG = re.compile(r"gateway_instance\s*=\s*['\"]([^'\"]+)['\"]")
_INSTANCE_ARG = "--providers.kubernetescrd.labelselector=gateway.dask.org/instance="
_KUBE_DEFAULT_SCHEDULER = "default-scheduler"


def _duplicates(objects: list[Obj], cluster_scoped: bool) -> list[str]:
    seen = defaultdict(list)
    for obj in objects:
        if (obj.namespace is None) == cluster_scoped and obj.name:
            seen[(obj.cluster, obj.group, obj.kind, obj.namespace, obj.name)].append(obj.origin)
    return sorted(
        f"{kind}{f' ({group})' if group else ''} {f'{ns}/' if ns else ''}{name} rendered by {' and '.join(origins)}"
        for (_, group, kind, ns, name), origins in seen.items() if len(origins) > 1
    )


def cluster_scoped_collisions(objects: list[Obj]) -> list[str]:
    """The same cluster-scoped object (group, kind, name) from two sources on one cluster."""
    return _duplicates(objects, cluster_scoped=True)


def namespaced_collisions(objects: list[Obj]) -> list[str]:
    """The same namespaced object (group, kind, namespace, name) from two sources, or twice from one."""
    return _duplicates(objects, cluster_scoped=False)


def _shared(owners: dict[tuple[str, str], set[str]], what: str) -> list[str]:
    return sorted(f"{what} {value!r} used by {' and '.join(sorted(origins))}"
                  for (_, value), origins in owners.items() if len(origins) > 1)


def pod_specs(manifest: dict) -> list[dict]:
    """The pod spec of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod)."""
    spec = manifest.get("spec") or {}
    if manifest.get("kind") == "Pod":
        return [spec]
    if manifest.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template") or {}
    return [template["spec"]] if isinstance(template.get("spec"), dict) else []


def containers(manifest: dict) -> list[dict]:
    return [c for pod in pod_specs(manifest) for c in pod.get("initContainers", []) + pod.get("containers", [])]


def gateway_instance_collisions(objects: list[Obj]) -> list[str]:
    """dask-gateway installations sharing an instance id on one cluster.

    The chart (2026.3.0) derives the id from its fullname (release name, or the
    `fullnameOverride` value) and writes it into the controller's and the API's
    config (`gateway_instance = '...'`), the objects' `gateway.dask.org/instance`
    label, and Traefik's CRD label selector; controller and Traefik watch every
    namespace, filtered by that label only.
    """
    owners = defaultdict(set)
    for obj in objects:
        if obj.kind == "ConfigMap":
            for text in (obj.manifest.get("data") or {}).values():
                for instance in _INSTANCE_CONFIG.findall(str(text)):
                    owners[(obj.cluster, instance)].add(obj.origin)
        for container in containers(obj.manifest):
            for arg in container.get("args") or []:
                if str(arg).startswith(_INSTANCE_ARG):
                    owners[(obj.cluster, str(arg).removeprefix(_INSTANCE_ARG))].add(obj.origin)
    return _shared(owners, "dask-gateway instance")


def _scheduler_names(configmap: dict) -> list[str]:
    names = []
    for text in (configmap.get("data") or {}).values():
        if "KubeSchedulerConfiguration" not in str(text):
            continue
        config = yaml.safe_load(text) or {}
        if config.get("kind") == "KubeSchedulerConfiguration":
            names += [p.get("schedulerName", _KUBE_DEFAULT_SCHEDULER) for p in config.get("profiles") or [{}]]
    return names


def scheduler_name_collisions(objects: list[Obj]) -> list[str]:
    """Extra schedulers (z2jh's user-scheduler) sharing a schedulerName on one cluster, or taking
    the cluster's own default-scheduler name: pods would be bound by whichever scheduler wins."""
    owners = defaultdict(set)
    for obj in objects:
        if obj.kind == "ConfigMap":
            for name in _scheduler_names(obj.manifest):
                owners[(obj.cluster, name)].add(obj.origin)
                if name == _KUBE_DEFAULT_SCHEDULER:
                    owners[(obj.cluster, name)].add("the cluster's kube-scheduler")
    return _shared(owners, "schedulerName")


def _crd_key(manifest: dict) -> tuple[str, str]:
    return manifest["spec"]["group"], manifest["spec"]["names"]["kind"]


def _upstream(plan, urn: str) -> set[str]:
    """Every URN `urn` waits for, through inputs and depends_on."""
    deps = {r["urn"]: r["dependencies"] for r in plan.resources}
    seen, todo = set(), list(deps.get(urn, []))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += deps.get(current, [])
    return seen


def crd_order(plan, rendered: dict) -> list[str]:
    """Releases that render a custom resource whose CRD another Release installs, without waiting for it.

    helm refuses to install a release with a kind the cluster does not know yet ("ensure
    CRDs are installed first"); the CRDs in a chart's crds/ are applied before its own
    templates, so only a release rendering them itself, or waiting for the one that
    does, installs on a fresh cluster. `rendered`: Release URN -> Rendered (helm.py).
    """
    installers = defaultdict(set)
    for urn, release in rendered.items():
        for manifest in release.manifests:
            if manifest.get("kind") == "CustomResourceDefinition":
                installers[_crd_key(manifest)].add(urn)
    problems = []
    for urn, release in sorted(rendered.items()):
        upstream = None
        for manifest in release.manifests:
            api = manifest.get("apiVersion", "")
            key = (api.rsplit("/", 1)[0] if "/" in api else "", manifest.get("kind"))
            owners = installers.get(key, set())
            if not owners or urn in owners:
                continue
            upstream = _upstream(plan, urn) if upstream is None else upstream
            if not owners & upstream:
                names = " or ".join(sorted(rendered[o].label for o in owners))
                problems.append(f"release {release.label} renders {key[1]} {(manifest.get('metadata') or {}).get('name')} "
                                f"({key[0]}) but does not wait for {names}, which installs its CRD")
    return problems
