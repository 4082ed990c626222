"""What a stack costs when idle, and how long the credits last at that rate.

Idle means every pool at its minimum size, with what the program declares that
bills by the hour whether or not anyone works: the floor the budget can never go
under. Each line prices what the components declare for that config, at the
stack's own cloud's list price; tests/program/test_cost.py prices the plan's
resources independently and compares. docs/costs.md explains the figures.

A line is one function of the config in LINES: a new kind of cost (a monitoring
stack, say) is one more entry.
"""

import math
from typing import Callable, NamedTuple

from components.sizing import MACHINES, room as node_room
from infra.config import StackConfig

HOURS_PER_MONTH = 730


class Prices(NamedTuple):
    """List prices in the stacks' regions (us-central1, us-west-2), USD; docs/costs.md cites each."""

    control_plane_hourly: float
    home_gb_month: dict[str, float]  # by home tier
    node_disk_gb_month: float  # the nodes' boot disks: GKE's default pd-balanced, our EKS gp3
    nat_gateway_hourly: float
    public_ip_hourly: float  # an address held by a load balancer or a NAT gateway
    load_balancer_hourly: float  # the hub proxy's: a GCP forwarding rule, an AWS NLB


PRICES = {
    "gcp": Prices(control_plane_hourly=0.10,
                  home_gb_month={"BASIC_HDD": 0.20, "BASIC_SSD": 0.30, "ZONAL": 0.28, "REGIONAL": 0.45},
                  node_disk_gb_month=0.10, nat_gateway_hourly=0.0,
                  # An external address in use by a forwarding rule has no charge of its own.
                  public_ip_hourly=0.0, load_balancer_hourly=0.025),
    "aws": Prices(control_plane_hourly=0.10, home_gb_month={"elastic": 0.30}, node_disk_gb_month=0.08,
                  nat_gateway_hourly=0.045, public_ip_hourly=0.005, load_balancer_hourly=0.0225),
}
# Size assumed for costing EFS when `home.capacity_gb` is unset: EFS has no provisioned size.
EFS_ASSUMED_GB = 1024
# The AWS network has one NAT gateway for all zones (components/cluster/eks.py, docs/aws.md).
AWS_NAT_GATEWAYS = 1


def _idle_pools(config: StackConfig):
    """(pool, nodes at idle): a draining pool's lower bound is 0, as the cloud variants declare it."""
    return [(pool, 0 if pool.draining else pool.min_nodes) for pool in config.cluster.node_pools.values()]


def _node_hourly(config: StackConfig, pool) -> float:
    """One node of `pool` an hour, at its spot or on-demand list price."""
    machine = MACHINES[config.provider][pool.machine_type]
    return machine.spot_hourly_usd if pool.spot else machine.hourly_usd


def nodes_at_minimum(config: StackConfig, prices: Prices) -> float:
    return sum(n * _node_hourly(config, p) for p, n in _idle_pools(config)) * HOURS_PER_MONTH


def node_disks(config: StackConfig, prices: Prices) -> float:
    return sum(n * p.disk_size_gb for p, n in _idle_pools(config)) * prices.node_disk_gb_month


def control_plane(config: StackConfig, prices: Prices) -> float:
    return prices.control_plane_hourly * HOURS_PER_MONTH


def homed_hubs(config: StackConfig) -> dict:
    """The hubs with home storage: a public binder has none (infra/hubs.py)."""
    return {name: hub for name, hub in config.hubs.items() if hub.binder.mode != "public"}


def home_storage(config: StackConfig, prices: Prices) -> float:
    return sum((hub.home.capacity_gb or EFS_ASSUMED_GB) * prices.home_gb_month[hub.home.tier]
               for hub in homed_hubs(config).values())


def public_ips(config: StackConfig) -> int:
    """Addresses the stack holds: per hub, one per load-balancer zone on AWS (one without
    redundant_entry) or one on GCP; plus each NAT gateway's."""
    if config.provider == "gcp":
        return len(config.hubs)
    from components.cluster.eks import LOAD_BALANCER_ZONES  # loaded by the aws composition already

    return AWS_NAT_GATEWAYS + sum(LOAD_BALANCER_ZONES if hub.redundant_entry else 1 for hub in config.hubs.values())


def network(config: StackConfig, prices: Prices) -> float:
    nat = AWS_NAT_GATEWAYS if config.provider == "aws" else 0
    hourly = (nat * prices.nat_gateway_hourly + public_ips(config) * prices.public_ip_hourly
              + len(config.hubs) * prices.load_balancer_hourly)
    return hourly * HOURS_PER_MONTH


def monitoring(config: StackConfig, prices: Prices) -> float:
    """Prometheus's volume, on the cluster's default StorageClass (pd-balanced, gp3), priced as the node disks.
    Grafana adds nothing that bills by the hour: no volume, and a hub's load balancer serves it."""
    return config.monitoring.prometheus.volume_gb * prices.node_disk_gb_month


LINES: dict[str, Callable[[StackConfig, Prices], float]] = {
    "nodes_at_minimum": nodes_at_minimum,
    "node_disks": node_disks,
    "control_plane": control_plane,
    "home_storage": home_storage,
    "network": network,
    "monitoring": monitoring,
}


def monthly_cost(config: StackConfig) -> dict:
    prices = PRICES[config.provider]
    lines = {name: round(line(config, prices), 2) for name, line in LINES.items()}
    total = round(sum(lines.values()), 2)
    estimate = {"currency": "USD", "idle_monthly": total, "lines": lines,
                "monthly_budget": config.credits.monthly_budget_usd}
    if config.credits.remaining_usd is not None:
        estimate["credits_months_at_budget"] = round(config.credits.remaining_usd / config.credits.monthly_budget_usd, 1)
        estimate["credits_months_at_idle"] = round(config.credits.remaining_usd / total, 1) if total else None
    return estimate


class PoolCost(NamedTuple):
    """Nodes of one machine type at their list price, with their boot disks."""

    nodes: int
    machine_type: str
    hourly_usd: float


def _pool_hourly(config: StackConfig, pool_key: str, nodes: int) -> PoolCost:
    pool = config.cluster.node_pools[pool_key]
    disk = pool.disk_size_gb * PRICES[config.provider].node_disk_gb_month / HOURS_PER_MONTH
    return PoolCost(nodes, pool.machine_type, round(nodes * (_node_hourly(config, pool) + disk), 2))


def binder_cap_hourly(config: StackConfig, hub_name: str) -> tuple[PoolCost, PoolCost]:
    """What a public binder costs an hour at most: the server pool's nodes that its quota fills
    (components/binder_hub/quota.py), and its build pool at max_nodes (builds are outside the quota)."""
    hub = config.hubs[hub_name]
    server_pool, build_pool = config.binder_pools(hub)
    cap, room = config.binder_quota(hub), node_room(config.provider, config.cluster.node_pools[server_pool].machine_type)
    nodes = math.ceil(round(max(cap.cpu / room.cpu, cap.memory_gib / room.memory_gib), 6))
    return (_pool_hourly(config, server_pool, nodes),
            _pool_hourly(config, build_pool, config.cluster.node_pools[build_pool].max_nodes))
