"""Placeholder identities (infra/config/placeholders.py): refused under the engine, listed by the offline plan."""

import pulumi
import pytest

from infra import program
from infra.config import parse_stack_config
from infra.config.placeholders import placeholder_problems
from infra.plan import run

from .test_cloud_rules import problems, values

SHIPPED = {
    "aws-us-west-2": "pangeo-hubs:cluster.admins.0: 'arn:aws:iam::111122223333:role/pangeo-hubs-operators' is in "
                     "111122223333, an account of AWS's documentation examples, not yours; put the ARN of the IAM "
                     "role you run `pulumi up` with (docs/first-up.md, Who runs it) there",
    "gcp": "pangeo-hubs:ci.secrets_key: 'projects/ADMIN_PROJECT/locations/us-central1/keyRings/pulumi/cryptoKeys/"
           "pulumi-secrets' names the placeholder project ADMIN_PROJECT; put the key of `pulumi stack init "
           "--secrets-provider` (README, Run it for real) there",
}
KEY = "projects/{}/locations/us-central1/keyRings/pulumi/cryptoKeys/pulumi-secrets"


def engine_run(stack: str, *overrides: str):
    """The program as the engine runs it (not offline) on the stack file, its secrets set."""
    values = run.stack_values(stack, overrides=overrides)
    unset = parse_stack_config(run.replace_secure(values)).secrets_missing()
    run.with_config({k: v for k, v in run._with_placeholders(values, unset).items() if k.startswith("pangeo-hubs:")})
    return run.run_program(program.main, stack=stack)


def engine_problems(stack: str, *overrides: str) -> list[str]:
    """The lines the program stops with under the engine."""
    with pytest.raises(pulumi.RunError) as error:
        engine_run(stack, *overrides)
    return str(error.value).splitlines()


@pytest.mark.parametrize("stack", sorted(SHIPPED))
def test_the_shipped_placeholder_is_one_key_path_line_under_the_engine(stack):
    assert engine_problems(stack) == [SHIPPED[stack]]


def test_every_placeholder_is_reported_not_only_the_first():
    found = engine_problems("aws-us-west-2", "cluster.admins=['arn:aws:iam::444455556666:role/a', "
                                             "'arn:aws:iam::210987654321:role/b', 'arn:aws:iam::777788889999:user/c']",
                            "ci.secrets_key=arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert [line.split(":")[1] for line in found] == ["cluster.admins.0", "cluster.admins.2", "ci.secrets_key"]
    assert "put the key of `pulumi stack init --secrets-provider`" in found[2]


def test_the_offline_plan_lets_them_through_and_lists_them(gcp_plan):
    assert gcp_plan.placeholders == [SHIPPED["gcp"]]


@pytest.mark.parametrize("tree, expected", [
    ({"cluster": {"admins": ["arn:aws:iam::210987654321:role/ops"]}}, []),
    ({"ci": {"secrets_key": KEY.format("pangeo-admin")}}, []),
    ({"ci": {"secrets_key": KEY.format("PROJECT_ID")}}, [("ci.secrets_key", "PROJECT_ID")]),
    # Wherever it is written, with a generic hint where no key-specific one is recorded.
    ({"hubs": {"prod": {"x": "arn:aws:s3:::b", "y": ["arn:aws:sns:us-west-2:111122223333:t"]}}},
     [("hubs.prod.y.0", "put the real one there")]),
], ids=["real-account", "real-project", "gcp-placeholder", "anywhere"])
def test_placeholders_are_found_by_form(tree, expected):
    found = placeholder_problems(tree)
    assert [path for path, _ in found] == [path for path, _ in expected]
    assert all(part in problem for (_, problem), (_, part) in zip(found, expected))


def test_a_secrets_key_in_the_project_the_stack_creates_is_refused():
    config = values("gcp", "credits.project={id: pangeo-hubs-gcp, create: true, org_id: '1234'}",
                    f"ci.secrets_key={KEY.format('pangeo-hubs-gcp')}")
    assert problems(config) == ["pangeo-hubs:ci.secrets_key: is in pangeo-hubs-gcp, which this stack creates; the key "
                                "must exist before the first update, in the project that holds the state"]


MOCK_CALLER = "arn:aws:iam::123456789012:role/pangeo-hubs-deployer"  # infra/plan/mocks.py's session issuer


def test_an_update_by_an_identity_cluster_admins_does_not_name_is_refused():
    assert engine_problems("aws-us-west-2", "cluster.admins=['arn:aws:iam::210987654321:role/ops']") == [
        f"pangeo-hubs:cluster.admins: does not name {MOCK_CALLER}, which runs this update: it would get no access "
        "to the cluster and every Kubernetes resource would fail; add it (docs/first-up.md)"]


@pytest.mark.parametrize("issuer, ci, dry_run, refused", [
    ("arn:aws:iam::210987654321:role/ops", True, False, False),
    ("arn:aws:iam::210987654321:user/alice", True, False, True),
    ("arn:aws:iam::210987654321:role/pangeo-hubs-ci-deploy", True, False, False),
    ("arn:aws:iam::210987654321:role/pangeo-hubs-ci-deploy", False, False, True),  # no `ci`: no such role
    ("arn:aws:iam::210987654321:role/pangeo-hubs-ci-preview", True, True, False),  # its read-only entry
    ("arn:aws:iam::210987654321:role/pangeo-hubs-ci-preview", True, False, True),
])
def test_the_caller_needs_an_access_entry(issuer, ci, dry_run, refused):
    from infra.config.caller import caller_problems
    found = caller_problems(issuer, "210987654321", ["arn:aws:iam::210987654321:role/ops"], "pangeo-hubs",
                            ci=ci, dry_run=dry_run)
    assert [path for path, _ in found] == (["cluster.admins"] if refused else [])


def test_an_update_by_a_cluster_admin_declares_the_whole_stack(monkeypatch):
    """The engine path end to end, with the caller in an account that is not a documentation one."""
    from infra.plan.mocks import PlanMocks

    answer = PlanMocks.call

    def call(self, args):
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": "210987654321", "arn": "arn:aws:sts::210987654321:assumed-role/ops/alice"}
        if args.token == "aws:iam/getSessionContext:getSessionContext":
            return {"arn": args.args["arn"], "issuerArn": "arn:aws:iam::210987654321:role/ops"}
        return answer(self, args)

    monkeypatch.setattr(PlanMocks, "call", call)
    monitor = engine_run("aws-us-west-2", "cluster.admins=['arn:aws:iam::210987654321:role/ops']")
    assert "aws:eks/cluster:Cluster" in {r.type for r in monitor.registrations.values()}


def test_a_gcp_update_with_the_real_key_declares_the_whole_stack():
    monitor = engine_run("gcp", f"ci.secrets_key={KEY.format('pangeo-admin')}")
    assert "gcp:container/cluster:Cluster" in {r.type for r in monitor.registrations.values()}
