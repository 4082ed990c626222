"""The gateway starts dask pods only from images a notebook of the hub may run."""

import asyncio
from pathlib import Path

import pytest
from traitlets.config import Config

from components.dask_hub.gateway_values import cluster_options_config
from components.sizing import allocatable
from infra.config import parse_stack_config, read_stack_file

REPO = Path(__file__).resolve().parents[2]
BINDER = r"^us-central1-docker\.pkg\.dev/pangeo-hubs-gcp/staging-binder/[a-z0-9-]+:[a-z0-9]+$"


class User:
    name = "alice"


@pytest.fixture(scope="module")
def options():
    config = parse_stack_config(read_stack_file(REPO / "Pulumi.gcp.yaml"))
    c = Config()
    exec(cluster_options_config(config.hubs["staging"], allocatable("gcp", "n2-highmem-16"), BINDER), {"c": c})
    return config.hubs["staging"], c.Backend.cluster_options


def _start(options, image: str) -> dict:
    result = options.get_configuration(options.parse_options({"image": image}), user=User())
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def test_the_hubs_images_and_its_binders_are_accepted(options):
    hub, opts = options
    for image in [hub.image.ref, *(c.ref for c in hub.images.values()),
                  "us-central1-docker.pkg.dev/pangeo-hubs-gcp/staging-binder/r2d2-abc:1234abcd"]:
        assert _start(opts, image)["image"] == image


@pytest.mark.parametrize("image", [
    "docker.io/attacker/miner:latest",
    "ghcr.io/pangeo/pangeo-notebook:2024.06.21",  # a registry no profile offers
    "us-central1-docker.pkg.dev/pangeo-hubs-gcp/prod-binder/r2d2-abc:1234abcd",  # another hub's binder
])
def test_any_other_image_is_refused(options, image):
    with pytest.raises(ValueError, match="is not one this hub offers"):
        _start(options[1], image)
