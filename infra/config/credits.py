"""Who pays: the cloud project or account holding the credits, and the budget on it."""

from typing import Literal

from pydantic import Field, model_validator

from .types import Base, Email, LabelKey, LabelValue, reject


class ProjectConfig(Base):
    """The GCP project: adopted by id, or created under an organisation or folder."""

    id: str = Field(pattern=r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$", description="GCP project id.")
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
    monthly_budget_usd: float = Field(gt=0, description="Budget amount alerts are measured against.")
    alert_thresholds: list[float] = Field(
        default_factory=lambda: [0.5, 0.9, 1.0],
        min_length=1,
        description="Fractions of the budget (actual spend) that send an alert e-mail.",
    )
    alert_emails: list[Email] = Field(min_length=1, description="Who receives budget alerts.")
    remaining_usd: float | None = Field(
        None, ge=0, description="Credits left; with the cost estimate this forecasts how long they last."
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
