"""The versions the tests run are the versions production runs, tied to where they come from.

Bumping a chart or the user image without the matching pins fails here, loudly,
instead of leaving the hub-side tests green on a release the cluster doesn't run.
"""

import tarfile
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from components.dask_hub.charts import DASK_GATEWAY, JUPYTERHUB
from components.dask_hub.user_image import USER_IMAGE_PACKAGES
from infra.config import parse_stack_config, read_stack_file
from tests.charts import CHARTS, chart_package, skip_unless_ci

REPO = Path(__file__).resolve().parents[2]
STACKS = sorted(REPO.glob("Pulumi.*.yaml"))
CLIENT_PACKAGES = ("dask-gateway", "dask", "distributed")


def pins(path: Path) -> dict[str, str]:
    """`name==version` lines of a requirements file, names normalised as pip does."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, pinned = line.split("==", 1)
            found[name.lower().replace("_", "-")] = pinned
    return found


def shared(path: Path) -> Path:
    if not path.exists():
        skip_unless_ci(f"{path} is absent: the chart files beside the repository (PANGEO_CHARTS) are needed")
    return path


def test_hub_side_pins_are_the_hub_images_own():
    image = pins(shared(CHARTS / f"{JUPYTERHUB.name}-{JUPYTERHUB.version}" / "hub-image-requirements.txt"))
    ours = pins(REPO / "requirements-hub.txt")
    assert {"jupyterhub", "jupyterhub-kubespawner", "oauthenticator"} <= set(ours)
    assert {name: (pinned, image.get(name)) for name, pinned in ours.items() if image.get(name) != pinned} == {}


def test_gateway_server_pin_is_the_gateway_charts_app_version():
    package = shared(chart_package(DASK_GATEWAY.name, DASK_GATEWAY.version))
    with tarfile.open(package) as archive:
        chart = yaml.safe_load(archive.extractfile(f"{DASK_GATEWAY.name}/Chart.yaml"))
    assert pins(REPO / "requirements-healthcheck.txt")["dask-gateway-server"] == chart["appVersion"]


@pytest.mark.parametrize("stack_file", STACKS, ids=lambda p: p.stem)
def test_client_pins_are_what_each_hubs_user_image_ships(stack_file):
    tested = pins(REPO / "requirements-healthcheck.txt")
    for name, hub in parse_stack_config(read_stack_file(stack_file)).hubs.items():
        for ref in [hub.image.ref, *(choice.ref for choice in hub.images.values())]:
            shipped = USER_IMAGE_PACKAGES.get(ref)
            assert shipped is not None, f"{name}: no package list for {ref} in components/dask_hub/user_image.py"
            assert {p: shipped[p] for p in CLIENT_PACKAGES} == {p: tested[p] for p in CLIENT_PACKAGES}, ref
            assert "nbgitpuller" in shipped, f"{ref}: git-pull links need nbgitpuller in the image"


def test_the_environment_runs_the_pins():
    """A stale virtualenv would test other versions than the files claim."""
    wanted = pins(REPO / "requirements-hub.txt") | pins(REPO / "requirements-healthcheck.txt")
    assert {name: (pinned, version(name)) for name, pinned in wanted.items() if version(name) != pinned} == {}


def test_a_drifted_pin_is_reported(tmp_path):
    drifted = tmp_path / "requirements.txt"
    drifted.write_text("# comment\n-r other.txt\njupyterhub==6.1.1  # newer than the image\nJupyter_Server==2.0\n")
    assert pins(drifted) == {"jupyterhub": "6.1.1", "jupyter-server": "2.0"}
