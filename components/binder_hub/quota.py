"""A public binder's hard cap: everything its anonymous servers and Dask pods may hold at once.

Three layers, each from the same numbers (NamespaceQuota):

- BinderHub's launch quota (`LaunchQuota.total_quota`; `BinderHub.pod_quota` is its deprecated
  alias, binderhub/app.py) refuses a launch with "Too many users" once `servers` single-user
  pods run in the namespace (binderhub/quota.py counts pods labelled component=singleuser-server).
  It counts servers only, not Dask pods, and a pod it does not see (a server started through the
  hub API) passes it, so it is the polite limit, not the hard one.
- A ResourceQuota caps the pods, CPU and memory (requests and limits) of the anonymous pods
  together, Dask schedulers and workers included: the API server refuses a pod that would go
  over it, whoever asks for it.
- A LimitRange gives any container without limits the per-container maximum (and no request),
  so no pod escapes the quota by asking for nothing, and refuses a container above that maximum.

The ResourceQuota is scoped to one PriorityClass, which only the anonymous servers (KubeSpawner's
priority_class_name) and Dask pods (the gateway's extraPodConfig) carry: the hub, proxy, BinderHub,
dask-gateway, image pullers, docker-api, build pods and Jobs of the namespace stay outside it, so
a full binder can still be administered and can still build. A quota on requests.cpu or memory
refuses every pod in its scope that does not state them, and a namespace-wide one would refuse
the charts' pods that state none (Kubernetes docs, "Resource Quotas": "Quota scopes",
"Resource Quota Per PriorityClass", and "Requests vs Limits";
https://kubernetes.io/docs/concepts/policy/resource-quotas/). ResourceQuota scopes are fixed
(Terminating, BestEffort, PriorityClass, ...): there is no label selector, hence the class.
A LimitRange cannot be scoped (https://kubernetes.io/docs/concepts/policy/limit-range/): it
applies to every container of the namespace, so its default request is zero (the charts' pods
keep their scheduling as before, components/sizing.py HUB_DAEMONSETS) and its default limit is
its maximum.
"""

import math
from dataclasses import dataclass

from components.sizing import Allocatable

from .args import PublicBinder, Quota


@dataclass(frozen=True)
class NamespaceQuota:
    """The cap with every default filled in: servers (BinderHub), pods, CPU and GiB (ResourceQuota)."""

    servers: int
    pods: int
    cpu: float
    memory_gib: float


def _down(value: float) -> float:
    """Rounded down to a tenth, so a default never exceeds what it was derived from."""
    return math.floor(round(value * 10, 6)) / 10


def pool_capacity(room: Allocatable, max_nodes: int) -> Allocatable:
    """What the binder pool holds at its largest: `room` (sizing.room) on each of `max_nodes` nodes."""
    return Allocatable(_down(room.cpu * max_nodes), _down(room.memory_gib * max_nodes))


def servers_within(cpu: float, memory_gib: float, limits: PublicBinder) -> int:
    """Servers whose limits fit in this much CPU and memory."""
    return math.floor(round(min(cpu / limits.cpu, memory_gib / limits.memory_gb), 6))


def dask_pods_per_server(limits: PublicBinder, max_clusters: int) -> int:
    """Dask pods one anonymous user may hold: each cluster's scheduler and its workers."""
    return max_clusters * (1 + limits.dask_max_workers)


def resolve(quota: Quota, limits: PublicBinder, capacity: Allocatable, max_clusters: int) -> NamespaceQuota:
    """The configured cap, each unset number derived: CPU and memory what the binder pool holds
    at max_nodes, servers as many as fit in those at their limits, pods those servers and the
    Dask pods their users may hold."""
    cpu = capacity.cpu if quota.cpu is None else quota.cpu
    memory = capacity.memory_gib if quota.memory_gb is None else quota.memory_gb
    servers = servers_within(cpu, memory, limits) if quota.servers is None else quota.servers
    pods = servers * (1 + dask_pods_per_server(limits, max_clusters)) if quota.pods is None else quota.pods
    return NamespaceQuota(servers=servers, pods=pods, cpu=cpu, memory_gib=memory)


