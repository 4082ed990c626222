"""Per-user limits on the hub's dask-gateway, rendered into the gateway's config.

dask-gateway-server bounds each cluster (cores, memory) but has no per-user
bound, so each cluster gets an equal share of the user's allowance and the
number of active clusters a user may hold is checked when one is created.
"""

# Runs in the gateway's config after the chart has set DaskGateway.backend_class,
# so it limits whichever backend the chart (or a test) configured.
_LIMITS = '''\
from dask_gateway_server.backends.base import PublicException
from traitlets.utils.importstring import import_item

MAX_CLUSTERS_PER_USER = {max_clusters}


def _limit_clusters_per_user(backend_class):
    if isinstance(backend_class, str):
        backend_class = import_item(backend_class)

    class ClustersPerUserLimited(backend_class):
        """Refuses a new cluster while the user already holds the maximum."""

        async def start_cluster(self, user, cluster_options):
            active = await self.list_clusters(username=user.name)
            if len(active) >= MAX_CLUSTERS_PER_USER:
                raise PublicException(
                    f"{{user.name}} already has {{len(active)}} active clusters, the maximum; "
                    "shut one down first"
                )
            return await super().start_cluster(user, cluster_options)

    return ClustersPerUserLimited


c.DaskGateway.backend_class = _limit_clusters_per_user(c.DaskGateway.backend_class)
c.ClusterConfig.cluster_max_cores = {cluster_max_cores}
c.ClusterConfig.cluster_max_memory = {cluster_max_memory}
c.ClusterConfig.idle_timeout = {idle_seconds}
'''


def user_limits_config(*, max_clusters: int, max_cores: float, max_memory_gb: float, idle_minutes: int) -> str:
    """A user's allowance split evenly over their clusters, so all of them together stay within it."""
    return _LIMITS.format(
        max_clusters=max_clusters,
        cluster_max_cores=round(max_cores / max_clusters, 3),
        cluster_max_memory=int(max_memory_gb * 2**30 / max_clusters),
        idle_seconds=idle_minutes * 60,
    )
