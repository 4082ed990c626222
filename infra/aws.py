"""The aws stack: not declared yet (see the AWS issue)."""

from infra.config import StackConfig


def build(config: StackConfig) -> dict:
    raise NotImplementedError("the aws-us-west-2 stack is not implemented yet")
