"""The Monitoring component's arguments."""

from pydantic import Field

from components.fields import Base

from .grafana_args import GrafanaConfig


class MonitoringConfig(Base):
    """What watches the cluster's hubs, one of each per cluster."""

    grafana: GrafanaConfig | None = Field(None, description="Grafana with the JupyterHub dashboards, for the operators.")
