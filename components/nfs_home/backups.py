"""Scheduled backups of a hub's Filestore share, which Filestore doesn't schedule itself.

A CronJob in the hub's namespace runs filestore_backup.py (from a ConfigMap) as a
Kubernetes service account that workload identity maps to a GCP service account
allowed to create and delete Filestore backups (roles/file.editor: the narrowest
predefined role with file.backups.create and .delete). A CronJob, not Cloud
Scheduler: backup ids must be unique and a scheduler can't put the time in the URL,
and it needs no further API enabled.

The image is pinned by tag, not digest: the tag was chosen offline and its digest
couldn't be looked up here; the script needs only the standard library.
"""

from pathlib import Path

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.cluster.node_roles import hub_selector
from components.labels import PART_OF

from .args import HomeBackups

IMAGE = "docker.io/library/python:3.11-slim"
NAME = "home-backup"  # the CronJob, its ConfigMap and service account, in the hub's namespace
SCRIPT = Path(__file__).with_name("filestore_backup.py")
SCRIPT_DIR = "/opt/home-backup"
# Backups of a large share take long; a run that hangs must not block the next ones forever.
DEADLINE_SECONDS = 6 * 3600


def account_id(hub: str) -> str:
    """`<hub>-backup`: hub names have at most 20 characters, so it fits GCP's 30."""
    return f"{hub}-backup"


def backup_prefix(hub: str) -> str:
    """The scheduled backups' ids are this plus yyyymmddhhmm (filestore_backup.py)."""
    return f"{hub}-home-"


def cronjob(*, namespace: pulumi.Input[str], backups: HomeBackups, env: dict[str, pulumi.Input[str]],
            labels: dict) -> dict:
    """The CronJob's metadata and spec: one run at a time, as an unprivileged user."""
    pod = {
        "serviceAccountName": NAME,
        "restartPolicy": "Never",
        "nodeSelector": hub_selector("core"),
        "securityContext": {"runAsUser": 65534, "runAsGroup": 65534, "runAsNonRoot": True,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "backup",
            "image": IMAGE,
            "command": ["python", f"{SCRIPT_DIR}/{SCRIPT.name}"],
            "env": [{"name": k, "value": v} for k, v in sorted(env.items())],
            "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]}},
            "volumeMounts": [{"name": "script", "mountPath": SCRIPT_DIR, "readOnly": True}],
        }],
        "volumes": [{"name": "script", "configMap": {"name": NAME}}],
    }
    return {
        "metadata": {"name": NAME, "namespace": namespace, "labels": labels},
        "spec": {
            "schedule": backups.schedule,
            "concurrencyPolicy": "Forbid",  # Filestore runs one backup of an instance at a time
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {"spec": {"backoffLimit": 2, "activeDeadlineSeconds": DEADLINE_SECONDS,
                                     "template": {"metadata": {"labels": labels}, "spec": pod}}},
        },
    }


def declare_backups(name: str, *, backups: HomeBackups, project: pulumi.Input[str], zone: str,
                    instance: gcp.filestore.Instance, share: str, namespace: pulumi.Input[str],
                    k8s_provider: k8s.Provider, parent: pulumi.Resource) -> k8s.batch.v1.CronJob:
    child = pulumi.ResourceOptions(parent=parent)
    account = gcp.serviceaccount.Account(
        f"{name}-home-backup", account_id=account_id(name), display_name=f"{name} home backups", opts=child)
    gcp.projects.IAMMember(f"{name}-home-backup-filestore", project=project, role="roles/file.editor",
                           member=account.member, opts=child)
    identity = gcp.serviceaccount.IAMMember(
        f"{name}-home-backup-workload-identity", service_account_id=account.name,
        role="roles/iam.workloadIdentityUser",
        member=pulumi.Output.format("serviceAccount:{0}.svc.id.goog[{1}/{2}]", project, namespace, NAME), opts=child)
    labels = {**PART_OF, "pangeo.io/hub": name, "app.kubernetes.io/component": NAME}
    on_cluster = pulumi.ResourceOptions(parent=parent, provider=k8s_provider)
    service_account = k8s.core.v1.ServiceAccount(
        f"{name}-home-backup", metadata={"name": NAME, "namespace": namespace, "labels": labels,
                                         "annotations": {"iam.gke.io/gcp-service-account": account.email}},
        opts=on_cluster)
    script = k8s.core.v1.ConfigMap(
        f"{name}-home-backup-script", metadata={"name": NAME, "namespace": namespace, "labels": labels},
        data={SCRIPT.name: SCRIPT.read_text(encoding="utf-8")}, opts=on_cluster)
    env = {"PROJECT": project, "ZONE": zone, "INSTANCE": instance.name, "SHARE": share,
           "PREFIX": backup_prefix(name), "RETENTION_DAYS": str(backups.retention_days)}
    return k8s.batch.v1.CronJob(
        f"{name}-home-backup", **cronjob(namespace=namespace, backups=backups, env=env, labels=labels),
        opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(
            depends_on=[service_account, script, identity, instance])))
