"""Replacements that collide with themselves: a fixed physical name, created before the old one goes.

By default the engine replaces a resource by creating the new one first and deleting
the old one after (create-before-delete). When the resource's physical name is set by
the program and does not change, the create asks the cloud for a name the old
resource still holds, and the update fails there (EKS: ResourceInUseException; GKE:
409 already exists). So every input that forces a replacement and that config can
change must change the name too, or the resource must be `delete_before_replace`.
Which inputs force a replacement comes from labels.REPLACE_ON_CHANGES.

Two more ways a name collides, checked on every plan (infra/plan/checks.py): an id the
cloud keeps after a delete (kept_ids), and one AWS account's OIDC provider declared
twice for an issuer (shared_oidc_issuers).
"""

from components.credit_project.aws_ci import oidc_issuer

from . import labels
from .diff import Change
from .run import Plan

# The input that holds the physical name, for the types whose name the program sets.
PHYSICAL_NAME: dict[str, str] = {
    "gcp:container/nodePool:NodePool": "name",
    "aws:eks/nodeGroup:NodeGroup": "nodeGroupName",
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": "workloadIdentityPoolId",
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": "workloadIdentityPoolProviderId",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "url",
    "gcp:serviceaccount/account:Account": "accountId",
    "gcp:storage/bucket:Bucket": "name",
    "gcp:compute/address:Address": "name",
    "gcp:artifactregistry/repository:Repository": "repositoryId",
}


def self_collisions(changes: list[Change]) -> list[str]:
    """One line per replacement that would create a resource under the name its predecessor still holds."""
    problems = []
    for change in changes:
        resource, before = change.resource, change.before
        name_input = PHYSICAL_NAME.get(resource["type"])
        if change.label != labels.REPLACE or name_input is None or resource.get("delete_before_replace"):
            continue
        name = resource["inputs"].get(name_input)
        if name is not None and name == before["inputs"].get(name_input):
            problems.append(
                f"{resource['name']} ({resource['type']}): replaced because of "
                f"{', '.join(change.replaced_by)}, but its {name_input} stays {name!r}: the new one is "
                "created before the old one is deleted, under a name the old one still holds")
    return problems


# Types whose id the cloud keeps after the resource is deleted, with the input that holds it:
# "You cannot reuse the ID of a soft-deleted pool until it is permanently deleted" (about 30
# days; WorkloadIdentityPool.State and WorkloadIdentityPoolProvider.State,
# https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools#state,
# https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers#state).
KEPT_AFTER_DELETE: dict[str, str] = {
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": "workloadIdentityPoolId",
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": "workloadIdentityPoolProviderId",
}


def kept_ids(plan: Plan) -> list[str]:
    """Resources whose id would still be taken when the stack is torn down and made again.

    Such an id must come from a random resource made with it, directly or through the
    resource whose id contains it (a provider's id is its pool's plus its own): then each
    new stack asks for a new one."""
    by_urn = {r["urn"]: r for r in plan.resources}

    def fresh(urn: str, seen: set[str]) -> bool:
        resource = by_urn.get(urn)
        if resource is None or urn in seen:
            return False
        seen.add(urn)
        return resource["type"].startswith("random:") or any(fresh(d, seen) for d in resource["dependencies"])

    return [f"{r['name']} ({r['type']}): its {KEPT_AFTER_DELETE[r['type']]} {r['inputs'].get(KEPT_AFTER_DELETE[r['type']])!r} "
            "is fixed, and the cloud keeps a deleted one's id for 30 days: a stack made again within them fails; "
            "give it a random suffix (pulumi_random)"
            for r in plan.resources if r["type"] in KEPT_AFTER_DELETE and not fresh(r["urn"], set())]


OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"


def shared_oidc_issuers(plan: Plan) -> list[str]:
    """OIDC providers the plan declares twice for one issuer URL.

    An AWS account holds one OIDC provider per issuer URL: a second create is refused with
    EntityAlreadyExists (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html).
    Every AWS provider of the stack reaches its one account (config names no other), so the
    plan may declare each issuer once: GitHub's for the CI roles, each cluster's own."""
    by_issuer: dict[str, list[str]] = {}
    for r in plan.resources:
        url = r["inputs"].get("url") if r["type"] == OIDC_PROVIDER else None
        if isinstance(url, str):
            by_issuer.setdefault(oidc_issuer(url), []).append(r["name"])
    return [f"{', '.join(names)} ({OIDC_PROVIDER}): {len(names)} providers for the issuer {issuer}, and an "
            "account holds one per issuer URL (EntityAlreadyExists); declare it once, or trust the account's own "
            "(ci.github_oidc_provider: existing)"
            for issuer, names in sorted(by_issuer.items()) if len(names) > 1]
