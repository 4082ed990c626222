"""One-time setup a stack needs before `pulumi login`: state storage and a secrets key."""

from .aws import BootstrapError, BootstrapResult, bootstrap_aws

__all__ = ["BootstrapError", "BootstrapResult", "bootstrap_aws"]
