"""DaskHub: JupyterHub and dask-gateway, wired together, on any Cluster."""

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.binder_hub import BinderService
from components.cluster import Cluster
from components.cluster.base import DNS_TTL
from components.helm import Chart
from components.labels import REPLACE_UNREADY, labels
from components.sizing import Allocatable

from .args import DaskHubConfig
from .charts import DASK_GATEWAY, JUPYTERHUB, HubReleases
from .gateway_limits import ClusterReaping
from .gateway_values import gateway_values
from .health_job import DEADLINE, SCRIPT, render_health_job
from .jupyterhub_values import HEALTH_CHECK_USER, HubSecrets, jupyterhub_values
from .metrics import MetricsScraper
from .network_policies import scheduler_policy, worker_policy

USER_SERVICE_ACCOUNT = "user"


@dataclass(frozen=True, kw_only=True)
class DaskHubArgs:
    hub: DaskHubConfig
    namespace: pulumi.Input[str]
    cluster: Cluster
    # singleuser values that mount the hub's home storage (NFSHome.singleuser_values)
    home_values: dict
    # What one dask worker may request at most: a worker node's allocatable (components/sizing.py).
    worker_room: Allocatable
    client_secret: pulumi.Input[str]
    # The node pools a profile may name: each gets its selector from the cluster.
    pool_names: list[str]
    binder: BinderService | None = None
    # While users move from an old hub at the same domain: the cutover checks this hub
    # (a health-check Job of this generation, after `home_synced`) before DNS points at it.
    health_check_generation: int | None = None
    home_synced: list[pulumi.Resource] = field(default_factory=list)
    # False while the domain still serves an old hub (a migration before cutover): no DNS record yet.
    serve_domain: bool = True
    # The gateway chart's CRDs (in its crds/) are cluster-wide: one hub per cluster installs
    # them. The others name that hub's gateway Release: they skip the CRDs and wait for it,
    # since every gateway renders a traefik IngressRoute and Middleware, and helm refuses a
    # release whose kinds the cluster does not know yet ("ensure CRDs are installed first").
    gateway_crds_from: pulumi.Resource | None = None
    # Further domains the hub's HTTPS entry serves, to in-cluster URLs (https_routes.py): Grafana's.
    https_routes: dict[str, str] = field(default_factory=dict)
    # The cluster's Prometheus, which reads /hub/metrics with a token of its own (metrics.py).
    metrics_scraper: MetricsScraper | None = None


def _reaping(binder: BinderService | None) -> ClusterReaping | None:
    """A public binder's clusters: at most its workers, stopped with their user's server or at its age."""
    limits = binder.limits if binder else None
    if limits is None:
        return None
    return ClusterReaping(max_workers=limits.dask_max_workers, max_age_seconds=int(limits.cull_max_age_hours * 3600))


