"""The pinned dashboards' source and its compiled dashboards, once per session; absent, the tests skip (fail in CI)."""

import pytest

from components.monitoring.dashboards import COMMIT, compile_dashboards
from tests.charts import SHARED, skip_unless_ci
from tests.render.conftest import rendered_stack  # noqa: F401 - the stacks as helm renders them, once a session

SOURCE = SHARED / "grafana-dashboards" / f"grafana-dashboards-{COMMIT}.tar.gz"


@pytest.fixture(scope="session")
def source():
    if not SOURCE.is_file():
        skip_unless_ci(f"{SOURCE} is absent: the pinned grafana-dashboards source beside the repository (PANGEO_SHARED)")
    return SOURCE


@pytest.fixture(scope="session")
def compiled(source):
    return compile_dashboards(source)
