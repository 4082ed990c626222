"""A CreditProject's arguments: who pays (the project or account, the budget on it) and
which GitHub repository and environments may preview and deploy there."""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from components.fields import Base, Email, LabelKey, LabelValue, Number, ProjectId, reject


class ProjectConfig(Base):
    """The GCP project: adopted by id, or created under an organisation or folder."""

    id: ProjectId = Field(description="GCP project id.")
    create: bool = Field(False, description="Create the project (true) or adopt an existing one.")
    org_id: str | None = Field(None, pattern=r"^[0-9]+$", description="Organisation to create it under.")
    folder_id: str | None = Field(None, pattern=r"^[0-9]+$", description="Folder to create it under.")

    @model_validator(mode="after")
    def _parent(self):
        parents = [k for k in ("org_id", "folder_id") if getattr(self, k)]
        if self.create and len(parents) != 1:
            reject([("create", "a created project needs exactly one of org_id or folder_id")])
        if not self.create and parents:
            reject([(parents[0], "only applies when create is true")])
        return self


class CreditsConfig(Base):
    """The money behind a stack: budget, alerts, cost labels and the credit balance."""

    billing_account: str | None = Field(
        None,
        pattern=r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$",
        description="GCP billing account that holds the credits (GCP only).",
    )
    project: ProjectConfig | None = Field(None, description="GCP project (GCP only).")
    # The maxima are far above any Pangeo stack's (6000 a month, 120000 left) and catch a slip of
    # the exponent, which both clouds would take as a budget no alert ever reaches.
    monthly_budget_usd: Number = Field(gt=0, le=1_000_000, description="Budget amount alerts are measured against.")
    alert_thresholds: list[Number] = Field(
        default_factory=lambda: [0.5, 0.9, 1.0],
        min_length=1,
        description="Fractions of the budget (actual spend) that send an alert e-mail.",
    )
    alert_emails: list[Email] = Field(min_length=1, description="Who receives budget alerts.")
    remaining_usd: Number | None = Field(
        None, ge=0, le=100_000_000, description="Credits left; with the cost estimate this forecasts how long they last."
    )
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="Cost-attribution labels/tags put on every resource."
    )
    currency: Literal["USD"] = "USD"

    @model_validator(mode="after")
    def _thresholds(self):
        problems = [
            ("alert_thresholds", f"each must be in (0, 2], got {t}")
            for t in self.alert_thresholds
            if not 0 < t <= 2
        ]
        lowered = [e.lower() for e in self.alert_emails]
        problems += [("alert_emails", f"lists {e!r} twice") for e in sorted(set(lowered)) if lowered.count(e) > 1]
        reject(problems)
        return self


# GitHub owners: 1 to 39 letters, digits and single inner hyphens; repositories: 1 to
# 100 letters, digits, `.`, `_` and `-`, never `.` or `..` (what github.com accepts at
# sign-up and repository creation). Case counts: the token's `repository` and `sub`
# claims carry the name as GitHub spells it, and the trust conditions compare exactly.
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$")
# GitHub environment names as they appear in the token's `environment` claim; kept to
# characters that need no quoting in a CEL string, an IAM condition or a principal URI.
_ENVIRONMENT = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$"


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
    github_oidc_provider: Literal["create", "existing"] = Field(
        "create", description="AWS: create the account's OIDC provider for GitHub's token issuer, or trust the one "
        "the account already has (an account holds one per issuer URL).")
