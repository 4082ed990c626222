"""What Prometheus scrapes beyond the chart's own jobs: each hub's /hub/metrics and each dask-gateway's proxy.

Pure. The chart's annotation jobs (kubernetes-service-endpoints, kubernetes-pods) keep scraping whatever carries
`prometheus.io/scrape: "true"` (kube-state-metrics, node-exporter, the home usage exporter). The hubs get jobs of
their own because their endpoint wants a token (components/dask_hub/metrics.py says why), and a scrape job has
one `authorization` for all its targets: one job per hub, each reading its hub's token from TOKENS_PATH. Every
hub job's targets are relabelled to job HUB_SCRAPE_JOB, which the alert rules name.
"""

from .alerts import HUB_SCRAPE_JOB

TOKENS_SECRET = "hub-metrics-tokens"
"""The Secret in the monitoring namespace holding each hub's metrics token under the hub's name."""
TOKENS_PATH = "/etc/prometheus/hub-tokens"

# z2jh 4.4.0 templates/hub/service.yaml: the hub's Service is the chart's hub fullname, `hub` (fullnameOverride
# is "" in its values.yaml), its one port named `hub`; the metrics live under the hub's base URL, "/" here.
HUB_SERVICE, HUB_PORT_NAME, HUB_METRICS_PATH = "hub", "hub", "/hub/metrics"

GATEWAY_SCRAPE_JOB = "dask-gateway"
# dask-gateway 2026.3.0 templates/traefik/deployment.yaml: the proxy's pods carry app.kubernetes.io/component
# traefik and gateway.dask.org/instance, and its internal entry point `traefik` (:9000, /ping) is a named
# container port; Traefik 3.3.5 serves /metrics there once --metrics.prometheus is on (its metrics.prometheus
# entryPoint defaults to `traefik`), which components/dask_hub/gateway_values.py turns on.
# dask-gateway-server 2026.3.0 itself serves no metrics (its routes.py has /api/health, /api/version, /api/v1/*).
GATEWAY_METRICS_PORT_NAME, GATEWAY_METRICS_PORT = "traefik", 9000


def hub_scrape_job(hub: str) -> dict:
    """The hub in namespace `hub`: its hub Service's endpoints, with its token as a bearer token."""
    return {
        "job_name": f"{HUB_SCRAPE_JOB}-{hub}",
        "metrics_path": HUB_METRICS_PATH,
        "authorization": {"type": "Bearer", "credentials_file": f"{TOKENS_PATH}/{hub}"},
        "kubernetes_sd_configs": [{"role": "endpointslice", "namespaces": {"names": [hub]}}],
        "relabel_configs": [
            {"action": "keep", "source_labels": ["__meta_kubernetes_service_name",
                                                 "__meta_kubernetes_endpointslice_port_name"],
             "regex": f"{HUB_SERVICE};{HUB_PORT_NAME}"},
            {"action": "replace", "target_label": "job", "replacement": HUB_SCRAPE_JOB},
            {"action": "replace", "source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
        ],
    }


def gateway_scrape_job() -> dict:
    """Every hub's dask-gateway proxy (Traefik): requests to the gateway's API and dashboards, and its being up."""
    return {
        "job_name": GATEWAY_SCRAPE_JOB,
        "kubernetes_sd_configs": [{"role": "pod"}],
        "relabel_configs": [
            {"action": "keep", "source_labels": ["__meta_kubernetes_pod_labelpresent_gateway_dask_org_instance",
                                                 "__meta_kubernetes_pod_label_app_kubernetes_io_component",
                                                 "__meta_kubernetes_pod_container_port_name"],
             "regex": f"true;traefik;{GATEWAY_METRICS_PORT_NAME}"},
            {"action": "replace", "source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"action": "replace", "source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        ],
    }


def scrape_configs(hubs: list[str]) -> dict[str, dict]:
    """The chart's `scrapeConfigs` entries (by job name, which the chart's key sets) for the hubs `hubs`."""
    jobs = [*(hub_scrape_job(h) for h in sorted(hubs)), gateway_scrape_job()]
    return {job["job_name"]: job for job in jobs}
