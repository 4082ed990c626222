"""BinderHub as a feature of a hub: image building next to JupyterHub, not a separate deployment."""

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.cluster import Cluster
from components.cluster.base import ImageRegistry
from components.labels import REPLACE_UNREADY, labels
from components.sizing import Allocatable

from . import push_credentials as push
from .quota import (NamespaceQuota, container_max, limit_range_spec, priority_class, priority_class_name,
                    resource_quota_spec)
from .args import PublicBinder
from .charts import BINDERHUB_SERVICE, RELEASE, SERVICE_NAME
from .values import (PAGE_CONFIGMAP, PAGE_TEMPLATE, BinderPage, anonymous_dask_pods, binderhub_values, hub_service,
                     launchable_images, public_hub_service, public_hub_values)


@dataclass(frozen=True, kw_only=True)
class BinderHubArgs:
    namespace: pulumi.Input[str]
    cluster: Cluster
    domain: str
    # Runs the push-credential refresher: the hub's user image has Python and boto3.
    refresher_image: str
    # Set on a public binder: its limits, and where builds run if not beside users.
    public: PublicBinder | None = None
    # A public binder's name and help link, on its launch page.
    page: BinderPage | None = None
    build_selector: dict[str, str] | None = None
    # A public binder's: the nodes its servers and Dask pods run on.
    server_selector: dict[str, str] | None = None
    # Groups of the hub whose members may build (and launch); empty: every user.
    builders: list[str] = field(default_factory=list)
    # A public binder's: its cap (quota.py), and the CPU and GiB one of its users' Dask clusters may hold.
    quota: NamespaceQuota | None = None
    dask_cluster: Allocatable | None = None


@dataclass(frozen=True)
class BinderService:
    """What the hub needs of its binder: the service entry to register and the images it may launch."""

    name: str
    hub_service: dict
    image_pattern: pulumi.Output[str]
    # Merged over the hub's values; a public binder's hub is a different hub (values.public_hub_values).
    hub_values: dict
    # Only members of these hub groups may reach the binder; empty: every user.
    builders: tuple[str, ...] = ()
    # A public binder: the hub's users are anonymous, so its pods get no cloud identity and few ports.
    anonymous: bool = False
    # A public binder's limits (its Dask clusters' too); None otherwise.
    limits: PublicBinder | None = None
    # A public binder's: where its Dask pods run (nodeSelector, tolerations), beside its servers.
    dask_placement: dict | None = None


