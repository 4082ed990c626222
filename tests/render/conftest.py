"""One rendered stack per stack name for the whole session; absent charts skip (but fail in CI)."""


import pytest

from tests.charts import skip_unless_ci

from .helm import MissingCharts, MissingTool, helm_binary, require_charts
from .stack import stack


def _or_skip(action):
    """Run `action`; absent charts skip with the path (fail when CI is set), absent helm fails."""
    try:
        return action()
    except MissingCharts as e:
        skip_unless_ci(str(e))
    except MissingTool as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def rendered_stack():
    """A function: stack name -> its cached `Stack`."""
    return lambda name: _or_skip(lambda: stack(name))


@pytest.fixture
def charts():
    """For tests that render charts themselves."""
    _or_skip(lambda: (require_charts(), helm_binary()))
