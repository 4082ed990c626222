"""`ci.github_oidc_provider: existing`: the account's own GitHub provider, looked up in moto's IAM,
must be GitHub's issuer with the sts.amazonaws.com audience, or the update stops at that key.

The program's lookup (aws.iam.get_open_id_connect_provider by URL, through the stack's
provider) is answered from moto as terraform-provider-aws's data source answers it:
the account's providers listed, the one whose URL matches returned, or "not found".
"""

import boto3
import grpc
import pytest

from components.credit_project.aws_ci import existing_provider_problem
from infra.config import ConfigError
from infra.moto_rules import moto_aws
from infra.plan import plan
from infra.plan.mocks import PlanMocks

EXISTING = ("ci.github_oidc_provider=existing",)
GITHUB = "https://token.actions.githubusercontent.com"
THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"
LOOKUP = "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"


class EngineError(grpc.RpcError):
    """How a data source's error reaches the program: the engine answers the Invoke with a gRPC error."""

    def __init__(self, details: str):
        self._details = details

    def code(self):
        return grpc.StatusCode.UNKNOWN

    def details(self):
        return self._details


@pytest.fixture
def iam(monkeypatch):
    """moto's IAM, and the plan's OIDC provider lookups answered from it."""
    with moto_aws():
        client = boto3.client("iam", region_name="us-west-2")
        answer = PlanMocks.call

        def call(self, args):
            if args.token != LOOKUP:
                return answer(self, args)
            for entry in client.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
                found = client.get_open_id_connect_provider(OpenIDConnectProviderArn=entry["Arn"])
                if f"https://{found['Url']}" == args.args["url"]:
                    return {"arn": entry["Arn"], "url": found["Url"], "clientIdLists": found["ClientIDList"],
                            "thumbprintLists": found["ThumbprintList"]}
            raise EngineError(f"invocation of {LOOKUP} returned an error: finding IAM OIDC Provider by url "
                              f"({args.args['url']}): not found")

        monkeypatch.setattr(PlanMocks, "call", call)
        yield client


def _refusal(*overrides: str) -> list[str]:
    with pytest.raises(ConfigError) as error:
        plan("aws-us-west-2", overrides=EXISTING + overrides)
    return error.value.problems


def test_the_account_s_provider_with_sts_as_audience_is_trusted(iam):
    arn = iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["sigstore", "sts.amazonaws.com"],
                                              ThumbprintList=[THUMBPRINT])["OpenIDConnectProviderArn"]
    result = plan("aws-us-west-2", overrides=EXISTING)
    trusted = {r["inputs"]["assumeRolePolicy"] for r in result.resources if r["name"].startswith("pangeo-hubs-ci-")
               and r["type"] == "aws:iam/role:Role"}
    assert len(trusted) == 2 and all(f'"Federated": "{arn}"' in policy for policy in trusted)


def test_a_provider_without_the_sts_audience_stops_the_update_at_its_key(iam):
    iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["sigstore"], ThumbprintList=[THUMBPRINT])
    assert _refusal() == [
        "pangeo-hubs:ci.github_oidc_provider: is existing, but the account's provider for "
        "token.actions.githubusercontent.com has the audiences ['sigstore'], without sts.amazonaws.com: add it "
        "(aws iam add-client-id-to-open-id-connect-provider), or the CI roles' tokens are refused"]


def test_an_account_without_a_github_provider_stops_the_update_at_its_key(iam):
    iam.create_open_id_connect_provider(Url="https://gitlab.com", ClientIDList=["sts.amazonaws.com"],
                                        ThumbprintList=[THUMBPRINT])
    [line] = _refusal()
    assert line.startswith("pangeo-hubs:ci.github_oidc_provider: is existing, but looking up the account's provider "
                           f"for {GITHUB} failed (")
    assert line.endswith(": not found); if the account has none, leave ci.github_oidc_provider unset to create it")


@pytest.mark.parametrize("url, audiences, problem", [
    ("token.actions.githubusercontent.com", ["sts.amazonaws.com"], None),
    ("https://token.actions.githubusercontent.com/", ["sts.amazonaws.com"], None),
    ("token.actions.githubusercontent.com/pangeo-data", ["sts.amazonaws.com"],
     "the account's provider found for GitHub is for 'token.actions.githubusercontent.com/pangeo-data', "
     "not token.actions.githubusercontent.com"),
    ("token.actions.githubusercontent.com", [], "has the audiences [], without sts.amazonaws.com"),
])
def test_what_iam_describes_is_checked_for_issuer_and_audience(url, audiences, problem):
    found = existing_provider_problem(url, audiences)
    assert (found is None) if problem is None else (problem in found)
