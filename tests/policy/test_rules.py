"""The policy pack: each rule passes a good resource and flags a bad one, the CrossGuard
wrappers call them, and both shipped stacks' offline plans break none of them."""

import copy
import json

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)

import pack
import rules
from components.cluster import node_roles
from components.nfs_home.efs import file_system_policy
from infra.plan import plan
from tests.example import plan_example

RULES = {rule.name: rule for rule in rules.RULES}

GKE_POOL = {
    "name": "user-n2-highmem-4",
    "nodeConfig": {
        "labels": {"hub.jupyter.org/node-purpose": "user", "k8s.dask.org/node-purpose": "scheduler"},
        "taints": [{"key": "hub.jupyter.org/dedicated", "value": "user", "effect": "NO_SCHEDULE"}],
        "workloadMetadataConfig": {"mode": "GKE_METADATA"},
    },
}
EKS_GROUP = {
    "nodeGroupName": "dask-r5-4xlarge",
    "labels": {"k8s.dask.org/node-purpose": "worker"},
    "taints": [{"key": "k8s.dask.org/dedicated", "value": "worker", "effect": "NO_SCHEDULE"}],
    "launchTemplate": {"id": "lt-0123", "version": "1"},
}

BINDER_GROUP = {**EKS_GROUP, "nodeGroupName": "binder", "labels": node_roles.node_labels("binder"),
                "taints": [{**t, "effect": "NO_SCHEDULE"} for t in node_roles.node_taints("binder")]}


def _with(props: dict, path: str, value) -> dict:
    """A deep copy of props with the dotted path set (value `...` deletes it)."""
    out = copy.deepcopy(props)
    *parents, last = path.split(".")
    node = out
    for key in parents:
        node = node[key]
    if value is ...:
        node.pop(last, None)
    else:
        node[last] = value
    return out


KEPT = rules.Options(protect=True, retain_on_delete=True)
EFS_ARN = "arn:aws:elasticfilesystem:us-west-2:210987654321:file-system/fs-0123456789abcdef0"
EFS_POLICY = {"policy": file_system_policy(EFS_ARN)}


def _efs_policy(*statements: dict) -> dict:
    return {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}


# The EFS console's "prevent root access" default: an allow through mount targets and no deny.
_CONSOLE_ALLOW = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Resource": EFS_ARN,
                  "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                  "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}}

