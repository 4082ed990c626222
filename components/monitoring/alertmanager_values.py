"""Values of the prometheus chart's alertmanager subchart (1.42.0, Alertmanager v0.34.0) and its NetworkPolicy.

Pure. Every alert goes to one receiver, OPERATORS, which e-mails the stack's operators (the addresses the budget
alerts use) through the configured SMTP relay. The relay's password never enters the values: the Monitoring
component puts it in the Secret SMTP_SECRET, the subchart mounts that at SMTP_PATH, and Alertmanager reads it
there (`smtp_auth_password_file`, in Alertmanager since v0.25). The chart renders the rest of the config into
its ConfigMap from `config`.
"""

import copy

from components.dask_hub.network_policies import dns, network_policy, public_addresses

from .alertmanager_args import AlertsConfig
from .prometheus_values import RELEASE

FULLNAME = "prometheus-alertmanager"
"""The subchart's fullname under release `prometheus` (its _helpers.tpl: `<release>-alertmanager`)."""
PORT = 9093
SELECTOR = {"matchLabels": {"app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": RELEASE}}
"""The subchart's selectorLabels, which the prometheus chart's alerting discovery keeps too (its cm.yaml)."""

OPERATORS = "operators"
SMTP_SECRET = "alertmanager-smtp"
SMTP_PATH = "/etc/alertmanager-smtp"
"""Beside the config's mount, not inside it: the runtime can't make a mount point in the ConfigMap's read-only volume."""
PASSWORD_KEY = "password"

# Alertmanager keeps a few KiB of silences and notification log; requests on the core pool.
RESOURCES = {"requests": {"cpu": "10m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}

# One e-mail per alert and hub, re-sent every 4 hours while it fires, and once when it resolves.
ROUTE = {"receiver": OPERATORS, "group_by": ["alertname", "namespace"],
         "group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}


def alertmanager_config(config: AlertsConfig, emails: list[str]) -> dict:
    """alertmanager.yml: the relay, one route to the operators, their receiver."""
    smtp = config.smtp
    return {
        "global": {"smtp_smarthost": f"{smtp.host}:{smtp.port}", "smtp_from": smtp.sender,
                   "smtp_auth_username": smtp.username,
                   "smtp_auth_password_file": f"{SMTP_PATH}/{PASSWORD_KEY}", "smtp_require_tls": True},
        "route": copy.deepcopy(ROUTE),  # the caller's to change: never the module's
        "receivers": [{"name": OPERATORS, "email_configs": [{"to": ", ".join(emails), "send_resolved": True}]}],
        "templates": [],
    }


def alertmanager_values(config: AlertsConfig | None, *, emails: list[str], node_selector: dict) -> dict:
    """The prometheus chart's `alertmanager` key: off with no `config`, so no alert is delivered."""
    if config is None:
        return {"enabled": False}
    return {
        "enabled": True,
        "nodeSelector": node_selector,
        "resources": copy.deepcopy(RESOURCES),
        # It calls no Kubernetes API.
        "automountServiceAccountToken": False,
        # Silences and the notification log on the pod's own disk: a restart forgets silences and may send a
        # firing alert once more, which costs less than a volume, and its zone, for a few KiB.
        "persistence": {"enabled": False},
        "config": {"enabled": True, **alertmanager_config(config, emails)},
        "extraSecretMounts": [{"name": "smtp", "secretName": SMTP_SECRET, "mountPath": SMTP_PATH,
                               "readOnly": True}],
    }


def alertmanager_policy(namespace: str, *, smtp_port: int, prometheus_selector: dict) -> dict:
    """Alertmanager's pod: in, only Prometheus's server, to the API port; out, DNS and the relay's port on
    public addresses (the relay is outside the cluster)."""
    return network_policy(FULLNAME, namespace, SELECTOR,
                          [{"from": [{"podSelector": prometheus_selector}], "ports": [{"port": PORT, "protocol": "TCP"}]}],
                          [dns(), public_addresses((smtp_port,))])
