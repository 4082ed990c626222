"""Home directories on Google Cloud Filestore."""

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.cluster.gke import GkeCluster

from .args import Home
from .backups import declare_backups
from .base import USER_DATA, HomeArgs, NFSHome

SHARE = "homes"


@dataclass(frozen=True, kw_only=True)
class FilestoreHomeArgs(HomeArgs):
    home: Home
    cluster: GkeCluster
    zone: str


def _cluster_export(cluster: GkeCluster) -> dict:
    """Only the cluster's nodes and pods may mount the share; without export options the whole
    VPC may (https://cloud.google.com/filestore/docs/nfs-export-options). Root is not squashed:
    the kubelet creates each home's subPath as root, the home's init container chowns it as root
    (volumes.py) and the homesync Job copies as root to keep owners (sync_job.py), all from node
    or pod addresses, which an export option cannot tell apart from a user's pod."""
    return {"ip_ranges": cluster.node_and_pod_ranges, "access_mode": "READ_WRITE", "squash_mode": "NO_ROOT_SQUASH"}


class FilestoreHome(NFSHome):
    """A protected Filestore instance on the cluster's network, exported to one hub,
    backed up on the schedule of `home.backups` (backups.py)."""

    def __init__(self, name: str, args: FilestoreHomeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:FilestoreHome", name, None, opts)
        home = args.home
        self.instance = gcp.filestore.Instance(
            f"{name}-filestore",
            name=f"{name}-home",
            location=args.zone,
            tier=home.tier,
            file_shares={"name": SHARE, "capacity_gb": home.capacity_gb,
                         "nfs_export_options": [_cluster_export(args.cluster)]},
            networks=[{"network": args.cluster.network.name, "modes": ["MODE_IPV4"], "connect_mode": "DIRECT_PEERING"}],
            opts=pulumi.ResourceOptions.merge(pulumi.ResourceOptions(parent=self), USER_DATA),
        )
        if home.backups:
            declare_backups(
                # The instance's project is the cluster's (both on the credit project's
                # provider); GkeCluster keeps it but exposes no public attribute for it.
                name, backups=home.backups, project=args.cluster._project, zone=args.zone, instance=self.instance,
                share=SHARE, namespace=args.namespace, k8s_provider=args.k8s_provider, parent=self,
            )
        self._mount(
            name,
            args,
            server=self.instance.networks[0].ip_addresses[0],
            path=f"/{SHARE}",
            # Filestore speaks NFSv3; `soft` turns a dead server into errors rather than hung pods.
            mount_options=["vers=3", "soft", "noatime", "timeo=600", "retrans=3"],
            storage=self.instance,
        )
