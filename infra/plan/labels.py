"""What the engine will do with each declared change: the labels of the declared-state diff.

A plan records what the program declares, not what a provider will decide, so the
`replace` label comes from a small table of the input paths whose change the
provider answers with a replacement (Terraform `ForceNew`, a schema's
`replaceOnChanges`, or the Kubernetes provider's own table). Only the types this
program declares are listed, and only the inputs it sets. `pulumi preview`
remains the authority; a path missing here shows as `update`.

| label | when |
|---|---|
| `create` | a URN appears |
| `import` | a URN appears with an `import_id`: the engine adopts the existing cloud resource |
| `update` | inputs or options of a URN change, none of them in REPLACE_ON_CHANGES |
| `replace` | a changed input is in REPLACE_ON_CHANGES for the type |
| `delete` | a URN disappears |
| `forget (retained)` | a URN disappears whose previous declaration had `retain_on_delete`: |
|  | the engine drops it from the state and leaves it in the cloud |

A row whose resource is (or was) `protect`ed says so: the engine refuses to delete
or replace a protected resource (also to forget a retained one: the protect check
comes first), and the whole update stops there.
"""

import re

# Input paths (camelCase, as registered) whose change replaces the resource, per type,
# and where that comes from. A path covers everything under it: `fileShares` covers
# `fileShares.name`; `nodeConfig.machineType` is one field.
_K8S_META = ("metadata.name", "metadata.namespace")
_K8S_SOURCE = "pulumi/pulumi-kubernetes provider/pkg/provider/forcenew.go (metadataForceNewProperties and per-kind table)"
_TF_GOOGLE = "hashicorp/terraform-provider-google {} (ForceNew), bridged into pulumi-gcp"
_TF_AWS = "hashicorp/terraform-provider-aws {} (ForceNew), bridged into pulumi-aws"

REPLACE_ON_CHANGES: dict[str, tuple[tuple[str, ...], str]] = {
    # --- Kubernetes: every object is replaced when its name or namespace changes ---
    "kubernetes:core/v1:Namespace": (_K8S_META, _K8S_SOURCE),
    "kubernetes:core/v1:ServiceAccount": (_K8S_META, _K8S_SOURCE),
    "kubernetes:core/v1:ConfigMap": (_K8S_META + ("data", "binaryData"), _K8S_SOURCE),
    "kubernetes:core/v1:Secret": (_K8S_META + ("type", "data", "stringData"), _K8S_SOURCE),
    "kubernetes:core/v1:PersistentVolume": (_K8S_META, _K8S_SOURCE),
    "kubernetes:core/v1:PersistentVolumeClaim": (_K8S_META + ("spec",), _K8S_SOURCE),
    "kubernetes:batch/v1:Job": (_K8S_META + ("spec.selector", "spec.template"), _K8S_SOURCE),
    "kubernetes:apps/v1:DeploymentPatch": (_K8S_META, _K8S_SOURCE),
    "kubernetes:storage.k8s.io/v1:StorageClass": (_K8S_META + ("parameters", "provisioner"), _K8S_SOURCE),
    "kubernetes:helm.sh/v3:Release": (
        ("name", "namespace"),
        "pulumi/pulumi-kubernetes helm release Diff: replace on name or namespace (pull request #2532); "
        "a chart or version change is a helm upgrade",
    ),
    # --- GCP ---
    "gcp:container/cluster:Cluster": (
        ("name", "location", "project", "network", "subnetwork", "ipAllocationPolicy", "initialNodeCount"),
        _TF_GOOGLE.format("google/services/container/resource_container_cluster.go"),
    ),
    # machineType, diskSizeGb and diskType are updated in place (a node upgrade), not
    # ForceNew, since terraform-provider-google 5.10 (GoogleCloudPlatform/magic-modules#9575).
    "gcp:container/nodePool:NodePool": (
        ("name", "namePrefix", "cluster", "location", "project", "initialNodeCount", "maxPodsPerNode",
         "nodeConfig.spot", "nodeConfig.preemptible", "nodeConfig.serviceAccount", "nodeConfig.oauthScopes",
         "nodeConfig.metadata", "nodeConfig.shieldedInstanceConfig", "nodeConfig.guestAccelerators",
         "nodeConfig.localSsdCount", "nodeConfig.minCpuPlatform"),
        _TF_GOOGLE.format("google/services/container/resource_container_node_pool.go and node_config.go "
                          "(schemaNodeConfig)"),
    ),
    "gcp:filestore/instance:Instance": (
        ("name", "location", "zone", "project", "tier", "networks", "fileShares.name", "kmsKeyName", "protocol"),
        _TF_GOOGLE.format("google/services/filestore/resource_filestore_instance.go (immutable in Magic Modules)"),
    ),
    "gcp:filestore/backup:Backup": (
        ("name", "location", "project", "sourceInstance", "sourceFileShare"),
        _TF_GOOGLE.format("google/services/filestore/resource_filestore_backup.go"),
    ),
    "gcp:storage/bucket:Bucket": (("name", "location", "project"), _TF_GOOGLE.format("resource_storage_bucket.go")),
    "gcp:compute/address:Address": (
        ("name", "region", "project", "addressType", "networkTier"), _TF_GOOGLE.format("resource_compute_address.go")),
    "gcp:compute/network:Network": (
        ("name", "project", "autoCreateSubnetworks"), _TF_GOOGLE.format("resource_compute_network.go")),
    "gcp:compute/subnetwork:Subnetwork": (
        ("name", "region", "project", "network"), _TF_GOOGLE.format("resource_compute_subnetwork.go")),
    "gcp:serviceaccount/account:Account": (("accountId", "project"), _TF_GOOGLE.format("resource_google_service_account.go")),
    "gcp:artifactregistry/repository:Repository": (
        ("repositoryId", "location", "project", "format"), _TF_GOOGLE.format("resource_artifact_registry_repository.go")),
    # --- AWS ---
    "aws:efs/fileSystem:FileSystem": (
        ("encrypted", "kmsKeyId", "performanceMode", "creationToken", "availabilityZoneName"),
        _TF_AWS.format("internal/service/efs/file_system.go"),
    ),
    "aws:efs/fileSystemPolicy:FileSystemPolicy": (
        ("fileSystemId",), _TF_AWS.format("internal/service/efs/file_system_policy.go")),
    "aws:eks/cluster:Cluster": (("name", "encryptionConfig"), _TF_AWS.format("internal/service/eks/cluster.go")),
    "aws:eks/nodeGroup:NodeGroup": (
        ("clusterName", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "subnetIds", "instanceTypes",
         "capacityType", "diskSize", "amiType", "launchTemplate.id", "launchTemplate.name", "remoteAccess"),
        _TF_AWS.format("internal/service/eks/node_group.go"),
    ),
    "aws:ec2/vpc:Vpc": (("cidrBlock",), _TF_AWS.format("internal/service/ec2/vpc_.go")),
    "aws:ec2/subnet:Subnet": (
        ("vpcId", "cidrBlock", "availabilityZone"), _TF_AWS.format("internal/service/ec2/vpc_subnet.go")),
    "aws:s3/bucket:Bucket": (("bucket", "bucketPrefix"), _TF_AWS.format("internal/service/s3/bucket.go")),
    "aws:kms/key:Key": (("customerMasterKeySpec", "keyUsage"), _TF_AWS.format("internal/service/kms/key.go")),
    # --- random ---
    "random:index/randomId:RandomId": (
        ("byteLength", "keepers", "prefix"),
        "pulumi/terraform-provider-random internal/provider/resource_id.go (RequiresReplace), bridged into pulumi-random",
    ),
    "random:index/randomBytes:RandomBytes": (
        ("length", "keepers"),
        "pulumi/terraform-provider-random internal/provider/resource_bytes.go (RequiresReplace), bridged into pulumi-random",
    ),
}

