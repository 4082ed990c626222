"""The exported idle cost prices what the plan declares: each line recomputed from the recorded resources.

Quantities come from the resources' inputs (node pools' lower bounds and disks,
Filestore tiers and sizes, EFS file systems, NAT gateways, addresses, the hubs'
LoadBalancer proxies); prices from infra/cost.py's table for the stack's cloud.
"""

import copy

import pytest

from components.sizing import MACHINES
from infra import cost
from infra.config import NAMESPACE, parse_stack_config
from infra.plan import plan
from infra.plan.run import stack_values
from tests.program.graph import of_type

STACKS = {"gcp": "gcp", "aws-us-west-2": "aws"}


@pytest.fixture(scope="module", params=sorted(STACKS))
def stack_plan(request, gcp_plan):
    return gcp_plan if request.param == "gcp" else plan(request.param)


def _gcp_quantities(p) -> dict:
    pools = [(r["inputs"]["autoscaling"]["minNodeCount"], r["inputs"]["nodeConfig"]) for r in
             of_type(p, "gcp:container/nodePool:NodePool")]
    # GKE's boot disk is pd-balanced unless diskType says otherwise: the price table assumes it.
    assert all("diskType" not in node for _, node in pools)
    return {
        "nodes": [(n, node["machineType"], node["spot"], node["diskSizeGb"]) for n, node in pools],
        "clusters": len(of_type(p, "gcp:container/cluster:Cluster")),
        "homes": [(r["inputs"]["tier"], r["inputs"]["fileShares"]["capacityGb"])
                  for r in of_type(p, "gcp:filestore/instance:Instance")],
        "nat_gateways": len(of_type(p, "gcp:compute/routerNat:RouterNat")),
        "public_ips": len(of_type(p, "gcp:compute/address:Address")),
    }


def _aws_quantities(p) -> dict:
    disks = {}
    for template in of_type(p, "aws:ec2/launchTemplate:LaunchTemplate"):
        [ebs] = [m["ebs"] for m in template["inputs"]["blockDeviceMappings"]]
        assert ebs["volumeType"] == "gp3"
        disks[f"{template['name']}-id"] = ebs["volumeSize"]
    nodes = []
    for group in of_type(p, "aws:eks/nodeGroup:NodeGroup"):
        inputs = group["inputs"]
        nodes.append((inputs["scalingConfig"]["minSize"], inputs["instanceTypes"][0],
                      inputs["capacityType"] == "SPOT", disks[inputs["launchTemplate"]["id"]]))
    return {
        "nodes": nodes,
        "clusters": len(of_type(p, "aws:eks/cluster:Cluster")),
        # EFS has no size: priced at the assumed size (no shipped hub sets capacity_gb).
        "homes": [("elastic", cost.EFS_ASSUMED_GB) for _ in of_type(p, "aws:efs/fileSystem:FileSystem")],
        "nat_gateways": len(of_type(p, "aws:ec2/natGateway:NatGateway")),
        "public_ips": len(of_type(p, "aws:ec2/eip:Eip")),
    }


def load_balancers(p) -> int:
    """Each hub's proxy Service of type LoadBalancer, as its jupyterhub Release renders it."""
    return sum(r["inputs"]["values"]["proxy"]["service"]["type"] == "LoadBalancer"
               for r in of_type(p, "kubernetes:helm.sh/v3:Release") if "proxy" in r["inputs"]["values"])


def monitoring_volumes_gb(p) -> float:
    """The Prometheus server volumes the plan's prometheus Releases ask for (Gi sizes)."""
    return sum(float(r["inputs"]["values"]["server"]["persistentVolume"]["size"].removesuffix("Gi"))
               for r in of_type(p, "kubernetes:helm.sh/v3:Release") if r["inputs"]["chart"] == "prometheus")


def declared_cost(p, cloud: str) -> dict[str, float]:
    """The idle monthly cost of what the plan declares, line by line: one entry per line of
    infra/cost.py's LINES (a new line there is priced from the plan's resources here too)."""
    q = _gcp_quantities(p) if cloud == "gcp" else _aws_quantities(p)
    prices, machines, month = cost.PRICES[cloud], MACHINES[cloud], cost.HOURS_PER_MONTH
    return {
        "nodes_at_minimum": round(sum(n * (machines[t].spot_hourly_usd if spot else machines[t].hourly_usd)
                                      for n, t, spot, _ in q["nodes"]) * month, 2),
        "node_disks": round(sum(n * gb for n, _, _, gb in q["nodes"]) * prices.node_disk_gb_month, 2),
        "control_plane": round(q["clusters"] * prices.control_plane_hourly * month, 2),
        "home_storage": round(sum(gb * prices.home_gb_month[tier] for tier, gb in q["homes"]), 2),
        "network": round((q["nat_gateways"] * prices.nat_gateway_hourly + q["public_ips"] * prices.public_ip_hourly
                          + load_balancers(p) * prices.load_balancer_hourly) * month, 2),
        "monitoring": round(monitoring_volumes_gb(p) * prices.node_disk_gb_month, 2),
    }


def test_the_exported_idle_cost_prices_exactly_what_the_plan_declares(stack_plan):
    estimate = stack_plan.outputs["monthly_cost_estimate"]
    declared = declared_cost(stack_plan, STACKS[stack_plan.stack])
    assert estimate["lines"] == declared
    assert estimate["idle_monthly"] == round(sum(declared.values()), 2)
    assert estimate["lines"]["home_storage"] > 0 and estimate["lines"]["network"] > 0


def test_a_cost_that_prices_a_home_the_public_binder_lacks_is_caught(gcp_plan, monkeypatch):
    """The old estimate charged the public binder a 1 TiB home: the comparison sees it."""
    config = parse_stack_config({k: v for k, v in stack_values("gcp").items() if k.startswith(f"{NAMESPACE}:")})
    assert cost.monthly_cost(config)["lines"] == declared_cost(gcp_plan, "gcp")
    monkeypatch.setattr(cost, "homed_hubs", lambda config: dict(config.hubs))
    assert cost.monthly_cost(config)["lines"]["home_storage"] != declared_cost(gcp_plan, "gcp")["home_storage"]


def test_a_declared_resource_the_estimate_ignores_is_caught(gcp_plan):
    """One more Filestore instance in the plan changes the declared cost: nothing is priced from config alone."""
    more = copy.copy(gcp_plan)
    [first, *_] = of_type(gcp_plan, "gcp:filestore/instance:Instance")
    more.resources = [*gcp_plan.resources, {**first, "urn": first["urn"] + "-copy"}]
    assert declared_cost(more, "gcp")["home_storage"] > gcp_plan.outputs["monthly_cost_estimate"]["lines"]["home_storage"]