def quota_problems(quota: Quota, limits: PublicBinder, capacity: Allocatable, max_clusters: int,
                   pool: str) -> list[tuple[str, str]]:
    """(key under public, problem) for a cap that holds no server, or more than the pool holds."""
    cap = resolve(quota, limits, capacity, max_clusters)
    problems = []
    for key, value, one, most, unit in (("cpu", cap.cpu, limits.cpu, capacity.cpu, "CPU"),
                                        ("memory_gb", cap.memory_gib, limits.memory_gb, capacity.memory_gib, "GiB")):
        if value < one:
            problems.append((f"quota.{key}", f"must hold at least one server (public.{key} {one:g}), got {value:g}"))
        elif value > most:
            problems.append((f"quota.{key}", f"at most {most:g} {unit}, what the binder pool {pool} holds at its "
                             f"max_nodes, got {value:g}"))
    fit = servers_within(cap.cpu, cap.memory_gib, limits)
    if cap.servers > fit:
        problems.append(("quota.servers", f"at most {fit}: servers beyond what quota.cpu and quota.memory_gb hold "
                         f"at their limits would pass BinderHub and be refused by the ResourceQuota, got {cap.servers}"))
    if cap.pods < cap.servers:
        problems.append(("quota.pods", f"must be at least quota.servers ({cap.servers}): each server is a pod, "
                         f"got {cap.pods}"))
    return problems


def container_max(limits: PublicBinder, cluster_cores: float, cluster_memory_gib: float) -> Allocatable:
    """The largest container an anonymous pod has: a server at its limits, or a Dask scheduler or
    worker, none of which exceeds its cluster's share of the user's cores and memory (dask-gateway
    refuses a scheduler above cluster_max_cores/memory and starts no worker that would go over)."""
    return Allocatable(max(limits.cpu, cluster_cores), max(limits.memory_gb, cluster_memory_gib))


def priority_class_name(namespace: str) -> str:
    """The class only the binder's anonymous pods carry; cluster-scoped, so named by namespace."""
    return f"{namespace}-anonymous"


def _cpu(cores: float) -> str:
    return f"{round(cores * 1000)}m"


def _memory(gib: float) -> str:
    return f"{round(gib * 1024)}Mi"


def priority_class(namespace: str) -> dict:
    """The anonymous pods' class: the z2jh default priority's value (0), so they still preempt the
    user placeholders (-10) as the hub's servers did, and it is nobody's default."""
    return {"metadata": {"name": priority_class_name(namespace)}, "value": 0, "global_default": False,
            "description": "A public binder's anonymous servers and Dask pods, counted by its ResourceQuota."}


def resource_quota_spec(namespace: str, cap: NamespaceQuota) -> dict:
    """Pods, requests and limits of the anonymous pods together, no more than `cap`."""
    cpu, memory = _cpu(cap.cpu), _memory(cap.memory_gib)
    return {
        "hard": {"pods": str(cap.pods), "requests.cpu": cpu, "limits.cpu": cpu,
                 "requests.memory": memory, "limits.memory": memory},
        "scopeSelector": {"matchExpressions": [
            {"scopeName": "PriorityClass", "operator": "In", "values": [priority_class_name(namespace)]}]},
    }


def limit_range_spec(largest: Allocatable) -> dict:
    """Every container of the namespace at most `largest`; one that states no limit gets it, and
    no request (so it schedules as before and still counts its limits)."""
    most = {"cpu": _cpu(largest.cpu), "memory": _memory(largest.memory_gib)}
    return {"limits": [{"type": "Container", "max": most, "default": most,
                        "defaultRequest": {"cpu": "0", "memory": "0"}}]}
