"""The offline plan: what `pulumi up` would declare, without a cloud or the Pulumi CLI."""

from .run import Plan, plan

__all__ = ["Plan", "plan"]
