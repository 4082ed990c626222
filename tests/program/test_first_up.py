"""The checks of infra/plan/checks.py pass on the shipped plans, and each fails on the fault it exists for.

test_migration.py runs them on both stacks at every migration phase; here the
shipped stacks and the example, and one injected fault per check (each one what
the code did before the check existed).
"""

import copy

import pytest

from infra.plan import plan
from infra.plan.checks import (
    credit_budgets, default_providers, disabled_apis, extended_support, first_up_problems, unnamed_projects,
    unready_jobs,
)
from infra.plan.collisions import kept_ids, shared_oidc_issuers
from infra.plan.mocks import Invoke
from tests.example import plan_example

from .graph import of_type, one

EXAMPLE = "examples/daskhub"


@pytest.fixture(scope="module")
def plans(gcp_plan):
    return {"gcp": gcp_plan, "aws-us-west-2": plan("aws-us-west-2"), EXAMPLE: plan_example()}


@pytest.mark.parametrize("name", ["gcp", "aws-us-west-2", EXAMPLE])
def test_the_shipped_plans_pass_every_first_up_check(plans, name):
    problems = first_up_problems(plans[name])
    assert problems == {check: [] for check in problems}


def _faulty(result, change):
    faulty = copy.deepcopy(result)
    change(faulty)
    return faulty


def test_a_resource_whose_api_is_not_enabled_is_reported(plans):
    def drop_artifact_registry(p):  # SERVICES before it listed artifactregistry
        p.resources = [r for r in p.resources if r["inputs"].get("service") != "artifactregistry.googleapis.com"]

    problems = disabled_apis(_faulty(plans["gcp"], drop_artifact_registry))
    assert problems and all("needs artifactregistry" in p for p in problems)
    assert {p.split(" ")[0] for p in problems} >= {"staging-images", "binder-images"}


def test_a_type_with_no_recorded_api_is_reported(plans):
    def add_unknown(p):
        repository = one(p, "gcp:artifactregistry/repository:Repository", "staging-images")
        p.resources.append({**repository, "urn": "urn:x", "name": "q", "type": "gcp:pubsub/topic:Topic"})

    assert disabled_apis(_faulty(plans["gcp"], add_unknown)) == [
        "q: no API is recorded for gcp:pubsub/topic:Topic; add it to gcp_apis.TYPE_APIS"]


def test_a_job_without_replace_unready_is_reported(plans):
    def strip(p):
        for job in of_type(p, "kubernetes:batch/v1:Job"):
            job["inputs"]["metadata"].pop("annotations")

    problems = unready_jobs(_faulty(plans["aws-us-west-2"], strip))
    assert problems and problems[0].startswith("binder-binder-push-initial: a failed run stays failed")


@pytest.mark.parametrize("stack", ["gcp", "aws-us-west-2"])
def test_a_resource_or_invoke_on_a_default_provider_is_reported(plans, stack):
    def defaults(p):
        one(p, "kubernetes:core/v1:Namespace", "prod-namespace")["provider"] = None
        p.invokes.append(Invoke("aws:index/getCallerIdentity:getCallerIdentity", ""))

    assert default_providers(_faulty(plans[stack], defaults)) == [
        "prod-namespace (kubernetes:core/v1:Namespace) uses the default kubernetes provider",
        "invoke aws:index/getCallerIdentity:getCallerIdentity uses the default aws provider"]


def test_the_shipped_invokes_all_name_their_provider(plans):
    tokens = {i.token for p in plans.values() for i in p.invokes}
    assert {"aws:index/getCallerIdentity:getCallerIdentity", "gcp:organizations/getProject:getProject"} <= tokens
    assert all(i.provider for p in plans.values() for i in p.invokes)


@pytest.mark.parametrize("stack, path, value", [
    ("gcp", ("budgetFilter", "creditTypesTreatment"), "INCLUDE_ALL_CREDITS"),
    ("aws-us-west-2", ("costTypes", "includeCredit"), True),
])
def test_a_budget_that_counts_credits_is_reported(plans, stack, path, value):
    def count_credits(p):
        budget = next(r for r in p.resources if r["type"].endswith("/budget:Budget"))
        budget["inputs"][path[0]][path[1]] = value

    [problem] = credit_budgets(_faulty(plans[stack], count_credits))
    assert "spend is measured after credits" in problem


