"""One function per Pulumi AWS type: recorded (camelCase) inputs to the boto3 calls AWS would see.

Each returns the real values moto assigned, keyed by the mocked output they stand for.
Rules moto doesn't enforce itself but whose data it has are checked here (LayerRule).
"""

import json
from dataclasses import dataclass, field
from typing import Callable

import boto3


class LayerRule(Exception):
    """An AWS rule checked by this layer on moto's data, because moto doesn't enforce it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Context:
    session: boto3.session.Session
    region: str
    _clients: dict = field(default_factory=dict)

    def __call__(self, service: str):
        if service not in self._clients:
            self._clients[service] = self.session.client(service, region_name=self.region)
        return self._clients[service]


def _tags(inputs: dict) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in sorted((inputs.get("tags") or {}).items())]


def _ec2_tags(kind: str, inputs: dict) -> list[dict]:
    tags = _tags(inputs)
    return [{"ResourceType": kind, "Tags": tags}] if tags else []


# --- network -------------------------------------------------------------------------

def vpc(ctx, name, i, mocked):
    vpc_id = ctx("ec2").create_vpc(CidrBlock=i["cidrBlock"], TagSpecifications=_ec2_tags("vpc", i))["Vpc"]["VpcId"]
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        if attribute in i:
            key = attribute[0].upper() + attribute[1:]
            ctx("ec2").modify_vpc_attribute(VpcId=vpc_id, **{key: {"Value": bool(i[attribute])}})
    return {"id": vpc_id}


def subnet(ctx, name, i, mocked):
    made = ctx("ec2").create_subnet(VpcId=i["vpcId"], CidrBlock=i["cidrBlock"], AvailabilityZone=i["availabilityZone"],
                                    TagSpecifications=_ec2_tags("subnet", i))
    return {"id": made["Subnet"]["SubnetId"]}


def internet_gateway(ctx, name, i, mocked):
    gateway = ctx("ec2").create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ctx("ec2").attach_internet_gateway(InternetGatewayId=gateway, VpcId=i["vpcId"])
    return {"id": gateway}


def eip(ctx, name, i, mocked):
    made = ctx("ec2").allocate_address(Domain=i.get("domain", "vpc"))
    return {"id": made["AllocationId"], "allocationId": made["AllocationId"], "publicIp": made["PublicIp"]}


def nat_gateway(ctx, name, i, mocked):
    made = ctx("ec2").create_nat_gateway(SubnetId=i["subnetId"], AllocationId=i["allocationId"])
    return {"id": made["NatGateway"]["NatGatewayId"]}


def route_table(ctx, name, i, mocked):
    table = ctx("ec2").create_route_table(VpcId=i["vpcId"])["RouteTable"]["RouteTableId"]
    for route in i.get("routes", []):
        target = {"GatewayId": route["gatewayId"]} if route.get("gatewayId") else {"NatGatewayId": route["natGatewayId"]}
        ctx("ec2").create_route(RouteTableId=table, DestinationCidrBlock=route["cidrBlock"], **target)
    return {"id": table}


def vpc_endpoint(ctx, name, i, mocked):
    made = ctx("ec2").create_vpc_endpoint(
        VpcId=i["vpcId"], ServiceName=i["serviceName"], VpcEndpointType=i.get("vpcEndpointType", "Gateway"),
        RouteTableIds=i.get("routeTableIds", []), TagSpecifications=_ec2_tags("vpc-endpoint", i))
    return {"id": made["VpcEndpoint"]["VpcEndpointId"]}


def route_table_association(ctx, name, i, mocked):
    made = ctx("ec2").associate_route_table(SubnetId=i["subnetId"], RouteTableId=i["routeTableId"])
    return {"id": made["AssociationId"]}


def security_group(ctx, name, i, mocked):
    group = ctx("ec2").create_security_group(GroupName=i.get("name", name), Description=i.get("description", name),
                                             VpcId=i["vpcId"])["GroupId"]
    rules = [{"IpProtocol": r["protocol"], "FromPort": int(r["fromPort"]), "ToPort": int(r["toPort"]),
              "IpRanges": [{"CidrIp": c} for c in r.get("cidrBlocks", [])]} for r in i.get("egress", [])]
    if rules:
        ctx("ec2").revoke_security_group_egress(GroupId=group, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        ctx("ec2").authorize_security_group_egress(GroupId=group, IpPermissions=rules)
    return {"id": group}


def security_group_ingress(ctx, name, i, mocked):
    source = ({"UserIdGroupPairs": [{"GroupId": i["referencedSecurityGroupId"]}]} if i.get("referencedSecurityGroupId")
              else {"IpRanges": [{"CidrIp": i["cidrIpv4"]}]})
    made = ctx("ec2").authorize_security_group_ingress(GroupId=i["securityGroupId"], IpPermissions=[
        {"IpProtocol": i["ipProtocol"], "FromPort": int(i["fromPort"]), "ToPort": int(i["toPort"]), **source}])
    return {"id": made["SecurityGroupRules"][0]["SecurityGroupRuleId"]}


def launch_template(ctx, name, i, mocked):
    meta = i.get("metadataOptions", {})
    data = {
        "MetadataOptions": {"HttpEndpoint": meta.get("httpEndpoint", "enabled"), "HttpTokens": meta.get("httpTokens", "optional"),
                            "HttpPutResponseHopLimit": int(meta.get("httpPutResponseHopLimit", 1))},
        "BlockDeviceMappings": [
            {"DeviceName": b["deviceName"], "Ebs": {"VolumeSize": int(b["ebs"]["volumeSize"]), "VolumeType": b["ebs"]["volumeType"],
                                                  "Encrypted": b["ebs"].get("encrypted") == "true"}}
            for b in i.get("blockDeviceMappings", [])],
        "SecurityGroupIds": i.get("vpcSecurityGroupIds", []),
    }
    made = ctx("ec2").create_launch_template(LaunchTemplateName=i.get("name", name), LaunchTemplateData=data)
    template = made["LaunchTemplate"]
    return {"id": template["LaunchTemplateId"], "latestVersion": template["LatestVersionNumber"]}


# --- IAM and KMS ---------------------------------------------------------------------

def role(ctx, name, i, mocked):
    role_name = mocked["name"]
    made = ctx("iam").create_role(RoleName=role_name, AssumeRolePolicyDocument=i["assumeRolePolicy"])
    # moto's create_role stores the trust policy unchecked; UpdateAssumeRolePolicy runs its validator.
    ctx("iam").update_assume_role_policy(RoleName=role_name, PolicyDocument=i["assumeRolePolicy"])
    return {"id": role_name, "name": role_name, "arn": made["Role"]["Arn"]}


def role_policy_attachment(ctx, name, i, mocked):
    ctx("iam").attach_role_policy(RoleName=i["role"], PolicyArn=i["policyArn"])
    return {}


def role_policy(ctx, name, i, mocked):
    ctx("iam").put_role_policy(RoleName=i["role"], PolicyName=i.get("name", name), PolicyDocument=i["policy"])
    return {}


def oidc_provider(ctx, name, i, mocked):
    made = ctx("iam").create_open_id_connect_provider(
        Url=i["url"], ClientIDList=i.get("clientIdLists", []), ThumbprintList=i.get("thumbprintLists", []))
    return {"arn": made["OpenIDConnectProviderArn"], "id": made["OpenIDConnectProviderArn"]}


def kms_key(ctx, name, i, mocked):
    key = ctx("kms").create_key(Description=i.get("description", name))["KeyMetadata"]
    if i.get("enableKeyRotation"):
        ctx("kms").enable_key_rotation(KeyId=key["KeyId"])
    return {"id": key["KeyId"], "arn": key["Arn"]}


# --- EKS -----------------------------------------------------------------------------

def eks_cluster(ctx, name, i, mocked):
    cfg = i["vpcConfig"]
    encryption = i.get("encryptionConfig")
    made = ctx("eks").create_cluster(
        name=i["name"], version=i.get("version"), roleArn=i["roleArn"],
        resourcesVpcConfig={"subnetIds": cfg["subnetIds"], "endpointPublicAccess": cfg.get("endpointPublicAccess", True),
                            "endpointPrivateAccess": cfg.get("endpointPrivateAccess", False)},
        **({"encryptionConfig": [{"provider": {"keyArn": encryption["provider"]["keyArn"]},
                                  "resources": encryption["resources"]}]} if encryption else {}),
    )["cluster"]
    # EKS makes a cluster security group that moto does not; create it so references resolve.
    vpc_id = ctx("ec2").describe_subnets(SubnetIds=cfg["subnetIds"][:1])["Subnets"][0]["VpcId"]
    group = ctx("ec2").create_security_group(GroupName=f"eks-cluster-sg-{i['name']}", Description="EKS cluster", VpcId=vpc_id)
    return {"id": made["name"], "arn": made["arn"], "clusterSecurityGroupId": group["GroupId"]}


def _check_instance_offerings(ctx, instance_types: list[str], subnet_ids: list[str]) -> None:
    """EC2 must offer every instance type in every AZ the node group spans (moto's offering data)."""
    zones = sorted({s["AvailabilityZone"] for s in ctx("ec2").describe_subnets(SubnetIds=subnet_ids)["Subnets"]})
    offered = {
        (o["InstanceType"], o["Location"])
        for o in ctx("ec2").describe_instance_type_offerings(
            LocationType="availability-zone",
            Filters=[{"Name": "location", "Values": zones}, {"Name": "instance-type", "Values": instance_types}],
        )["InstanceTypeOfferings"]
    }
    missing = [f"{t} in {z}" for t in instance_types for z in zones if (t, z) not in offered]
    if missing:
        raise LayerRule("InvalidParameterException", f"instance types not offered: {', '.join(missing)}")


def node_group(ctx, name, i, mocked):
    _check_instance_offerings(ctx, i["instanceTypes"], i["subnetIds"])
    scaling = i.get("scalingConfig", {})
    template = i.get("launchTemplate")
    ctx("eks").create_nodegroup(
        clusterName=i["clusterName"], nodegroupName=i["nodeGroupName"], nodeRole=i["nodeRoleArn"], subnets=i["subnetIds"],
        instanceTypes=i["instanceTypes"], capacityType=i.get("capacityType", "ON_DEMAND"), amiType=i.get("amiType", "AL2_x86_64"),
        scalingConfig={"minSize": int(scaling["minSize"]), "maxSize": int(scaling["maxSize"]),
                       "desiredSize": int(scaling["desiredSize"])},
        labels=i.get("labels", {}), taints=i.get("taints", []), tags=i.get("tags", {}),
        **({"launchTemplate": {"id": template["id"], "version": str(template["version"])}} if template else {}),
    )
    return {"id": f"{i['clusterName']}:{i['nodeGroupName']}"}


# --- EFS and S3 ----------------------------------------------------------------------

def file_system(ctx, name, i, mocked):
    made = ctx("efs").create_file_system(
        CreationToken=name, Encrypted=bool(i.get("encrypted")), PerformanceMode=i.get("performanceMode", "generalPurpose"),
        ThroughputMode=i.get("throughputMode", "bursting"), Tags=_tags(i))
    fs_id = made["FileSystemId"]
    return {"id": fs_id, "dnsName": f"{fs_id}.efs.{ctx.region}.amazonaws.com", "arn": made["FileSystemArn"]}


def mount_target(ctx, name, i, mocked):
    # AWS allows one mount target per file system per AZ; moto doesn't check, its subnet data does.
    efs, ec2 = ctx("efs"), ctx("ec2")
    zone = ec2.describe_subnets(SubnetIds=[i["subnetId"]])["Subnets"][0]["AvailabilityZone"]
    for target in efs.describe_mount_targets(FileSystemId=i["fileSystemId"])["MountTargets"]:
        if target["AvailabilityZoneName"] == zone:
            raise LayerRule("MountTargetConflict", f"file system {i['fileSystemId']} already has a mount target in {zone}")
    made = efs.create_mount_target(FileSystemId=i["fileSystemId"], SubnetId=i["subnetId"], SecurityGroups=i.get("securityGroups", []))
    return {"id": made["MountTargetId"]}


# "EFS file system policies have a 20,000 character limit"
# (https://docs.aws.amazon.com/efs/latest/ug/security_iam_resource-based-policy-examples.html).
EFS_POLICY_MAX_CHARACTERS = 20_000


def file_system_policy(ctx, name, i, mocked):
    # moto stores whatever text it is given; AWS answers InvalidPolicyException to these two.
    document = i["policy"]
    if len(document) > EFS_POLICY_MAX_CHARACTERS:
        raise LayerRule("InvalidPolicyException", f"policy of {len(document)} characters; EFS takes at most "
                                                  f"{EFS_POLICY_MAX_CHARACTERS}")
    try:
        json.loads(document)
    except json.JSONDecodeError as error:
        raise LayerRule("InvalidPolicyException", f"policy is not JSON: {error}") from None
    ctx("efs").put_file_system_policy(FileSystemId=i["fileSystemId"], Policy=document,
                                      BypassPolicyLockoutSafetyCheck=bool(i.get("bypassPolicyLockoutSafetyCheck")))
    return {"id": i["fileSystemId"]}


def bucket(ctx, name, i, mocked):
    bucket_name = mocked["bucket"]
    config = {} if ctx.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": ctx.region}}
    ctx("s3").create_bucket(Bucket=bucket_name, **config)
    return {"id": bucket_name, "bucket": bucket_name, "arn": f"arn:aws:s3:::{bucket_name}"}


def public_access_block(ctx, name, i, mocked):
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    ctx("s3").put_public_access_block(Bucket=i["bucket"], PublicAccessBlockConfiguration={
        k[0].upper() + k[1:]: bool(i.get(k)) for k in keys})
    return {}


def bucket_encryption(ctx, name, i, mocked):
    rules = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": r["applyServerSideEncryptionByDefault"]["sseAlgorithm"]}}
             for r in i["rules"]]
    ctx("s3").put_bucket_encryption(Bucket=i["bucket"], ServerSideEncryptionConfiguration={"Rules": rules})
    return {}


