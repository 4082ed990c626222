"""Labels, taints and tolerations that steer hub, user and dask pods to their nodes.

The label and taint keys are the ones the jupyterhub and dask-gateway charts look
for, so the charts' own scheduling rules work unchanged on either cloud.
"""

from typing import Literal

Purpose = Literal["core", "user", "worker"]

_LABELS: dict[str, dict[str, str]] = {
    "core": {"hub.jupyter.org/node-purpose": "core", "k8s.dask.org/node-purpose": "core"},
    "user": {"hub.jupyter.org/node-purpose": "user", "k8s.dask.org/node-purpose": "scheduler"},
    "worker": {"k8s.dask.org/node-purpose": "worker"},
}

_TAINTS: dict[str, list[dict[str, str]]] = {
    "core": [],
    "user": [{"key": "hub.jupyter.org/dedicated", "value": "user", "effect": "NoSchedule"}],
    "worker": [{"key": "k8s.dask.org/dedicated", "value": "worker", "effect": "NoSchedule"}],
}


def node_labels(purpose: Purpose) -> dict[str, str]:
    return dict(_LABELS[purpose])


def node_taints(purpose: Purpose) -> list[dict[str, str]]:
    """Kubernetes-style taints (`effect: NoSchedule`); each cloud spells the effect its own way."""
    return [dict(t) for t in _TAINTS[purpose]]


def tolerations(purpose: Purpose) -> list[dict[str, str]]:
    """Tolerations that let a pod onto nodes tainted for `purpose`."""
    return [{**taint, "operator": "Equal"} for taint in _TAINTS[purpose]]


def hub_selector(purpose: Literal["core", "user"]) -> dict[str, str]:
    """Selects the nodes the jupyterhub chart schedules core or user pods on."""
    return {"hub.jupyter.org/node-purpose": purpose}


def dask_selector(role: Literal["scheduler", "worker"]) -> dict[str, str]:
    return {"k8s.dask.org/node-purpose": role}