class BinderHub(pulumi.ComponentResource):
    """binderhub-service, the registry it pushes to, the refresher of its push Secret and its hub API token."""

    def __init__(self, name: str, args: BinderHubArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:BinderHub", name, None, opts)
        registry = args.cluster.image_registry(
            name, namespace=args.namespace, service_account=push.NAME, parent=self
        )
        # Its first run is a Job installed beside the release rather than before it: the
        # Secret is filled within a minute, long before a first build gets to its push.
        self._push_credentials(name, args, registry)
        api_token = random.RandomBytes(
            f"{name}-binder-token", length=32, opts=pulumi.ResourceOptions(parent=self)
        ).hex
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.cluster.provider)
        page_template = [k8s.core.v1.ConfigMap(
            f"{name}-binder-page", opts=on_cluster, data={PAGE_TEMPLATE.name: PAGE_TEMPLATE.read_text()},
            metadata={"name": PAGE_CONFIGMAP, "namespace": args.namespace, "labels": labels("binder-page")},
        )] if args.public else []
        if args.public:
            self._cap(name, args, on_cluster)
        self.release = k8s.helm.v3.Release(
            f"{name}-binderhub",
            name=RELEASE,
            namespace=args.namespace,
            chart=BINDERHUB_SERVICE.name,
            version=BINDERHUB_SERVICE.version,
            repository_opts={"repo": BINDERHUB_SERVICE.repository},
            values=binderhub_values(domain=args.domain, api_token=api_token, image_prefix=registry.image_prefix,
                                    push_secret=push.NAME, public=args.public, page=args.page,
                                    build_selector=args.build_selector,
                                    servers=args.quota.servers if args.public else None),
            timeout=600,
            cleanup_on_fail=True,
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=page_template)),
        )
        self.image_prefix = registry.image_prefix
        image_pattern = registry.image_prefix.apply(launchable_images)
        public = args.public
        self.service = BinderService(
            name=SERVICE_NAME,
            hub_service=(public_hub_service(api_token=api_token) if public
                         else hub_service(domain=args.domain, api_token=api_token)),
            image_pattern=image_pattern,
            hub_values=public_hub_values(limits=public, image_pattern=image_pattern, server_selector=args.server_selector,
                                         priority_class=priority_class_name(name)) if public else {},
            builders=tuple(args.builders),
            anonymous=public is not None,
            limits=public,
            dask_placement=anonymous_dask_pods(args.server_selector, priority_class_name(name)) if public else None,
        )
        self.register_outputs({"image_prefix": self.image_prefix})

    def _cap(self, name: str, args: BinderHubArgs, on_cluster: pulumi.ResourceOptions) -> None:
        """The anonymous pods' PriorityClass, the ResourceQuota that counts them and the namespace's
        LimitRange (quota.py). Pods naming the class are refused until it exists; the hub starts
        none before its first launch, long after these."""
        meta = {"namespace": args.namespace, "labels": labels("binder-quota")}
        cls = priority_class(name)
        k8s.scheduling.v1.PriorityClass(
            f"{name}-binder-anonymous", metadata={**cls["metadata"], "labels": meta["labels"]}, value=cls["value"],
            global_default=cls["global_default"], description=cls["description"], opts=on_cluster)
        k8s.core.v1.ResourceQuota(f"{name}-binder-quota", metadata={**meta, "name": "binder-anonymous"},
                                  spec=resource_quota_spec(name, args.quota), opts=on_cluster)
        largest = container_max(args.public, args.dask_cluster.cpu, args.dask_cluster.memory_gib)
        k8s.core.v1.LimitRange(f"{name}-binder-limits", metadata={**meta, "name": "binder-containers"},
                               spec=limit_range_spec(largest), opts=on_cluster)

    def _push_credentials(self, name: str, args: BinderHubArgs, registry: ImageRegistry) -> None:
        """The push Secret, the refresher allowed to write only it, and its first run."""
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.cluster.provider)
        meta = {"name": push.NAME, "namespace": args.namespace, "labels": labels("binder-push-credentials")}
        secret = k8s.core.v1.Secret(
            f"{name}-binder-push-secret", metadata=meta, type="Opaque",
            # Empty here; the refresher owns the data from its first run on.
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(ignore_changes=["data", "stringData"])),
        )
        account = k8s.core.v1.ServiceAccount(
            f"{name}-binder-pusher", metadata={**meta, "annotations": registry.service_account_annotations}, opts=on_cluster,
        )
        role = k8s.rbac.v1.Role(f"{name}-binder-pusher", metadata=meta, rules=push.role_rules(), opts=on_cluster)
        binding = k8s.rbac.v1.RoleBinding(
            f"{name}-binder-pusher", metadata=meta,
            role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": push.NAME},
            subjects=[{"kind": "ServiceAccount", "name": push.NAME, "namespace": args.namespace}],
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[role, account])),
        )
        script = k8s.core.v1.ConfigMap(
            f"{name}-binder-push-script", metadata=meta, data={push.SCRIPT.name: push.SCRIPT.read_text()}, opts=on_cluster,
        )
        job_spec = push.refresher_job_spec(image=args.refresher_image, cloud=registry.cloud, registry=registry.server,
                                           env=registry.env, labels=meta["labels"])
        needs = [secret, binding, script, *registry.identity]
        k8s.batch.v1.CronJob(
            f"{name}-binder-push-refresh", metadata=meta, spec=push.refresher_cron_spec(job_spec),
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=needs)),
        )
        k8s.batch.v1.Job(
            f"{name}-binder-push-initial", metadata={**meta, "name": push.INITIAL_JOB, "annotations": REPLACE_UNREADY},
            spec=job_spec,
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(
                depends_on=needs, delete_before_replace=True,
                custom_timeouts=pulumi.CustomTimeouts(create=f"{push.DEADLINE // 60 + 5}m"),
            )),
        )
