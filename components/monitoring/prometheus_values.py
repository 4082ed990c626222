"""Values of the prometheus chart (29.27.0, Prometheus v3.14.0): the server, kube-state-metrics and node-exporter.

Pure. The server and kube-state-metrics run on the core pool; the alert rules (alerts.py) are its rule file.
The pushgateway is off: nothing pushes. The `alertmanager` subchart, which delivers the alerts, is configured by
alertmanager_values.py.
"""

from .alerts import alert_rules
from .args import PrometheusConfig
from .scrape import TOKENS_PATH, TOKENS_SECRET, scrape_configs

RELEASE = "prometheus"
SERVER_SERVICE = "prometheus-server"
"""The chart's server fullname for release `prometheus` (its _helpers.tpl: the release name holds the chart's)."""
SERVER_PORT = 9090
SERVICE_PORT = 80
SERVER_SELECTOR = {"matchLabels": {"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/component": "server",
                                   "app.kubernetes.io/instance": RELEASE}}

# Prometheus's docs (storage.md, "Right-Sizing Retention Size"): retention size at most 80-85% of the disk, the rest
# for the WAL and compactions. Its units are powers of 2 (1GB = 1024 MB), as the claim's Gi.
RETENTION_SIZE_SHARE = 0.8

# Requests on the core pool: a few hubs' series fit in well under a GiB.
SERVER_RESOURCES = {"requests": {"cpu": "200m", "memory": "1Gi"}, "limits": {"memory": "4Gi"}}


def server_url(namespace: str) -> str:
    return f"http://{SERVER_SERVICE}.{namespace}.svc.cluster.local:{SERVICE_PORT}"


def prometheus_values(config: PrometheusConfig, *, node_selector: dict, hubs: list[str], alertmanager: dict) -> dict:
    """`hubs`: the namespaces of the hubs whose /hub/metrics it scrapes, each token in TOKENS_SECRET (scrape.py);
    `alertmanager`: the subchart's values (alertmanager_values.py), which the chart would otherwise enable as is."""
    return {
        "server": {"nodeSelector": node_selector, "resources": SERVER_RESOURCES,
                   "persistentVolume": {"size": f"{config.volume_gb}Gi"},
                   "retention": f"{config.retention_days}d",
                   "retentionSize": f"{int(config.volume_gb * RETENTION_SIZE_SHARE * 1024)}MB",
                   "extraSecretMounts": [{"name": TOKENS_SECRET, "secretName": TOKENS_SECRET,
                                          "mountPath": TOKENS_PATH, "readOnly": True}]},
        "serverFiles": {"alerting_rules.yml": alert_rules()},
        "scrapeConfigs": scrape_configs(hubs),
        "kube-state-metrics": {"nodeSelector": node_selector},
        "alertmanager": alertmanager,
        "prometheus-pushgateway": {"enabled": False},
    }
