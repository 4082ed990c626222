"""What a reviewer must never approve, as pure functions over a resource's inputs.

Each check takes the resource's properties as the Pulumi engine passes them to a
policy (camelCase keys, the same shape `infra.plan` records as `inputs`) and the
options the engine exposes, and returns one message per problem (empty: fine).
`__main__.py`/`pack.py` wrap them as CrossGuard policies; the tests run them on
crafted resources and on both shipped stacks' offline plans.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

Props = Mapping[str, object]


@dataclass(frozen=True)
class Options:
    """The resource options a check may read.

    The engine's policy protocol carries `protect` but not `retain_on_delete`
    (pulumi-policy's PolicyResourceOptions has no such field), so under
    `pulumi preview --policy-pack` it is None, "not visible"; the offline plan
    records both.
    """

    protect: bool = False
    retain_on_delete: bool | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    types: tuple[str, ...]
    check: Callable[[Props, Options], list[str]]

    def applies_to(self, resource_type: str) -> bool:
        return resource_type in self.types


def _get(props: object, *path: str) -> object:
    """props[path[0]][path[1]]..., or None where a level is missing. Lists of one
    element are looked through (the engine passes some single blocks as lists)."""
    value = props
    for key in path:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


# --- home storage -----------------------------------------------------------

HOME_STORAGE = ("gcp:filestore/instance:Instance", "aws:efs/fileSystem:FileSystem")


def home_storage_kept(props: Props, opts: Options) -> list[str]:
    problems = []
    if not opts.protect:
        problems.append("home storage must be declared with protect=True: deleting it deletes every user's files")
    if opts.retain_on_delete is False:
        problems.append("home storage must be declared with retain_on_delete=True, so removing it from the program leaves the data in the cloud")
    return problems


FILESTORE = ("gcp:filestore/instance:Instance",)


def filestore_exported_to_ranges(props: Props, _: Options) -> list[str]:
    """Without nfsExportOptions every address in the VPC may mount the share read-write with
    root unsquashed (https://cloud.google.com/filestore/docs/nfs-export-options)."""
    exports = _get(props, "fileShares", "nfsExportOptions")
    if not exports or not all(isinstance(e, Mapping) and e.get("ipRanges") for e in exports):
        return ["Filestore share has no nfs_export_options with ip_ranges: the whole VPC may mount it read-write"]
    return []


EFS_FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
EFS_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
# What an NFS client may do, as a file-system policy names it, and the one client condition
# that holds for the plain (anonymous) NFS mounts the homes use
# (https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html; components/nfs_home/efs.py).
EFS_CLIENT_ACTIONS = frozenset({"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite",
                                "elasticfilesystem:ClientRootAccess"})
_VIA_MOUNT_TARGET = "elasticfilesystem:AccessedViaMountTarget"


def _to_everyone(statement: Mapping) -> bool:
    principal = statement.get("Principal")
    return principal == "*" or (isinstance(principal, Mapping) and principal.get("AWS") in ("*", ["*"]))


def _actions(statement: Mapping) -> set[str]:
    actions = statement.get("Action")
    names = {actions} if isinstance(actions, str) else set(actions or [])
    if names & {"*", "elasticfilesystem:*", "elasticfilesystem:Client*"}:
        return set(EFS_CLIENT_ACTIONS)
    return names


def _via_mount_target(statement: Mapping, value: str, operators: tuple[str, ...]) -> bool:
    condition = statement.get("Condition") or {}
    return any(str((condition.get(op) or {}).get(_VIA_MOUNT_TARGET)).lower() == value for op in operators)


def efs_mount_targets_only(props: Props, _: Options) -> list[str]:
    """An EFS file-system policy lets a client in only through a mount target, and denies
    every client action that comes another way, to anyone."""
    # In a preview of a new file system the document is unknown: pulumi_policy skips the check itself.
    try:
        statements = json.loads(props.get("policy"))["Statement"]
    except (ValueError, KeyError, TypeError):
        return ["EFS file-system policy is not a JSON policy document with a Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    problems = [f"EFS file-system policy allows {', '.join(sorted(_actions(s) & EFS_CLIENT_ACTIONS))} to everyone "
                f"without {_VIA_MOUNT_TARGET} true" for s in statements
                if s.get("Effect") == "Allow" and _to_everyone(s) and _actions(s) & EFS_CLIENT_ACTIONS
                and not _via_mount_target(s, "true", ("Bool",))]
    denied = set().union(*[_actions(s) for s in statements if s.get("Effect") == "Deny" and _to_everyone(s)
                           and _via_mount_target(s, "false", ("Bool", "BoolIfExists"))])
    if missing := EFS_CLIENT_ACTIONS - denied:
        problems.append(f"EFS file-system policy does not deny {', '.join(sorted(missing))} to clients not through "
                        f"a mount target ({_VIA_MOUNT_TARGET} false)")
    return problems


def efs_without_policy(resources: Iterable[Mapping]) -> list[tuple[str, str]]:
    """(urn, message) for every EFS file system no FileSystemPolicy depends on: EFS's default
    policy gives full access to any client that reaches a mount target."""
    resources = list(resources)
    covered = {dep for r in resources if r["type"] == EFS_POLICY for dep in r.get("dependencies", [])}
    return [(r["urn"], "EFS file system has no file-system policy: the default gives any client full access")
            for r in resources if r["type"] == EFS_FILE_SYSTEM and r["urn"] not in covered]


# --- public buckets -----------------------------------------------------------

PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
PUBLIC_S3_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
_PUBLIC_S3_GRANTEES = ("acs.amazonaws.com/groups/global/AllUsers", "acs.amazonaws.com/groups/global/AuthenticatedUsers")
S3_BLOCK_KEYS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")

GCS_BUCKET = ("gcp:storage/bucket:Bucket",)
GCS_ACCESS = (
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:storage/bucketIAMBinding:BucketIAMBinding",
    "gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
    "gcp:storage/bucketAccessControl:BucketAccessControl",
    "gcp:storage/bucketACL:BucketACL",
    "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
    "gcp:storage/defaultObjectACL:DefaultObjectACL",
    "gcp:storage/objectAccessControl:ObjectAccessControl",
)
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"


def gcs_bucket_private(props: Props, _: Options) -> list[str]:
    problems = []
    if props.get("uniformBucketLevelAccess") is not True:
        problems.append("GCS bucket must set uniform_bucket_level_access=True (no per-object ACLs)")
    if props.get("publicAccessPrevention") != "enforced":
        problems.append(f"GCS bucket must set public_access_prevention='enforced', got {props.get('publicAccessPrevention')!r}")
    return problems


def _public_entities(values: Iterable[object]) -> list[str]:
    found = []
    for value in values:
        if not isinstance(value, str):
            continue
        # IAM members are `allUsers`; legacy ACL entities are `allUsers` too, roles ride along as `READER:allUsers`.
        if value.split(":")[-1] in PUBLIC_MEMBERS:
            found.append(value)
    return found


def gcs_access_private(props: Props, _: Options) -> list[str]:
    values: list[object] = [props.get("member"), props.get("entity")]
    values += list(props.get("members") or [])
    values += list(props.get("roleEntities") or []) + list(props.get("defaultAcls") or [])
    policy = props.get("policyData")
    if isinstance(policy, str):
        try:
            for binding in json.loads(policy).get("bindings", []):
                values += binding.get("members", [])
        except (ValueError, AttributeError):
            pass
    return [f"bucket access granted to {who}: the bucket's contents become public" for who in _public_entities(values)]


def _public_grants(props: Props) -> list[str]:
    grants = _get(props, "accessControlPolicy", "grants") or []
    uris = [_get(g, "grantee", "uri") for g in grants if isinstance(g, Mapping)]
    return [u for u in uris if isinstance(u, str) and u.endswith(_PUBLIC_S3_GRANTEES)]


def s3_bucket_private(props: Props, _: Options) -> list[str]:
    problems = []
    if props.get("acl") in PUBLIC_S3_ACLS:
        problems.append(f"S3 bucket has the public canned ACL {props.get('acl')!r}")
    problems += [f"S3 bucket ACL grants access to {uri}" for uri in _public_grants(props)]
    return problems


def s3_public_access_blocked(props: Props, _: Options) -> list[str]:
    off = [key for key in S3_BLOCK_KEYS if props.get(key) is not True]
    return [f"S3 public access block must set all four flags; not set: {', '.join(off)}"] if off else []


def s3_buckets_without_public_access_block(resources: Iterable[Mapping]) -> list[tuple[str, str]]:
    """(urn, message) for every S3 bucket no BucketPublicAccessBlock depends on.

    `resources` are dicts with `type`, `urn`, `dependencies` (URNs), as the offline
    plan records them and as pack.py converts the engine's stack resources.
    """
    resources = list(resources)
    blocked = {dep for r in resources if r["type"] == S3_PUBLIC_ACCESS_BLOCK for dep in r.get("dependencies", [])}
    return [(r["urn"], "S3 bucket has no BucketPublicAccessBlock: nothing stops a later public ACL or policy")
            for r in resources if r["type"] in S3_BUCKETS and r["urn"] not in blocked]


# --- long-lived keys ------------------------------------------------------------

KEYS = ("gcp:serviceaccount/key:Key", "aws:iam/accessKey:AccessKey")


def no_long_lived_keys(_: Props, __: Options) -> list[str]:
    return ["long-lived cloud credentials (service-account key / IAM access key) must not be created: "
            "use Workload Identity (GKE) or IRSA (EKS) instead"]


# --- node credentials -------------------------------------------------------------

GKE_NODES = ("gcp:container/nodePool:NodePool", "gcp:container/cluster:Cluster")
AWS_LAUNCH_TEMPLATE = ("aws:ec2/launchTemplate:LaunchTemplate",)
EKS_NODE_GROUP = ("aws:eks/nodeGroup:NodeGroup",)


def gke_cluster_workload_identity(props: Props, opts: Options) -> list[str]:
    problems = []
    if not _get(props, "workloadIdentityConfig", "workloadPool"):
        problems.append("GKE cluster must enable Workload Identity (workload_identity_config.workload_pool)")
    if props.get("nodeConfig"):
        problems += gke_node_pool_workload_identity(props, opts)
    return problems


def gke_node_pool_workload_identity(props: Props, _: Options) -> list[str]:
    mode = _get(props, "nodeConfig", "workloadMetadataConfig", "mode")
    if mode != "GKE_METADATA":
        return [f"GKE nodes must run with workload_metadata_config.mode='GKE_METADATA' (Workload Identity), got {mode!r}"]
    return []


def imdsv2_hop_limit_1(props: Props, _: Options) -> list[str]:
    metadata = props.get("metadataOptions")
    if not isinstance(metadata, Mapping):
        return ["launch template must set metadata_options (IMDSv2 required, hop limit 1); the defaults let pods reach the node role"]
    if metadata.get("httpEndpoint") == "disabled":
        return []
    problems = []
    if metadata.get("httpTokens") != "required":
        problems.append(f"launch template must set metadata_options.http_tokens='required' (IMDSv2), got {metadata.get('httpTokens')!r}")
    if metadata.get("httpPutResponseHopLimit") != 1:
        problems.append("launch template must set metadata_options.http_put_response_hop_limit=1 so pods cannot reach "
                        f"the node's credentials, got {metadata.get('httpPutResponseHopLimit')!r}")
    return problems


def eks_node_group_launch_template(props: Props, _: Options) -> list[str]:
    if not _get(props, "launchTemplate", "id") and not _get(props, "launchTemplate", "name"):
        return ["EKS node group must use a launch template (the place IMDSv2 and hop limit 1 are enforced)"]
    return []


# --- purpose taints -----------------------------------------------------------------

# The scheme in components/cluster/node_roles.py (tests/policy checks they agree): a
# pool labelled for a purpose must carry that purpose's taints.
PURPOSE_LABELS: dict[str, dict[str, str]] = {
    "user": {"hub.jupyter.org/node-purpose": "user"},
    "worker": {"k8s.dask.org/node-purpose": "worker"},
    # A public binder's pools: anonymous code, kept off every other hub's nodes and they off its.
    "binder": {"pangeo-hubs/node-purpose": "binder"},
    "build": {"pangeo-hubs/node-purpose": "build"},
}
PURPOSE_TAINTS: dict[str, list[dict[str, str]]] = {
    "user": [{"key": "hub.jupyter.org/dedicated", "value": "user", "effect": "NoSchedule"}],
    "worker": [{"key": "k8s.dask.org/dedicated", "value": "worker", "effect": "NoSchedule"}],
    "binder": [{"key": "pangeo-hubs/dedicated", "value": "binder", "effect": "NoSchedule"}],
    # Build pods tolerate only the user taint (binderhub build.py), so that is a build pool's.
    "build": [{"key": "hub.jupyter.org/dedicated", "value": "user", "effect": "NoSchedule"}],
}
NODE_POOLS = ("gcp:container/nodePool:NodePool", "aws:eks/nodeGroup:NodeGroup")


def _effect(value: object) -> str:
    # Kubernetes `NoSchedule`, GKE and EKS `NO_SCHEDULE`.
    return str(value).replace("_", "").lower()


def purpose_taints(props: Props, _: Options) -> list[str]:
    labels = _get(props, "nodeConfig", "labels") if "nodeConfig" in props else props.get("labels")
    taints = _get(props, "nodeConfig", "taints") if "nodeConfig" in props else props.get("taints")
    labels = labels if isinstance(labels, Mapping) else {}
    have = {(t.get("key"), t.get("value"), _effect(t.get("effect"))) for t in (taints or []) if isinstance(t, Mapping)}
    problems = []
    for purpose, wanted_labels in PURPOSE_LABELS.items():
        if all(labels.get(k) == v for k, v in wanted_labels.items()):
            for taint in PURPOSE_TAINTS[purpose]:
                if (taint["key"], taint["value"], _effect(taint["effect"])) not in have:
                    problems.append(f"{purpose} node pool must carry the taint {taint['key']}={taint['value']}:{taint['effect']}, "
                                    "or other pods land on it and hold its nodes up")
    return problems


# --- Helm -----------------------------------------------------------------------

HELM_RELEASES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart")
_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def helm_chart_pinned(props: Props, _: Options) -> list[str]:
    version = props.get("version")
    if not version:
        return [f"Helm chart {props.get('chart')!r} has no version: each install could get a different chart"]
    if not isinstance(version, str) or not _EXACT_VERSION.match(version):
        return [f"Helm chart {props.get('chart')!r} version must be one exact version, got {version!r} (a range or wildcard)"]
    return []


RULES: tuple[Rule, ...] = (
    Rule("home-storage-protected", "Home storage (Filestore, EFS) is protect=True and retain_on_delete=True.",
         HOME_STORAGE, home_storage_kept),
    Rule("filestore-export-limited", "Filestore shares are exported only to listed IP ranges.",
         FILESTORE, filestore_exported_to_ranges),
    Rule("efs-mount-targets-only", "An EFS file-system policy lets clients in through mount targets only.",
         (EFS_POLICY,), efs_mount_targets_only),
    Rule("gcs-bucket-private", "GCS buckets use uniform access with public access prevention enforced.",
         GCS_BUCKET, gcs_bucket_private),
    Rule("gcs-access-not-public", "No bucket IAM or ACL grant to allUsers or allAuthenticatedUsers.",
         GCS_ACCESS, gcs_access_private),
    Rule("s3-bucket-acl-private", "No public canned ACL or public grant on an S3 bucket.",
         S3_BUCKETS + S3_ACLS, s3_bucket_private),
    Rule("s3-public-access-block-complete", "An S3 public access block sets all four flags.",
         (S3_PUBLIC_ACCESS_BLOCK,), s3_public_access_blocked),
    Rule("no-long-lived-keys", "No service-account keys or IAM access keys.", KEYS, no_long_lived_keys),
    Rule("gke-workload-identity", "GKE clusters and node pools use Workload Identity (GKE_METADATA).",
         ("gcp:container/cluster:Cluster",), gke_cluster_workload_identity),
    Rule("gke-node-pool-workload-identity", "GKE node pools run with workload_metadata_config.mode GKE_METADATA.",
         ("gcp:container/nodePool:NodePool",), gke_node_pool_workload_identity),
    Rule("eks-imdsv2-hop-limit-1", "EC2 launch templates require IMDSv2 with a response hop limit of 1.",
         AWS_LAUNCH_TEMPLATE, imdsv2_hop_limit_1),
    Rule("eks-node-group-launch-template", "EKS node groups use a launch template.",
         EKS_NODE_GROUP, eks_node_group_launch_template),
    Rule("node-pool-purpose-taints", "A node pool labelled for user, worker, binder or build pods carries that purpose's taint.",
         NODE_POOLS, purpose_taints),
    Rule("helm-chart-pinned", "Helm charts are pinned to one exact version.", HELM_RELEASES, helm_chart_pinned),
)

@dataclass(frozen=True)
class StackRule:
    """A rule over the whole stack's resources (type, urn, dependencies): one that a missing resource breaks."""

    name: str
    description: str
    check: Callable[[Iterable[Mapping]], list[tuple[str, str]]]


STACK_RULES: tuple[StackRule, ...] = (
    StackRule("s3-bucket-public-access-block", "Every S3 bucket has a BucketPublicAccessBlock.",
              s3_buckets_without_public_access_block),
    StackRule("efs-file-system-policy", "Every EFS file system has a file-system policy.", efs_without_policy),
)


def violations(resources: Iterable[Mapping]) -> list[tuple[str, str, str]]:
    """(rule, urn, message) for every violation in an offline plan's resources."""
    resources = list(resources)
    found = []
    for r in resources:
        opts = Options(protect=bool(r.get("protect")), retain_on_delete=r.get("retain_on_delete"))
        for rule in RULES:
            if rule.applies_to(r["type"]):
                found += [(rule.name, r["urn"], m) for m in rule.check(r.get("inputs") or {}, opts)]
    found += [(rule.name, urn, m) for rule in STACK_RULES for urn, m in rule.check(resources)]
    return found
