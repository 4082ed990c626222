"""How the cluster's Prometheus reads a hub's /hub/metrics: with a token of a JupyterHub service of its own, through
the hub's NetworkPolicy opened to Prometheus's server pods and nothing else.

JupyterHub documents two ways (its docs, "Monitoring" > "Configuring metrics"; z2jh 4.4.0 passes
hub.authenticatePrometheus to JupyterHub.authenticate_prometheus): turn the endpoint's authentication off, or
scrape with a token holding `read:metrics`. The token is the one that keeps the metrics private: the hub's API
port, which serves /hub/metrics too, is open to every notebook (z2jh's hub policy admits pods labelled
hub.jupyter.org/network-access-hub, which every server carries), so with authentication off each user could read
them. JupyterHub 5.5.0 (requirements-hub.txt) defines the scope (jupyterhub/scopes.py, `read:metrics`), and its
MetricsHandler takes a token (`_accept_token_auth`). The hub's own Service annotation for the chart's annotation
job is turned off: that job sends no token, so its hub target would be down forever.
"""

from dataclasses import dataclass

from .network_policies import HUB_API_PORT

SERVICE = "prometheus"
"""The JupyterHub service Prometheus scrapes as."""
ROLE = {"name": "prometheus-metrics", "services": [SERVICE], "scopes": ["read:metrics"]}


@dataclass(frozen=True)
class MetricsScraper:
    """The Prometheus that scrapes the hub: its namespace and the labels of its server pods."""

    namespace: str
    selector: dict


# Set on every hub, scraped or not: /hub/metrics answers only a token (JupyterHub's default, written out so a
# changed default can't open it), and the chart's tokenless annotation job leaves the hub's Service alone.
HUB_VALUES = {"authenticatePrometheus": True, "service": {"annotations": {"prometheus.io/scrape": "false"}}}


def metrics_service(token) -> dict:
    """z2jh hub.services entries: the service Prometheus scrapes as, with `token`."""
    return {SERVICE: {"apiToken": token, "display": False}}


def metrics_ingress(scraper: MetricsScraper) -> dict:
    """The hub NetworkPolicy's one new ingress rule: `scraper`'s server pods, on the hub's port."""
    return {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": scraper.namespace}},
                      "podSelector": scraper.selector}],
            "ports": [{"port": HUB_API_PORT, "protocol": "TCP"}]}