def test_an_eks_cluster_left_on_extended_support_is_reported(plans):
    def default_policy(p):  # the cluster before it set an upgrade policy
        one(p, "aws:eks/cluster:Cluster", "pangeo-hubs-cluster")["inputs"].pop("upgradePolicy")

    assert extended_support(plans["aws-us-west-2"]) == []
    [problem] = extended_support(_faulty(plans["aws-us-west-2"], default_policy))
    assert problem.startswith("pangeo-hubs-cluster: upgradePolicy.supportType is not STANDARD")


def test_a_pool_id_that_a_teardown_leaves_taken_is_reported(plans):
    def fixed_id(p):  # the pool before its id had a random suffix
        pool = one(p, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "pangeo-hubs-github")
        pool["dependencies"] = [d for d in pool["dependencies"] if "random:" not in d]
        pool["inputs"]["workloadIdentityPoolId"] = "pangeo-hubs-github"

    assert kept_ids(plans["gcp"]) == []
    problems = kept_ids(_faulty(plans["gcp"], fixed_id))
    # the provider's own id is fixed and free only inside a new pool, so it is reported with it
    assert [p.split(" ")[0] for p in problems] == ["pangeo-hubs-github", "pangeo-hubs-github"]
    assert problems[0].startswith("pangeo-hubs-github (gcp:iam/workloadIdentityPool:WorkloadIdentityPool): its "
                                  "workloadIdentityPoolId 'pangeo-hubs-github' is fixed")


GITHUB_PROVIDER = ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "pangeo-hubs-github")


@pytest.mark.parametrize("url", ["https://token.actions.githubusercontent.com",
                                 "https://token.actions.githubusercontent.com/"])
def test_a_second_provider_for_github_s_issuer_in_the_account_is_reported(plans, url):
    def second(p):  # a second component declaring the account's GitHub provider, as a second stack would
        github = one(p, *GITHUB_PROVIDER)
        p.resources.append({**copy.deepcopy(github), "urn": github["urn"] + "-2", "name": "other-github",
                            "inputs": {**github["inputs"], "url": url}})

    assert shared_oidc_issuers(plans["aws-us-west-2"]) == []
    [problem] = shared_oidc_issuers(_faulty(plans["aws-us-west-2"], second))
    assert problem.startswith("pangeo-hubs-github, other-github (aws:iam/openIdConnectProvider:OpenIdConnectProvider): "
                              "2 providers for the issuer token.actions.githubusercontent.com")



@pytest.mark.parametrize("field, value", [
    ("cryptoKeyId", "projects/pangeo-admin/locations/us-central1/keyRings/pulumi/cryptoKeys/pulumi-secrets"),
    ("project", "pangeo-admin"),
])
def test_a_project_that_config_does_not_name_is_reported(plans, field, value):
    def written_in(p):  # the key's project written into the code instead of read from ci.secrets_key
        member = next(r for r in p.resources if r["type"] == "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
        member["inputs"][field] = value

    assert unnamed_projects(plans["gcp"]) == []
    [problem] = unnamed_projects(_faulty(plans["gcp"], written_in))
    assert "(gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember) is in the project 'pangeo-admin', which no config key " \
           "names" in problem


def test_the_projects_config_names_are_read_from_every_key_that_can_name_one():
    from infra.plan.run import named_projects
    assert named_projects({"gcp:project": "a-project", "pangeo-hubs:credits": {"project": {"id": "b-project"}},
                           "pangeo-hubs:legacy": {"project": "c-project"},
                           "pangeo-hubs:ci": {"secrets_key": "projects/d-project/locations/l/keyRings/r/cryptoKeys/k"},
                           "pangeo-hubs:hubs": {"prod": {"domain": "projects.example.org"}}}) == {
        "a-project", "b-project", "c-project", "d-project"}
