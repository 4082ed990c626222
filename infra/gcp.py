"""The gcp stack: a credit project, a GKE cluster and Filestore-backed DaskHubs."""

from components.cluster.gke import GkeCluster, GkeClusterArgs
from components.credit_project.gcp import GcpCreditProject, GcpCreditProjectArgs
from components.legacy.gcp import LegacyGcpArgs, LegacyGcpDeployment
from components.nfs_home.filestore import FilestoreHome, FilestoreHomeArgs
from components.legacy import export
from components.monitoring import HOME_USAGE_SCRAPER
from infra.config import StackConfig
from infra.config.migration import legacy_home_deletable, legacy_stage

from .hubs import declare_hubs, hub_outputs, migration_outputs
from .monitoring import declare_monitoring, grafana_routes, monitoring_outputs


def build(config: StackConfig) -> dict:
    cloud = config.cloud
    credits = GcpCreditProject(config.cluster.name, GcpCreditProjectArgs(
        credits=config.credits, region=cloud.region, ci=config.ci))
    on_project = credits.provider_opts
    cluster = GkeCluster(
        config.cluster.name,
        GkeClusterArgs(config=config.cluster, cloud=cloud, project_id=credits.project_id),
        opts=on_project,
    )

    legacy = _legacy(config, cluster, on_project)
    source_url = legacy and legacy.source_address and export.source_url(legacy.source_address, "")

    def filestore(name, hub, namespace, legacy_stopped):
        return FilestoreHome(
            name,
            FilestoreHomeArgs(
                home=hub.home, namespace=namespace, k8s_provider=cluster.provider, migration=hub.migration,
                legacy_stopped=legacy_stopped,
                cluster=cluster, zone=cloud.zone, source_url=source_url or None,
                source_ready=legacy.ready if legacy else [], usage_scraper=HOME_USAGE_SCRAPER,
            ),
            opts=on_project,
        )

    hubs = declare_hubs(config, cluster, filestore, on_project, grafana_routes(config))
    monitoring = declare_monitoring(config, cluster, {n: h for n, (h, _) in hubs.items()}, on_project)
    return {
        "kubeconfig": cluster.kubeconfig,
        "hubs": hub_outputs(hubs),
        "migration": migration_outputs(config, hubs),
        **monitoring_outputs(monitoring),
        # The workflows' GCP_WORKLOAD_IDENTITY_PROVIDER and GCP_SERVICE_ACCOUNT (docs/review.md).
        **({"ci": credits.ci} if credits.ci else {}),
    }


def _legacy(config: StackConfig, cluster: GkeCluster, on_project) -> LegacyGcpDeployment | None:
    """The old deployment, declared once however many hubs used it (named after the new cluster).
    What it declares on the new side (its half of the peering) goes through the stack's provider."""
    if config.legacy is None:
        return None
    migrations = {name: hub.migration for name, hub in config.hubs.items()}
    return LegacyGcpDeployment(config.cluster.name, LegacyGcpArgs(
        legacy=config.legacy, stage=legacy_stage(migrations),
        home_deletable=legacy_home_deletable(config.legacy, migrations),
        export=any(m.uses_legacy for m in migrations.values()),
        new_network=cluster.network.self_link, pods_cidr=str(config.cluster.network.pods_cidr),
    ), opts=on_project)
