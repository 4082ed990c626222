"""Credits on GCP: the project, its APIs and a monthly billing budget with e-mail alerts."""

import hashlib
import re
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from .args import CiConfig, CreditsConfig
from .base import CreditProject, budget_thresholds
from .gcp_ci import declare_ci

# Every API a resource of the stack calls (gcp_apis.TYPE_APIS says which, and where that is documented).
SERVICES = (
    "artifactregistry", "billingbudgets", "cloudbilling", "cloudkms", "cloudresourcemanager", "compute",
    "container", "dns", "file", "iam", "iamcredentials", "monitoring", "serviceusage", "storage", "sts",
)


@dataclass(frozen=True)
class GcpCreditProjectArgs:
    credits: CreditsConfig
    region: str
    ci: CiConfig | None = None


def _slug(email: str) -> str:
    return re.sub("[^a-z0-9]+", "-", email.lower())


def channel_name(name: str, email: str) -> str:
    """Unique per address: the readable slug alone merges a.b@x and a-b@x into one URN."""
    return f"{name}-alert-{_slug(email)}-{hashlib.sha256(email.lower().encode()).hexdigest()[:6]}"


def channel_aliases(name: str, email: str, emails: list[str]) -> list[pulumi.Alias]:
    """The slug-only name earlier updates used, where it was unambiguous, so nothing is replaced."""
    if sum(_slug(e) == _slug(email) for e in emails) > 1:
        return []
    return [pulumi.Alias(name=f"{name}-alert-{_slug(email)}")]


class GcpCreditProject(CreditProject):
    """A GCP project linked to the credits' billing account, with APIs enabled and a budget."""

    def __init__(self, name: str, args: GcpCreditProjectArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:GcpCreditProject", name, None, opts)
        credits, project = args.credits, args.credits.project
        child = pulumi.ResourceOptions(parent=self)
        base = dict(project=project.id, region=args.region, default_labels=credits.labels)
        # Creates the project and enables the APIs, so it can't bill them to the project yet;
        # everything else uses `self.provider`, which waits for them, so no resource races its
        # API. Both are explicit: a default provider takes its project from the shell's gcloud.
        bootstrap = gcp.Provider(f"{name}-gcp-bootstrap", **base, opts=child)
        on_bootstrap = pulumi.ResourceOptions(parent=self, provider=bootstrap)
        if project.create:
            created = gcp.organizations.Project(
                f"{name}-project",
                project_id=project.id,
                name=project.id,
                org_id=project.org_id,
                folder_id=project.folder_id,
                billing_account=credits.billing_account,
                labels=credits.labels,
                auto_create_network=False,
                # Deleting a project deletes every hub and home directory in it.
                opts=pulumi.ResourceOptions.merge(on_bootstrap, pulumi.ResourceOptions(protect=True)),
            )
            self.project_id, number = created.project_id, created.number
        else:
            self.project_id = pulumi.Output.from_input(project.id)
            number = gcp.organizations.get_project_output(
                project_id=project.id, opts=pulumi.InvokeOptions(parent=self, provider=bootstrap)
            ).number

        self.services = [
            gcp.projects.Service(
                f"{name}-api-{api}", project=self.project_id, service=f"{api}.googleapis.com",
                disable_on_destroy=False, opts=on_bootstrap,
            )
            for api in SERVICES
        ]
        self.provider = gcp.Provider(
            f"{name}-gcp",
            **{**base, "project": self.project_id},
            # Budgets and other billing-scoped APIs need a quota project.
            user_project_override=True,
            billing_project=self.project_id,
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.services),
        )
        channels = [
            gcp.monitoring.NotificationChannel(
                channel_name(name, email),
                display_name=f"Budget alerts: {email}",
                type="email",
                labels={"email_address": email},
                opts=pulumi.ResourceOptions(
                    parent=self, provider=self.provider, aliases=channel_aliases(name, email, credits.alert_emails),
                ),
            )
            for email in sorted(credits.alert_emails)
        ]
        self.budget = gcp.billing.Budget(
            f"{name}-budget",
            billing_account=credits.billing_account,
            display_name=f"{name} monthly",
            # Spend before credits: Pangeo runs on credits, so spend after them (the default,
            # INCLUDE_ALL_CREDITS) stays near zero and no threshold would ever fire.
            budget_filter={"projects": [pulumi.Output.concat("projects/", number)], "calendar_period": "MONTH",
                           "credit_types_treatment": "EXCLUDE_ALL_CREDITS"},
            amount={"specified_amount": {"currency_code": credits.currency, "units": str(round(credits.monthly_budget_usd))}},
            threshold_rules=[
                *({"threshold_percent": t, "spend_basis": "CURRENT_SPEND"} for t in budget_thresholds(credits.alert_thresholds)),
                {"threshold_percent": 1.0, "spend_basis": "FORECASTED_SPEND"},
            ],
            all_updates_rule={"monitoring_notification_channels": [c.id for c in channels]},
            opts=pulumi.ResourceOptions(parent=self, provider=self.provider),
        )
        self.budget_id = self.budget.id
        self.ci = declare_ci(
            name, args.ci, self.project_id, number, credits.billing_account,
            pulumi.ResourceOptions(parent=self, provider=self.provider),
        ) if args.ci else {}
        self.provider_opts = pulumi.ResourceOptions(providers=[self.provider])
        self.register_outputs({"project_id": self.project_id, "budget_id": self.budget_id})
