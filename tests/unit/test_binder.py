"""Binder as a hub feature: the image option the real KubeSpawner enforces, and the hub wiring."""

import asyncio
from pathlib import Path
from unittest.mock import Mock

import kubernetes_asyncio.config
import kubernetes_asyncio.config.kube_config
import pytest
import yaml
from kubespawner import KubeSpawner

from components.binder_hub.values import binderhub_values, image_option, launchable_images
from components.dask_hub.jupyterhub_values import HubSecrets, jupyterhub_values
from infra.config import ConfigError, parse_stack_config, read_stack_file, set_key

REPO = Path(__file__).resolve().parents[2]
PREFIX = "us-central1-docker.pkg.dev/pangeo-hubs-gcp/staging-binder/"


@pytest.fixture(scope="module")
def staging():
    config = parse_stack_config(read_stack_file(REPO / "Pulumi.gcp.yaml"))
    selectors = {pool: {"cloud.google.com/gke-nodepool": pool} for pool in config.cluster.node_pools}
    return jupyterhub_values(
        config.hubs["staging"], secrets=HubSecrets(*"abcdef"), pool_selectors=selectors, home={},
        scratch_prefix=None, service_account="user", proxy_service={}, binder_image_pattern=launchable_images(PREFIX),
    )


@pytest.fixture
def kubeconfig(tmp_path, monkeypatch):
    """KubeSpawner loads a kubeconfig when it is created; nothing here talks to its server."""
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "test", "user": {"token": "unused"}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
    }))
    # kubernetes_asyncio reads $KUBECONFIG once, at import.
    monkeypatch.setattr(kubernetes_asyncio.config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))
    monkeypatch.setattr(kubernetes_asyncio.config.kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))


def launched_image(profiles, **user_options):
    async def load():
        user = Mock(url="/user/alice/", id=1, groups=[], admin=False)
        user.name = "alice"  # Mock(name=...) would name the mock, not the user
        spawner = KubeSpawner(_mock=True, user=user)
        spawner.profile_list = profiles
        spawner.user_options = user_options
        await spawner.load_user_options()
        return spawner.image
    return asyncio.run(load())


def test_users_can_launch_an_image_their_binder_built(staging, kubeconfig):
    profiles = staging["singleuser"]["profileList"]
    built = f"{PREFIX}binder-2dexamples-2drequirements:50533eb"
    assert launched_image(profiles, profile="small", **{"image--unlisted-choice": built}) == built
    assert launched_image(profiles, profile="small", image="default") == "pangeo/pangeo-notebook:2024.06.21"


def test_images_from_anywhere_else_are_refused(staging, kubeconfig):
    with pytest.raises(ValueError, match="failed validation regex"):
        launched_image(staging["singleuser"]["profileList"], profile="small",
                       **{"image--unlisted-choice": "docker.io/someone/miner:latest"})


def test_binder_is_a_hub_service_every_user_may_reach(staging):
    assert staging["hub"]["services"]["binder"] == {"url": "http://binderhub-service", "display": False}
    assert "access:services!service=binder" in staging["hub"]["loadRoles"]["user"]["scopes"]


def test_binderhub_runs_api_only_under_the_hub_and_pushes_to_the_registry():
    values = binderhub_values(image_prefix=PREFIX, server="https://us-central1-docker.pkg.dev",
                              username="_json_key", password="k")
    assert values["config"]["BinderHub"] == {"base_url": "/services/binder/", "use_registry": True,
                                             "image_prefix": PREFIX, "enable_api_only_mode": True}
    assert values["buildPodsRegistryCredentials"]["username"] == "_json_key"
    assert values["podLabels"] == {"hub.jupyter.org/network-access-hub": "true"}


def test_image_option_defaults_to_the_hubs_image():
    option = image_option("pangeo/pangeo-notebook:1", launchable_images(PREFIX))["image"]
    assert option["choices"]["default"]["default"] is True


def test_binder_is_refused_where_it_is_not_built():
    values = read_stack_file(REPO / "Pulumi.aws-us-west-2.yaml")
    with pytest.raises(ConfigError, match=r"hubs.prod.binder.enabled: is only implemented on gcp"):
        parse_stack_config(set_key(values, "hubs.prod.binder.enabled=true"))
