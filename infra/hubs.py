"""The hubs of a stack, declared the same way on every cloud."""

from typing import Callable

import pulumi
import pulumi_kubernetes as k8s

from components.binder_hub import BinderHub, BinderHubArgs, BinderPage
from components.cluster import Cluster
from components.dask_hub import DaskHub, DaskHubArgs
from components.dask_hub.gateway_limits import cluster_share
from components.labels import PART_OF
from components.legacy.hub import LegacyHub, LegacyHubArgs
from components.monitoring import HUB_SCRAPER
from components.nfs_home import NFSHome
from components.sizing import Allocatable, room
from infra.config import HubConfig, StackConfig
from infra.config.migration import legacy_home_deletable

# (hub name, hub config, namespace, resources the final home sync must wait for)
HomeFactory = Callable[[str, HubConfig, pulumi.Output[str], list[pulumi.Resource]], NFSHome]


def declare_hubs(
    config: StackConfig, cluster: Cluster, make_home: HomeFactory, cloud_opts: pulumi.ResourceOptions,
    https_routes: dict[str, dict[str, str]] | None = None,
) -> dict[str, tuple[DaskHub, NFSHome | None]]:
    """Each hub gets a namespace named after it (shared by its home, charts and jobs),
    home storage (unless it is a public binder), a DaskHub, a BinderHub if enabled
    and, while it migrates, the patches that stop its old hub.  The old deployment itself is shared by the hubs, so the
    cloud's build declares it once (infra/gcp.py). `https_routes`: further domains a hub serves, by hub (Grafana's)."""
    worker_pool = next(p for p in config.cluster.node_pools.values() if p.purpose == "worker")
    hubs = {}
    crd_hub = gateway_crd_hub(config)
    # The hub whose gateway installs the CRDs first: the other gateways wait for its Release.
    for name, hub in sorted(config.hubs.items(), key=lambda item: item[0] != crd_hub):
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": name, "labels": PART_OF},
            opts=pulumi.ResourceOptions(provider=cluster.provider),
        )
        migration, stopped = hub.migration, []
        if old_hub := migration.legacy_hub:
            stopped = LegacyHub(name, LegacyHubArgs(
                namespace=old_hub.namespace, replicas=migration.old_hub_replicas(),
                kubeconfig=old_hub.kubeconfig.get_secret_value() if old_hub.kubeconfig else None,
            )).patches
        # A public binder's users are anonymous and their servers throwaway: no home storage.
        public = hub.binder.limits if hub.binder.mode == "public" else None
        home = None if public else make_home(name, hub, namespace.metadata.name, stopped)
        binder = None
        # A public binder's servers, Dask pods and builds: on its own pools (StackConfig.binder_pools).
        server_pool, build_pool = config.binder_pools(hub) if public else (None, None)
        share = cluster_share(hub.dask.max_clusters_per_user, hub.dask.max_cores_per_user, hub.dask.max_memory_gb_per_user)
        if hub.binder.enabled:
            binder = BinderHub(
                name, BinderHubArgs(namespace=namespace.metadata.name, cluster=cluster, domain=hub.domain,
                                    refresher_image=hub.image.ref, public=public,
                                    page=BinderPage(title=hub.page.title, subtitle=hub.page.subtitle,
                                                    help_url=hub.page.help_url) if public else None,
                                    build_selector=cluster.node_selector(build_pool) if build_pool else None,
                                    server_selector=cluster.node_selector(server_pool) if server_pool else None,
                                    builders=hub.binder.builders,
                                    quota=config.binder_quota(hub) if public else None,
                                    dask_cluster=share if public else None),
                opts=cloud_opts,
            ).service
        # Cutting over: the new hub is checked before the domain moves to it; until then
        # the domain still serves the old hub.
        cutting_over = migration.phase in ("cutover", "decommission")
        daskhub = DaskHub(
            name,
            DaskHubArgs(
                hub=hub,
                namespace=namespace.metadata.name,
                cluster=cluster,
                home_values=home.singleuser_values if home else {},
                # A public binder's Dask workers fit its own pool's nodes, and no worker is larger than
                # a cluster may hold (its LimitRange's maximum, components/binder_hub/quota.py).
                worker_room=_within(room(config.provider, config.cluster.node_pools[server_pool].machine_type), share)
                if server_pool else room(config.provider, worker_pool.machine_type),
                client_secret=hub.auth.github.client_secret.get_secret_value() if hub.auth.github.client_secret else "",
                pool_names=list(config.cluster.node_pools),
                binder=binder,
                health_check_generation=migration.sync_generation if cutting_over else None,
                home_synced=[home.sync_jobs.final] if home and home.sync_jobs.final else [],
                serve_domain=migration.source is None or cutting_over,
                gateway_crds_from=None if name == crd_hub else hubs[crd_hub][0].gateway,
                https_routes=(https_routes or {}).get(name, {}),
                metrics_scraper=HUB_SCRAPER,
            ),
            opts=cloud_opts,
        )
        hubs[name] = (daskhub, home)
    return hubs


def _within(room: Allocatable, share: Allocatable) -> Allocatable:
    return Allocatable(min(room.cpu, share.cpu), min(room.memory_gib, share.memory_gib))


def gateway_crd_hub(config: StackConfig) -> str:
    """The hub whose dask-gateway Release installs the chart's CRDs for the cluster: the first by
    name without a binder, whose gateway waits for nothing but the cluster (a binder's gateway
    waits for its image registry, and every other gateway would wait behind it), else the first."""
    plain = [name for name, hub in config.hubs.items() if not hub.binder.enabled]
    return min(plain or config.hubs)


def hub_outputs(hubs: dict[str, tuple[DaskHub, NFSHome | None]]) -> dict:
    return {
        name: {
            "url": daskhub.url,
            "load_balancer_address": daskhub.load_balancer_address,
            "home_server": home.server if home else None,
            "scratch_url": daskhub.scratch_url,
            "dns": daskhub.dns,
        }
        for name, (daskhub, home) in hubs.items()
    }


def migration_outputs(config: StackConfig, hubs: dict[str, tuple[DaskHub, NFSHome | None]]) -> dict:
    """What each hub's update completed; the next update reads it back to guard its phase change."""
    outputs = {}
    # One old deployment per stack: every hub carries its state, so each hub's guard reads it back.
    deletable = legacy_home_deletable(config.legacy, {k: h.migration for k, h in config.hubs.items()})
    # A public binder keeps nothing, so it has nothing to migrate.
    for name, home in ((name, home) for name, (_, home) in hubs.items() if home):
        migration = config.hubs[name].migration
        last_job = home.sync_jobs.final or home.sync_jobs.bulk
        outputs[name] = {
            "phase": migration.phase,
            "sync_generation_verified": migration.sync_generation if home.sync_jobs.final else None,
            "completed_at": last_job.status.completion_time if last_job else None,
            "home_tier": config.hubs[name].home.tier,
            "legacy_home_deletable": deletable,
            # what this update adopted: the next one may not drop them mid-migration
            "legacy_cluster": bool(config.legacy and config.legacy.cluster),
            "legacy_home": bool(config.legacy and config.legacy.home),
        }
    return outputs
