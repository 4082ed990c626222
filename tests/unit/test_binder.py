"""Binder as a hub feature: the image option the real KubeSpawner enforces, and the hub wiring."""

import asyncio
from pathlib import Path
from unittest.mock import Mock

import pytest
import yaml
from kubespawner import KubeSpawner

from jupyterhub.services.auth import HubOAuth
from traitlets.config import Config

from components.nfs_home.volumes import singleuser_home_values
from components.binder_hub import BinderService
from components.binder_hub.values import binderhub_values, hub_service, launchable_images
from components.dask_hub.charts import HubReleases
from components.dask_hub.jupyterhub_values import HubSecrets, jupyterhub_values
from infra.config import ConfigError, parse_stack_config, read_stack_file, set_key

REPO = Path(__file__).resolve().parents[2]
PREFIX = "us-central1-docker.pkg.dev/pangeo-hubs-gcp/staging-binder/"
DOMAIN = "staging.us-central1-b.gcp.pangeo.io"


@pytest.fixture(scope="module")
def staging():
    config = parse_stack_config(read_stack_file(REPO / "Pulumi.gcp.yaml"))
    selectors = {pool: {"cloud.google.com/gke-nodepool": pool} for pool in config.cluster.node_pools}
    binder = BinderService(name="binder", hub_service=hub_service(domain=DOMAIN, api_token="binder-token"),
                           image_pattern=launchable_images(PREFIX))
    return jupyterhub_values(
        config.hubs["staging"], releases=HubReleases("staging"), secrets=HubSecrets(*"abcdef"), pool_selectors=selectors,
        home=singleuser_home_values("home-nfs"), scratch_prefix=None, service_account="user", proxy_service={}, binder=binder,
    )


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


def test_images_that_only_look_like_the_registry_are_refused(staging, kubeconfig):
    """The registry's dots are literal: `pkgXdev` is somebody else's host."""
    lookalike = PREFIX.replace("pkg.dev", "pkgXdev") + "miner:1"
    with pytest.raises(ValueError, match="failed validation regex"):
        launched_image(staging["singleuser"]["profileList"], profile="small", **{"image--unlisted-choice": lookalike})


def test_binder_is_a_hub_service_and_oauth_client_every_user_may_reach(staging):
    service = staging["hub"]["services"]["binder"]
    # the binderhub-service chart's Service is `binderhub` (port 80) with its default fullname
    assert service["url"] == "http://binderhub"
    assert service["oauth_client_id"] == "service-binder"
    assert service["oauth_redirect_uri"] == f"https://{DOMAIN}/services/binder/oauth_callback"
    assert service["apiToken"] == "binder-token"
    assert "access:services!service=binder" in staging["hub"]["loadRoles"]["user"]["scopes"]
    assert "access:services!service=binder" in staging["hub"]["config"]["Spawner"]["server_token_scopes"]


def binder_values():
    return binderhub_values(domain=DOMAIN, api_token="binder-token", image_prefix=PREFIX,
                            server="https://us-central1-docker.pkg.dev", username="_json_key", password="k")


def test_binderhub_builds_only_for_the_hubs_logged_in_users():
    config = binder_values()["config"]
    assert config["BinderHub"] == {"base_url": "/services/binder/", "use_registry": True, "image_prefix": PREFIX,
                                   "enable_api_only_mode": True, "auth_enabled": True}
    # BinderHub's handlers build a HubOAuth from this config: it must load as real traits
    auth = HubOAuth(config=Config(config))
    assert auth.api_token == "binder-token" and auth.oauth_client_id == "service-binder"
    assert auth.api_url == "http://hub:8081/hub/api"
    assert auth.oauth_redirect_uri == f"https://{DOMAIN}/services/binder/oauth_callback"
    assert auth.access_scopes == {"access:services!service=binder"}


def test_binderhub_pushes_to_the_registry_and_leaves_pod_labels_to_the_chart():
    values = binder_values()
    assert values["buildPodsRegistryCredentials"]["username"] == "_json_key"
    # the chart labels its pod for the hub's network policy itself; a second key would be a duplicate
    assert "podLabels" not in values


def test_binder_is_refused_where_it_is_not_built():
    values = read_stack_file(REPO / "Pulumi.aws-us-west-2.yaml")
    with pytest.raises(ConfigError, match=r"hubs.prod.binder.enabled: is only implemented on gcp"):
        parse_stack_config(set_key(values, "hubs.prod.binder.enabled=true"))
