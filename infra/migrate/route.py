"""Can a pod of the new cluster open TCP 873 on the old cluster's rsync export?

A pure model of the GCP rules that decide it, so the stack refuses a migration
whose sync could never connect, at plan time, instead of a Job that waits:

- VPC Network Peering exchanges subnet routes only between the two peered
  networks, and only when both sides have created their half
  (https://cloud.google.com/vpc/docs/vpc-peering#specifications: "the peering
  is active only when the configuration from both sides matches").
- Peering is not transitive: a network peered with B does not reach what B
  peers with (same page, "Transitive peering is not supported").  A Filestore
  instance in DIRECT_PEERING mode lives in a Google-owned network peered with
  the old VPC (https://cloud.google.com/filestore/docs/networking), so the new
  VPC can never reach its reserved range, whatever it peers with.
- Peered networks must not have overlapping subnet ranges, secondary ranges
  included (https://cloud.google.com/vpc/docs/vpc-peering#restrictions); the
  Filestore's reserved range counts too, being a peered subnet of the old VPC.
- Ingress is denied by default (implied deny rule); an ingress allow rule on
  the destination network must match the source range and the port
  (https://cloud.google.com/firewall/docs/firewalls#default_firewall_rules).
  GKE pods send with their pod IP (VPC-native clusters, no SNAT inside the VPC
  or to peered VPCs by default).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

Net = ipaddress.IPv4Network
RSYNC_PORT = 873


@dataclass(frozen=True)
class Network:
    """One VPC: its named ranges (key path -> range) as the config names them."""

    name: str
    ranges: dict[str, Net]


@dataclass(frozen=True)
class Firewall:
    """An ingress allow rule on `network`."""

    key: str
    network: str
    sources: tuple[Net, ...]
    ports: tuple[int, ...]


@dataclass(frozen=True)
class Topology:
    networks: dict[str, Network]
    # one half of a peering: (from network, to network); both halves make it active
    peerings: set[tuple[str, str]] = field(default_factory=set)
    # Google-managed networks hanging off a VPC by their own peering (Filestore):
    # name -> (network they peer with, key of their range, range)
    managed: dict[str, tuple[str, str, Net]] = field(default_factory=dict)
    firewalls: list[Firewall] = field(default_factory=list)


def _network_of(topology: Topology, address: Net) -> str | None:
    for net in topology.networks.values():
        if any(address.subnet_of(r) for r in net.ranges.values()):
            return net.name
    for name, (_, _, r) in topology.managed.items():
        if address.subnet_of(r):
            return name
    return None


def route_problems(topology: Topology, *, client: tuple[str, Net], target: tuple[str, Net],
                   port: int = RSYNC_PORT) -> list[tuple[str, str]]:
    """(key path, problem) pairs; empty when `client` (key, range) reaches `target` on `port`."""
    client_key, client_range = client
    target_key, target_range = target
    problems = _overlaps(topology)
    src_net, dst_net = _network_of(topology, client_range), _network_of(topology, target_range)
    if src_net is None:
        return problems + [(client_key, f"{client_range} is in no known network")]
    if dst_net is None:
        return problems + [(target_key, f"{target_range} is in no known network")]
    if dst_net in topology.managed:
        via = topology.managed[dst_net][0]
        return problems + [(target_key, f"{target_range} is in {dst_net}, a Google-managed network peered with "
                                        f"{via}; peering is not transitive, so {src_net} can never reach it")]
    if src_net != dst_net:
        halves = {(src_net, dst_net), (dst_net, src_net)}
        missing = sorted(halves - topology.peerings)
        if missing:
            return problems + [(target_key, f"{src_net} and {dst_net} are not peered "
                                            f"(missing: {', '.join(f'{a} -> {b}' for a, b in missing)})")]
    allowed = [f for f in topology.firewalls if f.network == dst_net and port in f.ports
               and any(client_range.subnet_of(s) for s in f.sources)]
    if not allowed:
        problems.append((target_key, f"no firewall rule of {dst_net} admits TCP {port} from {client_range}"))
    return problems


def _overlaps(topology: Topology) -> list[tuple[str, str]]:
    """Ranges of peered networks (and the managed ranges peered with them) must be disjoint."""
    named = [(key, r) for n in topology.networks.values() for key, r in n.ranges.items()]
    named += [(key, r) for _, key, r in topology.managed.values()]
    problems = []
    for i, (key, r) in enumerate(named):
        for other, o in named[:i]:
            if r.overlaps(o):
                problems.append((key, f"{r} overlaps {other} ({o}); peered networks need disjoint ranges"))
    return problems
