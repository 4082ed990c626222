"""AWS's naming and size rules, and the cluster's safety settings, checked when the config is parsed.

Each rule has a failing input. Where the keys' own limits (30 characters for a
cluster or pool, 20 for a hub) already keep a derived name legal, the rule is
tested on the name itself, so it still holds if those limits are ever relaxed.
"""

import pytest

from components.cluster import aws_names
from infra.config import parse_stack_config

from .test_cloud_rules import problems, values

ADMIN = "arn:aws:iam::111122223333:role/pangeo-hubs-operators"


@pytest.mark.parametrize("config, expected", [
    # 18 characters is a valid hub key, but its bucket prefix would pass S3's 63 once Pulumi adds 26
    (values("aws-us-west-2", rename_hub=("staging", "staging-us-west-2a")),
     "pangeo-hubs:hubs.staging-us-west-2a: makes the S3 bucket_prefix 'pangeo-hubs-staging-us-west-2a-scratch-' "
     "(39 characters)"),
    (values("aws-us-west-2", "cluster.admins=[]"), "pangeo-hubs:cluster.admins: needs at least one IAM role ARN"),
    (values("aws-us-west-2", "cluster.admins=['arn:aws:sts::111122223333:assumed-role/ops/alice']"),
     "pangeo-hubs:cluster.admins.0: 'arn:aws:sts::111122223333:assumed-role/ops/alice' is an STS session"),
    (values("aws-us-west-2", "cluster.admins=['arn:aws:iam::1111:role/ops']"),
     "pangeo-hubs:cluster.admins.0: must be an IAM role or user ARN"),
    (values("aws-us-west-2", f"cluster.admins=['{ADMIN}', '{ADMIN}']"),
     f"pangeo-hubs:cluster.admins.1: '{ADMIN}' repeats"),
    (values("gcp", f"cluster.admins=['{ADMIN}']"), "pangeo-hubs:cluster.admins: only applies on aws"),
    (values("aws-us-west-2", "cluster.maintenance={days: [SA]}"), "pangeo-hubs:cluster.maintenance: only applies on gcp"),
    (values("gcp", "cluster.maintenance={days: [SA], hours: 8}"),
     "pangeo-hubs:cluster.maintenance.hours: GKE needs at least 48 hours of maintenance window in any 32 days; "
     "1 day(s) of 8 hours give 32"),
    (values("gcp", "cluster.maintenance={days: [SA, SU], hours: 3}"),
     "pangeo-hubs:cluster.maintenance.hours: input should be greater than or equal to 4"),
    (values("gcp", "cluster.maintenance={time_zone: Mars/Olympus}"),
     "pangeo-hubs:cluster.maintenance.time_zone: must be an IANA time zone"),
    (values("gcp", "cluster.maintenance.exclusions={agu: {start: 2026-12-20, end: 2026-12-10}}"),
     "pangeo-hubs:cluster.maintenance.exclusions.agu.end: must be after start (2026-12-20)"),
    (values("gcp", "cluster.maintenance.exclusions={agu: {start: 2026-12-01, end: 2027-01-15, scope: NO_UPGRADES}}"),
     "pangeo-hubs:cluster.maintenance.exclusions.agu.end: a NO_UPGRADES exclusion lasts at most 30 days on GKE, got 45"),
    (values("gcp", "cluster.node_pools.user-n2-highmem-4.draining=true"),
     "pangeo-hubs:hub_defaults.profiles.small.node_pool: 'user-n2-highmem-4' is draining"),
    (values("gcp", "cluster.node_pools.core.draining=true"),
     "pangeo-hubs:cluster.node_pools: needs at least one pool with purpose 'core' that is not draining"),
], ids=["bucket-prefix", "no-admin", "sts-admin", "bad-admin", "repeated-admin", "admins-on-gcp",
        "maintenance-on-aws", "maintenance-too-short", "maintenance-stretch", "time-zone", "exclusion-order",
        "no-upgrades-30-days", "profile-on-draining-pool", "draining-last-core-pool"])
