"""An EKS cluster: a VPC across AZs, API-mode access, IRSA, managed node groups by purpose."""

import ipaddress
import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from . import aws_names
from .args import AwsCloud, ClusterConfig, NodePool
from .aws_policies import autoscaler_policy, autoscaler_tags, ecr_lifecycle_policy, ecr_push_policy, irsa_trust_policy, scratch_bucket_policy, service_trust_policy
from .base import DNS_TTL, IMAGE_RETENTION_DAYS, Cluster, ImageRegistry, PublicAddress, ScratchBucket
from .kubeconfig import eks_exec, exec_kubeconfig
from .node_roles import hub_selector, node_labels, node_taints

AUTOSCALER_CHART = ("cluster-autoscaler", "9.46.6", "https://kubernetes.github.io/autoscaler")
# Root CA of EKS's OIDC endpoints. IAM trusts them through its own CA library and
# ignores this value, but the API still takes a thumbprint.
EKS_OIDC_THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
# IMDSv2 only, one hop: pods (one hop further) can't borrow the node role; they use IRSA.
IMDS = {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1}
_EKS_EFFECT = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
_POLICY = "arn:aws:iam::aws:policy/"
_NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
# Read-only Kubernetes access (the `view` ClusterRole, no Secrets) for the CI preview role,
# so pulumi-kubernetes reaches the cluster in previews (reads, discovery) instead of
# declaring it unreachable; its dry-run writes are refused and it falls back to a
# client-side diff (pulumi/pulumi-kubernetes#2419; Kubernetes authorizes a dry run as
# the write itself). https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
_VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
# Clusters created through the API default to EXTENDED: at the end of a version's standard
# support they stay on it at $0.60 per cluster-hour on top of the $0.10 infra/cost.py
# prices. STANDARD makes EKS upgrade them instead (API_UpgradePolicyRequest;
# enable-extended-support.html). EKS release calendar (kubernetes-versions.html): 1.33's
# standard support ends 29 Jul 2026, 1.34's 2 Dec 2026, 1.35's 27 Mar 2027. EKS refuses
# STANDARD for a cluster already in extended support (disable-extended-support.html).
UPGRADE_POLICY = {"support_type": "STANDARD"}
# The VPC CNI enforces NetworkPolicies only when asked to, through its add-on
# configuration (https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html);
# without it the hubs' policies would be accepted and silently not enforced.
VPC_CNI_CONFIGURATION = {"enableNetworkPolicy": "true"}
_MAX_ZONES = 6
# A new account may hold 5 Elastic IPs per region (EC2-VPC Elastic IPs, quota code
# L-0263D0A3; docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html). The
# default shape spends 1 on the NAT gateway and LOAD_BALANCER_ZONES on each hub's NLB
# (one for a hub with `redundant_entry: false`), so prod, staging and a public binder
# fit; infra.bootstrap names the quota to raise when a stack needs more.
EIP_QUOTA_CODE = "L-0263D0A3"
DEFAULT_EIP_QUOTA = 5
LOAD_BALANCER_ZONES = aws_names.LOAD_BALANCER_ZONES


@dataclass(frozen=True)
class EksClusterArgs:
    config: ClusterConfig
    cloud: AwsCloud
    # The CI deploy role (components/credit_project/aws_ci.py): `pulumi up` talks to the
    # cluster, so whoever runs it must be a cluster admin besides config's cluster.admins.
    ci_deployer: pulumi.Input[str] | None = None
    # The CI preview role: read-only cluster access, so previews see the cluster.
    ci_previewer: pulumi.Input[str] | None = None


