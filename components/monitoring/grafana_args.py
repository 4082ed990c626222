"""Grafana's arguments: where it answers, who may log in, and where the dashboards' source is."""

from pydantic import Field

from components.dask_hub.args import Dns, GitHubAuth
from components.fields import Base, Domain

from .dashboards import DEFAULT_SOURCE


class GrafanaConfig(Base):
    """Grafana for the operators, on its own domain, behind GitHub login like the hubs."""

    domain: Domain = Field(description="Grafana's own address, e.g. grafana.<a hub's domain>.")
    github: GitHubAuth = Field(
        description="A GitHub OAuth app whose callback is https://<domain>/login/github; "
        "allowed_teams are the operators' teams, the only people who may log in.")
    hub: str = Field(
        min_length=1, description="The hub whose HTTPS entry (its autohttps Traefik and load balancer) serves "
        "Grafana's domain too, with a certificate of its own from Let's Encrypt; the DNS record points there.")
    dns: Dns = Dns()
    dashboards_source: str = Field(
        DEFAULT_SOURCE, min_length=1,
        description="jupyterhub/grafana-dashboards at the pinned commit, with its vendor/ folder: a directory or "
        "a .tar.gz of one, relative to the project directory (docs/operations.md, Grafana dashboards).")
