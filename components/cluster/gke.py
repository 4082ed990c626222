"""A GKE cluster: VPC, hardened control plane, node pools by purpose, workload identity."""

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from . import gcp_names
from .args import ClusterConfig, GcpCloud, NodePool
from .base import DNS_TTL, IMAGE_RETENTION_DAYS, Cluster, ImageRegistry, PublicAddress, ScratchBucket
from .kubeconfig import exec_kubeconfig, gke_exec
from .maintenance import Maintenance
from .node_roles import node_labels, node_taints, shaped_name

_GKE_EFFECT = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
_NODE_ROLES = ("roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/monitoring.viewer",
               "roles/artifactregistry.reader")
# Keep only what the nodes need; GKE's legacy metadata endpoints leak instance credentials.
_NODE_METADATA = {"disable-legacy-endpoints": "true"}


def node_pool_name(key: str, pool: NodePool) -> str:
    """`<key>-<hash>` of the pool's shape, so a new shape is a new pool created beside the old one.

    Of the inputs that replace a node pool (ForceNew in terraform-provider-google
    resource_container_node_pool.go and node_config.go, schemaNodeConfig), config
    changes `spot`; `location` and `cluster` follow cluster.location, cloud.zone and
    cluster.name, which replace the protected cluster itself, and the others (metadata,
    oauth_scopes, service_account, shielded_instance_config) are fixed here. Machine
    type and disk size are updated in place, by recreating the nodes under their pods,
    since provider 5.10 (GoogleCloudPlatform/magic-modules#9575); in the name they make
    that a new pool instead (docs/config.md). At most 30 + 7 characters, within GKE's 40
    (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools, name)."""
    return shaped_name(key, pool.machine_type, pool.disk_size_gb, pool.spot)


def maintenance_policy(maintenance: Maintenance) -> dict:
    """GKE upgrades (release channel included) only inside this window and outside the exclusions."""
    return {"recurring_window": maintenance.recurring_window(),
            "maintenance_exclusions": maintenance.exclusion_windows()}


@dataclass(frozen=True)
class GkeClusterArgs:
    config: ClusterConfig
    cloud: GcpCloud
    project_id: pulumi.Input[str]


