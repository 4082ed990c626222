"""The old GCP deployment, once per stack: adopted with `import` while hubs move, read through
an rsync export while they sync, deleted once every hub using it is cut over."""

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.labels import labels
from . import export
from .args import LegacyResources, Phase
from .network import declare_path

# Inputs of adopted resources that we don't model: the old values stay as they are.
_CLUSTER_AS_IS = [
    "addonsConfig", "clusterAutoscaling", "initialNodeCount", "ipAllocationPolicy", "loggingService",
    "monitoringService", "network", "networkPolicy", "nodeConfig", "nodePools", "nodeVersion",
    "minMasterVersion", "releaseChannel", "removeDefaultNodePool", "subnetwork", "workloadIdentityConfig",
]
_POOL_AS_IS = ["autoscaling", "initialNodeCount", "management", "nodeConfig", "nodeCount", "nodeLocations", "version"]
_HOME_AS_IS = ["description", "fileShares", "labels", "networks", "tier"]
EXPORT_NAMESPACE = "homesync-export"


def _region(location: str) -> str:
    """Filestore backups are regional: us-central1-b -> us-central1."""
    return location.rsplit("-", 1)[0] if location.count("-") == 2 else location


@dataclass(frozen=True)
class LegacyGcpArgs:
    legacy: LegacyResources
    stage: Phase  # the least advanced phase of the hubs using it (the stack's legacy_stage)
    home_deletable: bool
    export: bool  # a hub reads its homes through the rsync export
    new_network: pulumi.Input[str] | None = None
    pods_cidr: str | None = None


class LegacyGcpDeployment(pulumi.ComponentResource):
    """Old cluster, node pools and Filestore home, plus the rsync export and its network path."""

    def __init__(self, name: str, args: LegacyGcpArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:LegacyGcpDeployment", name, None, opts)
        legacy = args.legacy
        provider = gcp.Provider(f"{name}-legacy-gcp", project=legacy.project, opts=pulumi.ResourceOptions(parent=self))
        self.backup = None
        # Static (config), so the completed Jobs of decommissioned hubs keep their spec
        # when the export is gone: a changed spec would replace them and copy again.
        self.source_address = str(legacy.cluster.export_ip) if args.export and legacy.cluster else None
        self.ready: list[pulumi.Resource] = []
        if args.stage != "decommission":
            self._adopt(name, legacy, provider, args.home_deletable, protect=args.stage != "cutover")
            if args.export and args.stage in ("sync", "cutover"):
                self.ready = self._export(name, args, provider)
        elif legacy.home and legacy.home.delete_after_backup:
            home = legacy.home
            self.backup = gcp.filestore.Backup(
                f"{name}-legacy-home-backup",
                name=f"{home.name}-final",
                location=_region(home.location),
                source_instance=f"projects/{legacy.project}/locations/{home.location}/instances/{home.name}",
                source_file_share=home.share,
                description="Taken by pangeo-hubs before the old home was deleted",
                # The only copy of the old homes once the instance is gone.
                opts=pulumi.ResourceOptions(parent=self, provider=provider, protect=True, retain_on_delete=True),
            )
        self.register_outputs({})

    def _export(self, name: str, args: LegacyGcpArgs, provider: gcp.Provider) -> list[pulumi.Resource]:
        """The rsync daemon on the old cluster and the network path to it; dropped at decommission
        with the rest (retain_on_delete: the cluster they live in is deleted anyway)."""
        legacy = args.legacy
        path = declare_path(name, new_network=args.new_network, old_project=legacy.project,
                            old_network=legacy.network.name, pods_cidr=args.pods_cidr, old_provider=provider,
                            parent=self)
        k8s_provider = k8s.Provider(
            f"{name}-legacy-export-k8s",
            kubeconfig=pulumi.Output.secret(legacy.cluster.kubeconfig.get_secret_value()),
            opts=pulumi.ResourceOptions(parent=self),
        )
        on_old = pulumi.ResourceOptions(parent=self, provider=k8s_provider, retain_on_delete=True)
        namespace = k8s.core.v1.Namespace(f"{name}-legacy-export-namespace", metadata={"name": EXPORT_NAMESPACE},
                                          opts=on_old)
        docs = export.manifests(namespace=EXPORT_NAMESPACE, nfs_server=legacy.home.ip, share=legacy.home.share,
                                allow=args.pods_cidr, labels=labels("homesync-export"))
        after = pulumi.ResourceOptions.merge(on_old, pulumi.ResourceOptions(depends_on=[namespace]))
        config = k8s.core.v1.ConfigMap(f"{name}-legacy-export-config", **docs["ConfigMap"], opts=after)
        deployment = k8s.apps.v1.Deployment(
            f"{name}-legacy-export", **docs["Deployment"],
            opts=pulumi.ResourceOptions.merge(after, pulumi.ResourceOptions(depends_on=[namespace, config])))
        service = docs["Service"]
        service["spec"]["loadBalancerIP"] = str(legacy.cluster.export_ip)
        lb = k8s.core.v1.Service(f"{name}-legacy-export-lb", **service, opts=after)
        return [*path, deployment, lb]

    def _adopt(self, name: str, legacy: LegacyResources, provider: gcp.Provider, home_deletable: bool,
               protect: bool) -> None:
        """The old cluster, pools and home, as they are. `protect` keeps a config edit from deleting
        them: the engine refuses to delete a resource its state marks protected. The state is the
        last update's, so protection is lifted one update early, when every hub using them is at
        cutover, and the decommission update that stops declaring them may delete (or forget) them."""
        project = legacy.project
        if cluster := legacy.cluster:
            adopted = gcp.container.Cluster(
                f"{name}-legacy-cluster", name=cluster.name, location=cluster.location, project=project,
                deletion_protection=False,
                opts=self._adopted(provider, f"projects/{project}/locations/{cluster.location}/clusters/{cluster.name}",
                                   _CLUSTER_AS_IS, protect),
            )
            for pool in cluster.node_pools:
                gcp.container.NodePool(
                    f"{name}-legacy-pool-{pool}", name=pool, cluster=adopted.name, location=cluster.location,
                    project=project,
                    opts=self._adopted(provider, f"{project}/{cluster.location}/{cluster.name}/{pool}", _POOL_AS_IS,
                                       protect),
                )
        if home := legacy.home:
            gcp.filestore.Instance(
                f"{name}-legacy-home", name=home.name, location=home.location, project=project,
                tier="BASIC_HDD", file_shares={"name": home.share, "capacity_gb": 1024},
                networks=[{"network": "default", "modes": ["MODE_IPV4"]}],
                opts=pulumi.ResourceOptions.merge(
                    self._adopted(provider, f"projects/{project}/locations/{home.location}/instances/{home.name}",
                                  _HOME_AS_IS, protect),
                    pulumi.ResourceOptions(retain_on_delete=not home_deletable),
                ),
            )

    def _adopted(self, provider, import_id: str, as_is: list[str], protect: bool) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=provider, import_=import_id, ignore_changes=as_is,
                                      protect=protect)
