"""Who may run Pulumi for this stack from GitHub Actions, and the state those runs reach.

The program declares the CI identities (components/credit_project/*_ci.py) from this
section: one for `pulumi preview` and one for `pulumi up`, each trusted only for
its GitHub environment of this repository, so a fork's or a preview's token can't
become the deployer.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from components.cluster import gcp_names
from infra.bootstrap.aws import bucket_name_problem

from .types import Base, reject

# GitHub owners: 1 to 39 letters, digits and single inner hyphens; repositories: 1 to
# 100 letters, digits, `.`, `_` and `-`, never `.` or `..` (what github.com accepts at
# sign-up and repository creation). Case counts: the token's `repository` and `sub`
# claims carry the name as GitHub spells it, and the trust conditions compare exactly.
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$")
# GitHub environment names as they appear in the token's `environment` claim; kept to
# characters that need no quoting in a CEL string, an IAM condition or a principal URI.
_ENVIRONMENT = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$"
# A Cloud KMS key's resource name, as the `gcpkms://` secrets provider names it
# (https://cloud.google.com/kms/docs/resource-hierarchy#retrieve_resource_id).
_GCP_KEY = re.compile(r"^projects/[a-z][-a-z0-9]{4,28}[a-z0-9]/locations/[-a-z0-9]+/keyRings/[-_A-Za-z0-9]{1,63}"
                      r"/cryptoKeys/[-_A-Za-z0-9]{1,63}$")
# An AWS KMS key by alias (not an AWS-managed `alias/aws/` one) or by key ARN
# (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id).
_AWS_KEY = re.compile(r"^(alias/(?!aws/)[A-Za-z0-9/_-]{1,250}"
                      r"|arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-)?[-a-f0-9]{32,36})$")


def _repository(value: str) -> str:
    if not _REPOSITORY.match(value):
        raise PydanticCustomError("repository", "must be a GitHub repository as owner/name, such as 2i2c-org/pangeo-hubs")
    return value


class CiEnvironments(Base):
    """The GitHub environments whose jobs may assume each identity (.github/workflows)."""

    preview: str = Field(pattern=_ENVIRONMENT, description="preview.yml's environment, `<stack>-preview`.")
    deploy: str = Field(pattern=_ENVIRONMENT, description="deploy.yml's environment, `<stack>`, with required reviewers.")

    @model_validator(mode="after")
    def _distinct(self):
        # One environment for both would let an unreviewed preview job assume the deployer.
        if self.preview.lower() == self.deploy.lower():
            reject([("deploy", f"must differ from preview ({self.preview!r}): the deployer needs its own reviewed environment")])
        return self


class CiConfig(Base):
    """The repository and environments trusted to preview and deploy, and the stack's state backend."""

    repository: Annotated[str, AfterValidator(_repository)] = Field(description="GitHub `owner/name`.")
    environments: CiEnvironments
    state_bucket: str = Field(description="The bucket of PULUMI_BACKEND_URL (gs:// or s3://), without the scheme.")
    secrets_key: str = Field(description="The KMS key of PULUMI_SECRETS_PROVIDER: a Cloud KMS key resource name "
                                         "on gcp; an alias or key ARN on aws.")


def ci_problems(ci: CiConfig, provider: str, cluster: str) -> list[tuple[str, str]]:
    """What the cloud refuses in `ci`; `cluster` (cluster.name) prefixes the GCP pool id."""
    problems = []
    if provider == "gcp":
        if problem := gcp_names.bucket_problem(ci.state_bucket):
            problems.append(("state_bucket", problem))
        if not _GCP_KEY.match(ci.secrets_key):
            problems.append(("secrets_key", "must be a Cloud KMS key as projects/P/locations/L/keyRings/R/cryptoKeys/K, "
                                            f"got {ci.secrets_key!r}"))
        # A field error here stops StackConfig's own checks, so a cluster.name they
        # already refuse (its node service account) is left for them to name.
        if gcp_names.service_account_problem(gcp_names.node_service_account(cluster)):
            return problems
        if problem := gcp_names.workload_identity_problem(gcp_names.ci_pool(cluster)):
            problems.append(("", f"with cluster.name {cluster!r} {problem}"))
    else:
        if problem := bucket_name_problem(ci.state_bucket):
            problems.append(("state_bucket", problem))
        if not _AWS_KEY.match(ci.secrets_key):
            problems.append(("secrets_key", "must be a KMS key alias (alias/NAME, not alias/aws/...) or key ARN, "
                                            f"got {ci.secrets_key!r}"))
    return problems


def _fits_stack(ci: CiConfig | None, info: ValidationInfo) -> CiConfig | None:
    """Checked against the stack's cloud and cluster name, when those parsed."""
    cloud, cluster = info.data.get("cloud"), info.data.get("cluster")
    if ci is not None and cloud is not None and cluster is not None:
        reject(ci_problems(ci, cloud.provider, cluster.name))
    return ci


StackCi = Annotated[CiConfig | None, AfterValidator(_fits_stack)]