class GkeCluster(Cluster):
    """A GKE cluster and its network, node pools and Kubernetes provider."""

    storage_class = "standard-rwo"

    def __init__(self, name: str, args: GkeClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:GkeCluster", name, None, opts)
        cfg, cloud = args.config, args.cloud
        self._name, self._project, self._region = name, args.project_id, cloud.region
        child = pulumi.ResourceOptions(parent=self)
        location = cloud.zone if cfg.location == "zonal" else cloud.region

        self.network = gcp.compute.Network(
            f"{name}-network", name=cfg.name, auto_create_subnetworks=False, opts=child
        )
        self.subnet = gcp.compute.Subnetwork(
            f"{name}-subnet",
            name=cfg.name,
            network=self.network.id,
            region=cloud.region,
            ip_cidr_range=str(cfg.network.cidr),
            private_ip_google_access=True,
            secondary_ip_ranges=[
                {"range_name": "pods", "ip_cidr_range": str(cfg.network.pods_cidr)},
                {"range_name": "services", "ip_cidr_range": str(cfg.network.services_cidr)},
            ],
            opts=child,
        )
        # Where this cluster's nodes (the subnet's range) and pods (its "pods" range) get
        # their addresses: a share exported to these is mountable from the cluster only.
        self.node_and_pod_ranges = [str(cfg.network.cidr), str(cfg.network.pods_cidr)]
        self.node_account = gcp.serviceaccount.Account(
            f"{name}-nodes", account_id=gcp_names.node_service_account(cfg.name), display_name=f"{cfg.name} GKE nodes", opts=child
        )
        node_member = self.node_account.email.apply(lambda email: f"serviceAccount:{email}")
        for role in _NODE_ROLES:
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.split('/')[1]}", project=args.project_id, role=role, member=node_member, opts=child
            )

        self.cluster = gcp.container.Cluster(
            f"{name}-cluster",
            name=cfg.name,
            location=location,
            network=self.network.id,
            subnetwork=self.subnet.id,
            # The default pool can't be configured like ours; GKE needs one to create the cluster.
            remove_default_node_pool=True,
            initial_node_count=1,
            release_channel={"channel": cfg.release_channel},
            maintenance_policy=maintenance_policy(cfg.maintenance or Maintenance()),
            workload_identity_config={"workload_pool": pulumi.Output.concat(args.project_id, ".svc.id.goog")},
            ip_allocation_policy={"cluster_secondary_range_name": "pods", "services_secondary_range_name": "services"},
            network_policy={"enabled": True, "provider": "CALICO"},
            addons_config={"network_policy_config": {"disabled": False}},
            enable_shielded_nodes=True,
            node_config={
                "metadata": _NODE_METADATA,
                "workload_metadata_config": {"mode": "GKE_METADATA"},
                "service_account": self.node_account.email,
            },
            # Every user's server runs here: neither GKE nor the engine deletes it
            # without someone first lifting both protections in a reviewed change.
            deletion_protection=True,
            # node_config configures the default pool only, which is removed at once; its
            # fields are ForceNew on the cluster (terraform-provider-google
            # resource_container_cluster.go, node_config from node_config.go), so a change
            # there (a new node service account) would replace the whole cluster.
            opts=pulumi.ResourceOptions(parent=self, protect=True, ignore_changes=["nodeConfig"]),
        )
        self._pool_names = {key: node_pool_name(key, pool) for key, pool in cfg.node_pools.items()}
        self.node_pools = {
            key: self._node_pool(name, key, pool, location, cfg.location) for key, pool in cfg.node_pools.items()
        }

        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(self.cluster.name, self.cluster.endpoint, self.cluster.master_auth.cluster_ca_certificate)
            .apply(lambda v: exec_kubeconfig(v[0], f"https://{v[1]}", v[2], gke_exec()))
        )
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.node_pools.values())),
        )
        self.register_outputs({"kubeconfig": self.kubeconfig, "endpoint": self.cluster.endpoint})

    def _node_pool(self, name: str, key: str, pool: NodePool, location: str, placement: str) -> gcp.container.NodePool:
        # Regional pools count nodes per zone; total_* bounds keep config meaning "nodes in the pool".
        bounds = ("total_min_node_count", "total_max_node_count") if placement == "regional" else ("min_node_count", "max_node_count")
        # A draining pool takes no new pods and may shrink to nothing as its pods end.
        min_nodes = 0 if pool.draining else pool.min_nodes
        return gcp.container.NodePool(
            f"{name}-pool-{key}",
            name=self._pool_names[key],
            cluster=self.cluster.name,
            location=location,
            initial_node_count=min_nodes,
            autoscaling={bounds[0]: min_nodes, bounds[1]: pool.max_nodes, "location_policy": "ANY" if pool.spot else "BALANCED"},
            management={"auto_repair": True, "auto_upgrade": True},
            node_config={
                "machine_type": pool.machine_type,
                "spot": pool.spot,
                "disk_size_gb": pool.disk_size_gb,
                "labels": node_labels(pool.purpose),
                "taints": [{**t, "effect": _GKE_EFFECT[t["effect"]]} for t in node_taints(pool.purpose, pool.draining)],
                "metadata": _NODE_METADATA,
                "workload_metadata_config": {"mode": "GKE_METADATA"},
                "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
                "service_account": self.node_account.email,
                "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
            },
            # The autoscaler owns the node count after creation. A new shape has a new
            # name, so its replacement is created first; the old pool's users are kept
            # by declaring it `draining` until it is empty (docs/config.md).
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["initialNodeCount"], delete_before_replace=False),
        )

    def node_selector(self, pool: str) -> dict[str, str]:
        return {"cloud.google.com/gke-nodepool": self._pool_names[pool]}

    def scratch_bucket(self, name, *, namespace, service_account, retention_days, parent):
        opts = pulumi.ResourceOptions(parent=parent)
        bucket = gcp.storage.Bucket(
            f"{name}-scratch",
            name=pulumi.Output.from_input(self._project).apply(lambda project: gcp_names.scratch_bucket(project, name)),
            location=self._region.upper(),
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            lifecycle_rules=[{"action": {"type": "Delete"}, "condition": {"age": retention_days}}],
            opts=opts,
        )
        account = gcp.serviceaccount.Account(
            f"{name}-scratch-user", account_id=gcp_names.users_service_account(name), display_name=f"{name} hub users", opts=opts
        )
        gcp.serviceaccount.IAMMember(
            f"{name}-workload-identity",
            service_account_id=account.name,
            role="roles/iam.workloadIdentityUser",
            member=pulumi.Output.format("serviceAccount:{0}.svc.id.goog[{1}/{2}]", self._project, namespace, service_account),
            opts=opts,
        )
        gcp.storage.BucketIAMMember(
            f"{name}-scratch-access", bucket=bucket.name, role="roles/storage.objectAdmin", member=account.member, opts=opts
        )
        # Requester-pays datasets bill the reader's project: reading them from a user pod
        # needs serviceusage.services.use there (2i2c grants the same role to hub users).
        gcp.projects.IAMMember(
            f"{name}-requester-pays", project=self._project, role="roles/serviceusage.serviceUsageConsumer",
            member=account.member, opts=opts,
        )
        return ScratchBucket(url=bucket.url, service_account_annotations={"iam.gke.io/gcp-service-account": account.email})

    def public_address(self, name, *, parent, redundant=True):
        # A regional address serves every zone: one address either way.
        address = gcp.compute.Address(
            f"{name}-address", name=f"{name}-proxy", region=self._region, address_type="EXTERNAL",
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return PublicAddress(address=address.address, record_type="A", service_values={"loadBalancerIP": address.address})

    def image_registry(self, name, *, namespace, service_account, parent):
        opts = pulumi.ResourceOptions(parent=parent)
        repository = gcp.artifactregistry.Repository(
            f"{name}-images", repository_id=f"{name}-binder", location=self._region, format="DOCKER",
            description=f"Images built by {name}'s binder",
            # https://cloud.google.com/artifact-registry/docs/repositories/cleanup-policy
            cleanup_policies=[{"id": "delete-old", "action": "DELETE",
                               "condition": {"tag_state": "ANY", "older_than": f"{IMAGE_RETENTION_DAYS * 86400}s"}}],
            cleanup_policy_dry_run=False, opts=opts,
        )
        pusher = gcp.serviceaccount.Account(
            f"{name}-image-pusher", account_id=gcp_names.binder_push_service_account(name), display_name=f"{name} binder image pusher",
            opts=opts,
        )
        gcp.artifactregistry.RepositoryIamMember(
            f"{name}-image-push", repository=repository.name, location=self._region,
            role="roles/artifactregistry.writer", member=pusher.member, opts=opts,
        )
        # Workload Identity instead of a key: the refresher's ServiceAccount gets
        # hour-long access tokens of the pusher from the GKE metadata server.
        binding = gcp.serviceaccount.IAMMember(
            f"{name}-image-pusher-workload-identity",
            service_account_id=pusher.name,
            role="roles/iam.workloadIdentityUser",
            member=pulumi.Output.format("serviceAccount:{0}.svc.id.goog[{1}/{2}]", self._project, namespace, service_account),
            opts=opts,
        )
        server = f"{self._region}-docker.pkg.dev"
        return ImageRegistry(
            image_prefix=pulumi.Output.format("{0}/{1}/{2}/", server, self._project, repository.repository_id),
            server=server,
            cloud="gcp",
            service_account_annotations={"iam.gke.io/gcp-service-account": pusher.email},
            env={},
            identity=[binding],
        )

    def dns_record(self, name, *, zone, domain, address, opts):
        return gcp.dns.RecordSet(
            f"{name}-dns", managed_zone=zone, name=f"{domain}.", type=address.record_type, ttl=DNS_TTL,
            rrdatas=[address.address], opts=opts,
        )
