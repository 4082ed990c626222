"""The contract for where a stack's spending lands and how it is watched."""

import pulumi


class CreditProject(pulumi.ComponentResource):
    """The cloud project or account that holds the credits, with its budget and cost labels.

    `provider_opts` carries the cloud provider configured for that project, with the
    cost-attribution labels as provider defaults so every resource gets them.
    `ci` holds, when the stack config has a `ci` section, the values the GitHub
    workflows' variables need to assume the preview and deploy identities declared
    in the project or account (exported as the stack output `ci`); else it is empty.
    """

    provider_opts: pulumi.ResourceOptions
    budget_id: pulumi.Output[str]
    ci: dict[str, pulumi.Output[str]]


def budget_thresholds(thresholds: list[float]) -> list[float]:
    """Sorted, de-duplicated alert fractions, so reordering config never changes the budget."""
    return sorted(set(thresholds))
