"""The `ci` config section: what GitHub, GCP and AWS would refuse is a config error naming its key,
and the trust documents are exactly what the cloud must check."""

import json
from pathlib import Path

import pytest

from components.cluster import gcp_names
from components.credit_project.aws_ci import key_statement, preview_policy, trust_policy
from components.credit_project.gcp_ci import attribute_condition, environment_principal
from infra.config import ConfigError, parse_stack_config, read_stack_file

REPO = Path(__file__).resolve().parents[2]


def problems(stack: str, *, cluster_name: str | None = None, **ci) -> list[str]:
    values = read_stack_file(REPO / f"Pulumi.{stack}.yaml")
    values["pangeo-hubs:ci"] = {**values["pangeo-hubs:ci"], **ci}
    if cluster_name:
        values["pangeo-hubs:cluster"] = {**values["pangeo-hubs:cluster"], "name": cluster_name}
    try:
        parse_stack_config(values)
    except ConfigError as error:
        return error.problems
    return []


def test_shipped_stacks_are_valid():
    assert problems("gcp") == [] and problems("aws-us-west-2") == []


@pytest.mark.parametrize("repository", ["pangeo-hubs", "2i2c-org/", "-2i2c/pangeo-hubs", "2i2c-org/pangeo hubs",
                                        "2i2c-org/..", "https://github.com/2i2c-org/pangeo-hubs", "a" * 40 + "/x"])
def test_bad_repository(repository):
    assert problems("gcp", repository=repository) == [
        "pangeo-hubs:ci.repository: must be a GitHub repository as owner/name, such as 2i2c-org/pangeo-hubs, "
        f"got {repository!r}"]


def test_one_environment_for_both_jobs():
    assert problems("aws-us-west-2", environments={"preview": "aws-us-west-2", "deploy": "aws-us-west-2"}) == [
        "pangeo-hubs:ci.environments.deploy: must differ from preview ('aws-us-west-2'): "
        "the deployer needs its own reviewed environment"]


def test_gcp_pool_name_gcp_refuses():
    # A valid cluster.name whose pool id takes the prefix Google reserves.
    assert problems("gcp", cluster_name="gcp-hubs") == [
        "pangeo-hubs:ci: with cluster.name 'gcp-hubs' makes the workload identity pool id 'gcp-hubs-gh-xxxx' "
        "(16 characters); GCP takes 4 to 32 lowercase letters, digits and dashes, not starting with 'gcp-'"]


def test_the_longest_cluster_name_fits_the_ci_names():
    assert problems("gcp", cluster_name="a" * 24) == []
    # 24 (the node service account's limit) plus the pool's "-gh-" and suffix is GCP's 32 exactly
    assert len(gcp_names.ci_pool("a" * 24)) == 32


def test_the_github_oidc_provider_choice_is_aws_s():
    assert problems("aws-us-west-2", github_oidc_provider="existing") == []
    assert problems("gcp", github_oidc_provider="existing") == [
        "pangeo-hubs:ci.github_oidc_provider: only applies on aws; the GCP pool is the stack's own"]


@pytest.mark.parametrize("pool, ok", [("abc", False), ("a" * 32, True), ("a" * 33, False), ("gcp-github", False),
                                      ("pangeo-hubs-github", True), ("Pangeo-github", False)])
def test_workload_identity_id_rule(pool, ok):
    assert (gcp_names.workload_identity_problem(pool) is None) == ok


def test_the_provider_id_obeys_the_rule():
    assert gcp_names.workload_identity_problem(gcp_names.CI_PROVIDER) is None


def test_gcp_state_of_the_wrong_kind():
    assert problems("gcp", state_bucket="Pangeo_State", secrets_key="alias/pangeo-hubs-pulumi") == [
        "pangeo-hubs:ci.state_bucket: makes the bucket name 'Pangeo_State' (12 characters); GCP takes 3 to 63 "
        "lowercase letters, digits, dashes and underscores, not starting with 'goog' or containing 'google'",
        "pangeo-hubs:ci.secrets_key: must be a Cloud KMS key as projects/P/locations/L/keyRings/R/cryptoKeys/K, "
        "got 'alias/pangeo-hubs-pulumi'",
    ]


def test_aws_state_of_the_wrong_kind():
    key = "projects/pangeo-hubs-admin/locations/us-central1/keyRings/pulumi/cryptoKeys/pulumi-secrets"
    assert problems("aws-us-west-2", state_bucket="pangeo..state", secrets_key=key) == [
        "pangeo-hubs:ci.state_bucket: bucket name must not have adjacent periods or a period next to a hyphen, "
        "got 'pangeo..state'",
        f"pangeo-hubs:ci.secrets_key: must be a KMS key alias (alias/NAME, not alias/aws/...) or key ARN, got {key!r}",
    ]


def test_aws_managed_alias_is_refused():
    assert problems("aws-us-west-2", secrets_key="alias/aws/s3")[0].startswith("pangeo-hubs:ci.secrets_key: ")


def test_gcp_condition_and_principal():
    assert attribute_condition("2i2c-org/pangeo-hubs") == 'assertion.repository == "2i2c-org/pangeo-hubs"'
    assert environment_principal("42", "pool", "gcp") == (
        "principalSet://iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/pool/attribute.environment/gcp")


def test_aws_trust_policy_needs_audience_and_environment_subject():
    [statement] = json.loads(trust_policy("arn:aws:iam::1:oidc-provider/x", "o/r", "prod"))["Statement"]
    assert statement["Principal"] == {"Federated": "arn:aws:iam::1:oidc-provider/x"}
    assert statement["Condition"] == {"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:o/r:environment:prod"}}


def test_aws_key_by_arn_or_alias():
    arn = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert key_statement(arn, "us-west-2", "123456789012")["Resource"] == arn
    by_alias = key_statement("alias/pangeo-hubs-pulumi", "us-west-2", "123456789012")
    assert by_alias["Resource"] == "arn:aws:kms:us-west-2:123456789012:key/*"
    assert by_alias["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/pangeo-hubs-pulumi"}}


def test_aws_preview_reads_no_object_outside_state():
    statements = json.loads(preview_policy("state", "alias/k", "us-west-2", "123456789012"))["Statement"]
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["NotResource"] == "arn:aws:s3:::state/*" and "s3:GetObject" in deny["Action"]
    assert not any(a.startswith(("s3:Put", "s3:Delete", "kms:Encrypt", "kms:GenerateDataKey"))
                   for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
