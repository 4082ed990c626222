import copy

import pytest

from infra.plan import plan


@pytest.fixture(scope="session")
def aws_plan():
    return plan("aws-us-west-2")


@pytest.fixture
def resources(aws_plan):
    """A private copy of the recorded resources, safe to mutate."""
    return copy.deepcopy(aws_plan.resources)

