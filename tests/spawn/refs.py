"""Whether everything a pod names exists: the claims, Secrets, ConfigMaps, service account and
priority class it uses must be among the objects the plan declares or the charts render.

A pod naming a missing claim or Secret stays Pending (ContainerCreating) forever; a missing
service account or priority class is refused at creation.
"""

from tests.render.objects import Obj


def _named(pod: dict) -> list[tuple[str, str, bool]]:
    """(kind, name, namespaced) of everything the pod refers to by name."""
    spec, refs = pod["spec"], []
    for v in spec.get("volumes") or []:
        if "persistentVolumeClaim" in v:
            refs.append(("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"], True))
        if "secret" in v and not v["secret"].get("optional"):
            refs.append(("Secret", v["secret"]["secretName"], True))
        if "configMap" in v and not v["configMap"].get("optional"):
            refs.append(("ConfigMap", v["configMap"]["name"], True))
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        for e in c.get("env") or []:
            ref = e.get("valueFrom") or {}
            for kind, key in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
                if key in ref and not ref[key].get("optional"):
                    refs.append((kind, ref[key]["name"], True))
        for source in c.get("envFrom") or []:
            for kind, key in (("Secret", "secretRef"), ("ConfigMap", "configMapRef")):
                if key in source and not source[key].get("optional"):
                    refs.append((kind, source[key]["name"], True))
    refs += [("Secret", s["name"], True) for s in spec.get("imagePullSecrets") or []]
    if spec.get("serviceAccountName"):
        refs.append(("ServiceAccount", spec["serviceAccountName"], True))
    if spec.get("priorityClassName"):
        refs.append(("PriorityClass", spec["priorityClassName"], False))
    return refs


# Kubernetes' own: every namespace has the default service account; these classes are built in.
BUILT_IN = {("ServiceAccount", "default"), ("PriorityClass", "system-node-critical"),
            ("PriorityClass", "system-cluster-critical")}


def missing_references(pod: dict, namespace: str, objects: list[Obj]) -> list[str]:
    """One line per object the pod names that neither the plan nor the charts create."""
    have = {(o.kind, o.name, o.namespace) for o in objects}
    missing = []
    for kind, name, namespaced in _named(pod):
        where = namespace if namespaced else None
        if (kind, name) not in BUILT_IN and (kind, name, where) not in have:
            missing.append(f"{kind} {name}" + (f" in {namespace}" if namespaced else "") + " does not exist")
    return missing
