"""The Job that checks a new hub end to end before its domain is pointed at it."""

from pathlib import Path

from components.cluster.node_roles import hub_selector
from components.z2jh import PROXY_HTTP

from .charts import GATEWAY_PREFIX

SCRIPT = Path(__file__).with_name("healthcheck.py")
SCRIPT_DIR = "/opt/healthcheck"
# In-cluster addresses: the domain may still point at the old hub during cutover.
HUB_URL = PROXY_HTTP
DEADLINE = 30 * 60


def render_health_job(*, name: str, namespace: str, image: str, configmap: str, token_secret: str,
                      user: str, labels: dict, gateway_proxy: str) -> dict:
    """Runs healthcheck.py in the hub's own user image, which has Python and dask_gateway."""
    command = [
        "python", f"{SCRIPT_DIR}/healthcheck.py", "--hub-url", HUB_URL,
        "--gateway-url", f"{HUB_URL}{GATEWAY_PREFIX}", "--gateway-proxy-address", f"gateway://{gateway_proxy}:80",
        "--user", user, "--workers", "2", "--timeout", "600",
    ]
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": DEADLINE,
            "template": {
                # Let the chart's network policies admit it to the proxy, like a user's server.
                "metadata": {"labels": {**labels, "hub.jupyter.org/network-access-proxy-http": "true"}},
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "nodeSelector": hub_selector("core"),
                    "securityContext": {"runAsUser": 1000, "runAsNonRoot": True},
                    "containers": [{
                        "name": "healthcheck",
                        "image": image,
                        "command": command,
                        "env": [{"name": "JUPYTERHUB_API_TOKEN",
                                 "valueFrom": {"secretKeyRef": {"name": token_secret, "key": "token"}}}],
                        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"},
                                      "limits": {"cpu": "1", "memory": "1Gi"}},
                        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                        "volumeMounts": [{"name": "script", "mountPath": SCRIPT_DIR, "readOnly": True}],
                    }],
                    "volumes": [{"name": "script", "configMap": {"name": configmap, "defaultMode": 0o444}}],
                },
            },
        },
    }