def subnet_cidrs(cidr: ipaddress.IPv4Network, zones: list[str]) -> dict[str, dict[str, str]]:
    """Private and public CIDRs per AZ, placed by the zone's letter so reordering zones moves nothing.

    The range is cut in eighths: eighth i is zone i's private subnet (pods take VPC
    addresses, so these are large); the last eighth is cut in eighths again for the
    small public subnets that hold only NAT gateways and load balancers.
    """
    if cidr.prefixlen > 22:
        raise ValueError(f"cluster.network.cidr must be /22 or larger to hold subnets for each zone, got {cidr}")
    eighths = list(cidr.subnets(prefixlen_diff=3))
    public = list(eighths[-1].subnets(prefixlen_diff=3))
    result = {}
    for zone in zones:
        index = ord(zone[-1]) - ord("a")
        if not 0 <= index < _MAX_ZONES:
            raise ValueError(f"availability zone {zone!r}: only zones a-f get subnets")
        result[zone] = {"private": str(eighths[index]), "public": str(public[index])}
    return result


class EksCluster(Cluster):
    """An EKS cluster and its VPC, node groups, IRSA, add-ons and Kubernetes provider."""

    storage_class = "gp3"

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:EksCluster", name, None, opts)
        cfg, cloud = args.config, args.cloud
        cidrs = subnet_cidrs(cfg.network.cidr, cloud.availability_zones)
        self._name, self._cluster_name, self._region = name, cfg.name, cloud.region
        # The hubs' load balancers span the first zones; core nodes stay there so the
        # NLB always has a node to send to (the proxy Service's externalTrafficPolicy is Cluster).
        self._lb_zones = cloud.availability_zones[:LOAD_BALANCER_ZONES]
        child = pulumi.ResourceOptions(parent=self)
        self._network(name, cfg.name, str(cfg.network.cidr), cidrs)

        cluster_role = aws.iam.Role(f"{name}-cluster-role", assume_role_policy=service_trust_policy("eks.amazonaws.com"), opts=child)
        cluster_policy = aws.iam.RolePolicyAttachment(
            f"{name}-cluster-role-eks", role=cluster_role.name, policy_arn=_POLICY + "AmazonEKSClusterPolicy", opts=child
        )
        self.node_role = aws.iam.Role(f"{name}-node-role", assume_role_policy=service_trust_policy("ec2.amazonaws.com"), opts=child)
        node_policies = [
            aws.iam.RolePolicyAttachment(f"{name}-node-role-{p}", role=self.node_role.name, policy_arn=_POLICY + p, opts=child)
            for p in _NODE_POLICIES
        ]
        # Nodes carry this group (and the cluster's own); EFS lets NFS in from it alone.
        self.node_security_group = aws.ec2.SecurityGroup(
            f"{name}-nodes", vpc_id=self.vpc.id, description=f"{cfg.name} nodes",
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
            tags={"Name": f"{cfg.name}-nodes"}, opts=child,
        )
        secrets_key = aws.kms.Key(
            f"{name}-secrets", description=f"{cfg.name} Kubernetes secrets", enable_key_rotation=True,
            deletion_window_in_days=30, opts=child,
        )
        self.cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=cfg.name,
            version=cfg.kubernetes_version,
            role_arn=cluster_role.arn,
            vpc_config={"subnet_ids": [s.id for s in self.private_subnets.values()],
                        "endpoint_private_access": True, "endpoint_public_access": True},
            # Access entries, not the aws-auth ConfigMap: access is IAM API state Pulumi can diff.
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False},
            encryption_config={"provider": {"key_arn": secrets_key.arn}, "resources": ["secrets"]},
            enabled_cluster_log_types=["audit", "authenticator"],
            upgrade_policy=UPGRADE_POLICY,
            # Every user's server runs here; nodes are separate node groups, so no node
            # change reaches this resource.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[cluster_policy], protect=True),
        )
        access = self._cluster_access(name, {
            **{aws_names.admin_slug(arn): arn for arn in cfg.admins},
            # No account id in the key: it can't collide with a slug of cluster.admins.
            **({"ci-deploy": args.ci_deployer} if args.ci_deployer is not None else {}),
        })
        if args.ci_previewer is not None:
            access += self._cluster_access(name, {"ci-preview": args.ci_previewer}, policy=_VIEW_POLICY, prefix="view")
        issuer = self.cluster.identities[0].oidcs[0].issuer
        self.oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc", url=issuer, client_id_lists=["sts.amazonaws.com"], thumbprint_lists=[EKS_OIDC_THUMBPRINT],
            opts=child,
        )
        self._issuer = issuer
        self._group_zones = {key: aws_names.group_zones(pool.purpose, cloud.availability_zones)
                             for key, pool in cfg.node_pools.items()}
        self._group_names = {
            key: aws_names.node_group(key, pool.machine_type, pool.fallback_machine_types, pool.spot,
                                      self._group_zones[key], str(cfg.network.cidr))
            for key, pool in cfg.node_pools.items()
        }
        self.node_groups = {
            key: self._node_group(name, cfg.name, key, pool, node_policies) for key, pool in cfg.node_pools.items()
        }

        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(self.cluster.name, self.cluster.endpoint, self.cluster.certificate_authority.data)
            .apply(lambda v: exec_kubeconfig(v[0], v[1], v[2], eks_exec(v[0], cloud.region)))
        )
        self.provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=self.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*access, *self.node_groups.values()]),
        )
        self._addons(name, cfg, cloud.region)
        self.register_outputs({"kubeconfig": self.kubeconfig, "endpoint": self.cluster.endpoint})

    def _network(self, name: str, cluster_name: str, cidr: str, cidrs: dict[str, dict[str, str]]) -> None:
        """Private subnets for nodes and EFS, public ones for NAT and load balancers; one NAT gateway.

        One NAT gateway, in the first zone, as eksctl's default (vpc.nat.gateway: Single):
        one per zone would take an Elastic IP each, and the account's default quota (5)
        would not leave room for the hubs' load balancers. Bucket traffic skips NAT
        through an S3 gateway endpoint on every private route table.
        """
        child = pulumi.ResourceOptions(parent=self)
        owned = {f"kubernetes.io/cluster/{cluster_name}": "shared"}
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc", cidr_block=cidr,
            enable_dns_support=True, enable_dns_hostnames=True, tags={"Name": cluster_name}, opts=child,
        )
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, tags={"Name": cluster_name}, opts=child)
        public_routes = aws.ec2.RouteTable(
            f"{name}-public-rt", vpc_id=self.vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
            tags={"Name": f"{cluster_name}-public"}, opts=child,
        )
        self.public_subnets, self.private_subnets = {}, {}
        private_routes = []
        nat = None
        for zone, block in cidrs.items():
            public = aws.ec2.Subnet(
                f"{name}-public-{zone}", vpc_id=self.vpc.id, availability_zone=zone, cidr_block=block["public"],
                tags={"Name": f"{cluster_name}-public-{zone}", "kubernetes.io/role/elb": "1", **owned}, opts=child,
            )
            aws.ec2.RouteTableAssociation(f"{name}-public-rta-{zone}", subnet_id=public.id, route_table_id=public_routes.id, opts=child)
            if nat is None:
                nat_ip = aws.ec2.Eip(f"{name}-nat-ip-{zone}", domain="vpc", tags={"Name": f"{cluster_name}-nat-{zone}"}, opts=child)
                nat = aws.ec2.NatGateway(
                    f"{name}-nat-{zone}", subnet_id=public.id, allocation_id=nat_ip.allocation_id,
                    tags={"Name": f"{cluster_name}-{zone}"}, opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
                )
            private = aws.ec2.Subnet(
                f"{name}-private-{zone}", vpc_id=self.vpc.id, availability_zone=zone, cidr_block=block["private"],
                tags={"Name": f"{cluster_name}-private-{zone}", "kubernetes.io/role/internal-elb": "1", **owned}, opts=child,
            )
            routes = aws.ec2.RouteTable(
                f"{name}-private-rt-{zone}", vpc_id=self.vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
                tags={"Name": f"{cluster_name}-private-{zone}"}, opts=child,
            )
            aws.ec2.RouteTableAssociation(f"{name}-private-rta-{zone}", subnet_id=private.id, route_table_id=routes.id, opts=child)
            self.public_subnets[zone], self.private_subnets[zone] = public, private
            private_routes.append(routes)
        aws.ec2.VpcEndpoint(
            f"{name}-s3", vpc_id=self.vpc.id, service_name=f"com.amazonaws.{self._region}.s3",
            vpc_endpoint_type="Gateway", route_table_ids=[r.id for r in private_routes],
            tags={"Name": f"{cluster_name}-s3"}, opts=child,
        )

    def _cluster_access(self, name: str, principals: dict[str, pulumi.Input[str]], policy: str = _ADMIN_POLICY,
                        prefix: str = "admin") -> list[aws.eks.AccessPolicyAssociation]:
        """`policy` (cluster admin unless told) for each IAM principal, by key (a slug of the
        ARN for cluster.admins), cluster-wide.

        From config, not from whoever ran `pulumi up` last: a teammate's update must
        not take access away from the others.
        """
        associations = []
        for key, arn in principals.items():
            entry = aws.eks.AccessEntry(
                f"{name}-{prefix}-{key}", cluster_name=self.cluster.name, principal_arn=arn, type="STANDARD",
                opts=pulumi.ResourceOptions(parent=self),
            )
            associations.append(aws.eks.AccessPolicyAssociation(
                f"{name}-{prefix}-{key}", cluster_name=self.cluster.name, principal_arn=entry.principal_arn,
                policy_arn=policy, access_scope={"type": "cluster"}, opts=pulumi.ResourceOptions(parent=self),
            ))
        return associations

    def _node_group(self, name: str, cluster_name: str, key: str, pool: NodePool, policies: list) -> aws.eks.NodeGroup:
        template = aws.ec2.LaunchTemplate(
            aws_names.launch_template(name, key),
            metadata_options=IMDS,
            block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {
                "volume_size": pool.disk_size_gb, "volume_type": "gp3", "encrypted": "true", "delete_on_termination": "true"}}],
            # Naming security groups here replaces EKS's default, so the cluster's group is listed too.
            vpc_security_group_ids=[self.cluster.vpc_config.cluster_security_group_id, self.node_security_group.id],
            tag_specifications=[{"resource_type": "instance", "tags": {"Name": f"{cluster_name}-{key}"}}],
            update_default_version=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.eks.NodeGroup(
            f"{name}-pool-{key}",
            cluster_name=self.cluster.name,
            node_group_name=self._group_names[key],
            node_role_arn=self.node_role.arn,
            subnet_ids=[self.private_subnets[z].id for z in self._group_zones[key]],
            ami_type="AL2023_x86_64_STANDARD",
            capacity_type="SPOT" if pool.spot else "ON_DEMAND",
            # Several same-shape types let spot draw from more capacity pools.
            instance_types=[pool.machine_type, *pool.fallback_machine_types],
            # A draining group takes no new pods and may shrink to nothing as its pods end.
            scaling_config={"min_size": 0 if pool.draining else pool.min_nodes, "max_size": pool.max_nodes,
                            "desired_size": pool.min_nodes},
            labels=node_labels(pool.purpose),
            taints=[{**t, "effect": _EKS_EFFECT[t["effect"]]} for t in node_taints(pool.purpose, pool.draining)],
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            update_config={"max_unavailable": 1},
            tags=autoscaler_tags(cluster_name, pool),
            # The autoscaler owns the node count after creation. A new shape has a new
            # name, so its replacement is created first; the old group's users are kept
            # by declaring it `draining` until it is empty (docs/config.md).
            opts=pulumi.ResourceOptions(parent=self, depends_on=policies, ignore_changes=["scalingConfig.desiredSize"],
                                        delete_before_replace=False),
        )

    def _irsa_role(self, name: str, namespace: pulumi.Input[str], service_account: str, parent: pulumi.Resource) -> aws.iam.Role:
        trust = pulumi.Output.all(self.oidc.arn, self._issuer, namespace).apply(
            lambda v: irsa_trust_policy(v[0], v[1], v[2], service_account)
        )
        return aws.iam.Role(name, assume_role_policy=trust, opts=pulumi.ResourceOptions(parent=parent))

    def _addons(self, name: str, cfg: ClusterConfig, region: str) -> None:
        """The VPC CNI enforcing NetworkPolicies, EBS CSI (with a gp3 class) and the cluster
        autoscaler, the last two with their own IRSA role."""
        aws.eks.Addon(
            f"{name}-vpc-cni", cluster_name=self.cluster.name, addon_name="vpc-cni",
            configuration_values=json.dumps(VPC_CNI_CONFIGURATION), resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE", opts=pulumi.ResourceOptions(parent=self),
        )
        ebs_role = self._irsa_role(f"{name}-ebs-csi", "kube-system", "ebs-csi-controller-sa", self)
        ebs_policy = aws.iam.RolePolicyAttachment(
            f"{name}-ebs-csi-policy", role=ebs_role.name, policy_arn=_POLICY + "service-role/AmazonEBSCSIDriverPolicy",
            opts=pulumi.ResourceOptions(parent=self),
        )
        ebs = aws.eks.Addon(
            f"{name}-ebs-csi", cluster_name=self.cluster.name, addon_name="aws-ebs-csi-driver",
            service_account_role_arn=ebs_role.arn, resolve_conflicts_on_update="OVERWRITE",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[ebs_policy, *self.node_groups.values()]),
        )
        on_cluster = pulumi.ResourceOptions(parent=self, provider=self.provider)
        k8s.storage.v1.StorageClass(
            f"{name}-gp3",
            # EKS 1.30+ ships no default class, and z2jh's hub-db PVC names none.
            metadata={"name": self.storage_class,
                      "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true"}, volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True, reclaim_policy="Delete",
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[ebs])),
        )
        scaler_role = self._irsa_role(f"{name}-autoscaler", "kube-system", "cluster-autoscaler", self)
        aws.iam.RolePolicy(
            f"{name}-autoscaler-policy", role=scaler_role.id, policy=autoscaler_policy(cfg.name),
            opts=pulumi.ResourceOptions(parent=self),
        )
        chart, version, repo = AUTOSCALER_CHART
        k8s.helm.v3.Release(
            f"{name}-cluster-autoscaler", name="cluster-autoscaler", namespace="kube-system", chart=chart,
            version=version, repository_opts={"repo": repo},
            values={
                "cloudProvider": "aws",
                "awsRegion": region,
                "autoDiscovery": {"clusterName": cfg.name},
                # The autoscaler's minor version must match the control plane's.
                "image": {"tag": f"v{cfg.kubernetes_version}.0"},
                "rbac": {"serviceAccount": {"name": "cluster-autoscaler",
                                            "annotations": {"eks.amazonaws.com/role-arn": scaler_role.arn}}},
                "extraArgs": {"balance-similar-node-groups": True, "skip-nodes-with-local-storage": False,
                              "expander": "least-waste"},
                "nodeSelector": hub_selector("core"),
            },
            opts=on_cluster,
        )

    def node_selector(self, pool: str) -> dict[str, str]:
        return {"eks.amazonaws.com/nodegroup": self._group_names[pool]}

    def scratch_bucket(self, name, *, namespace, service_account, retention_days, parent):
        opts = pulumi.ResourceOptions(parent=parent)
        # Scratch is disposable by definition, so the stack may delete a non-empty bucket.
        bucket = aws.s3.Bucket(f"{name}-scratch", bucket_prefix=aws_names.scratch_bucket_prefix(self._cluster_name, name), force_destroy=True, opts=opts)
        aws.s3.BucketPublicAccessBlock(
            f"{name}-scratch", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=opts,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-scratch", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}], opts=opts,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-scratch", bucket=bucket.id,
            rules=[{"id": "expire", "status": "Enabled", "filter": {}, "expiration": {"days": retention_days},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1}}],
            opts=opts,
        )
        role = self._irsa_role(f"{name}-scratch-user", namespace, service_account, parent)
        aws.iam.RolePolicy(f"{name}-scratch-access", role=role.id, policy=bucket.arn.apply(scratch_bucket_policy), opts=opts)
        return ScratchBucket(url=pulumi.Output.concat("s3://", bucket.bucket), service_account_annotations={"eks.amazonaws.com/role-arn": role.arn})

    def image_registry(self, name, *, namespace, service_account, parent):
        opts = pulumi.ResourceOptions(parent=parent)
        prefix = f"{self._cluster_name}-{name}-binder"
        # ECR repositories are flat: each image BinderHub names under the prefix is a
        # repository, made on its first push with the template's lifecycle policy.
        template = aws.ecr.RepositoryCreationTemplate(
            f"{name}-images", prefix=prefix, applied_fors=["CREATE_ON_PUSH"],
            description=f"Images built by {name}'s binder", image_tag_mutability="MUTABLE",
            lifecycle_policy=ecr_lifecycle_policy(IMAGE_RETENTION_DAYS), opts=opts,
        )
        # Through the cluster's provider: the default one takes its account and region from the shell.
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self))
        role = self._irsa_role(f"{name}-image-pusher", namespace, service_account, parent)
        repositories = pulumi.Output.format("arn:aws:ecr:{0}:{1}:repository/{2}/*", self._region, identity.account_id, prefix)
        policy = aws.iam.RolePolicy(f"{name}-image-push", role=role.id, policy=repositories.apply(ecr_push_policy), opts=opts)
        server = pulumi.Output.format("{0}.dkr.ecr.{1}.amazonaws.com", identity.account_id, self._region)
        return ImageRegistry(
            image_prefix=pulumi.Output.format("{0}/{1}/", server, prefix),
            server=server,
            cloud="aws",
            service_account_annotations={"eks.amazonaws.com/role-arn": role.arn},
            env={"AWS_REGION": self._region},
            identity=[policy, template],
        )

    def public_address(self, name, *, parent, redundant=True):
        # One Elastic IP per load-balancer zone, handed to the NLB: the address exists
        # before the proxy Service does and survives the Service being recreated.
        zones = self._lb_zones if redundant else self._lb_zones[:1]
        ips = [
            aws.ec2.Eip(f"{name}-proxy-{zone}", domain="vpc", tags={"Name": f"{name}-proxy-{zone}"},
                        opts=pulumi.ResourceOptions(parent=parent))
            for zone in zones
        ]
        annotations = {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            # cloud-provider-aws: one EIP per subnet, so the subnets are named too.
            "service.beta.kubernetes.io/aws-load-balancer-subnets":
                pulumi.Output.all(*[self.public_subnets[z].id for z in zones]).apply(",".join),
            "service.beta.kubernetes.io/aws-load-balancer-eip-allocations":
                pulumi.Output.all(*[ip.allocation_id for ip in ips]).apply(",".join),
        }
        address = pulumi.Output.all(*[ip.public_ip for ip in ips]).apply(",".join)
        return PublicAddress(address=address, record_type="A", service_values={"annotations": annotations})

    def dns_record(self, name, *, zone, domain, address, opts):
        return aws.route53.Record(
            f"{name}-dns", zone_id=zone, name=domain, type=address.record_type, ttl=DNS_TTL,
            records=address.addresses, opts=opts,
        )