CREATE, IMPORT, UPDATE, REPLACE, DELETE, FORGET = "create", "import", "update", "replace", "delete", "forget (retained)"
LABELS = (CREATE, IMPORT, UPDATE, REPLACE, DELETE, FORGET)

_INDEX = re.compile(r"\[\d+\]")


def _covers(forcing: str, path: str) -> bool:
    """`path` (a changed flattened input) is `forcing`, lies under it, or is a parent of it."""
    path = _INDEX.sub("", path)
    return path == forcing or path.startswith(forcing + ".") or forcing.startswith(path + ".")


def replacing_paths(typ: str, paths: list[str], ignore_changes: list[str] = ()) -> list[str]:
    """The changed input paths that make the provider replace a resource of type `typ`."""
    forcing = REPLACE_ON_CHANGES.get(typ, ((), ""))[0]
    return [p for p in paths if not p.startswith("(") and not any(_covers(i, p) for i in ignore_changes)
            and any(_covers(f, p) for f in forcing)]


def ignored_paths(paths: list[str], ignore_changes: list[str]) -> list[str]:
    """Changed input paths under the resource's `ignore_changes`: the engine keeps the old values."""
    return [p for p in paths if not p.startswith("(") and any(_covers(i, p) for i in ignore_changes)]


def label(before: dict | None, after: dict | None, paths: list[str] = ()) -> str:
    """The engine's action for one URN, from its previous and new declarations."""
    if before is None:
        return IMPORT if after.get("import_id") else CREATE
    if after is None:
        return FORGET if before.get("retain_on_delete") else DELETE
    if replacing_paths(after["type"], list(paths), after.get("ignore_changes") or []):
        return REPLACE
    return UPDATE


def blocked_by_protect(action: str, before: dict | None) -> bool:
    """The engine refuses a delete, forget or replace of a resource that was protected."""
    return bool(before and before.get("protect")) and action in (DELETE, FORGET, REPLACE)
