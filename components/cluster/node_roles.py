"""Labels, taints and tolerations that steer hub, user and dask pods to their nodes.

The label and taint keys are the ones the jupyterhub and dask-gateway charts look
for, so the charts' own scheduling rules work unchanged on either cloud.
"""

import hashlib
from typing import Literal

Purpose = Literal["core", "user", "worker", "binder", "build"]
# Anonymous code (a public binder's servers, Dask pods and image builds) runs only on
# pools of these purposes, apart from every logged-in hub's nodes.
ANONYMOUS_PURPOSES = ("binder", "build")

_LABELS: dict[str, dict[str, str]] = {
    "core": {"hub.jupyter.org/node-purpose": "core", "k8s.dask.org/node-purpose": "core"},
    "user": {"hub.jupyter.org/node-purpose": "user", "k8s.dask.org/node-purpose": "scheduler"},
    "worker": {"k8s.dask.org/node-purpose": "worker"},
    # z2jh's user pods (matchNodePurpose: require) need the user label; the binder taint keeps
    # every other hub's pods off, and only a public binder's servers and Dask pods tolerate it.
    "binder": {"hub.jupyter.org/node-purpose": "user", "pangeo-hubs/node-purpose": "binder"},
    # No user label, so no server's required affinity matches these nodes.
    "build": {"pangeo-hubs/node-purpose": "build"},
}

_TAINTS: dict[str, list[dict[str, str]]] = {
    "core": [],
    "user": [{"key": "hub.jupyter.org/dedicated", "value": "user", "effect": "NoSchedule"}],
    "worker": [{"key": "k8s.dask.org/dedicated", "value": "worker", "effect": "NoSchedule"}],
    # The user taint too, as every node labelled for user pods has (policy/rules.py), so that
    # a pod must tolerate both; only a public binder's servers and Dask pods do.
    "binder": [{"key": "hub.jupyter.org/dedicated", "value": "user", "effect": "NoSchedule"},
               {"key": "pangeo-hubs/dedicated", "value": "binder", "effect": "NoSchedule"}],
    # Build pods tolerate this taint and no other (binderhub build.py, KubernetesBuildExecutor.submit),
    # so a build pool carries the user taint; its label, not its taint, keeps servers and schedulers off.
    "build": [{"key": "hub.jupyter.org/dedicated", "value": "user", "effect": "NoSchedule"}],
}


# A pool being retired: no new pod lands on it, the ones there stay until they end
# (docs/config.md, "Changing a pool's machine type").
DRAINING_TAINT = {"key": "pangeo-hubs/draining", "value": "true", "effect": "NoSchedule"}


def shaped_name(key: str, *immutable: object) -> str:
    """`<key>-<6 hex>` of the fields whose change replaces a pool, so a new shape is a
    new pool, created beside the old one instead of replacing it under its users."""
    return f"{key}-{hashlib.sha256(repr(immutable).encode()).hexdigest()[:6]}"


def node_labels(purpose: Purpose) -> dict[str, str]:
    return dict(_LABELS[purpose])


def node_taints(purpose: Purpose, draining: bool = False) -> list[dict[str, str]]:
    """Kubernetes-style taints (`effect: NoSchedule`); each cloud spells the effect its own way."""
    return [dict(t) for t in _TAINTS[purpose]] + ([dict(DRAINING_TAINT)] if draining else [])


def tolerations(purpose: Purpose) -> list[dict[str, str]]:
    """Tolerations that let a pod onto nodes tainted for `purpose`."""
    return [{**taint, "operator": "Equal"} for taint in _TAINTS[purpose]]


def hub_selector(purpose: Literal["core", "user"]) -> dict[str, str]:
    """Selects the nodes the jupyterhub chart schedules core or user pods on."""
    return {"hub.jupyter.org/node-purpose": purpose}


def dask_selector(role: Literal["scheduler", "worker"]) -> dict[str, str]:
    return {"k8s.dask.org/node-purpose": role}
