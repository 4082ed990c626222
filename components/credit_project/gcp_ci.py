"""The GitHub Actions identities of a GCP stack: a workload identity pool trusting this
repository's tokens, and one service account per job, each impersonable only from its
GitHub environment.

`google-github-actions/auth` exchanges the job's OIDC token for the service account's
credentials (https://github.com/google-github-actions/auth#workload-identity-federation-through-a-service-account);
no key is ever created.
"""

import json

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from components.cluster import gcp_names

from .args import CiConfig

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
# Claims of GitHub's token (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#understanding-the-oidc-token):
# `sub` is `repo:OWNER/NAME:environment:ENV` for a job with an environment.
ATTRIBUTE_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.environment": "assertion.environment",
}
# What each job may do on the project. Preview reads (`pulumi preview` declares, it
# never writes); deploy creates and changes everything the stack holds: GKE, networks,
# Filestore, service accounts and the project's own IAM policy, so it needs owner.
PROJECT_ROLES = {"preview": "roles/viewer", "deploy": "roles/owner"}
# The state bucket (https://cloud.google.com/storage/docs/access-control/iam-roles):
# `pulumi preview` with a bucket backend neither locks the stack nor writes state or
# history (pulumi/pulumi pkg/backend/diy/backend.go: Preview calls apply with DryRun, no
# Lock; apply saves a snapshot and history only when not DryRun), so it only reads.
STATE_ROLES = {"preview": "roles/storage.objectViewer", "deploy": "roles/storage.objectAdmin"}
# The secrets key: an existing stack's secrets manager only decrypts its data key
# (`encryptedkey:` in Pulumi.<stack>.yaml); secrets are then encrypted locally with it
# (pulumi/pulumi pkg/secrets/cloud/manager.go). Making a new data key
# (`pulumi stack init`, `change-secrets-provider`) is an operator's job.
KEY_ROLE = "roles/cloudkms.cryptoKeyDecrypter"
# The budget lives on the billing account, outside the project: updating it needs
# billing.budgets.update, whose narrowest predefined role is this one
# (https://cloud.google.com/billing/docs/how-to/budget-api-overview#budget-api-permissions).
DEPLOY_BILLING_ROLE = "roles/billing.costsManager"


def attribute_condition(repository: str) -> str:
    """The provider accepts tokens of this repository only: without a condition any
    GitHub repository's token would be exchanged (https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines#conditions)."""
    return f"assertion.repository == {json.dumps(repository)}"


def environment_principal(project_number: str, pool_id: str, environment: str) -> str:
    """Every token of one GitHub environment (of the pool's one repository)
    (https://cloud.google.com/iam/docs/principal-identifiers, attribute.ATTRIBUTE_NAME)."""
    return (f"principalSet://iam.googleapis.com/projects/{project_number}/locations/global/"
            f"workloadIdentityPools/{pool_id}/attribute.environment/{environment}")


def declare_ci(name: str, ci: CiConfig, project_id: pulumi.Input[str], project_number: pulumi.Input[str],
               billing_account: str, opts: pulumi.ResourceOptions) -> dict[str, pulumi.Output[str]]:
    """The pool, its provider and the two service accounts; returns what the workflows' variables need.

    The pool's id ends in a suffix made with it (gcp_names.ci_pool), so a stack made again
    gets a pool id that no soft-deleted pool holds; the provider's fixed id is then free
    too, inside a new pool."""
    suffix = random.RandomId(f"{name}-github-pool", byte_length=gcp_names.CI_POOL_SUFFIX_DIGITS // 2,
                             opts=pulumi.ResourceOptions(parent=opts.parent))
    pool = gcp.iam.WorkloadIdentityPool(
        f"{name}-github", workload_identity_pool_id=suffix.hex.apply(lambda hex_: gcp_names.ci_pool(name, hex_)),
        display_name="GitHub Actions", description=f"Jobs of {ci.repository}", opts=opts,
    )
    provider = gcp.iam.WorkloadIdentityPoolProvider(
        f"{name}-github", workload_identity_pool_id=pool.workload_identity_pool_id,
        workload_identity_pool_provider_id=gcp_names.CI_PROVIDER, display_name="GitHub Actions OIDC",
        attribute_mapping=ATTRIBUTE_MAPPING, attribute_condition=attribute_condition(ci.repository),
        oidc={"issuer_uri": GITHUB_ISSUER}, opts=opts,
    )
    outputs = {"gcp_workload_identity_provider": pulumi.Output.concat(
        "projects/", project_number, "/locations/global/workloadIdentityPools/", pool.workload_identity_pool_id,
        "/providers/", provider.workload_identity_pool_provider_id)}
    environments = {"preview": ci.environments.preview, "deploy": ci.environments.deploy}
    for job, account_id in gcp_names.ci_service_accounts().items():
        account = gcp.serviceaccount.Account(
            f"{name}-ci-{job}", account_id=account_id, display_name=f"GitHub Actions {job} ({ci.repository})",
            opts=opts,
        )
        member = account.email.apply(lambda email: f"serviceAccount:{email}")
        gcp.serviceaccount.IAMMember(
            f"{name}-ci-{job}-federation", service_account_id=account.name, role="roles/iam.workloadIdentityUser",
            member=pulumi.Output.all(project_number, pool.workload_identity_pool_id).apply(
                lambda v, env=environments[job]: environment_principal(v[0], v[1], env)),
            opts=opts,
        )
        gcp.projects.IAMMember(f"{name}-ci-{job}-project", project=project_id, role=PROJECT_ROLES[job],
                               member=member, opts=opts)
        gcp.storage.BucketIAMMember(f"{name}-ci-{job}-state", bucket=ci.state_bucket, role=STATE_ROLES[job],
                                    member=member, opts=opts)
        gcp.kms.CryptoKeyIAMMember(f"{name}-ci-{job}-secrets", crypto_key_id=ci.secrets_key, role=KEY_ROLE,
                                   member=member, opts=opts)
        if job == "deploy":
            gcp.billing.AccountIamMember(f"{name}-ci-deploy-budget", billing_account_id=billing_account,
                                         role=DEPLOY_BILLING_ROLE, member=member, opts=opts)
        outputs[f"{job}_service_account"] = account.email
    return outputs
