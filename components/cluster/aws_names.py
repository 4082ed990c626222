"""Names AWS derives from the stack's keys, and the rules AWS enforces on them.

eks.py (and the EFS and credits components beside it) build their names here,
and the config checks the same names before anything is planned, so a name AWS
would refuse is a config error naming the key that makes it, never a silent cut.
"""

import ipaddress
import re

from .node_roles import shaped_name

# The hubs' load balancers span this many of the first zones (eks.py public_address).
LOAD_BALANCER_ZONES = 2
# EKS cluster names: 1 to 100 characters, `^[0-9A-Za-z][A-Za-z0-9\-_]*$`
# (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html, name).
EKS_CLUSTER = re.compile(r"^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$")
# Managed node group names: 1 to 63 characters, same alphabet
# (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html, nodegroupName).
NODE_GROUP = re.compile(r"^[0-9A-Za-z][A-Za-z0-9\-_]{0,62}$")
# S3 bucket names are 3 to 63 characters (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html);
# a `bucket_prefix` gets a 26-character unique suffix (terraform-provider-aws
# internal/create/naming.go, UniqueIdSuffixLength), so a prefix is at most 37
# lowercase letters, digits, dots and dashes (aws_s3_bucket, bucket_prefix).
BUCKET_PREFIX = re.compile(r"^[a-z0-9][-.a-z0-9]{0,36}$")
# A whole bucket name, as the state bucket is given (same page): 3 to 63 of lowercase
# letters, digits, dots and dashes, a letter or digit at each end, no `..`, `.-` or
# `-.`, not an IP address, and none of the prefixes and suffixes S3 reserves.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# IAM role names are at most 64 characters of `[\w+=,.@-]`
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, and
# API_CreateRole RoleName); Pulumi auto-names a role `<resource name>-<7 hex>`
# (pulumi-terraform-bridge autonaming), so the resource name is at most 56.
IAM_ROLE = re.compile(r"^[\w+=,.@-]{1,64}$")
AUTONAME_SUFFIX = 8
# Launch template names: 3 to 128 characters of `[a-zA-Z0-9().\-/_]`
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html).
LAUNCH_TEMPLATE = re.compile(r"^[a-zA-Z0-9().\-/_]{3,128}$")
# Security group names: at most 255 characters (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html).
SECURITY_GROUP_MAX = 255
# An IAM role or user that may administer the cluster, by its ARN: the partition,
# a 12-digit account, an optional path and a name of `[\w+=,.@-]` up to 64
# characters (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
# An EKS access entry takes no STS session ARN (API_CreateAccessEntry, principalArn).
PRINCIPAL_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(role|user)/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")


def node_group(key: str, machine_type: str, fallback_machine_types: list[str], spot: bool,
               zones: list[str], cidr: str) -> str:
    """`<key>-<hash>` of every input that replaces a node group and that config can change.

    ForceNew in terraform-provider-aws internal/service/eks/node_group.go: ami_type,
    capacity_type, cluster_name, disk_size, instance_types, launch_template id and name,
    node_group_name, node_role_arn, remote_access, subnet_ids. Config changes
    instance_types (`machine_type`, `fallback_machine_types`), capacity_type (`spot`)
    and subnet_ids: the group's private subnets, one per zone of `zones` (group_zones),
    each placed in `cidr` (cluster.network.cidr) by eks.subnet_cidrs. The rest are fixed
    in eks.py, or follow cluster.name, which replaces the protected cluster itself. The replacement is created beside the old group (create
    before delete), so it needs a name of its own.
    """
    return shaped_name(key, machine_type, tuple(fallback_machine_types), spot, tuple(sorted(zones)), cidr)


def group_zones(purpose: str, zones: list[str]) -> list[str]:
    """The zones a node group's subnets are in: core nodes stay in the load-balancer zones,
    so each hub's NLB always has a node to send to (the proxy Service's
    externalTrafficPolicy is Cluster); the others span every zone."""
    return zones[:LOAD_BALANCER_ZONES] if purpose == "core" else list(zones)


