"""Structural rules for .github/workflows: each returns its problems with a workflow (a
dict as PyYAML loads it), so a test can run it on the real files and on crafted ones."""

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# What GitHub must enforce on each environment (.github/environments.yml), and the stacks a
# `${{ matrix.stack }}` environment name stands for.
ENVIRONMENTS = yaml.safe_load((REPO / ".github/environments.yml").read_text())
STACKS = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in REPO.glob("Pulumi.*.yaml"))
SHA_PIN = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^\s*-?\s*uses:\s*\S+@[0-9a-f]{40}\s+#\s*v\d+\.\d+\.\d+\s*$")
PULUMI = "pulumi/actions@"
OIDC_ACTIONS = ("google-github-actions/auth@", "aws-actions/configure-aws-credentials@")


def triggers(workflow: dict) -> dict:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on or {}


def _steps(job: dict) -> list[dict]:
    return job.get("steps") or []


def _uses(job: dict) -> list[str]:
    return [s["uses"] for s in _steps(job) if "uses" in s] + ([job["uses"]] if "uses" in job else [])


def _pulumi_steps(job: dict, command: str | None = None) -> list[dict]:
    return [s for s in _steps(job) if str(s.get("uses", "")).startswith(PULUMI)
            and (command is None or (s.get("with") or {}).get("command") == command)]


def unpinned_uses(workflow: dict) -> list[str]:
    """Every action is pinned to a full commit SHA (local ./ actions excepted)."""
    return [f"{name}: {uses} is not pinned to a 40-hex commit SHA"
            for name, job in workflow.get("jobs", {}).items() for uses in _uses(job)
            if not uses.startswith("./") and not SHA_PIN.match(uses)]


def uses_lines_without_version(text: str) -> list[str]:
    """Every SHA-pinned `uses:` line says which release it is (`# vX.Y.Z`)."""
    return [line.strip() for line in text.splitlines()
            if re.match(r"^\s*-?\s*uses:\s*[^.\s]", line) and not VERSION_COMMENT.match(line)]


def deploy_jobs_gated(workflow: dict) -> list[str]:
    """A job running `pulumi up` has its stack's environment and a one-at-a-time concurrency group."""
    problems = []
    for name, job in workflow.get("jobs", {}).items():
        for step in _pulumi_steps(job, "up"):
            stack = step["with"].get("stack-name")
            env = job.get("environment")
            env_name = env.get("name") if isinstance(env, dict) else env
            if env_name != stack:
                problems.append(f"{name}: pulumi up on {stack!r} must run in environment {stack!r}, got {env_name!r}")
            concurrency = job.get("concurrency")
            if not isinstance(concurrency, dict) or concurrency.get("group") != f"deploy-{stack}" \
                    or concurrency.get("cancel-in-progress") is not False:
                problems.append(f"{name}: pulumi up on {stack!r} needs concurrency "
                                f"{{group: deploy-{stack}, cancel-in-progress: false}}, got {concurrency!r}")
    return problems


def permissions_minimal(workflow: dict) -> list[str]:
    """No default token grant; per job only contents: read, id-token: write where a step
    assumes a cloud identity, pull-requests: write where a step comments."""
    problems = []
    if workflow.get("permissions") != {}:
        problems.append(f"workflow-level permissions must be {{}}, got {workflow.get('permissions')!r}")
    for name, job in workflow.get("jobs", {}).items():
        perms = job.get("permissions")
        if not isinstance(perms, dict):
            problems.append(f"{name}: permissions must be an explicit mapping, got {perms!r}")
            continue
        uses = _uses(job)
        oidc = any(u.startswith(OIDC_ACTIONS) for u in uses)
        comments = any((s.get("with") or {}).get("comment-on-pr") is True for s in _pulumi_steps(job)) or \
            any("gh pr comment" in str(s.get("run", "")) for s in _steps(job))
        allowed = {"contents": "read", "id-token": "write" if oidc else None,
                   "pull-requests": "write" if comments else None}
        for scope, level in perms.items():
            if allowed.get(scope) != level:
                problems.append(f"{name}: permission {scope}: {level} is broader than the job needs")
        if oidc and perms.get("id-token") != "write":
            problems.append(f"{name}: assumes a cloud identity by OIDC but lacks id-token: write")
    return problems


