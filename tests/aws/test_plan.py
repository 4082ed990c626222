"""The aws-us-west-2 stack as the offline plan records it."""

import json
from pathlib import Path

from aws_support import by_type, named

from infra.config import parse_stack_config, read_stack_file
from infra.plan.run import PLACEHOLDER, REPO

EKS = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def test_stack_file_parses_as_an_aws_stack():
    config = parse_stack_config(read_stack_file(REPO / "Pulumi.aws-us-west-2.yaml"))
    assert config.provider == "aws"
    assert config.cloud.availability_zones == ["us-west-2a", "us-west-2b", "us-west-2c"]
    # every hub with a home keeps it on EFS; a public binder has none
    assert {h.home.tier for h in config.hubs.values() if h.binder.mode != "public"} == {"elastic"}
    assert config.credits.billing_account is None and config.credits.project is None


def test_one_eks_cluster_in_api_access_mode_with_encrypted_secrets(aws_plan):
    (cluster,) = by_type(aws_plan.resources, EKS)
    inputs = cluster["inputs"]
    assert inputs["version"] == "1.33"
    # EKS upgrades it at the end of standard support rather than bill extended support
    assert inputs["upgradePolicy"] == {"supportType": "STANDARD"}
    assert inputs["accessConfig"]["authenticationMode"] == "API"
    assert inputs["encryptionConfig"]["resources"] == ["secrets"]
    assert by_type(aws_plan.resources, "aws:eks/accessEntry:AccessEntry")


def test_node_groups_cover_every_pool_and_the_spot_workers_are_tainted(aws_plan):
    groups = {g["name"].removeprefix("pangeo-hubs-pool-"): g["inputs"] for g in by_type(aws_plan.resources, NODE_GROUP)}
    assert len(groups) >= 3
    spot = groups["dask-r5-4xlarge"]
    assert spot["capacityType"] == "SPOT"
    assert spot["instanceTypes"] == ["r5.4xlarge", "r6i.4xlarge", "r7i.4xlarge"]
    assert spot["taints"] == [{"key": "k8s.dask.org/dedicated", "value": "worker", "effect": "NO_SCHEDULE"}]
    assert spot["scalingConfig"] == {"minSize": 0, "maxSize": 200, "desiredSize": 0}
    assert groups["core"]["capacityType"] == "ON_DEMAND" and groups["core"]["taints"] == []


def test_node_groups_carry_autoscaler_discovery_and_node_template_tags(aws_plan):
    spot = named(aws_plan.resources, NODE_GROUP, "pangeo-hubs-pool-dask-r5-4xlarge")["inputs"]["tags"]
    assert spot["k8s.io/cluster-autoscaler/enabled"] == "true"
    assert spot["k8s.io/cluster-autoscaler/pangeo-hubs"] == "owned"
    assert spot["k8s.io/cluster-autoscaler/node-template/label/k8s.dask.org/node-purpose"] == "worker"
    assert spot["k8s.io/cluster-autoscaler/node-template/taint/k8s.dask.org/dedicated"] == "worker:NoSchedule"