def scratch_bucket_prefix(cluster: str, hub: str) -> str:
    return f"{cluster}-{hub}-scratch-"


def cluster_roles(cluster: str) -> list[str]:
    """The resource names of the cluster's IAM roles (eks.py), each auto-named by Pulumi."""
    return [f"{cluster}-cluster-role", f"{cluster}-node-role", f"{cluster}-ebs-csi", f"{cluster}-autoscaler"]


def hub_roles(hub: str) -> list[str]:
    return [f"{hub}-scratch-user"]


def launch_template(cluster: str, key: str) -> str:
    return f"{cluster}-lt-{key}"


def admin_slug(arn: str) -> str:
    """`arn:aws:iam::123456789012:role/ops/Admin` -> `123456789012-role-ops-admin`: a stable resource-name key."""
    return re.sub(r"[^a-z0-9]+", "-", arn.lower().split(":", 4)[4]).strip("-")


def _problem(what: str, name: str, rule: str) -> str:
    return f"makes the {what} {name!r} ({len(name)} characters); AWS takes {rule}"


def eks_cluster_problem(name: str) -> str | None:
    if EKS_CLUSTER.match(name):
        return None
    return _problem("EKS cluster name", name, "1 to 100 letters, digits, dashes and underscores, starting with a letter or digit")


def node_group_problem(name: str) -> str | None:
    if NODE_GROUP.match(name):
        return None
    return _problem("node group name", name, "1 to 63 letters, digits, dashes and underscores, starting with a letter or digit")


def bucket_prefix_problem(prefix: str) -> str | None:
    if BUCKET_PREFIX.match(prefix):
        return None
    return _problem("S3 bucket_prefix", prefix, "at most 37 lowercase letters, digits, dots and dashes "
                    "(a bucket name is at most 63 and Pulumi appends 26 characters)")


def role_problem(resource_name: str) -> str | None:
    name = resource_name + "-" + "0" * (AUTONAME_SUFFIX - 1)
    if IAM_ROLE.match(name):
        return None
    return _problem("IAM role name", name, "at most 64 characters of letters, digits and +=,.@_- "
                    f"(Pulumi appends {AUTONAME_SUFFIX} characters to {resource_name!r})")


def launch_template_problem(resource_name: str) -> str | None:
    name = resource_name + "-" + "0" * (AUTONAME_SUFFIX - 1)
    if LAUNCH_TEMPLATE.match(name):
        return None
    return _problem("launch template name", name, "3 to 128 of letters, digits and ().-/_")


def security_group_problem(resource_name: str) -> str | None:
    if len(resource_name) + AUTONAME_SUFFIX <= SECURITY_GROUP_MAX:
        return None
    return _problem("security group name", resource_name, f"at most {SECURITY_GROUP_MAX} characters")


def principal_problem(arn: str) -> str | None:
    if PRINCIPAL_ARN.match(arn):
        return None
    if ":sts::" in arn:
        return (f"{arn!r} is an STS session; an EKS access entry takes the IAM role's ARN "
                "(arn:aws:iam::<account>:role/<name>)")
    return f"must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/<name>, got {arn!r}"


def bucket_name_problem(name: str) -> str | None:
    """Why `name` breaks the S3 general-purpose bucket naming rules, or None."""
    if not 3 <= len(name) <= 63:
        return f"bucket name must be 3-63 characters, got {len(name)}: {name!r}"
    if not _BUCKET.match(name):
        return f"bucket name must be lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, got {name!r}"
    if ".." in name or ".-" in name or "-." in name:
        return f"bucket name must not have adjacent periods or a period next to a hyphen, got {name!r}"
    try:
        ipaddress.IPv4Address(name)
        return f"bucket name must not look like an IP address, got {name!r}"
    except ValueError:
        pass
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        return f"bucket name uses a prefix or suffix S3 reserves, got {name!r}"
    return None
