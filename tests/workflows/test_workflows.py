"""The workflows in .github/workflows keep the rules in rules.py; each rule also fails a
crafted workflow that breaks it."""

import copy
import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from . import rules

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
SHA = "0123456789abcdef0123456789abcdef01234567"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_the_three_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"preview.yml", "deploy.yml", "test.yml"}


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: r.__name__)
@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_keeps_rule(path, rule):
    assert rule(_load(path)) == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_pin_names_its_release(path):
    assert rules.uses_lines_without_version(path.read_text()) == []


def test_both_stacks_are_previewed_and_deployed():
    preview, deploy = _load(REPO / ".github/workflows/preview.yml"), _load(REPO / ".github/workflows/deploy.yml")
    assert preview["jobs"]["preview"]["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.changes.outputs.stacks) }}"
    stacks = {s["with"]["stack-name"] for job in deploy["jobs"].values() for s in job.get("steps", [])
              if str(s.get("uses", "")).startswith(rules.PULUMI)}
    assert stacks == {"gcp", "aws-us-west-2"}


def test_fork_job_has_no_credentials_and_posts_the_declared_diff():
    test = _load(REPO / ".github/workflows/test.yml")["jobs"]["test"]
    assert test["permissions"] == {"contents": "read"}
    assert not [u for u in rules._uses(test) if u.startswith(rules.OIDC_ACTIONS)]
    script = "\n".join(s.get("run", "") for s in test["steps"])
    assert "make test" in script and 'python -m infra.plan diff "$stack" --base "$BASE_SHA"' in script
    assert "$GITHUB_STEP_SUMMARY" in script


# --- each rule fails a crafted workflow ----------------------------------------------------

GOOD = {
    True: {"push": {"branches": ["main"]}},
    "permissions": {},
    "jobs": {
        "deploy": {
            "environment": "gcp",
            "concurrency": {"group": "deploy-gcp", "cancel-in-progress": False},
            "permissions": {"contents": "read", "id-token": "write"},
            "steps": [
                {"uses": f"actions/checkout@{SHA}", "with": {"persist-credentials": False}},
                {"uses": f"google-github-actions/auth@{SHA}", "with": {"workload_identity_provider": "x"}},
                {"uses": f"pulumi/actions@{SHA}", "with": {"command": "up", "stack-name": "gcp", "policyPacks": "policy"}},
            ],
        },
    },
}


def _bad(change) -> dict:
    workflow = copy.deepcopy(GOOD)
    change(workflow)
    return workflow


def _step(workflow, index):
    return workflow["jobs"]["deploy"]["steps"][index]


BREAKS = [
    (rules.unpinned_uses, lambda w: _step(w, 0).update(uses="actions/checkout@v4")),
    (rules.unpinned_uses, lambda w: _step(w, 2).update(uses=f"pulumi/actions@{SHA[:7]}")),
    (rules.deploy_jobs_gated, lambda w: w["jobs"]["deploy"].pop("environment")),
    (rules.deploy_jobs_gated, lambda w: w["jobs"]["deploy"].update(environment="aws-us-west-2")),
    (rules.deploy_jobs_gated, lambda w: w["jobs"]["deploy"].pop("concurrency")),
    (rules.deploy_jobs_gated, lambda w: w["jobs"]["deploy"]["concurrency"].update({"cancel-in-progress": True})),
    (rules.permissions_minimal, lambda w: w.update(permissions="write-all")),
    (rules.permissions_minimal, lambda w: w["jobs"]["deploy"].pop("permissions")),
    (rules.permissions_minimal, lambda w: w["jobs"]["deploy"]["permissions"].update(contents="write")),
    (rules.permissions_minimal, lambda w: w["jobs"]["deploy"]["permissions"].update({"pull-requests": "write"})),
    (rules.permissions_minimal, lambda w: w["jobs"]["deploy"]["steps"].pop(1)),  # id-token without OIDC
    (rules.pulumi_runs_policy_pack, lambda w: _step(w, 2)["with"].pop("policyPacks")),
    (rules.pulumi_runs_policy_pack, lambda w: _step(w, 2)["with"].update(command="preview", **{"comment-on-pr": True})),
    (rules.no_untrusted_context_in_run,
     lambda w: w["jobs"]["deploy"]["steps"].append({"run": 'echo "${{ github.event.pull_request.title }}"'})),
    (rules.checkout_drops_credentials, lambda w: _step(w, 0).pop("with")),
    (rules.no_privileged_pr_triggers, lambda w: w[True].update(pull_request_target={})),
    (rules.pr_jobs_with_credentials_skip_forks, lambda w: w[True].update(pull_request={})),
    (rules.oidc_jobs_wait_for_a_reviewer, lambda w: w["jobs"]["deploy"].pop("environment")),
    (rules.oidc_jobs_wait_for_a_reviewer, lambda w: w["jobs"]["deploy"].update(environment="gcp-unreviewed")),
    (rules.oidc_jobs_wait_for_a_reviewer,
     lambda w: w["jobs"]["deploy"].update(environment="${{ matrix.stack }}-unreviewed")),
]


def test_the_crafted_workflow_keeps_every_rule():
    assert [p for rule in rules.RULES for p in rule(GOOD)] == []


@pytest.mark.parametrize("rule, change", BREAKS, ids=[f"{r.__name__}-{i}" for i, (r, _) in enumerate(BREAKS)])
def test_rule_fails_a_workflow_that_breaks_it(rule, change):
    assert rule(_bad(change))


def test_pr_guard_accepts_same_repository_condition():
    workflow = _bad(lambda w: w[True].update(pull_request={}))
    workflow["jobs"]["deploy"]["if"] = "github.event.pull_request.head.repo.full_name == github.repository"
    assert rules.pr_jobs_with_credentials_skip_forks(workflow) == []


def test_pin_without_release_comment_is_flagged():
    assert rules.uses_lines_without_version(f"      - uses: actions/checkout@{SHA}\n")
    assert rules.uses_lines_without_version(f"      - uses: actions/checkout@{SHA} # v4\n")
    assert not rules.uses_lines_without_version(f"      - uses: actions/checkout@{SHA} # v4.2.2\n")


# --- which stacks a change previews ----------------------------------------------------------

def _stacks_module():
    spec = importlib.util.spec_from_file_location("stacks_for_changes", REPO / ".github/scripts/stacks_for_changes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("paths, stacks", [
    (["Pulumi.gcp.yaml"], ["gcp"]),
    (["Pulumi.aws-us-west-2.yaml"], ["aws-us-west-2"]),
    (["Pulumi.gcp.yaml", "docs/aws.md"], ["gcp"]),
    (["components/cluster/eks.py"], ["gcp", "aws-us-west-2"]),
    (["infra/config/stack.py"], ["gcp", "aws-us-west-2"]),
    (["policy/rules.py"], ["gcp", "aws-us-west-2"]),
    (["requirements.txt"], ["gcp", "aws-us-west-2"]),
    (["README.md", "tests/unit/test_docs.py", ".github/workflows/test.yml"], []),
    (["examples/daskhub/__main__.py", "examples/daskhub/Pulumi.dev.yaml"], []),
])
def test_stacks_for_changed_files(paths, stacks):
    assert _stacks_module().stacks_for(paths) == stacks
    json.dumps(stacks)


