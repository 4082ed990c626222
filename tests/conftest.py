import pytest

from infra.plan import plan


@pytest.fixture(scope="session")
def gcp_plan():
    return plan("gcp")
