"""Home directories on Amazon EFS."""

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.cluster.eks import EksCluster

from .base import USER_DATA, HomeArgs, NFSHome

# The EFS-recommended NFS client options: v4.1, 1 MiB transfers, hard mounts that
# retry for a minute, and `noresvport` so a reconnect gets a fresh source port.
MOUNT_OPTIONS = ["nfsvers=4.1", "rsize=1048576", "wsize=1048576", "hard", "timeo=600", "retrans=2", "noresvport"]
# What an NFS client may do, as a file system policy names it (AWS: Using IAM to control
# file system data access, https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html):
# read, write, and act as root (without it, root is squashed).
CLIENT_ACTIONS = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"]
VIA_MOUNT_TARGET = "elasticfilesystem:AccessedViaMountTarget"


def file_system_policy(file_system_arn: str) -> str:
    """Clients in through one of the file system's mount targets, and no one else.

    The kernel's NFS client mounts without the EFS mount helper, so EFS sees every mount
    as anonymous, over plain NFS; a policy applies to such clients as to the principal
    `*`. Of the four condition keys EFS evaluates for clients (same page),
    `aws:SecureTransport` is false for them (no TLS), `aws:SourceIp` only matches public
    addresses, and `elasticfilesystem:AccessPointArn` needs an access point, which needs
    the mount helper: `AccessedViaMountTarget` is the one that holds. So anonymous clients
    keep read, write and root through a mount target (the mount targets' security group
    lets in the cluster's nodes alone; root stays for the home's writers, docs/aws.md),
    and every client action by anyone else, IAM-authorised or not, is denied, whatever
    identity policy allows it. IfExists: a request that carries no such key is denied too.
    """
    through_a_mount_target = {"Bool": {VIA_MOUNT_TARGET: "true"}}
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ThroughMountTargets", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": CLIENT_ACTIONS,
             "Resource": file_system_arn, "Condition": through_a_mount_target},
            {"Sid": "NothingElse", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": CLIENT_ACTIONS,
             "Resource": file_system_arn, "Condition": {"BoolIfExists": {VIA_MOUNT_TARGET: "false"}}},
        ],
    }, sort_keys=True)


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
        aws.efs.FileSystemPolicy(
            f"{name}-efs-policy", file_system_id=self.file_system.id,
            policy=self.file_system.arn.apply(file_system_policy), opts=child,
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