def test_launch_templates_require_imdsv2_with_one_hop(aws_plan):
    templates = by_type(aws_plan.resources, "aws:ec2/launchTemplate:LaunchTemplate")
    # One per node group: core, two user pools, workers, and the public binder's two.
    assert len(templates) == len(by_type(aws_plan.resources, NODE_GROUP)) == 6
    for template in templates:
        assert template["inputs"]["metadataOptions"] == {
            "httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}
        assert template["inputs"]["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"


def test_efs_homes_are_encrypted_protected_retained_and_mounted_in_every_zone(aws_plan):
    systems = by_type(aws_plan.resources, "aws:efs/fileSystem:FileSystem")
    assert len(systems) == 2
    for fs in systems:
        assert fs["inputs"]["encrypted"] is True
        assert fs["protect"] and fs["retain_on_delete"]
        assert not fs["dependencies"], "home storage must not wait on the cluster"
    targets = [t for t in by_type(aws_plan.resources, "aws:efs/mountTarget:MountTarget") if t["name"].startswith("prod-")]
    assert len({t["name"].rsplit("-", 1)[-1] for t in targets}) >= 2
    for policy in by_type(aws_plan.resources, "aws:efs/backupPolicy:BackupPolicy"):
        assert policy["inputs"]["backupPolicy"] == {"status": "ENABLED"}


def test_nfs_is_open_only_to_the_node_security_group(aws_plan):
    rules = by_type(aws_plan.resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert rules and all(r["inputs"]["fromPort"] == 2049 == r["inputs"]["toPort"] for r in rules)
    assert all(r["inputs"]["referencedSecurityGroupId"] == "pangeo-hubs-nodes-id" for r in rules)
    assert all("cidrIpv4" not in r["inputs"] for r in rules)


def test_home_volumes_mount_efs_with_nfs41_options(aws_plan):
    volumes = by_type(aws_plan.resources, "kubernetes:core/v1:PersistentVolume")
    options = volumes[0]["inputs"]["spec"]["mountOptions"]
    assert options == ["nfsvers=4.1", "rsize=1048576", "wsize=1048576", "hard", "timeo=600", "retrans=2", "noresvport"]


def test_irsa_has_an_oidc_provider_and_scratch_roles_trust_one_service_account(aws_plan):
    oidc = named(aws_plan.resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "pangeo-hubs-oidc")
    assert oidc["inputs"]["url"].startswith("https://oidc.eks.us-west-2.amazonaws.com/id/")
    assert oidc["inputs"]["clientIdLists"] == ["sts.amazonaws.com"]
    role = named(aws_plan.resources, "aws:iam/role:Role", "prod-scratch-user")
    condition = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"]
    assert "system:serviceaccount:prod:user" in condition.values()


def test_budget_alerts_at_each_threshold_and_on_forecast(aws_plan):
    (budget,) = by_type(aws_plan.resources, "aws:budgets/budget:Budget")
    notes = budget["inputs"]["notifications"]
    assert [(n["notificationType"], n["threshold"]) for n in notes] == [
        ("ACTUAL", 50), ("ACTUAL", 80), ("ACTUAL", 100), ("ACTUAL", 120), ("FORECASTED", 100)]
    assert budget["inputs"]["budgetType"] == "COST" and budget["inputs"]["timeUnit"] == "MONTHLY"


def test_every_aws_resource_uses_the_tagged_account_provider(aws_plan):
    (provider,) = by_type(aws_plan.resources, "pulumi:providers:aws")
    assert json.loads(provider["inputs"]["defaultTags"])["tags"]["owner"] == "pangeo"
    custom = [r for r in aws_plan.resources if r["custom"] and r["type"].startswith("aws:")]
    assert {r["provider"] for r in custom} == {provider["urn"]}


def test_scratch_buckets_block_public_access_and_expire(aws_plan):
    blocks = by_type(aws_plan.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert len(blocks) == 2 and all(all(b["inputs"][k] for k in ("blockPublicAcls", "blockPublicPolicy",
                                                                   "ignorePublicAcls", "restrictPublicBuckets")) for b in blocks)
    for lifecycle in by_type(aws_plan.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"):
        assert lifecycle["inputs"]["rules"][0]["expiration"]["days"] == 7


def test_budget_buckets_iam_and_efs_do_not_wait_on_the_cluster(aws_plan):
    cluster_urn = by_type(aws_plan.resources, EKS)[0]["urn"]
    for kind in ("aws:budgets/budget:Budget", "aws:s3/bucket:Bucket", "aws:efs/fileSystem:FileSystem",
                 "aws:efs/mountTarget:MountTarget", "aws:ec2/eip:Eip"):
        for resource in by_type(aws_plan.resources, kind):
            assert cluster_urn not in resource["dependencies"], resource["name"]
    for name in ("pangeo-hubs-cluster-role", "pangeo-hubs-node-role"):
        assert not named(aws_plan.resources, "aws:iam/role:Role", name)["dependencies"]


def test_proxy_gets_an_nlb_on_static_elastic_ips_in_the_first_two_zones(aws_plan):
    release = named(aws_plan.resources, "kubernetes:helm.sh/v3:Release", "prod-jupyterhub")
    annotations = release["inputs"]["values"]["proxy"]["service"]["annotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-type"] == "nlb"
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-eip-allocations"].count("eipalloc-") == 2
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-subnets"] == (
        "pangeo-hubs-public-us-west-2a-id,pangeo-hubs-public-us-west-2b-id")
    assert aws_plan.outputs["hubs"]["prod"]["load_balancer_address"].count(",") == 1
    # The record to set by hand lists each address on its own.
    dns = aws_plan.outputs["hubs"]["prod"]["dns"]
    assert dns["values"] == aws_plan.outputs["hubs"]["prod"]["load_balancer_address"].split(",")
    assert len(dns["values"]) == 2 and all("," not in a for a in dns["values"])
    core = named(aws_plan.resources, NODE_GROUP, "pangeo-hubs-pool-core")["inputs"]["subnetIds"]
    assert core == ["pangeo-hubs-private-us-west-2a-id", "pangeo-hubs-private-us-west-2b-id"]


def test_default_shape_fits_a_new_accounts_five_elastic_ips(aws_plan):
    assert len(by_type(aws_plan.resources, "aws:ec2/eip:Eip")) <= 5
    assert len(by_type(aws_plan.resources, "aws:ec2/natGateway:NatGateway")) == 1


def test_private_route_tables_reach_s3_through_a_gateway_endpoint(aws_plan):
    (endpoint,) = by_type(aws_plan.resources, "aws:ec2/vpcEndpoint:VpcEndpoint")
    inputs = endpoint["inputs"]
    assert inputs["serviceName"] == "com.amazonaws.us-west-2.s3" and inputs["vpcEndpointType"] == "Gateway"
    assert sorted(inputs["routeTableIds"]) == [f"pangeo-hubs-private-rt-us-west-2{z}-id" for z in "abc"]


def test_gp3_is_the_encrypted_default_storage_class(aws_plan):
    (gp3,) = by_type(aws_plan.resources, "kubernetes:storage.k8s.io/v1:StorageClass")
    assert gp3["inputs"]["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert gp3["inputs"]["parameters"] == {"type": "gp3", "encrypted": "true"}


def test_cluster_autoscaler_is_pinned_and_uses_irsa(aws_plan):
    release = named(aws_plan.resources, "kubernetes:helm.sh/v3:Release", "pangeo-hubs-cluster-autoscaler")
    inputs = release["inputs"]
    assert inputs["chart"] == "cluster-autoscaler" and inputs["version"]
    assert inputs["repositoryOpts"]["repo"] == "https://kubernetes.github.io/autoscaler"
    assert inputs["values"]["rbac"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")


def test_no_plain_text_secrets_reach_the_plan(aws_plan):
    text = json.dumps(aws_plan.to_json())
    assert PLACEHOLDER not in text
    assert aws_plan.outputs["kubeconfig"] == "[secret]"
    assert "BEGIN" not in text and "secret_access_key" not in text.lower()


def test_kubeconfig_authenticates_with_aws_eks_get_token(aws_plan):
    (provider,) = by_type(aws_plan.resources, "pulumi:providers:kubernetes")
    assert provider["inputs"]["kubeconfig"] == "[secret]"
    from components.cluster.kubeconfig import eks_exec
    assert eks_exec("c", "us-west-2")["args"][:2] == ["eks", "get-token"]


def test_repo_has_the_stack_file_next_to_pulumi_yaml():
    assert (Path(REPO) / "Pulumi.yaml").exists() and (Path(REPO) / "Pulumi.aws-us-west-2.yaml").exists()


def test_cluster_admins_come_from_config_one_access_entry_each(aws_plan):
    entries = by_type(aws_plan.resources, "aws:eks/accessEntry:AccessEntry")
    associations = by_type(aws_plan.resources, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    arn = "arn:aws:iam::111122223333:role/pangeo-hubs-operators"
    # the operators from config, and the CI deploy role the program itself declares; nobody else
    assert [(e["name"], e["inputs"]["principalArn"]) for e in entries] == [
        ("pangeo-hubs-admin-111122223333-role-pangeo-hubs-operators", arn),
        ("pangeo-hubs-admin-ci-deploy", "arn:aws:iam::123456789012:role/pangeo-hubs-ci-deploy"),
        ("pangeo-hubs-view-ci-preview", "arn:aws:iam::123456789012:role/pangeo-hubs-ci-preview")]
    # the preview role reads the cluster only: its previews reach it, its dry runs write nothing
    assert [(a["inputs"]["policyArn"], a["inputs"]["accessScope"]) for a in associations] == [
        ("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", {"type": "cluster"})] * 2 + [
        ("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", {"type": "cluster"})]


def test_the_cluster_is_protected_and_the_vpc_cni_enforces_network_policy(aws_plan):
    assert named(aws_plan.resources, "aws:eks/cluster:Cluster", "pangeo-hubs-cluster")["protect"] is True
    cni = named(aws_plan.resources, "aws:eks/addon:Addon", "pangeo-hubs-vpc-cni")["inputs"]
    assert cni["addonName"] == "vpc-cni" and json.loads(cni["configurationValues"]) == {"enableNetworkPolicy": "true"}


def test_node_groups_are_named_by_shape_and_a_draining_group_is_tainted_and_may_empty():
    from infra.plan import plan

    drained = plan("aws-us-west-2", overrides=(
        "cluster.node_pools.user-r5-xlarge.draining=true",
        "cluster.node_pools.user-r5-2xlarge={purpose: user, machine_type: r5.2xlarge, min_nodes: 0, max_nodes: 100}",
        "hub_defaults.profiles.small.node_pool=user-r5-2xlarge",
    ))
    group = named(drained.resources, NODE_GROUP, "pangeo-hubs-pool-user-r5-xlarge")["inputs"]
    assert group["nodeGroupName"].startswith("user-r5-xlarge-")
    assert group["taints"][-1] == {"key": "pangeo-hubs/draining", "value": "true", "effect": "NO_SCHEDULE"}
    assert group["scalingConfig"]["minSize"] == 0
