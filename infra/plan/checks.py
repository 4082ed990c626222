"""What the first real `pulumi up` would trip on that the mocks accept, checked on a plan.

The SDK's mocks create anything; the providers don't. Each check reads a recorded
plan and returns one line per problem: an API the project does not enable, a Job
that would stay failed, a default provider, a budget that counts credits. The tests
run them on every plan (both stacks at every migration phase, and the example).
"""

from components.credit_project.gcp_apis import TYPE_APIS
from components.labels import REPLACE_UNREADY

from .collisions import kept_ids, shared_oidc_issuers
from .run import Plan, named_projects

JOB = "kubernetes:batch/v1:Job"
# pulumi-kubernetes does not wait for a Job with this annotation (the Job docstring).
_SKIP_AWAIT = "pulumi.com/skipAwait"
# Packages whose default provider reads nothing from the environment: it is the same on every machine.
_NO_AMBIENT_CONFIG = {"random", "pulumi"}


def unready_jobs(plan: Plan) -> list[str]:
    """Jobs Pulumi waits for that a later update would leave failed (components/labels.py REPLACE_UNREADY)."""
    problems = []
    for job in (r for r in plan.resources if r["type"] == JOB):
        annotations = (job["inputs"].get("metadata") or {}).get("annotations") or {}
        if annotations.get(_SKIP_AWAIT) == "true":
            continue
        if not REPLACE_UNREADY.items() <= annotations.items():
            problems.append(f"{job['name']}: a failed run stays failed on every later update; "
                            f"annotate it {REPLACE_UNREADY}")
    return problems


def default_providers(plan: Plan) -> list[str]:
    """Resources and invokes that go through a default provider, which takes its region, project
    or kubeconfig from the shell that runs Pulumi rather than from the stack."""
    problems = []
    for r in plan.resources:
        package = r["type"].split(":", 1)[0]
        if r["custom"] and not r["type"].startswith("pulumi:providers:") and not r["provider"] \
                and package not in _NO_AMBIENT_CONFIG:
            problems.append(f"{r['name']} ({r['type']}) uses the default {package} provider")
    for invoke in plan.invokes:
        package = invoke.token.split(":", 1)[0]
        if not invoke.provider and package not in _NO_AMBIENT_CONFIG:
            problems.append(f"invoke {invoke.token} uses the default {package} provider")
    return problems


def credit_budgets(plan: Plan) -> list[str]:
    """Budgets measured after credits never alert while credits last: GCP's budget filter counts
    them unless `creditTypesTreatment` is EXCLUDE_ALL_CREDITS (default INCLUDE_ALL_CREDITS), and
    an AWS cost budget unless `costTypes.includeCredit` is false (default true); both defaults are
    in the pulumi_gcp and pulumi_aws docstrings of those fields."""
    problems = []
    for r in plan.resources:
        if r["type"] == "gcp:billing/budget:Budget":
            treatment = (r["inputs"].get("budgetFilter") or {}).get("creditTypesTreatment", "INCLUDE_ALL_CREDITS")
            if treatment != "EXCLUDE_ALL_CREDITS":
                problems.append(f"{r['name']}: budgetFilter.creditTypesTreatment is {treatment}, so spend is "
                                "measured after credits; set EXCLUDE_ALL_CREDITS")
        elif r["type"] == "aws:budgets/budget:Budget":
            if (r["inputs"].get("costTypes") or {}).get("includeCredit", True) is not False:
                problems.append(f"{r['name']}: costTypes.includeCredit is not false, so spend is measured "
                                "after credits")
    return problems


def disabled_apis(plan: Plan) -> list[str]:
    """GCP resources billed to the stack's project whose API that project does not enable.

    The enabled APIs are the plan's `gcp:projects/service:Service` resources; which API a type
    calls is components/credit_project/gcp_apis.py. Resources on a provider for another project
    (the old deployment's) are that project's business."""
    enabled = {r["inputs"]["service"] for r in plan.resources if r["type"] == "gcp:projects/service:Service"}
    projects = {r["inputs"]["project"] for r in plan.resources if r["type"] == "gcp:projects/service:Service"}
    on_project = {r["urn"] for r in plan.resources
                  if r["type"] == "pulumi:providers:gcp" and r["inputs"].get("project") in projects}
    problems = []
    for r in plan.resources:
        if not r["type"].startswith("gcp:") or r["provider"] not in on_project:
            continue
        if r["type"] not in TYPE_APIS:
            problems.append(f"{r['name']}: no API is recorded for {r['type']}; add it to gcp_apis.TYPE_APIS")
            continue
        missing = [api for api in TYPE_APIS[r["type"]][0] if f"{api}.googleapis.com" not in enabled]
        if missing:
            problems.append(f"{r['name']} ({r['type']}) needs {', '.join(missing)}, which the project does not "
                            "enable (credit_project/gcp.py SERVICES)")
    return problems


def unnamed_projects(plan: Plan) -> list[str]:
    """GCP resources and providers in a project that no config key names: a project written into
    the code (a placeholder, or another deployment's) is found wrong only by the first `up`. The
    project a stack creates is config's too (credits.project with create). Project numbers (digits
    only) are read from lookups of a named project (getProject), not written."""
    return [f"{r['name']} ({r['type']}) is in the project {project!r}, which no config key names; take it from "
            "config (credits.project, legacy.project, ci.secrets_key)"
            for r in plan.resources if r["type"].startswith("gcp:") or r["type"] == "pulumi:providers:gcp"
            for project in sorted(named_projects(r["inputs"]) - set(plan.config_projects)) if not project.isdigit()]


def extended_support(plan: Plan) -> list[str]:
    """EKS clusters that would bill extended support ($0.60 per hour more than the $0.10 that
    infra/cost.py prices) once their version leaves standard support: the API's default
    upgrade policy is EXTENDED (components/cluster/eks.py UPGRADE_POLICY)."""
    return [f"{r['name']}: upgradePolicy.supportType is not STANDARD, so the cluster bills extended support "
            "after its version's standard support ends"
            for r in plan.resources if r["type"] == "aws:eks/cluster:Cluster"
            and (r["inputs"].get("upgradePolicy") or {}).get("supportType") != "STANDARD"]


CHECKS = {
    "APIs enabled": disabled_apis,
    "Jobs replaced when unready": unready_jobs,
    "explicit providers": default_providers,
    "budgets exclude credits": credit_budgets,
    "no EKS extended support": extended_support,
    "ids free after a teardown": kept_ids,
    "one OIDC provider per issuer": shared_oidc_issuers,
    "projects named by config": unnamed_projects,
}


def first_up_problems(plan: Plan) -> dict[str, list[str]]:
    return {name: check(plan) for name, check in CHECKS.items()}
