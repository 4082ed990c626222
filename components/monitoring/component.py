"""Monitoring: one per cluster, in its own namespace: Prometheus, and Grafana for the operators."""

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.cluster import Cluster
from components.cluster.node_roles import hub_selector
from components.helm import Chart
from components.labels import PART_OF

from .args import MonitoringConfig
from .grafana import Grafana, GrafanaArgs, GrafanaEntry
from .prometheus_values import RELEASE, SERVER_PORT, SERVER_SELECTOR, prometheus_values, server_url

PROMETHEUS = Chart("prometheus", "29.27.0", "https://prometheus-community.github.io/helm-charts")
NAMESPACE = "monitoring"


@dataclass(frozen=True, kw_only=True)
class MonitoringArgs:
    config: MonitoringConfig
    cluster: Cluster
    # With config.grafana: its dashboards (dashboards.compile_dashboards), its OAuth secret, and the HTTPS
    # entry of the hub that serves its domain.
    dashboards: dict[str, dict] = field(default_factory=dict)
    grafana_client_secret: pulumi.Input[str] = ""
    grafana_entry: GrafanaEntry | None = None


class Monitoring(pulumi.ComponentResource):
    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:Monitoring", name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.cluster.provider)
        namespace = k8s.core.v1.Namespace(f"{name}-monitoring-namespace", metadata={"name": NAMESPACE, "labels": PART_OF},
                                          opts=on_cluster)
        # Through the Namespace's output, so everything in it waits for it.
        in_namespace = namespace.metadata.name
        self.prometheus = k8s.helm.v3.Release(
            f"{name}-prometheus", name=RELEASE, namespace=in_namespace, chart=PROMETHEUS.name,
            version=PROMETHEUS.version, repository_opts={"repo": PROMETHEUS.repository},
            values=prometheus_values(node_selector=hub_selector("core")), timeout=600, cleanup_on_fail=True,
            opts=on_cluster,
        )
        self.grafana = None
        if args.config.grafana:
            self.grafana = Grafana(f"{name}-grafana", GrafanaArgs(
                config=args.config.grafana, namespace=in_namespace, cluster=args.cluster, dashboards=args.dashboards,
                client_secret=args.grafana_client_secret, prometheus_url=server_url(NAMESPACE),
                prometheus_selector=SERVER_SELECTOR, prometheus_port=SERVER_PORT, entry=args.grafana_entry,
            ), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