def pulumi_runs_policy_pack(workflow: dict) -> list[str]:
    """Every preview and up passes the policy pack; previews comment with the diff."""
    problems = []
    for name, job in workflow.get("jobs", {}).items():
        for step in _pulumi_steps(job):
            with_ = step.get("with") or {}
            if with_.get("command") in ("preview", "up") and with_.get("policyPacks") != "policy":
                problems.append(f"{name}: pulumi {with_.get('command')} must pass policyPacks: policy")
            if with_.get("command") == "preview" and (with_.get("comment-on-pr") is not True or with_.get("diff") is not True):
                problems.append(f"{name}: pulumi preview must set comment-on-pr: true and diff: true")
    return problems


def no_untrusted_context_in_run(workflow: dict) -> list[str]:
    """No `${{ github.event... }}` (or other expressions) spliced into a shell script."""
    return [f"{name}: run step interpolates an expression; pass it through env"
            for name, job in workflow.get("jobs", {}).items() for s in _steps(job)
            if "${{" in str(s.get("run", ""))]


def checkout_drops_credentials(workflow: dict) -> list[str]:
    return [f"{name}: actions/checkout must set persist-credentials: false"
            for name, job in workflow.get("jobs", {}).items() for s in _steps(job)
            if str(s.get("uses", "")).startswith("actions/checkout@")
            and (s.get("with") or {}).get("persist-credentials") is not False]


def no_privileged_pr_triggers(workflow: dict) -> list[str]:
    """No pull_request_target / workflow_run: they run with the base repository's token."""
    return [f"trigger {t} runs untrusted code with the repository's token"
            for t in triggers(workflow) if t in ("pull_request_target", "workflow_run")]


def pr_jobs_with_credentials_skip_forks(workflow: dict) -> list[str]:
    """On pull_request, a job that assumes a cloud identity runs only for same-repository branches."""
    if "pull_request" not in triggers(workflow):
        return []
    return [f"{name}: assumes a cloud identity on pull_request without a same-repository guard"
            for name, job in workflow.get("jobs", {}).items()
            if any(u.startswith(OIDC_ACTIONS) for u in _uses(job))
            and "github.event.pull_request.head.repo.full_name == github.repository" not in str(job.get("if", ""))]


def _environments(job: dict) -> list[str | None]:
    env = job.get("environment")
    name = env.get("name") if isinstance(env, dict) else env
    if isinstance(name, str) and "${{ matrix.stack }}" in name:
        return [name.replace("${{ matrix.stack }}", stack) for stack in STACKS]
    return [name]


def oidc_jobs_wait_for_a_reviewer(workflow: dict) -> list[str]:
    """A job that may get an OIDC token runs in an environment with required reviewers, so
    no branch's code reaches a cloud identity (and the state it decrypts) before a
    maintainer approves it; the identities trust only their environment's token."""
    problems = []
    for name, job in workflow.get("jobs", {}).items():
        if (job.get("permissions") or {}).get("id-token") != "write":
            continue
        for env in _environments(job):
            if not (ENVIRONMENTS.get(env) or {}).get("required_reviewers"):
                problems.append(f"{name}: gets an OIDC token in environment {env!r}, which has no required "
                                "reviewers in .github/environments.yml")
    return problems


RULES = (unpinned_uses, deploy_jobs_gated, permissions_minimal, pulumi_runs_policy_pack,
         no_untrusted_context_in_run, checkout_drops_credentials, no_privileged_pr_triggers,
         pr_jobs_with_credentials_skip_forks, oidc_jobs_wait_for_a_reviewer)