def bucket_lifecycle(ctx, name, i, mocked):
    def rule(r: dict) -> dict:
        out = {"ID": r["id"], "Status": r["status"], "Filter": {"Prefix": r.get("filter", {}).get("prefix", "")}}
        if "expiration" in r:
            out["Expiration"] = {"Days": int(r["expiration"]["days"])}
        if "abortIncompleteMultipartUpload" in r:
            out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(r["abortIncompleteMultipartUpload"]["daysAfterInitiation"])}
        return out

    ctx("s3").put_bucket_lifecycle_configuration(Bucket=i["bucket"], LifecycleConfiguration={"Rules": [rule(r) for r in i["rules"]]})
    return {}


# --- alerts and budgets --------------------------------------------------------------

def topic(ctx, name, i, mocked):
    arn = ctx("sns").create_topic(Name=i.get("name", name.replace(".", "-")))["TopicArn"]
    return {"id": arn, "arn": arn}


def topic_policy(ctx, name, i, mocked):
    json.loads(i["policy"])
    ctx("sns").set_topic_attributes(TopicArn=i["arn"], AttributeName="Policy", AttributeValue=i["policy"])
    return {}


def topic_subscription(ctx, name, i, mocked):
    made = ctx("sns").subscribe(TopicArn=i["topic"], Protocol=i["protocol"], Endpoint=i["endpoint"])
    return {"id": made["SubscriptionArn"]}


