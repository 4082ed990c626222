"""Binder tests: the rendered gcp stack, and binderhub's own code where it is installed.

binderhub is not on PyPI at the version the binderhub-service image runs;
`make binderhub` installs it from the shared folder (/work/shared/binderhub). Without
it the tests that boot BinderHub skip with the reason printed, and fail when CI is set.
"""


import pytest

from tests.charts import skip_unless_ci
from tests.render.conftest import rendered_stack  # noqa: F401 (the session's rendered stacks)
from tests.unit.conftest import kubeconfig  # noqa: F401 (KubeSpawner loads one when created)

MISSING = "binderhub is not installed; run `make binderhub` (installs $(PANGEO_SHARED)/binderhub/binderhub-*.tar.gz)"


@pytest.fixture(scope="session")
def binderhub_app():
    """binderhub.app.BinderHub, or a skip (a failure in CI) naming how to install it."""
    try:
        from binderhub.app import BinderHub
    except ImportError:
        skip_unless_ci(MISSING)
    return BinderHub
