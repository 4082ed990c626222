"""A small NetworkPolicy evaluator: may this pod reach that pod or address, per Kubernetes semantics.

https://kubernetes.io/docs/concepts/services-networking/network-policies/: a pod
is isolated for a direction when some policy of its namespace selects it with
that policyType (Ingress always, Egress when the policy has egress rules or
names it); an isolated pod's traffic is allowed iff some selecting policy has a
rule whose peers and ports match. A connection needs both the source's egress
and the destination's ingress. Traffic a node's own network namespace makes (the
kubelet's NFS mounts) is outside every policy and not modelled here.
"""

import ipaddress
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict
    ip: str
    ports: dict = field(default_factory=dict)  # named container ports
    namespace_labels: dict = field(default_factory=dict)

    def ns_labels(self) -> dict:
        return {"kubernetes.io/metadata.name": self.namespace, **self.namespace_labels}


@dataclass(frozen=True)
class Address:
    ip: str


def matches(selector: dict | None, labels: dict) -> bool:
    """A LabelSelector; an empty one selects everything."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values") or []
        ok = {"In": key in labels and labels[key] in values, "NotIn": labels.get(key) not in values,
              "Exists": key in labels, "DoesNotExist": key not in labels}[op]
        if not ok:
            return False
    return True


def policy_types(policy: dict) -> list[str]:
    spec = policy["spec"]
    return spec.get("policyTypes") or ["Ingress", *(["Egress"] if "egress" in spec else [])]


def _peer_matches(peer: dict, policy_ns: str, other) -> bool:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        ip = ipaddress.ip_address(other.ip)
        return ip in ipaddress.ip_network(block["cidr"]) and not any(
            ip in ipaddress.ip_network(e) for e in block.get("except") or [])
    if not isinstance(other, Pod):
        return False
    if "namespaceSelector" in peer:
        if not matches(peer["namespaceSelector"], other.ns_labels()):
            return False
    elif other.namespace != policy_ns:
        return False
    return matches(peer.get("podSelector"), other.labels)


def _port_matches(rule_ports: list | None, port: int, protocol: str, target) -> bool:
    if not rule_ports:
        return True
    for p in rule_ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        want = p.get("port")
        if want is None:
            return True
        if isinstance(want, str):
            want = target.ports.get(want) if isinstance(target, Pod) else None
        if want is not None and want <= port <= p.get("endPort", want):
            return True
    return False


def _allowed(policies: list[dict], pod: Pod, direction: str, other, port: int, protocol: str, target) -> bool:
    selecting = [p for p in policies if p["metadata"].get("namespace") == pod.namespace
                 and direction in policy_types(p) and matches(p["spec"].get("podSelector"), pod.labels)]
    if not selecting:
        return True
    key, peers = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in selecting:
        for rule in policy["spec"].get(key) or []:
            peer_ok = not rule.get(peers) or any(
                _peer_matches(peer, pod.namespace, other) for peer in rule[peers])
            if peer_ok and _port_matches(rule.get("ports"), port, protocol, target):
                return True
    return False


def allowed(policies: list[dict], source: Pod, destination, port: int, protocol: str = "TCP") -> bool:
    """Both ends' policies let `source` open `port` on `destination` (a Pod or an Address)."""
    if not _allowed(policies, source, "Egress", destination, port, protocol, destination):
        return False
    if isinstance(destination, Pod):
        return _allowed(policies, destination, "Ingress", source, port, protocol, destination)
    return True