class DaskHub(pulumi.ComponentResource):
    """One hub: its charts, tokens, user service account, scratch bucket and public address."""

    def __init__(self, name: str, args: DaskHubArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:DaskHub", name, None, opts)
        hub, cluster = args.hub, args.cluster
        releases = HubReleases(name)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=cluster.provider)

        # Prometheus's token for /hub/metrics; the Monitoring that scrapes the hub mounts it.
        self.metrics_token = self._token(name, "metrics-token") if args.metrics_scraper else None
        secrets = HubSecrets(
            proxy_token=self._token(name, "proxy-token"),
            cookie_secret=self._token(name, "cookie-secret"),
            crypt_key=self._token(name, "crypt-key"),
            gateway_token=self._token(name, "gateway-token"),
            health_check_token=self._token(name, "health-check-token"),
            client_secret=pulumi.Output.secret(args.client_secret),
            metrics_token=self.metrics_token or "",
        )
        scratch = None
        annotations: dict = {}
        if hub.scratch.enabled:
            scratch = cluster.scratch_bucket(
                name, namespace=args.namespace, service_account=USER_SERVICE_ACCOUNT,
                retention_days=hub.scratch.retention_days, parent=self,
            )
            annotations = scratch.service_account_annotations
        account = k8s.core.v1.ServiceAccount(
            f"{name}-user-sa",
            metadata={"name": USER_SERVICE_ACCOUNT, "namespace": args.namespace, "annotations": annotations},
            # Nothing in a notebook or dask pod calls the Kubernetes API; workload identity
            # needs no token here (GKE's metadata server; EKS's webhook projects its own).
            automount_service_account_token=False,
            opts=on_cluster,
        )
        public = cluster.public_address(name, parent=self, redundant=hub.redundant_entry)

        hub_values = jupyterhub_values(
            hub,
            releases=releases,
            secrets=secrets,
            pool_selectors={pool: cluster.node_selector(pool) for pool in args.pool_names},
            home=args.home_values,
            scratch_prefix=pulumi.Output.concat(scratch.url, "/$(JUPYTERHUB_USER)") if scratch else None,
            service_account=USER_SERVICE_ACCOUNT,
            proxy_service=public.service_values,
            binder=args.binder,
            https_routes=args.https_routes,
            metrics_scraper=args.metrics_scraper,
        )
        depends = pulumi.ResourceOptions(parent=self, provider=cluster.provider, depends_on=[account])
        self.jupyterhub = self._release(
            f"{name}-jupyterhub", releases.jupyterhub, JUPYTERHUB, args.namespace, hub_values, depends
        )
        crds = [args.gateway_crds_from] if args.gateway_crds_from is not None else []
        self.gateway = self._release(
            f"{name}-dask-gateway", releases.gateway, DASK_GATEWAY, args.namespace,
            gateway_values(hub, api_token=secrets.gateway_token, service_account=USER_SERVICE_ACCOUNT,
                           worker_room=args.worker_room, scratch_url=scratch.url if scratch else None,
                           binder_pattern=args.binder.image_pattern if args.binder else None,
                           reaping=_reaping(args.binder),
                           placement=args.binder.dask_placement if args.binder else None),
            pulumi.ResourceOptions.merge(depends, pulumi.ResourceOptions(depends_on=crds)), skip_crds=bool(crds),
        )
        # The gateway chart ships no policy for the dask pods it starts.
        anonymous = bool(args.binder and args.binder.anonymous)
        for role, manifest in (("scheduler", scheduler_policy(releases, args.namespace, anonymous)),
                               ("worker", worker_policy(releases, args.namespace, anonymous))):
            k8s.networking.v1.NetworkPolicy(f"{name}-dask-{role}-policy", **manifest, opts=on_cluster)

        self.health_check = (
            self._health_check(name, args, releases, secrets.health_check_token)
            if args.health_check_generation is not None else None
        )
        self.dns_record = None
        if hub.dns.mode == "cloud" and args.serve_domain:
            self.dns_record = cluster.dns_record(
                name, zone=hub.dns.zone, domain=hub.domain, address=public,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.health_check or self.jupyterhub]),
            )
        # The record to set by hand with dns.mode external: every address the load balancer answers on.
        self.dns = {"name": hub.domain, "type": public.record_type, "values": public.addresses,
                    "ttl": DNS_TTL,
                    "managed": self.dns_record is not None}

        self.url = pulumi.Output.from_input(f"https://{hub.domain}")
        self.load_balancer_address = public.address
        self.public_address = public
        self.scratch_url = scratch.url if scratch else pulumi.Output.from_input("")
        self.register_outputs({
            "url": self.url, "load_balancer_address": self.load_balancer_address, "scratch_url": self.scratch_url,
            "dns": self.dns,
        })

    def _health_check(self, name: str, args: DaskHubArgs, releases: HubReleases, token) -> k8s.batch.v1.Job:
        """Checks the new hub after the final home sync, and before DNS moves to it."""
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.cluster.provider)
        job_labels = labels("health-check")
        script = k8s.core.v1.ConfigMap(
            f"{name}-health-check-script", metadata={"name": "health-check", "namespace": args.namespace, "labels": job_labels},
            data={"healthcheck.py": SCRIPT.read_text()}, opts=on_cluster,
        )
        secret = k8s.core.v1.Secret(
            f"{name}-health-check-token", metadata={"name": "health-check", "namespace": args.namespace, "labels": job_labels},
            string_data={"token": token}, opts=on_cluster,
        )
        manifest = render_health_job(
            name=f"health-check-{args.health_check_generation}", namespace=args.namespace,
            image=args.hub.image.ref, configmap="health-check", token_secret="health-check",
            user=HEALTH_CHECK_USER, labels=job_labels, gateway_proxy=releases.gateway_proxy,
        )
        return k8s.batch.v1.Job(
            f"{name}-health-check", metadata={**manifest["metadata"], "annotations": REPLACE_UNREADY},
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.cluster.provider, delete_before_replace=True,
                depends_on=[script, secret, self.jupyterhub, self.gateway, *args.home_synced],
                custom_timeouts=pulumi.CustomTimeouts(create=f"{DEADLINE // 60 + 5}m"),
            ),
        )

    def _token(self, name: str, role: str) -> pulumi.Output[str]:
        """A 32-byte hex secret kept in state, so it survives every later update."""
        return random.RandomBytes(f"{name}-{role}", length=32, opts=pulumi.ResourceOptions(parent=self)).hex

    def _release(self, resource_name, release, chart: Chart, namespace, values, opts,
                 skip_crds: bool = False) -> k8s.helm.v3.Release:
        return k8s.helm.v3.Release(
            resource_name,
            name=release,
            namespace=namespace,
            chart=chart.name,
            version=chart.version,
            repository_opts={"repo": chart.repository},
            values=values,
            timeout=900,
            cleanup_on_fail=True,
            skip_crds=skip_crds,
            opts=opts,
        )
