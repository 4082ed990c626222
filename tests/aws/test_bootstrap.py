"""`python -m infra.bootstrap aws`: the state bucket and secrets key, against moto."""

import json
import os
from unittest import mock

import boto3
import pytest

from infra.bootstrap import BootstrapError, bootstrap_aws
from infra.bootstrap import __main__ as bootstrap_main
from infra.bootstrap.__main__ import main
from infra.bootstrap.aws import bucket_name_problem, state_bucket_policy
from infra.bootstrap.quotas import elastic_ip_shortfall, planned_elastic_ips
from infra.moto_rules import moto_aws

BUCKET = "pangeo-hubs-pulumi-state"


@pytest.fixture
def aws():
    with moto_aws():
        yield


def test_creates_a_locked_down_versioned_encrypted_bucket_and_a_key(aws):
    result = bootstrap_aws("us-west-2", BUCKET)
    s3 = boto3.client("s3", region_name="us-west-2")
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": result.key_arn}
    assert all(s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"].values())
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    kms = boto3.client("kms", region_name="us-west-2")
    assert kms.describe_key(KeyId="alias/pangeo-hubs-pulumi")["KeyMetadata"]["Arn"] == result.key_arn
    assert kms.get_key_rotation_status(KeyId=result.key_arn)["KeyRotationEnabled"]
    assert result.existing == []


def test_second_run_changes_nothing(aws):
    first = bootstrap_aws("us-west-2", BUCKET)
    second = bootstrap_aws("us-west-2", BUCKET)
    assert second.created == [] and len(second.existing) == len(first.created)
    assert second.key_arn == first.key_arn
    assert len(boto3.client("kms", region_name="us-west-2").list_keys()["Keys"]) == 1


def test_cli_prints_the_login_and_stack_init_commands(aws, capsys):
    assert main(["aws", "--region", "us-west-2", "--bucket", BUCKET]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"pulumi login s3://{BUCKET}" in lines
    # quoted: zsh would glob the `?`
    assert "pulumi stack init aws-us-west-2 --secrets-provider 'awskms://alias/pangeo-hubs-pulumi?region=us-west-2'" in lines
    assert main(["aws", "--region", "us-west-2", "--bucket", BUCKET]) == 0
    assert "created:" not in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--region", "us-west-9", "--bucket", BUCKET], "error: unknown AWS region 'us-west-9'"),
    (["--region", "us-west-2", "--bucket", "Pangeo_State"], "error: bucket name must be lowercase"),
    (["--region", "us-west-2", "--bucket", "ab"], "error: bucket name must be 3-63 characters"),
])
def test_cli_bad_input_is_one_line_and_exit_2(aws, capsys, argv, message):
    assert main(["aws", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err


def test_bucket_of_another_account_is_refused_before_anything_is_made(aws, capsys):
    with mock.patch.dict(os.environ, {"MOTO_ACCOUNT_ID": "111111111111"}):
        boto3.client("s3", region_name="us-west-2").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert main(["aws", "--region", "us-west-2", "--bucket", BUCKET]) == 2
    assert capsys.readouterr().err == f"error: bucket {BUCKET!r} belongs to another AWS account; choose another name\n"
    assert boto3.client("kms", region_name="us-west-2").list_keys()["Keys"] == []


def test_own_bucket_in_another_region_is_refused(aws):
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(BootstrapError, match="in eu-west-1, not us-west-2"):
        bootstrap_aws("us-west-2", BUCKET)


@pytest.mark.parametrize("name", ["a..b", "192.168.0.1", "xn--abc", "bucket-s3alias", "-start", "end-", "a" * 64])
def test_bucket_names_breaking_s3_rules_are_named(name):
    assert bucket_name_problem(name)


@pytest.mark.parametrize("name", ["pangeo-hubs-state", "abc", "pangeo.hubs.state"])
def test_valid_bucket_names_pass(name):
    assert bucket_name_problem(name) is None


def test_state_policy_denies_plain_http_on_bucket_and_objects():
    statement = state_bucket_policy("b")["Statement"][0]
    assert statement["Effect"] == "Deny" and statement["Resource"] == ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]


def test_elastic_ips_within_the_default_quota_need_nothing(aws):
    assert elastic_ip_shortfall(boto3.session.Session(), "us-west-2", 5) is None


def test_more_elastic_ips_than_the_default_quota_name_the_quota(aws):
    # moto's Service Quotas has no EC2 quotas to report, so AWS's default (5) applies.
    shortfall = elastic_ip_shortfall(boto3.session.Session(), "us-west-2", 7)
    assert (shortfall.code, shortfall.needed, shortfall.allowed) == ("L-0263D0A3", 7, 5)
    assert shortfall.request_command.startswith(
        "aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-0263D0A3 --desired-value 7")


def test_shipped_stack_plans_within_five_elastic_ips(aws_plan):
    assert planned_elastic_ips(aws_plan.resources) <= 5


def test_cli_names_the_quota_when_the_plan_needs_more_elastic_ips(aws, capsys, monkeypatch):
    monkeypatch.setattr(bootstrap_main, "planned_elastic_ips", lambda resources: 7)
    assert main(["aws", "--region", "us-west-2", "--bucket", BUCKET]) == 0
    out = capsys.readouterr().out
    assert "raise quota L-0263D0A3 first" in out and "--quota-code L-0263D0A3 --desired-value 7" in out
