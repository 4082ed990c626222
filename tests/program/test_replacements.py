"""A config change that replaces a resource with a fixed name must change that name too.

Create-before-delete asks the cloud for the new resource while the old one still
holds its name (infra/plan/collisions.py). Each change below touches one input
that forces a node pool or group to be replaced (labels.REPLACE_ON_CHANGES, from
the providers' ForceNew), as config can make it.
"""

import pytest

from infra.plan import plan
from infra.plan.collisions import self_collisions
from infra.plan.diff import Change, diff_plans

CHANGES = {
    "gcp": [
        "cluster.node_pools.dask-n2-highmem-16.spot=false",
        "cluster.node_pools.user-n2-highmem-4.machine_type=n2-highmem-8",
    ],
    "aws-us-west-2": [
        # a zone more: the user and worker groups' subnet_ids change
        "cloud.availability_zones=[us-west-2a, us-west-2b, us-west-2c, us-west-2d]",
        "cluster.node_pools.dask-r5-4xlarge.spot=false",
        "cluster.node_pools.dask-r5-4xlarge.fallback_machine_types=[r6i.4xlarge]",
        "cluster.node_pools.user-r5-xlarge.machine_type=r5.2xlarge",
    ],
}


@pytest.fixture(scope="module", params=list(CHANGES))
def shipped(request):
    return request.param, plan(request.param)


def test_each_change_replaces_something_and_nothing_under_a_name_still_taken(shipped):
    stack, before = shipped
    for change in CHANGES[stack]:
        changes = diff_plans(before, plan(stack, overrides=(change,)))
        assert any(c.label == "replace" for c in changes), f"{change} replaces nothing: not a test of the rule"
        assert self_collisions(changes) == [], change


def _group(name: str, subnets: list[str], delete_first: bool = False) -> dict:
    return {"type": "aws:eks/nodeGroup:NodeGroup", "name": "pool-user", "delete_before_replace": delete_first,
            "inputs": {"nodeGroupName": name, "subnetIds": subnets}}


def test_a_replacement_that_keeps_its_name_is_reported():
    before, after = _group("user-abc123", ["a", "b"]), _group("user-abc123", ["a", "b", "c"])
    [problem] = self_collisions([Change("update", after, ["subnetIds"], label="replace", before=before,
                                        replaced_by=["subnetIds"])])
    assert problem.startswith("pool-user (aws:eks/nodeGroup:NodeGroup): replaced because of subnetIds, "
                              "but its nodeGroupName stays 'user-abc123'")


def test_a_new_name_or_delete_before_replace_avoids_it():
    before = _group("user-abc123", ["a", "b"])
    renamed = Change("update", _group("user-def456", ["a", "b", "c"]), ["nodeGroupName", "subnetIds"],
                     label="replace", before=before, replaced_by=["nodeGroupName", "subnetIds"])
    deleted_first = Change("update", _group("user-abc123", ["a", "b", "c"], delete_first=True), ["subnetIds"],
                           label="replace", before=before, replaced_by=["subnetIds"])
    assert self_collisions([renamed, deleted_first]) == []



def _names_without_zones(monkeypatch):
    from components.cluster import aws_names
    hashed = aws_names.node_group
    monkeypatch.setattr(aws_names, "node_group", lambda key, machine, fallback, spot, zones, cidr:
                        hashed(key, machine, fallback, spot, [], ""))


def _names_without_spot(monkeypatch):
    from components.cluster import gke
    monkeypatch.setattr(gke, "node_pool_name", lambda key, pool: f"{key}-fixed")


@pytest.mark.parametrize("stack, fault, change, forcing, name_input", [
    # node group names before they hashed the subnets' zones
    ("aws-us-west-2", _names_without_zones, CHANGES["aws-us-west-2"][0], "subnetIds", "nodeGroupName"),
    # a node pool name that leaves spot out
    ("gcp", _names_without_spot, CHANGES["gcp"][0], "nodeConfig.spot", "name"),
])
def test_a_name_that_leaves_out_a_forcing_input_is_reported_on_real_plans(monkeypatch, stack, fault, change, forcing,
                                                                          name_input):
    fault(monkeypatch)
    problems = self_collisions(diff_plans(plan(stack), plan(stack, overrides=(change,))))
    assert problems and all(f"replaced because of {forcing}" in p and f"its {name_input} stays" in p for p in problems)
