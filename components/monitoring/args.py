"""The Monitoring component's arguments."""

from pydantic import Field

from components.fields import Base, Int

from .alertmanager_args import AlertsConfig
from .grafana_args import GrafanaConfig


class PrometheusConfig(Base):
    """How much history the cluster's Prometheus keeps, and on how large a volume."""

    retention_days: Int = Field(
        15, ge=1, le=3650, description="Days of samples kept (the chart's and Prometheus's default, 15).")
    volume_gb: Int = Field(
        8, ge=2, le=1024, description="The server's volume in GiB (the chart's default, 8). Prometheus also stops "
        "keeping blocks at 80% of it, whatever the retention (prometheus_values.py). The claim can grow in place; "
        "Kubernetes refuses to shrink one.")


class MonitoringConfig(Base):
    """What watches the cluster's hubs, one of each per cluster."""

    prometheus: PrometheusConfig = PrometheusConfig()
    grafana: GrafanaConfig | None = Field(None, description="Grafana with the JupyterHub dashboards, for the operators.")
    alerts: AlertsConfig | None = Field(
        None, description="E-mail delivery of the alert rules (docs/operations.md, Alerts); unset: they fire in "
        "Prometheus only, and nobody is told.")
