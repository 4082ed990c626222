"""Monitoring: one per cluster, in its own namespace: Prometheus, and Grafana for the operators."""

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.cluster import Cluster
from components.cluster.node_roles import hub_selector
from components.dask_hub.metrics import MetricsScraper
from components.helm import Chart
from components.labels import PART_OF
from components.nfs_home.usage_exporter import UsageScraper

from .alertmanager_values import PASSWORD_KEY, SMTP_SECRET, alertmanager_policy, alertmanager_values
from .alertmanager_values import PORT as ALERTMANAGER_PORT
from .alertmanager_values import SELECTOR as ALERTMANAGER_SELECTOR
from .args import MonitoringConfig
from .grafana import Grafana, GrafanaArgs, GrafanaEntry
from .grafana_values import pod_labels as grafana_labels
from .prometheus_values import RELEASE, SERVER_PORT, SERVER_SELECTOR, prometheus_values, server_url
from .scrape import TOKENS_SECRET
from .server_policy import server_policy

PROMETHEUS = Chart("prometheus", "29.27.0", "https://prometheus-community.github.io/helm-charts")
NAMESPACE = "monitoring"

HUB_SCRAPER = MetricsScraper(namespace=NAMESPACE, selector=SERVER_SELECTOR)
"""For DaskHubArgs.metrics_scraper: this Prometheus's server reads the hub's /hub/metrics."""
HOME_USAGE_SCRAPER = UsageScraper(namespace=NAMESPACE, selector=SERVER_SELECTOR)
"""For a home's usage_scraper: this Prometheus's server reads its usage exporter."""


@dataclass(frozen=True, kw_only=True)
class MonitoringArgs:
    config: MonitoringConfig
    cluster: Cluster
    # Prometheus's token for each hub's /hub/metrics (DaskHub.metrics_token), by the hub's namespace.
    hub_metrics_tokens: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # With config.grafana: its dashboards (dashboards.compile_dashboards), its OAuth secret, and the HTTPS
    # entry of the hub that serves its domain.
    dashboards: dict[str, dict] = field(default_factory=dict)
    grafana_client_secret: pulumi.Input[str] = ""
    grafana_entry: GrafanaEntry | None = None
    # With config.alerts: who the alert e-mails go to, and the SMTP relay's password.
    alert_emails: list[str] = field(default_factory=list)
    smtp_password: pulumi.Input[str] = ""


class Monitoring(pulumi.ComponentResource):
    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:Monitoring", name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.cluster.provider)
        namespace = k8s.core.v1.Namespace(f"{name}-monitoring-namespace", metadata={"name": NAMESPACE, "labels": PART_OF},
                                          opts=on_cluster)
        # Through the Namespace's output, so everything in it waits for it.
        in_namespace = namespace.metadata.name
        tokens = k8s.core.v1.Secret(
            f"{name}-hub-metrics-tokens", metadata={"name": TOKENS_SECRET, "namespace": in_namespace, "labels": PART_OF},
            string_data={hub: pulumi.Output.secret(token) for hub, token in args.hub_metrics_tokens.items()},
            opts=on_cluster)
        secrets = [tokens]
        alerts = args.config.alerts
        if alerts:
            secrets.append(k8s.core.v1.Secret(
                f"{name}-alertmanager-smtp", metadata={"name": SMTP_SECRET, "namespace": in_namespace, "labels": PART_OF},
                string_data={PASSWORD_KEY: pulumi.Output.secret(args.smtp_password)}, opts=on_cluster))
            k8s.networking.v1.NetworkPolicy(f"{name}-alertmanager-policy", **alertmanager_policy(
                in_namespace, smtp_port=alerts.smtp.port, prometheus_selector=SERVER_SELECTOR), opts=on_cluster)
        core = hub_selector("core")
        self.prometheus = k8s.helm.v3.Release(
            f"{name}-prometheus", name=RELEASE, namespace=in_namespace, chart=PROMETHEUS.name,
            version=PROMETHEUS.version, repository_opts={"repo": PROMETHEUS.repository},
            values=prometheus_values(args.config.prometheus, node_selector=core, hubs=list(args.hub_metrics_tokens),
                                     alertmanager=alertmanager_values(alerts, emails=args.alert_emails,
                                                                      node_selector=core)),
            timeout=600, cleanup_on_fail=True,
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=secrets)),
        )
        k8s.networking.v1.NetworkPolicy(f"{name}-prometheus-policy", **server_policy(
            in_namespace, grafana_selector={"matchLabels": grafana_labels()} if args.config.grafana else None,
            alertmanager=(ALERTMANAGER_SELECTOR, ALERTMANAGER_PORT) if alerts else None), opts=on_cluster)
        self.grafana = None
        if args.config.grafana:
            self.grafana = Grafana(f"{name}-grafana", GrafanaArgs(
                config=args.config.grafana, namespace=in_namespace, cluster=args.cluster, dashboards=args.dashboards,
                client_secret=args.grafana_client_secret, prometheus_url=server_url(NAMESPACE),
                prometheus_selector=SERVER_SELECTOR, prometheus_port=SERVER_PORT, entry=args.grafana_entry,
            ), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
