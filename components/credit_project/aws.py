"""Credits on AWS: cost-allocation tags on every resource and a monthly budget alerting by e-mail."""

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .args import CiConfig, CreditsConfig
from .aws_ci import declare_ci
from .base import CreditProject, budget_thresholds


@dataclass(frozen=True)
class AwsCreditProjectArgs:
    credits: CreditsConfig
    region: str
    ci: CiConfig | None = None


def budget_topic_policy(topic_arn: str, account_id: str) -> str:
    """Lets AWS Budgets, acting for this account only, publish to the alert topic."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "BudgetsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "budgets.amazonaws.com"},
            "Action": "SNS:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }],
    }, sort_keys=True)


def budget_notifications(thresholds: list[float], topic_arn: pulumi.Input[str]) -> list[dict]:
    """One ACTUAL alert per threshold and one FORECASTED alert at 100%."""
    def notification(percent: float, kind: str) -> dict:
        return {"comparison_operator": "GREATER_THAN", "threshold": percent, "threshold_type": "PERCENTAGE",
                "notification_type": kind, "subscriber_sns_topic_arns": [topic_arn]}

    return [
        *(notification(round(t * 100, 2), "ACTUAL") for t in budget_thresholds(thresholds)),
        notification(100, "FORECASTED"),
    ]


class AwsCreditProject(CreditProject):
    """The AWS account's provider with cost tags as defaults, an alert topic and a monthly cost budget."""

    def __init__(self, name: str, args: AwsCreditProjectArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:AwsCreditProject", name, None, opts)
        credits = args.credits
        # default_tags puts the cost-allocation tags on every taggable resource of the stack.
        self.provider = aws.Provider(
            f"{name}-aws", region=args.region, default_tags={"tags": credits.labels},
            opts=pulumi.ResourceOptions(parent=self),
        )
        on_account = pulumi.ResourceOptions(parent=self, provider=self.provider)
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self, provider=self.provider)).account_id
        topic = aws.sns.Topic(f"{name}-budget-alerts", opts=on_account)
        policy = aws.sns.TopicPolicy(
            f"{name}-budget-alerts", arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, account_id).apply(lambda v: budget_topic_policy(v[0], v[1])),
            opts=on_account,
        )
        for email in sorted(credits.alert_emails):
            # E-mail subscriptions stay pending until the recipient confirms them.
            aws.sns.TopicSubscription(
                f"{name}-alert-{email.replace('@', '-at-')}", topic=topic.arn, protocol="email", endpoint=email,
                opts=on_account,
            )
        self.budget = aws.budgets.Budget(
            f"{name}-budget",
            name=f"{name}-monthly",
            budget_type="COST",
            limit_amount=f"{credits.monthly_budget_usd:.2f}",
            limit_unit=credits.currency,
            time_unit="MONTHLY",
            # Spend before credits (include_credit defaults to true): Pangeo runs on credits,
            # so spend after them stays near zero and no threshold would ever fire.
            cost_types={"include_credit": False},
            notifications=budget_notifications(credits.alert_thresholds, topic.arn),
            opts=pulumi.ResourceOptions(parent=self, provider=self.provider, depends_on=[policy]),
        )
        self.budget_id = self.budget.id
        self.ci = declare_ci(name, args.ci, args.region, account_id, on_account) if args.ci else {}
        self.provider_opts = pulumi.ResourceOptions(providers=[self.provider])
        self.register_outputs({"budget_id": self.budget_id})
