"""What the API server does with a pod created in a namespace that has a LimitRange and a scoped ResourceQuota.

In the order it does it (Kubernetes docs, "Limit Ranges" and "Resource Quotas";
https://kubernetes.io/docs/concepts/policy/limit-range/,
https://kubernetes.io/docs/concepts/policy/resource-quotas/):

1. Defaulting: a container with a limit and no request gets the limit as its request.
2. LimitRanger: a container without a limit (request) gets the LimitRange's `default`
   (`defaultRequest`); one whose limit is above `max` is refused.
3. ResourceQuota, only for a pod in its scope (here: its priority class is one of the
   scope's values): a pod that does not state a request or limit the quota constrains is
   refused, and so is one that would take the namespace's use over `hard`. A pod's request
   is the larger of its containers' sum and its largest init container (Kubernetes docs,
   "Init Containers": "Resource sharing within containers").
"""

import copy
from dataclasses import dataclass, field
from decimal import Decimal

from kubernetes.utils.quantity import parse_quantity

RESOURCES = ("cpu", "memory")


def _containers(spec: dict) -> list[dict]:
    return spec.get("initContainers", []) + spec["containers"]


def defaulted(pod: dict, limit_range: dict | None) -> dict:
    """The pod as stored: requests from limits, then the LimitRange's defaults."""
    pod = copy.deepcopy(pod)
    item = next((i for i in (limit_range or {}).get("limits", []) if i["type"] == "Container"), {})
    for container in _containers(pod["spec"]):
        resources = container.setdefault("resources", {})
        limits, requests = resources.setdefault("limits", {}), resources.setdefault("requests", {})
        for name in RESOURCES:
            if name in limits and name not in requests:
                requests[name] = limits[name]
            if name not in limits and name in item.get("default", {}):
                limits[name] = item["default"][name]
            if name not in requests and name in item.get("defaultRequest", {}):
                requests[name] = item["defaultRequest"][name]
    return pod


def limit_problems(pod: dict, limit_range: dict) -> list[str]:
    """The LimitRanger's refusals of the (defaulted) pod: containers over `max`, requests over limits."""
    item = next((i for i in limit_range.get("limits", []) if i["type"] == "Container"), {})
    problems = []
    for c in _containers(pod["spec"]):
        limits, requests = c["resources"].get("limits", {}), c["resources"].get("requests", {})
        for name, most in item.get("max", {}).items():
            if name in limits and parse_quantity(limits[name]) > parse_quantity(most):
                problems.append(f"container {c['name']}: {name} limit {limits[name]} is above the maximum {most}")
        for name in set(limits) & set(requests):
            if parse_quantity(requests[name]) > parse_quantity(limits[name]):
                problems.append(f"container {c['name']}: {name} request {requests[name]} above its limit {limits[name]}")
    return problems


def in_scope(pod: dict, quota: dict) -> bool:
    """Whether the quota counts the pod: every PriorityClass expression of its scopeSelector matches."""
    expressions = quota.get("scopeSelector", {}).get("matchExpressions", [])
    unsupported = [e for e in expressions if e["scopeName"] != "PriorityClass" or e["operator"] != "In"]
    assert not unsupported, f"this evaluator reads PriorityClass In scopes only: {unsupported}"
    return all(pod["spec"].get("priorityClassName") in e["values"] for e in expressions)


def usage(pod: dict) -> dict[str, Decimal]:
    """What a pod counts against a quota: 1 pod, and its effective requests and limits."""
    counted = {"pods": Decimal(1)}
    for kind in ("requests", "limits"):
        for name in RESOURCES:
            def amount(c):
                return parse_quantity(c["resources"].get(kind, {}).get(name, 0))
            main = sum((amount(c) for c in pod["spec"]["containers"]), Decimal(0))
            init = max((amount(c) for c in pod["spec"].get("initContainers", [])), default=Decimal(0))
            counted[f"{kind}.{name}"] = max(main, init)
    return counted


@dataclass
class Namespace:
    """A namespace's LimitRange and ResourceQuota (either may be missing) and what it runs."""

    limit_range: dict | None
    quota: dict | None
    used: dict[str, Decimal] = field(default_factory=dict)
    pods: list[dict] = field(default_factory=list)

    def problems(self, pod: dict) -> list[str]:
        """Why the API server would refuse the pod now; empty: it is created."""
        pod = defaulted(pod, self.limit_range)
        problems = limit_problems(pod, self.limit_range) if self.limit_range else []
        if self.quota is None or not in_scope(pod, self.quota):
            return problems
        counted = usage(pod)
        for name, hard in self.quota["hard"].items():
            kind, _, resource = name.partition(".")
            if resource and any(resource not in c["resources"].get(kind, {}) for c in _containers(pod["spec"])):
                problems.append(f"must specify {name}")
            elif self.used.get(name, Decimal(0)) + counted[name] > parse_quantity(hard):
                problems.append(f"exceeded quota: {name} {self.used.get(name, 0)} + {counted[name]} > {hard}")
        return problems

    def create(self, pod: dict) -> bool:
        """The pod, if admitted, counted in `used` (by the quota's scope) and kept in `pods`."""
        if self.problems(pod):
            return False
        pod = defaulted(pod, self.limit_range)
        if self.quota is not None and in_scope(pod, self.quota):
            for name, amount in usage(pod).items():
                self.used[name] = self.used.get(name, Decimal(0)) + amount
        self.pods.append(pod)
        return True
