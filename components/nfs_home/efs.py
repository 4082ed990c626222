"""Home directories on Amazon EFS."""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.cluster.eks import EksCluster

from .base import USER_DATA, HomeArgs, NFSHome

# The EFS-recommended NFS client options: v4.1, 1 MiB transfers, hard mounts that
# retry for a minute, and `noresvport` so a reconnect gets a fresh source port.
MOUNT_OPTIONS = ["nfsvers=4.1", "rsize=1048576", "wsize=1048576", "hard", "timeo=600", "retrans=2", "noresvport"]


@dataclass(frozen=True, kw_only=True)
class EfsHomeArgs(HomeArgs):
    cluster: EksCluster


class EfsHome(NFSHome):
    """A protected, encrypted, backed-up EFS file system, reachable only from the cluster's nodes."""

    def __init__(self, name: str, args: EfsHomeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:EfsHome", name, None, opts)
        cluster = args.cluster
        child = pulumi.ResourceOptions(parent=self)
        self.file_system = aws.efs.FileSystem(
            f"{name}-efs",
            encrypted=True,
            performance_mode="generalPurpose",
            throughput_mode="elastic",
            # Homes are mostly cold; infrequent-access storage is a fraction of the price.
            lifecycle_policies=[{"transition_to_ia": "AFTER_30_DAYS"}, {"transition_to_primary_storage_class": "AFTER_1_ACCESS"}],
            tags={"Name": f"{name}-home"},
            opts=pulumi.ResourceOptions.merge(child, USER_DATA),
        )
        aws.efs.BackupPolicy(
            f"{name}-efs-backup", file_system_id=self.file_system.id, backup_policy={"status": "ENABLED"}, opts=child
        )
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-nfs", vpc_id=cluster.vpc.id, description=f"NFS to {name} homes from cluster nodes",
            tags={"Name": f"{name}-home-nfs"}, opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-nfs-from-nodes", security_group_id=self.security_group.id,
            referenced_security_group_id=cluster.node_security_group.id,
            ip_protocol="tcp", from_port=2049, to_port=2049, description="NFS from cluster nodes", opts=child,
        )
        # One mount target per AZ (EFS allows no more), so pods reach it in their own zone.
        self.mount_targets = {
            zone: aws.efs.MountTarget(
                f"{name}-efs-{zone}", file_system_id=self.file_system.id, subnet_id=subnet.id,
                security_groups=[self.security_group.id], opts=child,
            )
            for zone, subnet in cluster.private_subnets.items()
        }
        self._mount(
            name,
            args,
            server=self.file_system.dns_name,
            path="/",
            mount_options=MOUNT_OPTIONS,
            storage=self.file_system,
        )
