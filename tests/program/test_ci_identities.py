"""The GitHub Actions identities both shipped stacks declare: trusted only for this
repository's jobs in the right environment, preview read-only, deploy separate."""

import json
import re

import pytest

from infra.plan import plan

from .graph import of_type, one

REPOSITORY = "2i2c-org/pangeo-hubs"


@pytest.fixture(scope="module")
def gcp():
    return plan("gcp")


@pytest.fixture(scope="module")
def aws():
    return plan("aws-us-west-2")


@pytest.fixture(scope="module")
def aws_existing():
    return plan("aws-us-west-2", overrides=("ci.github_oidc_provider=existing",))


# --- gcp -------------------------------------------------------------------------------

def test_gcp_provider_accepts_only_this_repositorys_tokens(gcp):
    provider = one(gcp, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "pangeo-hubs-github")
    assert provider["inputs"]["attributeCondition"] == f'assertion.repository == "{REPOSITORY}"'
    assert provider["inputs"]["oidc"]["issuerUri"] == "https://token.actions.githubusercontent.com"
    assert provider["inputs"]["attributeMapping"]["attribute.environment"] == "assertion.environment"


def _pool_id(gcp) -> str:
    return one(gcp, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "pangeo-hubs-github")["inputs"][
        "workloadIdentityPoolId"]


def test_gcp_pool_id_ends_in_a_suffix_made_with_it(gcp):
    """A torn-down stack's pool id stays taken for 30 days (gcp_names.ci_pool): each new pool asks for another."""
    suffix = one(gcp, "random:index/randomId:RandomId", "pangeo-hubs-github-pool")
    pool = one(gcp, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "pangeo-hubs-github")
    assert suffix["urn"] in pool["dependencies"]
    assert re.fullmatch(r"pangeo-hubs-gh-[0-9a-f]{4}", pool["inputs"]["workloadIdentityPoolId"])


def test_gcp_service_accounts_are_impersonable_only_from_their_environment(gcp):
    bindings = {r["name"]: r["inputs"] for r in of_type(gcp, "gcp:serviceaccount/iAMMember:IAMMember")
                if "-ci-" in r["name"]}
    pool = ("principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/"
            + _pool_id(gcp))
    assert {name: b["member"] for name, b in bindings.items()} == {
        "pangeo-hubs-ci-preview-federation": f"{pool}/attribute.environment/gcp-preview",
        "pangeo-hubs-ci-deploy-federation": f"{pool}/attribute.environment/gcp",
    }
    assert "ci-preview@" in bindings["pangeo-hubs-ci-preview-federation"]["serviceAccountId"]
    assert "ci-deploy@" in bindings["pangeo-hubs-ci-deploy-federation"]["serviceAccountId"]


def _grants(stack_plan, member: str) -> set[tuple[str, str]]:
    return {(r["type"], r["inputs"]["role"]) for r in stack_plan.resources
            if r["type"].startswith("gcp:") and r["inputs"].get("member") == member}


def test_gcp_preview_only_reads_and_deploy_is_a_separate_account(gcp):
    outputs = gcp.outputs["ci"]
    preview, deploy = outputs["preview_service_account"], outputs["deploy_service_account"]
    assert preview != deploy
    assert _grants(gcp, f"serviceAccount:{preview}") == {
        ("gcp:projects/iAMMember:IAMMember", "roles/viewer"),
        ("gcp:storage/bucketIAMMember:BucketIAMMember", "roles/storage.objectViewer"),
        ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "roles/cloudkms.cryptoKeyDecrypter"),
    }
    assert ("gcp:projects/iAMMember:IAMMember", "roles/owner") in _grants(gcp, f"serviceAccount:{deploy}")


def test_gcp_exports_the_workflow_variables(gcp):
    assert gcp.outputs["ci"]["gcp_workload_identity_provider"] == (
        f"projects/123456789012/locations/global/workloadIdentityPools/{_pool_id(gcp)}/providers/github-actions")


# --- aws -------------------------------------------------------------------------------

def _trust(aws_plan, role: str) -> dict:
    return json.loads(one(aws_plan, "aws:iam/role:Role", role)["inputs"]["assumeRolePolicy"])


@pytest.mark.parametrize("role, environment", [
    ("pangeo-hubs-ci-preview", "aws-us-west-2-preview"), ("pangeo-hubs-ci-deploy", "aws-us-west-2")])
def test_aws_roles_trust_only_their_environment_of_this_repository(aws, role, environment):
    [statement] = _trust(aws, role)["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}
    assert statement["Condition"] == {"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": f"repo:{REPOSITORY}:environment:{environment}",
    }}


def test_aws_github_provider(aws):
    provider = one(aws, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "pangeo-hubs-github")
    assert provider["inputs"]["url"] == "https://token.actions.githubusercontent.com"
    assert provider["inputs"]["clientIdLists"] == ["sts.amazonaws.com"]


GITHUB_ISSUER_URL = "https://token.actions.githubusercontent.com"


def test_aws_uses_the_account_s_github_provider_when_it_has_one(aws_existing):
    """An account holds one provider per issuer URL (aws_ci.github_provider_arn): none is declared,
    and the roles trust the one looked up, through the stack's provider."""
    assert [r["inputs"]["url"] for r in of_type(aws_existing, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
            if r["inputs"]["url"] == GITHUB_ISSUER_URL] == []
    [lookup] = [i for i in aws_existing.invokes if i.token == "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"]
    assert lookup.provider
    for role in ("pangeo-hubs-ci-preview", "pangeo-hubs-ci-deploy"):
        [statement] = _trust(aws_existing, role)["Statement"]
        assert statement["Principal"] == {
            "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}


def test_aws_preview_has_no_write_and_deploy_is_a_separate_role(aws):
    outputs = aws.outputs["ci"]
    assert outputs["preview_role_arn"] != outputs["deploy_role_arn"]
    attached = {r["inputs"]["role"]: r["inputs"]["policyArn"]
                for r in of_type(aws, "aws:iam/rolePolicyAttachment:RolePolicyAttachment") if "-ci-" in r["name"]}
    assert attached == {"pangeo-hubs-ci-preview": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                        "pangeo-hubs-ci-deploy": "arn:aws:iam::aws:policy/AdministratorAccess"}
    inline = [r for r in of_type(aws, "aws:iam/rolePolicy:RolePolicy") if r["inputs"]["role"] == "pangeo-hubs-ci-preview"]
    allowed = {a for r in inline for s in json.loads(r["inputs"]["policy"])["Statement"] if s["Effect"] == "Allow"
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert allowed == {"s3:GetObject", "s3:ListBucket", "kms:Decrypt"}


def test_aws_deploy_role_administers_the_cluster_and_preview_only_views_it(aws):
    entry = one(aws, "aws:eks/accessEntry:AccessEntry", "pangeo-hubs-admin-ci-deploy")
    assert entry["inputs"]["principalArn"] == aws.outputs["ci"]["deploy_role_arn"]
    preview = [r["inputs"]["policyArn"] for r in of_type(aws, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
               if r["inputs"]["principalArn"] == aws.outputs["ci"]["preview_role_arn"]]
    assert preview == ["arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"]
