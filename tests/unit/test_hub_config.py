"""The rendered hub and gateway config, loaded by the real JupyterHub, KubeSpawner, OAuthenticator and dask-gateway-server."""

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from dask_gateway_server.backends.kubernetes.backend import KubeClusterConfig
from dask_gateway_server.options import Options
from jupyterhub.app import JupyterHub
from jupyterhub.scopes import _check_scopes_exist
from kubespawner import KubeSpawner
from oauthenticator.github import GitHubOAuthenticator
from traitlets.config import Config

from components.nfs_home.volumes import singleuser_home_values
from components.dask_hub.charts import HubReleases
from components.dask_hub.gateway_values import SCRATCH_ENV, gateway_values
from components.dask_hub.jupyterhub_values import HubSecrets, jupyterhub_values
from infra.config import parse_stack_config, read_stack_file
from components.sizing import room

REPO = Path(__file__).resolve().parents[2]
SECRETS = HubSecrets(*(f"s3cr3t-{i}" for i in range(6)))
CLASSES = {"JupyterHub": JupyterHub, "GitHubOAuthenticator": GitHubOAuthenticator, "KubeSpawner": KubeSpawner,
           "Spawner": KubeSpawner}
ALICE = SimpleNamespace(name="alice")


@pytest.fixture(scope="module")
def config():
    return parse_stack_config(read_stack_file(REPO / "Pulumi.gcp.yaml"))


