"""The push Secret binder's build pods use, kept fresh by a CronJob instead of holding a key.

Registry tokens from a workload identity expire (GCP access tokens after 1 hour, ECR
logins after 12), so a CronJob refreshes the Secret every 30 minutes, and a Job with
the same pod runs once at install so the first build need not wait for it. Its
ServiceAccount may only read and patch that one Secret; the Secret itself is created
here empty (a Role can't limit `create` to one name, and no token passes through
Pulumi state) and its data is then left to the refresher.
"""

from pathlib import Path

from components.cluster.node_roles import hub_selector

SCRIPT = Path(__file__).with_name("refresh_push_secret.py")
SCRIPT_DIR = "/opt/refresh-push-secret"
# The Secret, its refresher's ServiceAccount, Role, ConfigMap and CronJob share one name.
NAME = "binder-push-credentials"
INITIAL_JOB = f"{NAME}-initial"
# Half a GCP access token's life, so a failed run is retried before builds notice.
SCHEDULE = "*/30 * * * *"
DEADLINE = 10 * 60


def role_rules() -> list[dict]:
    """Only the one Secret, and only to read and replace its data."""
    return [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": [NAME], "verbs": ["get", "patch", "update"]}]


def refresher_job_spec(*, image: str, cloud: str, registry, env: dict[str, str], labels: dict) -> dict:
    """The Job that writes the Secret: on the core nodes (always up, so a refresh never
    scales a user pool from zero), in the hub's user image, which has Python and boto3."""
    variables = {"CLOUD": cloud, "REGISTRY": registry, "SECRET": NAME, **env}
    return {
        "backoffLimit": 3,
        "activeDeadlineSeconds": DEADLINE,
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "serviceAccountName": NAME,
                "restartPolicy": "Never",
                "nodeSelector": hub_selector("core"),
                "securityContext": {"runAsUser": 1000, "runAsNonRoot": True},
                "containers": [{
                    "name": "refresh",
                    "image": image,
                    "command": ["python", f"{SCRIPT_DIR}/{SCRIPT.name}"],
                    "env": [{"name": k, "value": v} for k, v in variables.items()],
                    "resources": {"requests": {"cpu": "50m", "memory": "128Mi"},
                                  "limits": {"cpu": "500m", "memory": "512Mi"}},
                    "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                        "capabilities": {"drop": ["ALL"]}},
                    "volumeMounts": [{"name": "script", "mountPath": SCRIPT_DIR, "readOnly": True}],
                }],
                "volumes": [{"name": "script", "configMap": {"name": NAME, "defaultMode": 0o444}}],
            },
        },
    }


def refresher_cron_spec(job_spec: dict) -> dict:
    return {
        "schedule": SCHEDULE,
        "concurrencyPolicy": "Forbid",
        "successfulJobsHistoryLimit": 1,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {"spec": job_spec},
    }
