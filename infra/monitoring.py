"""The stack's Monitoring: Prometheus, and Grafana served by one of its hubs' HTTPS entry."""

import pulumi

from components.cluster import Cluster
from components.dask_hub import DaskHub
from components.dask_hub.charts import HubReleases
from components.dask_hub.https_routes import entry_selector
from components.monitoring import NAMESPACE, Monitoring, MonitoringArgs
from components.monitoring.grafana import GrafanaEntry
from components.monitoring.grafana_values import service_url
from infra.config import StackConfig

from .dashboards import stack_dashboards


def grafana_routes(config: StackConfig) -> dict[str, dict[str, str]]:
    """The further domain each hub's HTTPS entry serves, by hub: Grafana's, on the hub the config names."""
    grafana = config.monitoring.grafana
    return {grafana.hub: {grafana.domain: service_url(NAMESPACE)}} if grafana else {}


def declare_monitoring(config: StackConfig, cluster: Cluster, hubs: dict[str, DaskHub],
                       opts: pulumi.ResourceOptions) -> Monitoring:
    grafana = config.monitoring.grafana
    extra = {}
    if grafana:
        entry = hubs[grafana.hub]
        extra = {
            "dashboards": stack_dashboards(grafana),
            "grafana_client_secret": grafana.github.client_secret.get_secret_value() if grafana.github.client_secret else "",
            "grafana_entry": GrafanaEntry(address=entry.public_address, namespace=grafana.hub,
                                          selector=entry_selector(HubReleases(grafana.hub).jupyterhub)),
        }
    alerts = config.monitoring.alerts
    if alerts:  # to whom the budget alerts go
        extra |= {"alert_emails": list(config.credits.alert_emails),
                  "smtp_password": alerts.smtp.password.get_secret_value() if alerts.smtp.password else ""}
    tokens = {name: hub.metrics_token for name, hub in hubs.items()}
    return Monitoring(config.cluster.name, MonitoringArgs(config=config.monitoring, cluster=cluster,
                                                          hub_metrics_tokens=tokens, **extra), opts=opts)


def monitoring_outputs(monitoring: Monitoring) -> dict:
    grafana = monitoring.grafana
    if grafana is None:
        return {}
    return {"grafana": {"url": grafana.url, "dns": grafana.dns},
            "grafana_admin_password": pulumi.Output.secret(grafana.admin_password)}