# (rule, type, good props, good options, bad props, bad options, words the message has)
CASES = [
    ("home-storage-protected", "gcp:filestore/instance:Instance", {"tier": "BASIC_HDD"}, KEPT,
     {"tier": "BASIC_HDD"}, rules.Options(protect=False, retain_on_delete=True), "protect=True"),
    ("home-storage-protected", "aws:efs/fileSystem:FileSystem", {"encrypted": True}, KEPT,
     {"encrypted": True}, rules.Options(protect=True, retain_on_delete=False), "retain_on_delete=True"),
    ("filestore-export-limited", "gcp:filestore/instance:Instance",
     {"fileShares": {"name": "homes", "nfsExportOptions": [{"ipRanges": ["10.0.0.0/20"]}]}}, KEPT,
     {"fileShares": {"name": "homes", "capacityGb": 1024}}, KEPT, "nfs_export_options"),
    ("filestore-export-limited", "gcp:filestore/instance:Instance",
     {"fileShares": {"name": "homes", "nfsExportOptions": [{"ipRanges": ["10.0.0.0/20"]}]}}, KEPT,
     {"fileShares": {"name": "homes", "nfsExportOptions": [{"accessMode": "READ_WRITE"}]}}, KEPT, "ip_ranges"),
    ("gcs-bucket-private", "gcp:storage/bucket:Bucket",
     {"uniformBucketLevelAccess": True, "publicAccessPrevention": "enforced"}, KEPT,
     {"uniformBucketLevelAccess": True, "publicAccessPrevention": "inherited"}, KEPT, "public_access_prevention"),
    ("gcs-bucket-private", "gcp:storage/bucket:Bucket",
     {"uniformBucketLevelAccess": True, "publicAccessPrevention": "enforced"}, KEPT,
     {"publicAccessPrevention": "enforced"}, KEPT, "uniform_bucket_level_access"),
    ("gcs-access-not-public", "gcp:storage/bucketIAMMember:BucketIAMMember",
     {"role": "roles/storage.objectAdmin", "member": "serviceAccount:x@p.iam.gserviceaccount.com"}, KEPT,
     {"role": "roles/storage.objectViewer", "member": "allUsers"}, KEPT, "allUsers"),
    ("gcs-access-not-public", "gcp:storage/bucketIAMBinding:BucketIAMBinding",
     {"role": "roles/storage.objectViewer", "members": ["group:ops@2i2c.org"]}, KEPT,
     {"role": "roles/storage.objectViewer", "members": ["group:ops@2i2c.org", "allAuthenticatedUsers"]}, KEPT,
     "allAuthenticatedUsers"),
    ("gcs-access-not-public", "gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
     {"policyData": '{"bindings": [{"role": "roles/storage.admin", "members": ["user:a@b.org"]}]}'}, KEPT,
     {"policyData": '{"bindings": [{"role": "roles/storage.objectViewer", "members": ["allUsers"]}]}'}, KEPT,
     "allUsers"),
    ("gcs-access-not-public", "gcp:storage/bucketACL:BucketACL",
     {"roleEntities": ["OWNER:project-owners-123"]}, KEPT, {"roleEntities": ["READER:allUsers"]}, KEPT, "allUsers"),
    ("s3-bucket-acl-private", "aws:s3/bucket:Bucket", {"bucketPrefix": "scratch-"}, KEPT,
     {"bucketPrefix": "scratch-", "acl": "public-read"}, KEPT, "public-read"),
    ("s3-bucket-acl-private", "aws:s3/bucketAcl:BucketAcl", {"acl": "private"}, KEPT,
     {"accessControlPolicy": {"grants": [{"permission": "READ", "grantee": {
         "type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]}}, KEPT, "AllUsers"),
    ("s3-public-access-block-complete", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
     dict.fromkeys(rules.S3_BLOCK_KEYS, True), KEPT,
     dict.fromkeys(rules.S3_BLOCK_KEYS, True) | {"restrictPublicBuckets": False}, KEPT, "restrictPublicBuckets"),
    ("gke-workload-identity", "gcp:container/cluster:Cluster",
     {"workloadIdentityConfig": {"workloadPool": "p.svc.id.goog"}, "nodeConfig": {"workloadMetadataConfig": {"mode": "GKE_METADATA"}}},
     KEPT, {"nodeConfig": {"workloadMetadataConfig": {"mode": "GKE_METADATA"}}}, KEPT, "workload_identity_config"),
    ("gke-node-pool-workload-identity", "gcp:container/nodePool:NodePool", GKE_POOL, KEPT,
     _with(GKE_POOL, "nodeConfig.workloadMetadataConfig.mode", "GCE_METADATA"), KEPT, "GKE_METADATA"),
    ("gke-node-pool-workload-identity", "gcp:container/nodePool:NodePool", GKE_POOL, KEPT,
     _with(GKE_POOL, "nodeConfig.workloadMetadataConfig", ...), KEPT, "GKE_METADATA"),
    ("eks-imdsv2-hop-limit-1", "aws:ec2/launchTemplate:LaunchTemplate",
     {"metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}}, KEPT,
     {"metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2}}, KEPT,
     "hop_limit=1"),
    ("eks-imdsv2-hop-limit-1", "aws:ec2/launchTemplate:LaunchTemplate",
     {"metadataOptions": {"httpEndpoint": "disabled"}}, KEPT,
     {"metadataOptions": {"httpTokens": "optional", "httpPutResponseHopLimit": 1}}, KEPT, "IMDSv2"),
    ("eks-imdsv2-hop-limit-1", "aws:ec2/launchTemplate:LaunchTemplate",
     {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}}, KEPT, {"imageId": "ami-1"}, KEPT,
     "metadata_options"),
    ("eks-node-group-launch-template", "aws:eks/nodeGroup:NodeGroup", EKS_GROUP, KEPT,
     _with(EKS_GROUP, "launchTemplate", ...), KEPT, "launch template"),
    ("node-pool-purpose-taints", "gcp:container/nodePool:NodePool", GKE_POOL, KEPT,
     _with(GKE_POOL, "nodeConfig.taints", []), KEPT, "hub.jupyter.org/dedicated=user"),
    ("node-pool-purpose-taints", "aws:eks/nodeGroup:NodeGroup", EKS_GROUP, KEPT,
     _with(EKS_GROUP, "taints", [{"key": "k8s.dask.org/dedicated", "value": "worker", "effect": "PREFER_NO_SCHEDULE"}]),
     KEPT, "k8s.dask.org/dedicated=worker"),
    # A binder pool with only the user taint would take a logged-in hub's servers beside anonymous code.
    ("node-pool-purpose-taints", "aws:eks/nodeGroup:NodeGroup", BINDER_GROUP, KEPT,
     _with(BINDER_GROUP, "taints", BINDER_GROUP["taints"][:1]), KEPT, "pangeo-hubs/dedicated=binder"),
    ("helm-chart-pinned", "kubernetes:helm.sh/v3:Release", {"chart": "jupyterhub", "version": "4.4.0"}, KEPT,
     {"chart": "jupyterhub"}, KEPT, "no version"),
    ("helm-chart-pinned", "kubernetes:helm.sh/v3:Release",
     {"chart": "binderhub-service", "version": "0.1.0-0.dev.git.336.hca79dc0"}, KEPT,
     {"chart": "jupyterhub", "version": "^4.0.0"}, KEPT, "range or wildcard"),
    ("helm-chart-pinned", "kubernetes:helm.sh/v3:Release", {"chart": "dask-gateway", "version": "2026.3.0"}, KEPT,
     {"chart": "dask-gateway", "version": "2026.x"}, KEPT, "range or wildcard"),
    ("efs-mount-targets-only", rules.EFS_POLICY, EFS_POLICY, KEPT, _efs_policy(_CONSOLE_ALLOW), KEPT,
     "does not deny elasticfilesystem:ClientMount, elasticfilesystem:ClientRootAccess, elasticfilesystem:ClientWrite"),
    ("efs-mount-targets-only", rules.EFS_POLICY, EFS_POLICY, KEPT,
     _efs_policy(*json.loads(EFS_POLICY["policy"])["Statement"], {**_CONSOLE_ALLOW, "Condition": {}}), KEPT,
     "allows elasticfilesystem:ClientMount, elasticfilesystem:ClientWrite to everyone without"),
    ("efs-mount-targets-only", rules.EFS_POLICY, EFS_POLICY, KEPT, {"policy": "{"}, KEPT, "not a JSON policy"),
]


@pytest.mark.parametrize("name, type_, good, good_opts, bad, bad_opts, words", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_passes_good_and_flags_bad(name, type_, good, good_opts, bad, bad_opts, words):
    rule = RULES[name]
    assert rule.applies_to(type_)
    assert rule.check(good, good_opts) == []
    problems = rule.check(bad, bad_opts)
    assert problems and any(words in p for p in problems), problems


def test_keys_are_always_flagged():
    rule = RULES["no-long-lived-keys"]
    for type_ in ("gcp:serviceaccount/key:Key", "aws:iam/accessKey:AccessKey"):
        assert rule.applies_to(type_)
        assert rule.check({"serviceAccountId": "x"}, KEPT)
    # and nothing else is a key
    assert not rule.applies_to("gcp:serviceaccount/account:Account")


def test_retain_on_delete_not_visible_is_not_a_violation():
    # Under the engine the option is not passed to policies (None); only `protect` is checked there.
    assert RULES["home-storage-protected"].check({}, rules.Options(protect=True, retain_on_delete=None)) == []


def test_core_pools_need_no_taint():
    core = _with(GKE_POOL, "nodeConfig.labels", node_roles.node_labels("core"))
    core["nodeConfig"]["taints"] = []
    assert RULES["node-pool-purpose-taints"].check(core, KEPT) == []


def test_efs_file_system_without_policy():
    fs = {"type": rules.EFS_FILE_SYSTEM, "urn": "urn:fs", "dependencies": []}
    policy = {"type": rules.EFS_POLICY, "urn": "urn:p", "dependencies": ["urn:fs"]}
    assert rules.efs_without_policy([fs, policy]) == []
    (urn, message), = rules.efs_without_policy([fs])
    assert urn == "urn:fs" and "no file-system policy" in message


def test_s3_bucket_without_public_access_block():
    bucket = {"type": "aws:s3/bucket:Bucket", "urn": "urn:b", "dependencies": []}
    block = {"type": rules.S3_PUBLIC_ACCESS_BLOCK, "urn": "urn:pab", "dependencies": ["urn:b"]}
    assert rules.s3_buckets_without_public_access_block([bucket, block]) == []
    (urn, message), = rules.s3_buckets_without_public_access_block([bucket])
    assert urn == "urn:b" and "BucketPublicAccessBlock" in message


@pytest.mark.parametrize("purpose", ["core", "user", "worker", "binder", "build"])
def test_taint_scheme_matches_node_roles(purpose):
    """rules.py restates components/cluster/node_roles.py's scheme; they must agree."""
    labels, taints = node_roles.node_labels(purpose), node_roles.node_taints(purpose)
    wanted = [p for p, want in rules.PURPOSE_LABELS.items() if all(labels.get(k) == v for k, v in want.items())]
    assert [t for p in wanted for t in rules.PURPOSE_TAINTS[p]] == taints


# --- the CrossGuard wrappers -----------------------------------------------------------

def _opts(protect: bool) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _run(policy, type_: str, props: dict, protect: bool = False) -> list[str]:
    reported = []
    policy.validate(ResourceValidationArgs(type_, props, f"urn:{type_}::x", "x", _opts(protect), None),
                    lambda message, urn=None: reported.append(message))
    return reported


def test_every_rule_is_a_mandatory_policy():
    names = [p.name for p in pack.POLICIES]
    assert names == [r.name for r in rules.RULES] + [r.name for r in rules.STACK_RULES]
    assert all(p.enforcement_level.value == "mandatory" for p in pack.POLICIES)


def test_wrapper_reports_through_the_engine_callback():
    policies = {p.name: p for p in pack.POLICIES}
    home = policies["home-storage-protected"]
    assert _run(home, "gcp:filestore/instance:Instance", {}, protect=True) == []
    assert _run(home, "gcp:filestore/instance:Instance", {}, protect=False)
    assert _run(home, "gcp:storage/bucket:Bucket", {}, protect=False) == []  # other types: not its business
    helm = policies["helm-chart-pinned"]
    assert _run(helm, "kubernetes:helm.sh/v3:Release", {"chart": "c", "version": ">=1.0.0"})


def test_stack_wrapper_follows_dependencies():
    policy = {p.name: p for p in pack.POLICIES}["s3-bucket-public-access-block"]

    def resource(type_, urn, deps=()):
        return PolicyResource(type_, {}, urn, urn, _opts(False), None, None, list(deps), {})

    bucket = resource("aws:s3/bucket:Bucket", "urn:b")
    reported = []
    policy.validate(StackValidationArgs([bucket]), lambda m, urn=None: reported.append(urn))
    assert reported == ["urn:b"]
    reported.clear()
    policy.validate(StackValidationArgs([bucket, resource(rules.S3_PUBLIC_ACCESS_BLOCK, "urn:p", [bucket])]),
                    lambda m, urn=None: reported.append(urn))
    assert reported == []


# --- the shipped stacks -----------------------------------------------------------------

# Rules a shipped stack is known to break: none (BinderHub's builds push with tokens from
# workload identity, components/binder_hub/push_credentials.py, not a service-account key).
KNOWN = {
    "gcp": [],
    "aws-us-west-2": [],
}


@pytest.fixture(scope="module", params=sorted(KNOWN))
def shipped(request):
    return request.param, rules.violations(plan(request.param).resources)


def test_shipped_stack_breaks_only_the_known_rules(shipped):
    stack, found = shipped
    assert [(rule, urn) for rule, urn, _ in found] == KNOWN[stack], found


def test_shipped_stack_has_no_violations(shipped):
    _, found = shipped
    assert found == []


def test_the_example_program_has_no_violations():
    """examples/daskhub (docs/daskhub.md) is held to the same pack as the stacks; of its rules,
    helm-chart-pinned applies to the example's two Releases."""
    example = plan_example()
    assert example.resources and rules.violations(example.resources) == []
