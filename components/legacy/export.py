"""A read-only rsync daemon on the OLD cluster, serving the old Filestore share to the new cluster.

Pure functions returning Kubernetes manifests (plain dicts).  Why on the old
cluster: a DIRECT_PEERING Filestore is reachable only from its own VPC, since
peering is not transitive (infra/migrate/route.py); the old cluster's nodes are
in that VPC, the new cluster's pods reach them through the new<->old peering.
"""

from pathlib import Path

from components.images import RSYNC_IMAGE

NAME = "homesync-export"
MODULE = "homes"
# The change scan (scan_changes.sh) of the share, run here beside the data at the
# client's request and served from an emptyDir: see homesync.sh's final pass.
CHANGES_MODULE = "changes"
SCAN_SCRIPT = "scan_changes.sh"
PORT = 873
SHARE_MOUNT = "/export"
CONFIG_MOUNT = "/etc/rsyncd"
CHANGES_MOUNT = "/changes"


def read_scan_script() -> str:
    """Text of scan_changes.sh, which the daemon runs for each change-scan request."""
    return Path(__file__).with_name(SCAN_SCRIPT).read_text(encoding="utf-8")


def rsyncd_conf(allow: str, *, port: int = PORT, share: str = SHARE_MOUNT, changes: str = CHANGES_MOUNT,
                config: str = CONFIG_MOUNT, pid_file: str = "/tmp/rsyncd.pid") -> str:
    """One read-only module over the whole share, and one serving its change scans.

    uid/gid 0 with numeric ids: the daemon reads every home whatever its owner and
    sends owners as numbers (jovyan stays 1000).  chroot keeps symlinks unmunged.
    The paths default to the Deployment's mounts; tests run the same file on loopback.
    """
    return "\n".join([
        f"pid file = {pid_file}",
        f"port = {port}",
        "use chroot = yes",
        "max connections = 0",
        # Without it each of the protocol's small messages waits for the
        # client's delayed ACK (40 ms on Linux): 0.2 s per connection, a
        # final pass makes several.  rsyncd.conf(5) "socket options".
        "socket options = TCP_NODELAY",
        # hosts allow is by address: no DNS query per connection
        "reverse lookup = no",
        "timeout = 600",
        f"[{MODULE}]",
        f"    path = {share}",
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
        f"[{CHANGES_MODULE}]",
        f"    path = {changes}",
        "    comment = change scans of the old homes, written beside the data for each request",
        "    read only = yes",
        "    list = no",
        "    uid = 0",
        "    gid = 0",
        "    numeric ids = yes",
        # Run outside the chroot as the daemon's user, before the transfer: it
        # reads the share and writes the requested scan into the module's path.
        f"    pre-xfer exec = /bin/sh {config}/{SCAN_SCRIPT} {share}",
        f"    hosts allow = {allow}",
        "    hosts deny = *",
        "",
    ])


def manifests(*, namespace: str, nfs_server: str, share: str, allow: str, labels: dict) -> dict[str, dict]:
    """ConfigMap, Deployment and internal LoadBalancer Service, by kind."""
    selector = {"app.kubernetes.io/name": NAME}
    meta = {"name": NAME, "namespace": namespace, "labels": {**labels, **selector}}
    config = {"metadata": meta, "data": {"rsyncd.conf": rsyncd_conf(allow), SCAN_SCRIPT: read_scan_script()}}
    container = {
        "name": "rsyncd",
        "image": RSYNC_IMAGE,
        "command": ["rsync", "--daemon", "--no-detach", "--log-file=/dev/stdout", f"--config={CONFIG_MOUNT}/rsyncd.conf"],
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
            {"name": "config", "mountPath": CONFIG_MOUNT, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "changes", "mountPath": CHANGES_MOUNT},
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
                        # a scan is a line per changed entry: 1 Gi holds millions
                        {"name": "changes", "emptyDir": {"sizeLimit": "1Gi"}},
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
