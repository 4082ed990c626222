"""The plan replayed into moto: the shipped stack applies, and AWS's rules reject broken inputs."""

import json

import pytest
from aws_support import named

from infra.moto_rules import HANDLERS, NOT_MODELED, MotoRejection, apply_plan, moto_aws
from infra.moto_rules.apply import dependency_order, substitute

SUBNET = "aws:ec2/subnet:Subnet"


@pytest.fixture
def aws():
    with moto_aws():
        yield


def rejection(resources) -> MotoRejection:
    with pytest.raises(MotoRejection) as caught:
        apply_plan(resources)
    return caught.value


def test_shipped_stack_applies_cleanly(aws, resources):
    run = apply_plan(resources)
    created = {r["type"] for r in run.created}
    assert {"aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:efs/mountTarget:MountTarget",
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws:budgets/budget:Budget",
            "aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:sns/topic:Topic"} <= created
    assert {r["type"] for r in run.skipped} <= set(NOT_MODELED)


def test_every_aws_type_in_the_plan_is_replayed_or_listed_as_not_modelled(aws_plan):
    kinds = {r["type"] for r in aws_plan.resources if r["custom"] and r["type"].startswith("aws:")}
    assert kinds <= set(HANDLERS) | set(NOT_MODELED)


def test_overlapping_subnets_are_rejected(aws, resources):
    named(resources, SUBNET, "pangeo-hubs-public-us-west-2a")["inputs"]["cidrBlock"] = "10.0.0.0/24"
    assert rejection(resources).code == "InvalidSubnet.Conflict"


def test_subnet_outside_the_vpc_is_rejected(aws, resources):
    named(resources, SUBNET, "pangeo-hubs-private-us-west-2b")["inputs"]["cidrBlock"] = "10.1.0.0/19"
    assert rejection(resources).code == "InvalidSubnet.Range"


def test_two_mount_targets_in_one_zone_are_rejected(aws, resources):
    target = named(resources, "aws:efs/mountTarget:MountTarget", "prod-efs-us-west-2b")
    target["inputs"]["subnetId"] = "pangeo-hubs-public-us-west-2a-id"
    target["dependencies"].append(named(resources, SUBNET, "pangeo-hubs-public-us-west-2a")["urn"])
    error = rejection(resources)
    assert error.code == "MountTargetConflict" and "us-west-2a" in error.message


def test_malformed_policy_json_is_rejected(aws, resources):
    policy = named(resources, "aws:iam/rolePolicy:RolePolicy", "prod-scratch-access")
    document = json.loads(policy["inputs"]["policy"])
    document["Statement"][0]["Effect"] = "Permit"
    policy["inputs"]["policy"] = json.dumps(document)
    assert rejection(resources).code == "MalformedPolicyDocument"


def test_malformed_trust_policy_is_rejected(aws, resources):
    role = named(resources, "aws:iam/role:Role", "pangeo-hubs-node-role")
    role["inputs"]["assumeRolePolicy"] = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"'
    assert rejection(resources).code == "MalformedPolicyDocument"


def test_unknown_managed_policy_is_rejected(aws, resources):
    attachment = named(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "pangeo-hubs-node-role-AmazonEKS_CNI_Policy")
    attachment["inputs"]["policyArn"] = "arn:aws:iam::aws:policy/AmazonEKSCNIPolicyTypo"
    assert rejection(resources).code == "NoSuchEntity"


def test_instance_type_not_offered_in_us_west_2_is_rejected(aws, resources):
    group = named(resources, "aws:eks/nodeGroup:NodeGroup", "pangeo-hubs-pool-dask-r5-4xlarge")
    group["inputs"]["instanceTypes"] = ["r5.4xlarge", "hpc7g.16xlarge"]
    error = rejection(resources)
    assert "hpc7g.16xlarge in us-west-2a" in error.message


def test_dependency_order_puts_dependencies_first(aws_plan):
    position = {r["urn"]: i for i, r in enumerate(dependency_order(aws_plan.resources))}
    for resource in aws_plan.resources:
        assert all(position[d] < position[resource["urn"]] for d in resource["dependencies"] if d in position)


def test_substitute_swaps_ids_inside_json_documents():
    swaps = {"a-id": "vpc-123", "arn:mock": "arn:real"}
    assert substitute({"x": ["a-id", '{"R": "arn:mock/*"}']}, swaps) == {"x": ["vpc-123", '{"R": "arn:real/*"}']}


GITHUB_ISSUER_URL = "https://token.actions.githubusercontent.com"


def _account_trusts_github_already():
    import boto3
    boto3.client("iam", region_name="us-west-2").create_open_id_connect_provider(
        Url=GITHUB_ISSUER_URL, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])


def test_a_second_github_provider_in_one_account_is_rejected(aws, resources):
    _account_trusts_github_already()
    error = rejection(resources)
    assert error.code == "EntityAlreadyExists" and error.resource["name"] == "pangeo-hubs-github"


def test_an_account_with_a_github_provider_applies_with_existing(aws):
    from infra.plan import plan
    _account_trusts_github_already()
    run = apply_plan(plan("aws-us-west-2", overrides=("ci.github_oidc_provider=existing",)).resources)
    assert "aws:iam/openIdConnectProvider:OpenIdConnectProvider" in {r["type"] for r in run.created}  # the EKS one
