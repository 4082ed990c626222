"""Per-user limits on the hub's dask-gateway, rendered into the gateway's config.

dask-gateway-server bounds each cluster (cores, memory, workers) but has no per-user
bound, so each cluster gets an equal share of the user's allowance and the
number of active clusters a user may hold is checked when one is created.

It has no bound on a cluster's age either, and nothing stops a cluster when its
user goes: `idle_timeout` never fires on a cluster kept busy. A public binder's
gateway (ClusterReaping) therefore stops, every REAP_SECONDS, each cluster older
than its lifetime and each cluster whose user has no running server on the hub
(the culler stops the server, then deletes the anonymous user).
"""

from dataclasses import dataclass

from components.sizing import Allocatable

# How often a public binder's gateway looks for clusters to stop.
REAP_SECONDS = 60

# Runs in the gateway's config after the chart has set DaskGateway.backend_class,
# so it limits whichever backend the chart (or a test) configured.
_LIMITS = '''\
import asyncio
import os
import time
from urllib.parse import quote

from dask_gateway_server.backends.base import PublicException
from traitlets.utils.importstring import import_item

MAX_CLUSTERS_PER_USER = {max_clusters}
# A public binder's: stop clusters older than this (seconds), or whose user has no server; None: never.
MAX_AGE_SECONDS = {max_age_seconds}
REAP_SECONDS = {reap_seconds}


def _limit_clusters_per_user(backend_class):
    if isinstance(backend_class, str):
        backend_class = import_item(backend_class)

    class ClustersPerUserLimited(backend_class):
        """Refuses a new cluster while the user already holds the maximum; with MAX_AGE_SECONDS, reaps."""

        async def start_cluster(self, user, cluster_options):
            active = await self.list_clusters(username=user.name)
            if len(active) >= MAX_CLUSTERS_PER_USER:
                raise PublicException(
                    f"{{user.name}} already has {{len(active)}} active clusters, the maximum; "
                    "shut one down first"
                )
            return await super().start_cluster(user, cluster_options)

        async def setup(self, app):
            await super().setup(app)
            if MAX_AGE_SECONDS is not None:
                self._reaper = asyncio.ensure_future(self._reap_forever())

        async def cleanup(self):
            if getattr(self, "_reaper", None) is not None:
                self._reaper.cancel()
            await super().cleanup()

        async def _reap_forever(self):
            while True:
                await asyncio.sleep(REAP_SECONDS)
                try:
                    await self.reap()
                except Exception:
                    self.log.warning("Reaping clusters failed", exc_info=True)

        async def reap(self, now=None):
            """Stop every active cluster past its lifetime or whose user has no running server."""
            now_ms = (time.time() if now is None else now) * 1000
            serving = {{}}
            for cluster in await self.list_clusters():
                if now_ms - cluster.start_time > MAX_AGE_SECONDS * 1000:
                    reason = "reached its lifetime"
                else:
                    if cluster.username not in serving:
                        serving[cluster.username] = await self._has_server(cluster.username)
                    if serving[cluster.username]:
                        continue
                    reason = "has no user with a running server"
                self.log.info("Stopping cluster %s of %s: it %s", cluster.name, cluster.username, reason)
                await self.stop_cluster(cluster.name)

        async def _has_server(self, username):
            """The hub's answer, with the gateway's own service token; a user the culler deleted is a 404."""
            url = f"{{self.config.JupyterHubAuthenticator.jupyterhub_api_url}}/users/{{quote(username, safe='')}}"
            headers = {{"Authorization": f"token {{os.environ['JUPYTERHUB_API_TOKEN']}}"}}
            async with self.session.get(url, headers=headers) as response:
                if response.status == 404:
                    return False
                response.raise_for_status()
                return bool((await response.json()).get("servers"))

    return ClustersPerUserLimited


c.DaskGateway.backend_class = _limit_clusters_per_user(c.DaskGateway.backend_class)
c.ClusterConfig.cluster_max_cores = {cluster_max_cores}
c.ClusterConfig.cluster_max_memory = {cluster_max_memory}
c.ClusterConfig.idle_timeout = {idle_seconds}
'''
_MAX_WORKERS = "c.ClusterConfig.cluster_max_workers = {max_workers}\n"


@dataclass(frozen=True)
class ClusterReaping:
    """A public binder's Dask bounds beyond the user's allowance: workers per cluster and a lifetime."""

    max_workers: int
    max_age_seconds: int


def cluster_share(max_clusters: int, max_cores: float, max_memory_gb: float) -> Allocatable:
    """The cores and GiB one of a user's clusters may hold: an equal share of the user's allowance."""
    return Allocatable(round(max_cores / max_clusters, 3), max_memory_gb / max_clusters)


def user_limits_config(*, max_clusters: int, max_cores: float, max_memory_gb: float, idle_minutes: int,
                       reaping: ClusterReaping | None = None) -> str:
    """A user's allowance split evenly over their clusters, so all of them together stay within it."""
    share = cluster_share(max_clusters, max_cores, max_memory_gb)
    config = _LIMITS.format(
        max_clusters=max_clusters,
        max_age_seconds=reaping.max_age_seconds if reaping else None,
        reap_seconds=REAP_SECONDS,
        cluster_max_cores=share.cpu,
        cluster_max_memory=int(share.memory_gib * 2**30),
        idle_seconds=idle_minutes * 60,
    )
    return config + (_MAX_WORKERS.format(max_workers=reaping.max_workers) if reaping else "")
