"""A public binder's Dask clusters as its rendered gateway config runs them in dask-gateway-server
2026.3.0's own KubeBackend: few workers, stopped at a lifetime and when their user has no server.

The backend class is the one the chart's config file and our extraConfig leave in
DaskGateway.backend_class; only its Kubernetes client is replaced by a recorder (the
cluster cache is filled as the backend's informer would fill it) and the hub API by a
small aiohttp server answering GET /users/{name} as JupyterHub does.
"""

import asyncio
import time
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from dask_gateway_server import models
from dask_gateway_server.utils import FrozenAttrDict
from jupyterhub.scopes import _check_scopes_exist
from traitlets.config import Config

from components.dask_hub.charts import GATEWAY_SERVICE_NAME
from tests.spawn.chart_hub import environment
from tests.spawn.dask_pods import option_bounds
from tests.spawn.hubs import stack_gateways

from .test_public_binder import PUBLIC, hub_values

HOURS = 3600


class RecordingKube:
    """What KubeBackend asks of the Kubernetes API: here, only recorded."""

    def __init__(self):
        self.patches = []

    async def patch_namespaced_custom_object(self, group, version, namespace, plural, name, patch):
        self.patches.append((name, patch))


@pytest.fixture(scope="module", params=["gcp", "aws-us-west-2"])
def stack(rendered_stack, request):
    return rendered_stack(request.param)


@pytest.fixture(scope="module")
def gateway(stack):
    return stack_gateways(stack.name)[PUBLIC]


def backend(gateway, hub_url: str | None = None):
    """The rendered backend class, its caches as setup() would start them."""
    config = Config(gateway.api)
    if hub_url:
        config.JupyterHubAuthenticator.jupyterhub_api_url = hub_url
    b = gateway.api.DaskGateway.backend_class(config=config)
    b.custom_client, b.clusters, b.username_to_clusters = RecordingKube(), {}, {}
    return b


def add_cluster(b, user: str, started_hours_ago: float, config: dict | None = None) -> str:
    name = f"{PUBLIC}.{user}{len(b.clusters)}"
    cluster = models.Cluster(name=name, username=user, token="", options={}, config=FrozenAttrDict(config or {}),
                             status=models.ClusterStatus.RUNNING,
                             start_time=int((time.time() - started_hours_ago * HOURS) * 1000))
    b.clusters[name] = cluster
    b.username_to_clusters.setdefault(user, {})[name] = cluster
    return name


def stopped(b) -> set[str]:
    return {f"{PUBLIC}.{name}" for name, patch in b.custom_client.patches
            if patch == [{"op": "add", "path": "/spec/active", "value": False}]}


async def reap_with_hub(b, users: dict[str, dict | None], now=None):
    """Run the backend's reap() against a hub whose users are `users` (None: deleted by the culler)."""
    seen = []

    async def user(request):
        seen.append(request.headers["Authorization"])
        model = users.get(request.match_info["name"])
        if model is None:
            raise web.HTTPNotFound()
        return web.json_response(model)

    app = web.Application()
    app.router.add_get("/hub/api/users/{name}", user)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    b.config.JupyterHubAuthenticator.jupyterhub_api_url = f"http://127.0.0.1:{port}/hub/api"
    b.session = aiohttp.ClientSession()
    try:
        with environment({"JUPYTERHUB_API_TOKEN": "gateway-token"}):
            await b.reap(now=now)
    finally:
        await b.session.close()
        await runner.cleanup()
    return seen


def test_a_cluster_gets_at_most_the_binders_workers_even_when_the_scheduler_asks_for_more(gateway):
    b = backend(gateway)
    bounds = option_bounds(gateway)
    smallest = {"worker_cores": bounds["worker_cores"][0], "worker_memory": bounds["worker_memory"][0]}
    with environment(gateway.api_env):
        _, config = asyncio.run(b.process_cluster_options(SimpleNamespace(name="anon"), smallest))
    # public.dask_max_workers' default, below the 6 the binder's 4 cores would leave room for
    assert config.cluster_max_workers == 4
    name = add_cluster(b, "anon", 0, config.to_dict())
    asyncio.run(b.on_cluster_heartbeat(name, {"count": 500, "active_workers": [], "closing_workers": [],
                                               "closed_workers": []}))
    assert b.custom_client.patches[-1][1] == [{"op": "add", "path": "/spec/replicas", "value": 4}]
    assert config.idle_timeout == 600


def test_clusters_stop_at_their_lifetime_and_when_their_user_has_no_server(gateway):
    b = backend(gateway)
    running = {"name": "anon-a", "servers": {"": {"ready": True}}}
    busy_old = add_cluster(b, "anon-a", 3.1)        # busy, its user still there: the lifetime stops it
    young = add_cluster(b, "anon-a", 0.5)           # its user's server runs: kept
    culled = add_cluster(b, "anon-b", 0.2)          # its user was deleted by the culler
    server_stopped = add_cluster(b, "anon-c", 0.2)  # its user exists, with no server
    seen = asyncio.run(reap_with_hub(b, {"anon-a": running, "anon-c": {"name": "anon-c", "servers": {}}}))
    assert stopped(b) == {busy_old, culled, server_stopped}
    assert young not in stopped(b)
    assert set(seen) == {"token gateway-token"}


def test_reaping_runs_in_the_gateway_it_renders_for_and_only_for_the_public_binder(stack, gateway):
    assert "cluster_max_workers" not in stack_gateways(stack.name)["prod"].api.ClusterConfig
    assert gateway.api.ClusterConfig.cluster_max_workers == 4
    b = backend(gateway)
    kept = add_cluster(b, "anon", 2.9)
    asyncio.run(reap_with_hub(b, {"anon": {"name": "anon", "servers": {"": {}}}}))
    assert kept not in stopped(b)
    asyncio.run(reap_with_hub(b, {"anon": {"name": "anon", "servers": {"": {}}}}, now=time.time() + 0.2 * HOURS))
    assert kept in stopped(b)


def test_the_gateway_may_read_the_binder_users_servers_and_nothing_more(stack):
    roles = hub_values(stack, PUBLIC)["hub"]["loadRoles"]
    [role] = [r for r in roles.values() if GATEWAY_SERVICE_NAME in r.get("services", [])]
    assert role["scopes"] == ["read:servers"]
    _check_scopes_exist(role["scopes"])  # JupyterHub's own check of the names
    from jupyterhub.apihandlers.users import UserAPIHandler

    # GET /users/{name} accepts this scope (its needs_scope list is kept on the handler).
    assert _needs(UserAPIHandler.get, "read:servers") and not _needs(UserAPIHandler.get, "list:users")
    assert not any(GATEWAY_SERVICE_NAME in r.get("services", []) for r in hub_values(stack, "prod")["hub"]["loadRoles"].values())


def _needs(method, scope: str) -> bool:
    """needs_scope's closure holds the scopes the handler accepts."""
    cells = [c.cell_contents for c in (method.__closure__ or ())]
    return any(scope in c for c in cells if isinstance(c, (tuple, list, set, frozenset)))
