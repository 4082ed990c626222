"""A read-only rsync daemon on the OLD cluster, serving the old Filestore share to the new cluster.

Pure functions returning Kubernetes manifests (plain dicts).  Why on the old
cluster: a DIRECT_PEERING Filestore is reachable only from its own VPC, since
peering is not transitive (infra/migrate/route.py); the old cluster's nodes are
in that VPC, the new cluster's pods reach them through the new<->old peering.
"""

from components.nfs_home.sync_job import RSYNC_IMAGE

NAME = "homesync-export"
MODULE = "homes"
PORT = 873
SHARE_MOUNT = "/export"


def rsyncd_conf(allow: str) -> str:
    """One read-only module over the whole share.

    uid/gid 0 with numeric ids: the daemon reads every home whatever its owner and
    sends owners as numbers (jovyan stays 1000).  chroot keeps symlinks unmunged.
    """
    return "\n".join([
        "pid file = /tmp/rsyncd.pid",
        f"port = {PORT}",
        "use chroot = yes",
        "max connections = 0",
        "timeout = 600",
        f"[{MODULE}]",
        f"    path = {SHARE_MOUNT}",
        "    comment = old home directories, read only, for the migration",
        "    read only = yes",
        "    write only = no",
        "    list = yes",
        "    uid = 0",
        "    gid = 0",
        "    numeric ids = yes",
        "    munge symlinks = no",
        f"    hosts allow = {allow}",
        "    hosts deny = *",
        "",
    ])


def manifests(*, namespace: str, nfs_server: str, share: str, allow: str, labels: dict) -> dict[str, dict]:
    """ConfigMap, Deployment and internal LoadBalancer Service, by kind."""
    selector = {"app.kubernetes.io/name": NAME}
    meta = {"name": NAME, "namespace": namespace, "labels": {**labels, **selector}}
    config = {"metadata": meta, "data": {"rsyncd.conf": rsyncd_conf(allow)}}
    container = {
        "name": "rsyncd",
        "image": RSYNC_IMAGE,
        "command": ["rsync", "--daemon", "--no-detach", "--log-file=/dev/stdout", "--config=/etc/rsyncd/rsyncd.conf"],
        "ports": [{"name": "rsync", "containerPort": PORT}],
        "readinessProbe": {"tcpSocket": {"port": PORT}, "periodSeconds": 10},
        "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "4Gi"}},
        "securityContext": {
            "runAsUser": 0, "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            # read everything (DAC_*), chroot into the module, drop to uid 0 as configured
            "capabilities": {"drop": ["ALL"], "add": ["DAC_OVERRIDE", "DAC_READ_SEARCH", "SYS_CHROOT",
                                                      "SETUID", "SETGID"]},
        },
        "volumeMounts": [
            {"name": "share", "mountPath": SHARE_MOUNT, "readOnly": True},
            {"name": "config", "mountPath": "/etc/rsyncd", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    deployment = {
        "metadata": meta,
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": {**labels, **selector}},
                "spec": {
                    "automountServiceAccountToken": False,
                    "containers": [container],
                    "volumes": [
                        # read-only at the volume too: the export can never write to the old homes
                        {"name": "share", "nfs": {"server": nfs_server, "path": f"/{share}", "readOnly": True}},
                        {"name": "config", "configMap": {"name": NAME}},
                        {"name": "tmp", "emptyDir": {}},
                    ],
                },
            },
        },
    }
    service = {
        "metadata": {**meta, "annotations": {
            # GKE: an internal passthrough load balancer, an address in the nodes' subnet
            # (https://cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing)
            "networking.gke.io/load-balancer-type": "Internal"}},
        "spec": {
            "type": "LoadBalancer",
            "selector": selector,
            "ports": [{"name": "rsync", "port": PORT, "targetPort": PORT, "protocol": "TCP"}],
            # clients keep their pod address, which `hosts allow` and the firewall check
            "externalTrafficPolicy": "Local",
        },
    }
    return {"ConfigMap": config, "Deployment": deployment, "Service": service}


def source_url(address: str, path: str) -> str:
    """rsync:// URL of the directory holding the homes, `path` being inside the share."""
    return f"rsync://{address}/{MODULE}/{path.strip('/')}" if path.strip("/") else f"rsync://{address}/{MODULE}"
