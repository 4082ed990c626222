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
