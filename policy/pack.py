"""The rules in rules.py as CrossGuard policies (thin wrappers; the logic is in rules.py)."""

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

import rules


def resource_policy(rule: rules.Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not rule.applies_to(args.resource_type):
            return
        # The engine does not pass retain_on_delete to policies: None means "not visible".
        opts = rules.Options(protect=bool(args.opts.protect), retain_on_delete=None)
        for message in rule.check(args.props, opts):
            report_violation(message, args.urn)

    return ResourceValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


def stack_policy(rule: rules.StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [{"type": r.resource_type, "urn": r.urn, "dependencies": [d.urn for d in r.dependencies]}
                     for r in args.resources]
        for urn, message in rule.check(resources):
            report_violation(message, urn)

    return StackValidationPolicy(
        name=rule.name, description=rule.description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY,
    )


POLICIES = [resource_policy(rule) for rule in rules.RULES] + [stack_policy(rule) for rule in rules.STACK_RULES]
