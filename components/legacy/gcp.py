"""Old GCP resources, adopted with `import` while users move, deleted by the decommission update."""

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.config.migration import LegacyResources, Migration

# Inputs of adopted resources that we don't model: the old values stay as they are.
_CLUSTER_AS_IS = [
    "addonsConfig", "clusterAutoscaling", "initialNodeCount", "ipAllocationPolicy", "loggingService",
    "monitoringService", "network", "networkPolicy", "nodeConfig", "nodePools", "nodeVersion",
    "minMasterVersion", "releaseChannel", "removeDefaultNodePool", "subnetwork", "workloadIdentityConfig",
]
_POOL_AS_IS = ["autoscaling", "initialNodeCount", "management", "nodeConfig", "nodeCount", "nodeLocations", "version"]
_HOME_AS_IS = ["description", "fileShares", "labels", "networks", "tier"]


def _region(location: str) -> str:
    """Filestore backups are regional: us-central1-b -> us-central1."""
    return location.rsplit("-", 1)[0] if location.count("-") == 2 else location


@dataclass(frozen=True)
class LegacyGcpArgs:
    migration: Migration


class LegacyGcpDeployment(pulumi.ComponentResource):
    """The old GKE cluster, node pools and Filestore home: adopted as soon as they are
    configured, dropped (and so deleted) at decommission, the home only after a backup."""

    def __init__(self, name: str, args: LegacyGcpArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:LegacyGcpDeployment", name, None, opts)
        migration = args.migration
        legacy: LegacyResources = migration.legacy_resources
        provider = gcp.Provider(f"{name}-legacy-gcp", project=legacy.project, opts=pulumi.ResourceOptions(parent=self))
        self.backup = None
        if migration.phase != "decommission":
            self._adopt(name, legacy, provider, migration.legacy_home_deletable())
        elif migration.phase == "decommission" and legacy.home and legacy.home.delete_after_backup:
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

    def _adopt(self, name: str, legacy: LegacyResources, provider: gcp.Provider, home_deletable: bool) -> None:
        project = legacy.project
        if cluster := legacy.cluster:
            adopted = gcp.container.Cluster(
                f"{name}-legacy-cluster", name=cluster.name, location=cluster.location, project=project,
                deletion_protection=False,
                opts=self._adopted(provider, f"projects/{project}/locations/{cluster.location}/clusters/{cluster.name}",
                                   _CLUSTER_AS_IS),
            )
            for pool in cluster.node_pools:
                gcp.container.NodePool(
                    f"{name}-legacy-pool-{pool}", name=pool, cluster=adopted.name, location=cluster.location,
                    project=project,
                    opts=self._adopted(provider, f"{project}/{cluster.location}/{cluster.name}/{pool}", _POOL_AS_IS),
                )
        if home := legacy.home:
            gcp.filestore.Instance(
                f"{name}-legacy-home", name=home.name, location=home.location, project=project,
                tier="BASIC_HDD", file_shares={"name": home.share, "capacity_gb": 1024},
                networks=[{"network": "default", "modes": ["MODE_IPV4"]}],
                opts=pulumi.ResourceOptions.merge(
                    self._adopted(provider, f"projects/{project}/locations/{home.location}/instances/{home.name}",
                                  _HOME_AS_IS),
                    pulumi.ResourceOptions(retain_on_delete=not home_deletable),
                ),
            )

    def _adopted(self, provider, import_id: str, as_is: list[str]) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=provider, import_=import_id, ignore_changes=as_is)
