"""Who may run Pulumi for this stack from GitHub Actions, and the state those runs reach.

The program declares the CI identities (components/credit_project/*_ci.py) from this
section: one for `pulumi preview` and one for `pulumi up`, each trusted only for
its GitHub environment of this repository, so a fork's or a preview's token can't
become the deployer.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo

from components.cluster import aws_names, gcp_names
from components.credit_project.args import CiConfig
from components.fields import GCP_PROJECT_ID, project_id_lowered, reject

from .placeholders import PLACEHOLDER_PROJECT

# A Cloud KMS key's resource name, as the `gcpkms://` secrets provider names it
# (https://cloud.google.com/kms/docs/resource-hierarchy#retrieve_resource_id); its project may be
# the README's placeholder, which only the offline plan accepts (placeholders.py).
_GCP_KEY = re.compile(rf"^projects/({GCP_PROJECT_ID}|{PLACEHOLDER_PROJECT})/locations/[-a-z0-9]+"
                      r"/keyRings/[-_A-Za-z0-9]{1,63}/cryptoKeys/[-_A-Za-z0-9]{1,63}$")
# An AWS KMS key by alias (not an AWS-managed `alias/aws/` one) or by key ARN
# (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id).
_AWS_KEY = re.compile(r"^(alias/(?!aws/)[A-Za-z0-9/_-]{1,250}"
                      r"|arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-)?[-a-f0-9]{32,36})$")


def ci_problems(ci: CiConfig, provider: str, cluster: str, created_project: str | None = None) -> list[tuple[str, str]]:
    """What the cloud refuses in `ci`; `cluster` (cluster.name) prefixes the GCP pool id;
    `created_project` is the GCP project the stack creates (credits.project with create)."""
    problems = []
    if provider == "gcp":
        if "github_oidc_provider" in ci.model_fields_set:
            problems.append(("github_oidc_provider", "only applies on aws; the GCP pool is the stack's own"))
        if problem := gcp_names.bucket_problem(ci.state_bucket):
            problems.append(("state_bucket", problem))
        if not (key := _GCP_KEY.match(ci.secrets_key)):
            project = re.match(r"^projects/([^/]+)/", ci.secrets_key)
            if project and (lower := project_id_lowered(project.group(1))):
                problems.append(("secrets_key", f"names project {project.group(1)!r}, but GCP project ids are "
                                                f"lower-case: probably {lower!r}"))
            else:
                problems.append(("secrets_key", "must be a Cloud KMS key as projects/P/locations/L/keyRings/R/cryptoKeys/K, "
                                                f"got {ci.secrets_key!r}"))
        elif key.group(1) == created_project:
            # The key decrypts the stack's config before the program runs, so it must exist before
            # the project the program creates.
            problems.append(("secrets_key", f"is in {created_project}, which this stack creates; the key must exist "
                                            "before the first update, in the project that holds the state"))
        # A field error here stops StackConfig's own checks, so a cluster.name they
        # already refuse (its node service account) is left for them to name.
        if gcp_names.service_account_problem(gcp_names.node_service_account(cluster)):
            return problems
        if problem := gcp_names.workload_identity_problem(gcp_names.ci_pool(cluster)):
            problems.append(("", f"with cluster.name {cluster!r} {problem}"))
    else:
        if problem := aws_names.bucket_name_problem(ci.state_bucket):
            problems.append(("state_bucket", problem))
        if not _AWS_KEY.match(ci.secrets_key):
            problems.append(("secrets_key", "must be a KMS key alias (alias/NAME, not alias/aws/...) or key ARN, "
                                            f"got {ci.secrets_key!r}"))
    return problems


def _fits_stack(ci: CiConfig | None, info: ValidationInfo) -> CiConfig | None:
    """Checked against the stack's cloud and cluster name, when those parsed."""
    cloud, cluster, credits = info.data.get("cloud"), info.data.get("cluster"), info.data.get("credits")
    project = credits and credits.project
    if ci is not None and cloud is not None and cluster is not None:
        reject(ci_problems(ci, cloud.provider, cluster.name, project.id if project and project.create else None))
    return ci


StackCi = Annotated[CiConfig | None, AfterValidator(_fits_stack)]
