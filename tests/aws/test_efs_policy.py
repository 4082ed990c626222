"""The EFS file-system policy (components/nfs_home/efs.py): what it lets an NFS client do, in the plan and in moto."""

import json

import pytest
from aws_support import by_type, named

from components.nfs_home.efs import CLIENT_ACTIONS, VIA_MOUNT_TARGET, file_system_policy
from infra.moto_rules import apply_plan, handlers, moto_aws
from infra.moto_rules.apply import MotoRejection
from infra.moto_rules.handlers import EFS_POLICY_MAX_CHARACTERS, LayerRule
from infra.plan.mocks import _computed

POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
ARN = "arn:aws:elasticfilesystem:us-west-2:210987654321:file-system/fs-0123456789abcdef0"


def _matches(condition: dict, context: dict) -> bool:
    """IAM's Bool and BoolIfExists: every key must match; IfExists also matches an absent key."""
    for operator, keys in condition.items():
        for key, wanted in keys.items():
            if key not in context:
                if not operator.endswith("IfExists"):
                    return False
            elif str(context[key]).lower() != wanted:
                return False
    return True


def decision(policy: str, action: str, context: dict, identity_allows: bool = False) -> bool:
    """IAM's evaluation for one request on the file system: an explicit deny wins, then any allow
    (the file system policy's to `*`, or the caller's own identity policy; an anonymous client has none)."""
    statements = [s for s in json.loads(policy)["Statement"]
                  if action in s["Action"] and s["Principal"] == {"AWS": "*"} and s["Resource"] == ARN
                  and _matches(s.get("Condition", {}), context)]
    if any(s["Effect"] == "Deny" for s in statements):
        return False
    return identity_allows or any(s["Effect"] == "Allow" for s in statements)


@pytest.mark.parametrize("action", CLIENT_ACTIONS)
def test_an_anonymous_mount_through_a_mount_target_reads_writes_and_keeps_root(action):
    # Root is what the kubelet's subPath, the home's chown and homesync need (docs/aws.md).
    assert decision(file_system_policy(ARN), action, {VIA_MOUNT_TARGET: True})


@pytest.mark.parametrize("context", [{VIA_MOUNT_TARGET: False}, {}], ids=["elsewhere", "no-key"])
@pytest.mark.parametrize("action", CLIENT_ACTIONS)
def test_anything_not_through_a_mount_target_is_denied_whatever_its_identity_policy(action, context):
    assert not decision(file_system_policy(ARN), action, context, identity_allows=True)


def test_every_home_file_system_has_its_own_policy_in_the_plan(aws_plan):
    systems = by_type(aws_plan.resources, "aws:efs/fileSystem:FileSystem")
    policies = {p["inputs"]["fileSystemId"]: p for p in by_type(aws_plan.resources, POLICY)}
    assert sorted(policies) == sorted(f"{fs['name']}-id" for fs in systems)
    for fs in systems:
        arn = _computed(fs["type"], fs["name"], fs["inputs"], None)["arn"]  # the ARN the mocks gave it
        assert policies[f"{fs['name']}-id"]["inputs"]["policy"] == file_system_policy(arn)


@pytest.fixture
def aws():
    with moto_aws():
        yield


def test_moto_holds_the_policy_of_the_file_system_it_made(aws, resources):
    import boto3

    apply_plan(resources)
    efs = boto3.client("efs", region_name="us-west-2")
    (prod,) = [fs for fs in efs.describe_file_systems()["FileSystems"] if fs["CreationToken"] == "prod-efs"]
    held = efs.describe_file_system_policy(FileSystemId=prod["FileSystemId"])["Policy"]
    assert held == file_system_policy(prod["FileSystemArn"])


def test_a_policy_efs_refuses_stops_the_replay(aws, resources):
    named(resources, POLICY, "prod-efs-policy")["inputs"]["policy"] = '{"Statement": ['
    with pytest.raises(MotoRejection) as caught:
        apply_plan(resources)
    assert caught.value.code == "InvalidPolicyException" and caught.value.resource["name"] == "prod-efs-policy"


def test_a_policy_over_efs_s_limit_is_refused():
    padding = EFS_POLICY_MAX_CHARACTERS + 1 - len(json.dumps({"Statement": [{"Sid": ""}]}))
    too_long = json.dumps({"Statement": [{"Sid": "x" * padding}]})
    with pytest.raises(LayerRule, match="policy of 20001 characters; EFS takes at most 20000"):
        handlers.file_system_policy(None, "p", {"policy": too_long, "fileSystemId": "fs-1"}, {})
