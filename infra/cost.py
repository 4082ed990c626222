"""What a stack costs when idle, and how long the credits last at that rate.

Idle means every pool at its minimum size: the floor the budget can never go
under. docs/costs.md explains the figures and where they come from.
"""

from components.sizing import MACHINES
from infra.config import StackConfig

HOURS_PER_MONTH = 730
CONTROL_PLANE_HOURLY = {"gcp": 0.10, "aws": 0.10}
# Per GB-month list prices of home storage by tier.
HOME_GB_MONTH = {"BASIC_HDD": 0.20, "BASIC_SSD": 0.30, "ZONAL": 0.28, "REGIONAL": 0.45, "elastic": 0.30}
# Home size assumed for costing EFS, which has no provisioned size.
EFS_ASSUMED_GB = 1024
# Three NAT gateways, one per AZ, on AWS.
NETWORK_MONTHLY = {"gcp": 0.0, "aws": 3 * 0.045 * HOURS_PER_MONTH}


def monthly_cost(config: StackConfig) -> dict:
    cloud = config.provider
    nodes = 0.0
    for pool in config.cluster.node_pools.values():
        machine = MACHINES[cloud][pool.machine_type]
        hourly = machine.spot_hourly_usd if pool.spot else machine.hourly_usd
        nodes += pool.min_nodes * hourly * HOURS_PER_MONTH
    homes = sum(
        (hub.home.capacity_gb or EFS_ASSUMED_GB) * HOME_GB_MONTH[hub.home.tier] for hub in config.hubs.values()
    )
    lines = {
        "nodes_at_minimum": round(nodes, 2),
        "control_plane": round(CONTROL_PLANE_HOURLY[cloud] * HOURS_PER_MONTH, 2),
        "home_storage": round(homes, 2),
        "network": round(NETWORK_MONTHLY[cloud], 2),
    }
    total = round(sum(lines.values()), 2)
    estimate = {"currency": "USD", "idle_monthly": total, "lines": lines,
                "monthly_budget": config.credits.monthly_budget_usd}
    if config.credits.remaining_usd is not None:
        estimate["credits_months_at_budget"] = round(config.credits.remaining_usd / config.credits.monthly_budget_usd, 1)
        estimate["credits_months_at_idle"] = round(config.credits.remaining_usd / total, 1) if total else None
    return estimate