def test_new_branch_previews_everything():
    module = _stacks_module()
    assert module.stacks_for(module.changed_files("0" * 40, "HEAD")) == ["gcp", "aws-us-west-2"]


# --- previews wait for a reviewer (issue 21 item 4) -------------------------------------------

def test_the_preview_job_cannot_get_a_token_before_a_maintainer_approves_it():
    """Every stack's preview runs in `<stack>-preview`, which GitHub holds until a reviewer
    other than the author approves; only that environment's token is trusted by the
    preview identity, which decrypts the state."""
    job = _load(REPO / ".github/workflows/preview.yml")["jobs"]["preview"]
    assert job["permissions"]["id-token"] == "write"
    assert rules._environments(job) == [f"{stack}-preview" for stack in rules.STACKS]
    for env in rules._environments(job):
        assert rules.ENVIRONMENTS[env] == {"required_reviewers": True, "prevent_self_review": True}


@pytest.mark.parametrize("stack", rules.STACKS)
def test_the_identities_trust_only_reviewed_environments(stack):
    """The environments the stacks' CI identities trust (`ci.environments`) are the reviewed ones."""
    ci = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]["pangeo-hubs:ci"]
    assert ci["environments"] == {"preview": f"{stack}-preview", "deploy": stack}
    for env in ci["environments"].values():
        assert rules.ENVIRONMENTS[env]["required_reviewers"] is True
