"""The rendered hub and gateway config, loaded by the real JupyterHub, KubeSpawner, OAuthenticator and dask-gateway-server."""

import asyncio
from pathlib import Path

import pytest
from dask_gateway_server.backends.kubernetes.backend import KubeClusterConfig
from dask_gateway_server.options import Options
from jupyterhub.app import JupyterHub
from kubespawner import KubeSpawner
from oauthenticator.github import GitHubOAuthenticator
from traitlets.config import Config

from components.dask_hub.gateway_values import gateway_values
from components.dask_hub.jupyterhub_values import HubSecrets, jupyterhub_values
from infra.config import parse_stack_config, read_stack_file
from infra.config.machines import MACHINES

REPO = Path(__file__).resolve().parents[2]
SECRETS = HubSecrets(*(f"s3cr3t-{i}" for i in range(6)))
CLASSES = {"JupyterHub": JupyterHub, "GitHubOAuthenticator": GitHubOAuthenticator, "KubeSpawner": KubeSpawner}


@pytest.fixture(scope="module")
def config():
    return parse_stack_config(read_stack_file(REPO / "Pulumi.gcp.yaml"))


@pytest.fixture(scope="module")
def hub_values(config):
    selectors = {pool: {"cloud.google.com/gke-nodepool": pool} for pool in config.cluster.node_pools}
    return jupyterhub_values(
        config.hubs["prod"], secrets=SECRETS, pool_selectors=selectors, home={}, scratch_prefix="gs://b/$(JUPYTERHUB_USER)",
        service_account="user", proxy_service={},
    )


def test_hub_config_sections_are_real_traits(hub_values):
    config = hub_values["hub"]["config"]
    for section, values in config.items():
        cls = {"Authenticator": GitHubOAuthenticator, "CryptKeeper": None}.get(section, CLASSES.get(section))
        if cls is None:
            continue
        unknown = set(values) - set(cls.class_trait_names(config=True))
        assert not unknown, f"{section} has no traits {unknown}"


def test_github_authenticator_accepts_the_rendered_config(hub_values):
    auth = GitHubOAuthenticator(config=Config(hub_values["hub"]["config"]))
    assert auth.allowed_organizations == {"pangeo-data:us-central1-b-gcp"}
    assert auth.oauth_callback_url == "https://us-central1-b.gcp.pangeo.io/hub/oauth_callback"
    assert "rabernat" in auth.admin_users and auth.client_secret == "s3cr3t-5"


def test_profile_overrides_are_kubespawner_traits(hub_values):
    profiles = hub_values["singleuser"]["profileList"]
    assert [p["slug"] for p in profiles] == ["small", "medium", "large"]
    assert [p["default"] for p in profiles] == [True, False, False]
    traits = set(KubeSpawner.class_trait_names(config=True))
    for profile in profiles:
        assert set(profile["kubespawner_override"]) <= traits
    large = profiles[2]["kubespawner_override"]
    assert large["node_selector"] == {"cloud.google.com/gke-nodepool": "user-n2-highmem-16"}
    assert (large["cpu_limit"], large["mem_limit"]) == (14, "112G")


def test_users_get_scratch_and_gateway_environment(hub_values):
    env = hub_values["singleuser"]["extraEnv"]
    assert env["SCRATCH_BUCKET"] == env["PANGEO_SCRATCH"] == "gs://b/$(JUPYTERHUB_USER)"
    assert env["DASK_GATEWAY__AUTH__TYPE"] == "jupyterhub"
    assert env["DASK_GATEWAY__CLUSTER__OPTIONS__IMAGE"] == "{JUPYTER_IMAGE_SPEC}"
    assert hub_values["hub"]["services"]["dask-gateway"]["url"] == "http://traefik-dask-gateway"


def test_idle_culler_uses_the_hub_timeout(hub_values):
    assert hub_values["cull"] == {"enabled": True, "timeout": 3600, "every": 300}


@pytest.fixture(scope="module")
def cluster_options(config):
    values = gateway_values(config.hubs["prod"], api_token="t", service_account="user",
                            worker_machine=MACHINES["gcp"]["n2-highmem-16"])
    c = Config()
    exec(values["gateway"]["extraConfig"]["cluster-options"], {"c": c})
    return c


def test_gateway_options_default_to_the_users_image_and_fit_the_worker_machine(cluster_options):
    options = cluster_options.Backend.cluster_options
    assert isinstance(options, Options)
    spec = {field["field"]: field for field in options.get_specification()}
    assert spec["image"]["default"] == "pangeo/pangeo-notebook:2024.06.21"
    assert spec["worker_cores"]["spec"]["max"] == 14.4 and spec["worker_memory"]["spec"]["max"] == 115.2
    assert cluster_options.ClusterConfig.idle_timeout == 3600


def test_gateway_options_handler_yields_kube_cluster_config(cluster_options):
    options = cluster_options.Backend.cluster_options
    parsed = options.parse_options({"worker_cores": 4, "worker_memory": 16, "image": "pangeo/pangeo-notebook:2024.06.21"})
    result = options.get_configuration(parsed, user=None)
    result = asyncio.run(result) if asyncio.iscoroutine(result) else result
    assert set(result) - {"image", "worker_cores", "worker_cores_limit", "worker_memory", "environment"} == set()
    assert set(result) <= set(KubeClusterConfig.class_trait_names())
    assert result["worker_memory"] == 16 * 2**30


def test_gateway_options_refuse_an_image_without_tag(cluster_options):
    options = cluster_options.Backend.cluster_options
    with pytest.raises(ValueError, match="image must include a tag"):
        result = options.get_configuration(options.parse_options({"image": "pangeo/pangeo-notebook"}), user=None)
        asyncio.run(result) if asyncio.iscoroutine(result) else result


def test_user_pods_may_reach_the_gateway_and_their_credentials_but_no_other_private_address(hub_values):
    policy = hub_values["singleuser"]["networkPolicy"]
    assert policy["egress"] == [{"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "dask-gateway"}}}]}]
    assert policy["egressAllowRules"] == {"cloudMetadataServer": True}  # privateIPs stays at the chart's false


def test_the_gateway_may_reach_the_hub_api(hub_values):
    (rule,) = hub_values["hub"]["networkPolicy"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "dask-gateway"}}}]
    assert rule["ports"] == [{"port": 8081}]