def budget(ctx, name, i, mocked):
    account = ctx("sts").get_caller_identity()["Account"]
    notifications = [
        {"Notification": {"NotificationType": n["notificationType"], "ComparisonOperator": n["comparisonOperator"],
                          "Threshold": float(n["threshold"]), "ThresholdType": n.get("thresholdType", "PERCENTAGE")},
         "Subscribers": [{"SubscriptionType": "SNS", "Address": a} for a in n.get("subscriberSnsTopicArns", [])]
         + [{"SubscriptionType": "EMAIL", "Address": a} for a in n.get("subscriberEmailAddresses", [])]}
        for n in i.get("notifications", [])
    ]
    ctx("budgets").create_budget(
        AccountId=account,
        Budget={"BudgetName": i["name"], "BudgetType": i["budgetType"], "TimeUnit": i["timeUnit"],
                "BudgetLimit": {"Amount": i["limitAmount"], "Unit": i["limitUnit"]}},
        NotificationsWithSubscribers=notifications,
    )
    return {"id": f"{account}:{i['name']}"}


HANDLERS: dict[str, Callable] = {
    "aws:ec2/vpc:Vpc": vpc,
    "aws:ec2/subnet:Subnet": subnet,
    "aws:ec2/internetGateway:InternetGateway": internet_gateway,
    "aws:ec2/eip:Eip": eip,
    "aws:ec2/natGateway:NatGateway": nat_gateway,
    "aws:ec2/routeTable:RouteTable": route_table,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": route_table_association,
    "aws:ec2/vpcEndpoint:VpcEndpoint": vpc_endpoint,
    "aws:ec2/securityGroup:SecurityGroup": security_group,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": security_group_ingress,
    "aws:ec2/launchTemplate:LaunchTemplate": launch_template,
    "aws:iam/role:Role": role,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": role_policy_attachment,
    "aws:iam/rolePolicy:RolePolicy": role_policy,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": oidc_provider,
    "aws:kms/key:Key": kms_key,
    "aws:eks/cluster:Cluster": eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": node_group,
    "aws:efs/fileSystem:FileSystem": file_system,
    "aws:efs/mountTarget:MountTarget": mount_target,
    "aws:efs/fileSystemPolicy:FileSystemPolicy": file_system_policy,
    "aws:s3/bucket:Bucket": bucket,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": public_access_block,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": bucket_encryption,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": bucket_lifecycle,
    "aws:sns/topic:Topic": topic,
    "aws:sns/topicPolicy:TopicPolicy": topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": topic_subscription,
    "aws:budgets/budget:Budget": budget,
}

NOT_MODELED: dict[str, str] = {
    "aws:eks/accessEntry:AccessEntry": "moto 5.2.5 has no EKS access-entry API",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "moto 5.2.5 has no EKS access-entry API",
    "aws:eks/addon:Addon": "moto 5.2.5 has no EKS add-on API",
    "aws:efs/backupPolicy:BackupPolicy": "moto 5.2.5 has no EFS PutBackupPolicy",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate":
        "moto 5.2.5 has no CreateRepositoryCreationTemplate",
}
