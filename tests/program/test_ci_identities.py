"""The GitHub Actions identities both shipped stacks declare: trusted only for this
repository's jobs in the right environment, preview read-only, deploy separate."""

import json

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


# --- gcp -------------------------------------------------------------------------------

def test_gcp_provider_accepts_only_this_repositorys_tokens(gcp):
    provider = one(gcp, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "pangeo-hubs-github")
    assert provider["inputs"]["attributeCondition"] == f'assertion.repository == "{REPOSITORY}"'
    assert provider["inputs"]["oidc"]["issuerUri"] == "https://token.actions.githubusercontent.com"
    assert provider["inputs"]["attributeMapping"]["attribute.environment"] == "assertion.environment"


def test_gcp_service_accounts_are_impersonable_only_from_their_environment(gcp):
    bindings = {r["name"]: r["inputs"] for r in of_type(gcp, "gcp:serviceaccount/iAMMember:IAMMember")
                if "-ci-" in r["name"]}
    pool = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/pangeo-hubs-github"
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
        "projects/123456789012/locations/global/workloadIdentityPools/pangeo-hubs-github/providers/github-actions")


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
