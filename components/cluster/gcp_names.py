"""Names GCP derives from the stack's keys, and the rules GCP enforces on them.

The config checks these before anything is planned, so a name GCP would refuse
is a config error naming the key that makes it, never a silent cut.
"""

import re

# IAM service account ids: 6 to 30 characters, lowercase letters, digits and
# dashes, starting with a letter and ending with a letter or digit
# (https://cloud.google.com/iam/docs/service-accounts-create, accountId).
SERVICE_ACCOUNT_ID = re.compile(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
# Bucket names: 3 to 63 characters without dots, lowercase letters, digits,
# dashes and underscores, starting and ending with a letter or digit
# (https://cloud.google.com/storage/docs/buckets#naming).
BUCKET = re.compile(r"^[a-z0-9][-_a-z0-9]{1,61}[a-z0-9]$")
# Workload identity pool and provider ids: 4 to 32 characters of [a-z0-9-], the
# prefix `gcp-` reserved by Google
# (https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/create,
# workloadIdentityPoolId; .../workloadIdentityPools.providers/create, workloadIdentityPoolProviderId).
WORKLOAD_IDENTITY_ID = re.compile(r"^(?!gcp-)[-a-z0-9]{4,32}$")
# Budget alerts reach at most 5 Cloud Monitoring channels
# (https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets,
# NotificationsRule.monitoringNotificationChannels).
MAX_BUDGET_CHANNELS = 5


def node_service_account(cluster: str) -> str:
    return f"{cluster}-nodes"


def users_service_account(hub: str) -> str:
    return f"{hub}-users"


def binder_push_service_account(hub: str) -> str:
    return f"{hub}-binder-push"


# Hex digits of the pool id's random suffix (components/credit_project/gcp_ci.py).
CI_POOL_SUFFIX_DIGITS = 4


def ci_pool(cluster: str, suffix: str = "x" * CI_POOL_SUFFIX_DIGITS) -> str:
    """The GitHub Actions workload identity pool's id; `suffix` is random, made when the pool is.
    A deleted pool keeps its id for 30 days ("You cannot reuse the ID of a soft-deleted pool until
    it is permanently deleted", https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools#state),
    so a fixed id would fail a stack torn down and made again within them. The default stands in
    for the suffix where only its length counts (config checks)."""
    return f"{cluster}-gh-{suffix}"


# The pool's one provider: GitHub's token issuer.
CI_PROVIDER = "github-actions"


def ci_service_accounts() -> dict[str, str]:
    """The service account each CI job impersonates, by job: one project per stack, so no
    cluster prefix, which would shorten the longest cluster.name the node account allows."""
    return {"preview": "ci-preview", "deploy": "ci-deploy"}


def scratch_bucket(project: str, hub: str) -> str:
    return f"{project}-{hub}-scratch"


def service_account_problem(account_id: str) -> str | None:
    if SERVICE_ACCOUNT_ID.match(account_id):
        return None
    return (f"makes the service account id {account_id!r} ({len(account_id)} characters); GCP takes 6 to 30 "
            "lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit")


def workload_identity_problem(pool_or_provider_id: str) -> str | None:
    if WORKLOAD_IDENTITY_ID.match(pool_or_provider_id):
        return None
    return (f"makes the workload identity pool id {pool_or_provider_id!r} ({len(pool_or_provider_id)} characters); "
            "GCP takes 4 to 32 lowercase letters, digits and dashes, not starting with 'gcp-'")


def bucket_problem(bucket: str) -> str | None:
    if BUCKET.match(bucket) and not bucket.startswith("goog") and "google" not in bucket:
        return None
    return (f"makes the bucket name {bucket!r} ({len(bucket)} characters); GCP takes 3 to 63 lowercase "
            "letters, digits, dashes and underscores, not starting with 'goog' or containing 'google'")