@pytest.fixture(scope="module")
def hub_values(config):
    selectors = {pool: {"cloud.google.com/gke-nodepool": pool} for pool in config.cluster.node_pools}
    return jupyterhub_values(
        config.hubs["prod"], releases=HubReleases("prod"), secrets=SECRETS, pool_selectors=selectors, home=singleuser_home_values("home-nfs"), scratch_prefix="gs://b/$(JUPYTERHUB_USER)",
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
    assert [p["slug"] for p in profiles] == ["small", "medium", "large", "huge"]
    assert [p["default"] for p in profiles] == [True, False, False, False]
    traits = set(KubeSpawner.class_trait_names(config=True))
    for profile in profiles:
        assert set(profile["kubespawner_override"]) <= traits
    large = profiles[2]["kubespawner_override"]
    assert large["node_selector"] == {"cloud.google.com/gke-nodepool": "user-n2-highmem-16"}
    assert (large["cpu_limit"], large["mem_limit"]) == (14, "112G")


def test_users_get_scratch_and_gateway_environment(hub_values):
    env = hub_values["singleuser"]["extraEnv"]
    assert env["SCRATCH_BUCKET"] == env["PANGEO_SCRATCH"] == env["PANGEO_SCRATCH_PREFIX"] == "gs://b/$(JUPYTERHUB_USER)"
    assert env["DASK_GATEWAY__AUTH__TYPE"] == "jupyterhub"
    assert env["DASK_GATEWAY__CLUSTER__OPTIONS__IMAGE"] == "{{JUPYTER_IMAGE_SPEC}}"
    assert env["DASK_GATEWAY__PROXY_ADDRESS"] == "gateway://traefik-prod-dask-gateway:80"
    assert hub_values["hub"]["services"]["dask-gateway"]["url"] == "http://traefik-prod-dask-gateway"


def test_the_notebooks_own_token_may_use_the_gateway(hub_values):
    """The gateway accepts only tokens holding access to its hub service; the
    notebook's JUPYTERHUB_API_TOKEN gets Spawner.server_token_scopes."""
    scopes = hub_values["hub"]["config"]["Spawner"]["server_token_scopes"]
    _check_scopes_exist(scopes)  # the hub (5.5.0) refuses to start on a scope it doesn't know
    assert "access:services!service=dask-gateway" in scopes
    # still the `server` role's own scopes, so the server itself keeps working
    assert {"access:servers!server", "users:activity!user"} <= set(scopes)
    assert set(scopes) - {"access:servers!server", "users:activity!user"} <= {
        f"access:services!service={s}" for s in hub_values["hub"]["services"]}


def test_spawns_may_take_ten_minutes(hub_values):
    assert hub_values["singleuser"]["startTimeout"] == 600


def test_idle_culler_uses_the_hub_timeout_and_stops_servers_after_a_week(hub_values):
    assert hub_values["cull"] == {"enabled": True, "timeout": 3600, "every": 300, "maxAge": 7 * 24 * 3600}


def test_sqlite_and_runtime_files_stay_off_the_nfs_home(hub_values):
    """basehub's defaults: IPython history, the file-ID database and the runtime dir in /tmp."""
    files = hub_values["singleuser"]["extraFiles"]
    kernel, server = files["ipython-kernel-config"], files["jupyter-server-config"]
    assert kernel["mountPath"] == "/usr/local/etc/ipython/ipython_kernel_config.json"
    assert kernel["data"]["HistoryManager"]["hist_file"].startswith("/tmp/")
    assert server["mountPath"] == "/usr/local/etc/jupyter/jupyter_server_config.json"
    assert server["data"]["BaseFileIdManager"]["db_path"].startswith("/tmp/")
    assert hub_values["singleuser"]["extraEnv"]["JUPYTER_RUNTIME_DIR"].startswith("/tmp/")


def test_idle_kernels_are_culled_with_a_tab_open(hub_values):
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager

    culling = hub_values["singleuser"]["extraFiles"]["jupyter-server-config"]["data"]["MappingKernelManager"]
    assert culling == {"cull_idle_timeout": 3600, "cull_interval": 300, "cull_connected": True, "cull_busy": False}
    assert set(culling) <= set(MappingKernelManager.class_trait_names(config=True))


def test_dev_shm_is_memory_and_named_servers_are_on(hub_values):
    storage = hub_values["singleuser"]["storage"]
    assert {"name": "dev-shm", "emptyDir": {"medium": "Memory"}} in storage["extraVolumes"]
    assert {"name": "dev-shm", "mountPath": "/dev/shm"} in storage["extraVolumeMounts"]
    assert storage["static"]["pvcName"] == "home-nfs"  # beside the home, not instead of it
    assert hub_values["hub"]["allowNamedServers"] is True and hub_values["hub"]["namedServerLimitPerUser"] == 3


@pytest.fixture(scope="module")
def cluster_options(config):
    values = gateway_values(config.hubs["prod"], api_token="t", service_account="user",
                            worker_room=room("gcp", "n2-highmem-16"), scratch_url="gs://scratch")
    assert values["gateway"]["env"] == [{"name": SCRATCH_ENV, "value": "gs://scratch"}]
    c = Config()
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv(SCRATCH_ENV, "gs://scratch")  # as the chart sets it on the gateway pod
    try:
        exec(values["gateway"]["extraConfig"]["cluster-options"], {"c": c})
    finally:
        monkeypatch.undo()
    return c


def test_gateway_options_default_to_the_users_image_and_fit_the_worker_machine(cluster_options):
    options = cluster_options.Backend.cluster_options
    assert isinstance(options, Options)
    spec = {field["field"]: field for field in options.get_specification()}
    assert spec["image"]["default"] == "pangeo/pangeo-notebook:2024.06.21"
    # n2-highmem-16 after the kubelet reservation, the system DaemonSets, kube-proxy and headroom
    assert spec["worker_cores"]["spec"]["max"] == 15.3 and spec["worker_memory"]["spec"]["max"] == 115.3


def test_gateway_options_handler_yields_kube_cluster_config(cluster_options):
    options = cluster_options.Backend.cluster_options
    parsed = options.parse_options({"worker_cores": 4, "worker_memory": 16, "image": "pangeo/pangeo-notebook:2024.06.21"})
    result = options.get_configuration(parsed, user=ALICE)
    result = asyncio.run(result) if asyncio.iscoroutine(result) else result
    assert set(result) - {"image", "worker_cores", "worker_cores_limit", "worker_memory", "environment"} == set()
    assert set(result) <= set(KubeClusterConfig.class_trait_names())
    assert result["worker_memory"] == 16 * 2**30


def test_workers_get_the_users_scratch_prefix_beside_their_own_variables(cluster_options):
    options = cluster_options.Backend.cluster_options
    parsed = options.parse_options({"environment": {"MY_VAR": "1"}})
    result = options.get_configuration(parsed, user=ALICE)
    assert result["environment"] == {"MY_VAR": "1", "SCRATCH_BUCKET": "gs://scratch/alice",
                                     "PANGEO_SCRATCH": "gs://scratch/alice", "PANGEO_SCRATCH_PREFIX": "gs://scratch/alice"}


def test_gateway_options_refuse_an_image_without_tag(cluster_options):
    options = cluster_options.Backend.cluster_options
    with pytest.raises(ValueError, match="image must include a tag"):
        result = options.get_configuration(options.parse_options({"image": "pangeo/pangeo-notebook"}), user=ALICE)
        asyncio.run(result) if asyncio.iscoroutine(result) else result


def test_user_pods_may_reach_their_gateways_proxy_and_their_credentials_but_no_other_private_address(hub_values):
    """Not other users' schedulers and workers: only this hub's traefik, on its port."""
    policy = hub_values["singleuser"]["networkPolicy"]
    traefik = {"gateway.dask.org/instance": "prod-dask-gateway", "app.kubernetes.io/component": "traefik"}
    assert policy["egress"] == [{"to": [{"podSelector": {"matchLabels": traefik}}],
                                 "ports": [{"port": 8000, "protocol": "TCP"}]}]
    assert policy["egressAllowRules"] == {"cloudMetadataServer": True}  # privateIPs stays at the chart's false


def test_the_gateway_api_may_reach_the_hub_api(hub_values):
    (rule,) = hub_values["hub"]["networkPolicy"]["ingress"]
    api = {"gateway.dask.org/instance": "prod-dask-gateway", "app.kubernetes.io/component": "gateway"}
    assert rule["from"] == [{"podSelector": {"matchLabels": api}}]
    assert rule["ports"] == [{"port": 8081, "protocol": "TCP"}]