def test_a_name_or_setting_the_cloud_refuses_is_a_key_path_error(config, expected):
    found = problems(config)
    assert any(line.startswith(expected) for line in found), found


def test_the_longest_valid_hub_key_on_aws_fits_the_bucket_prefix():
    parse_stack_config(values("aws-us-west-2", rename_hub=("staging", "staging-us-west2")))  # 16: 37 characters
    assert len(aws_names.scratch_bucket_prefix("pangeo-hubs", "staging-us-west2")) == 37


@pytest.mark.parametrize("check, name, expected", [
    (aws_names.role_problem, "a" * 57, "makes the IAM role name '" + "a" * 57 + "-0000000' (65 characters)"),
    (aws_names.node_group_problem, "-pool", "makes the node group name '-pool'"),
    (aws_names.node_group_problem, "p" * 64, "makes the node group name"),
    (aws_names.eks_cluster_problem, "_cluster", "makes the EKS cluster name '_cluster'"),
    (aws_names.eks_cluster_problem, "c" * 101, "makes the EKS cluster name"),
    (aws_names.launch_template_problem, "lt+" , "makes the launch template name"),
    (aws_names.security_group_problem, "s" * 248, "makes the security group name"),
], ids=["role-64", "node-group-start", "node-group-63", "cluster-start", "cluster-100", "launch-template", "sg-255"])
def test_aws_name_rules_refuse_what_aws_refuses(check, name, expected):
    assert (check(name) or "").startswith(expected)


def test_aws_name_rules_accept_the_longest_names_aws_takes():
    assert aws_names.role_problem("a" * 56) is None
    assert aws_names.node_group_problem("p" * 63) is None
    assert aws_names.eks_cluster_problem("c" * 100) is None
    assert aws_names.bucket_prefix_problem("b" * 37) is None and aws_names.bucket_prefix_problem("b" * 38)


def test_node_group_names_follow_their_shape_and_admin_keys_follow_their_arn():
    zones, cidr = ["us-west-2a", "us-west-2b"], "10.0.0.0/16"
    a = aws_names.node_group("user", "r5.xlarge", [], False, zones, cidr)
    assert a.startswith("user-") and len(a) == len("user-") + 6
    assert a == aws_names.node_group("user", "r5.xlarge", [], False, zones[::-1], cidr)
    assert a != aws_names.node_group("user", "r5.2xlarge", [], False, zones, cidr)
    assert a != aws_names.node_group("user", "r5.xlarge", [], True, zones, cidr)
    # subnet_ids replace a group too: a zone more, or another VPC range, is a new name
    assert a != aws_names.node_group("user", "r5.xlarge", [], False, [*zones, "us-west-2c"], cidr)
    assert a != aws_names.node_group("user", "r5.xlarge", [], False, zones, "10.1.0.0/16")
    assert aws_names.group_zones("core", [*zones, "us-west-2c"]) == zones
    assert aws_names.admin_slug("arn:aws:iam::111122223333:role/ops/Pangeo.Admins") == "111122223333-role-ops-pangeo-admins"


@pytest.mark.parametrize("stack, assignment, expected", [
    ("aws-us-west-2", "cluster.release_channel=RAPID", "pangeo-hubs:cluster.release_channel: only applies on gcp (GKE)"),
    ("aws-us-west-2", "cluster.location=regional", "pangeo-hubs:cluster.location: only applies on gcp (GKE)"),
    ("aws-us-west-2", "cluster.network.services_cidr=10.32.0.0/20",
     "pangeo-hubs:cluster.network.services_cidr: only applies on gcp (a GKE secondary range)"),
    ("aws-us-west-2", "hubs.prod.home.backups=null",
     "pangeo-hubs:hubs.prod.home.backups: only applies on gcp; EFS homes are backed up by AWS Backup"),
    ("gcp", "cluster.kubernetes_version='1.33'",
     "pangeo-hubs:cluster.kubernetes_version: only applies on aws; on gcp cluster.release_channel picks the version"),
])
def test_a_key_of_the_other_cloud_is_refused_not_ignored(stack, assignment, expected):
    [found] = problems(values(stack, assignment))
    assert found.startswith(expected)
