"""The gcp stack: a credit project, a GKE cluster and Filestore-backed DaskHubs."""

from components.cluster.gke import GkeCluster, GkeClusterArgs
from components.credit_project.gcp import GcpCreditProject, GcpCreditProjectArgs
from components.legacy.gcp import LegacyGcpArgs, LegacyGcpDeployment
from components.nfs_home.filestore import FilestoreHome, FilestoreHomeArgs
from infra.config import StackConfig

from .hubs import declare_hubs, hub_outputs, migration_outputs


def build(config: StackConfig) -> dict:
    cloud = config.cloud
    credits = GcpCreditProject(config.cluster.name, GcpCreditProjectArgs(credits=config.credits, region=cloud.region))
    on_project = credits.provider_opts
    cluster = GkeCluster(
        config.cluster.name,
        GkeClusterArgs(config=config.cluster, cloud=cloud, project_id=credits.project_id),
        opts=on_project,
    )

    def filestore(name, hub, namespace, legacy_stopped):
        return FilestoreHome(
            name,
            FilestoreHomeArgs(
                hub=hub, namespace=namespace, k8s_provider=cluster.provider, legacy_stopped=legacy_stopped,
                cluster=cluster, zone=cloud.zone,
            ),
            opts=on_project,
        )

    def legacy(name, hub):
        return LegacyGcpDeployment(name, LegacyGcpArgs(migration=hub.migration))

    hubs = declare_hubs(config, cluster, filestore, on_project, adopt_legacy=legacy)
    return {
        "kubeconfig": cluster.kubeconfig,
        "hubs": hub_outputs(hubs),
        "migration": migration_outputs(config, hubs),
    }
