"""Whether a pod would schedule on a node pool of the plan: labels, affinity, taints and requests.

The scheduler is the one piece that needs a cluster, so its predicates for these pods
are written out here, each as Kubernetes documents it: nodeSelector labels all
present; one of the required nodeAffinity terms matched (matchExpressions In,
NotIn, Exists, DoesNotExist); every NoSchedule/NoExecute taint tolerated; the pod's
requests (its containers' sum, or its largest init container if more) within what a
node of the pool leaves a pod, with headroom (components/sizing.py room()).
"""

from dataclasses import dataclass

from components.cluster.node_roles import node_labels, node_taints
from components.sizing import Allocatable, room

_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
_SUFFIX = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9, "m": 1e-3}


@dataclass(frozen=True)
class Pool:
    """A node pool as the scheduler sees its nodes: every label, taint, and the room a pod has."""

    name: str
    labels: dict[str, str]
    taints: list[dict]
    room: Allocatable


def quantity(value) -> float:
    """A Kubernetes quantity ("500m", "2Gi", 1.5, "8589934592") as a number of cores or bytes."""
    text = str(value)
    for suffix in sorted(_SUFFIX, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * _SUFFIX[suffix]
    return float(text)


def plan_pools(plan, provider: str) -> list[Pool]:
    """The node pools the plan declares (GKE NodePool, EKS NodeGroup), with the label the cloud adds."""
    pools = []
    for r in plan.resources:
        inputs = r["inputs"]
        if r["type"] == "gcp:container/nodePool:NodePool":
            node = inputs["nodeConfig"]
            labels = {**node.get("labels", {}), "cloud.google.com/gke-nodepool": inputs["name"]}
            pools.append(Pool(inputs["name"], labels, _taints(node.get("taints", [])), room(provider, node["machineType"])))
        elif r["type"] == "aws:eks/nodeGroup:NodeGroup":
            labels = {**inputs.get("labels", {}), "eks.amazonaws.com/nodegroup": inputs["nodeGroupName"]}
            smallest = min((room(provider, t) for t in inputs["instanceTypes"]), key=lambda a: (a.cpu, a.memory_gib))
            pools.append(Pool(inputs["nodeGroupName"], labels, _taints(inputs.get("taints", [])), smallest))
    return pools


def existing_pools(cluster: dict) -> list[Pool]:
    """An existing cluster's pools (examples/daskhub config): its selectors and rooms, labelled and
    tainted by purpose as docs/daskhub.md tells its operator to."""
    pools = [Pool(key, {**node_labels("user"), **p["selector"]}, node_taints("user"), Allocatable(**p["room"]))
             for key, p in cluster["user_pools"].items()]
    return pools + [Pool("workers", node_labels("worker"), node_taints("worker"), Allocatable(**cluster["worker_room"]))]


def _taints(taints: list[dict]) -> list[dict]:
    return [{**t, "effect": _EFFECTS.get(t["effect"], t["effect"])} for t in taints]


def _matches(expression: dict, labels: dict[str, str]) -> bool:
    key, op, values = expression["key"], expression["operator"], expression.get("values", [])
    return {"In": lambda: labels.get(key) in values, "NotIn": lambda: labels.get(key) not in values,
            "Exists": lambda: key in labels, "DoesNotExist": lambda: key not in labels}[op]()


def _tolerates(toleration: dict, taint: dict) -> bool:
    if toleration.get("effect") not in (None, "", taint["effect"]):
        return False
    if toleration.get("operator", "Equal") == "Exists":
        return toleration.get("key") in (None, "", taint["key"])
    return toleration.get("key") == taint["key"] and toleration.get("value", "") == taint.get("value", "")


def requests(spec: dict) -> Allocatable:
    """What the scheduler reserves for the pod: containers summed, init containers at their largest."""
    def total(containers, how):
        asked = [(c.get("resources") or {}).get("requests") or {} for c in containers]
        cpu = [quantity(a.get("cpu", 0)) for a in asked] or [0]
        memory = [quantity(a.get("memory", 0)) for a in asked] or [0]
        return how(cpu), how(memory)
    cpu, memory = total(spec["containers"], sum)
    init_cpu, init_memory = total(spec.get("initContainers", []), max)
    return Allocatable(max(cpu, init_cpu), max(memory, init_memory) / 2**30)


def why_not(spec: dict, pool: Pool) -> str | None:
    """Why a pod with this spec would not schedule on the pool's nodes, or None if it would."""
    missing = {k: v for k, v in (spec.get("nodeSelector") or {}).items() if pool.labels.get(k) != v}
    if missing:
        return f"nodeSelector {missing} is not on its nodes"
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms")
    if required and not any(all(_matches(e, pool.labels) for e in term.get("matchExpressions", [])) for term in required):
        return f"no required nodeAffinity term matches its labels {pool.labels}"
    untolerated = [t for t in pool.taints if t["effect"] in ("NoSchedule", "NoExecute")
                   and not any(_tolerates(tol, t) for tol in spec.get("tolerations") or [])]
    if untolerated:
        return f"taints {untolerated} are not tolerated"
    asked = requests(spec)
    if asked.cpu > pool.room.cpu + 1e-9 or asked.memory_gib > pool.room.memory_gib + 1e-9:
        return (f"requests {asked.cpu:g} CPU, {asked.memory_gib:.3f} GiB; a node leaves {pool.room.cpu:.3f} CPU, "
                f"{pool.room.memory_gib:.3f} GiB")
    return None


def fit_problem(spec: dict, pools: list[Pool]) -> str | None:
    """None if some pool takes the pod; otherwise why each pool refuses it."""
    reasons = {pool.name: why_not(spec, pool) for pool in pools}
    if any(reason is None for reason in reasons.values()):
        return None
    return "fits no node pool: " + "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
