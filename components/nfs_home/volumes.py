"""Kubernetes manifests that put one NFS export in front of a hub's user pods."""

CLAIM_NAME = "home-nfs"
# Kubernetes needs a size on NFS volumes but enforces none; the export's real size rules.
NOMINAL_SIZE = "1Ti"
# Pinned so that the ownership fix can't change under us between updates.
OWNERSHIP_FIX_IMAGE = "docker.io/library/busybox:1.37.0"
JOVYAN = 1000
# Each user's home inside the share.  KubeSpawner 7 expands `{username}` with its
# default "safe" slug scheme; usernames.py maps old homes to the
# same expansion, so a copied home lands where the hub mounts it.
HOME_SUBPATH = "{username}"


def persistent_volume(name: str, server, path: str, mount_options: list[str], labels: dict) -> dict:
    """A static NFS PV; Retain means deleting it never touches the files."""
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "capacity": {"storage": NOMINAL_SIZE},
            "accessModes": ["ReadWriteMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "",
            "mountOptions": mount_options,
            "nfs": {"server": server, "path": path},
        },
    }


def persistent_volume_claim(namespace, volume_name: str, labels: dict) -> dict:
    """A claim bound to exactly that PV, never to a dynamically provisioned disk."""
    return {
        "metadata": {"name": CLAIM_NAME, "namespace": namespace, "labels": labels},
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "storageClassName": "",
            "volumeName": volume_name,
            "resources": {"requests": {"storage": NOMINAL_SIZE}},
        },
    }


def singleuser_home_values(claim_name) -> dict:
    """z2jh `singleuser` values: each user's home is a subPath of the claim, owned by jovyan.

    The kubelet creates a missing subPath as root; the init container hands it to
    uid 1000 before the notebook server (running as 1000) starts.
    """
    return {
        "storage": {
            "type": "static",
            "static": {"pvcName": claim_name, "subPath": HOME_SUBPATH},
            "homeMountPath": "/home/jovyan",
        },
        "initContainers": [
            {
                "name": "home-ownership-fix",
                "image": OWNERSHIP_FIX_IMAGE,
                "command": ["sh", "-c", f"chown {JOVYAN}:{JOVYAN} /home/jovyan"],
                "securityContext": {"runAsUser": 0, "capabilities": {"drop": ["ALL"], "add": ["CHOWN"]}},
                "volumeMounts": [{"name": "home", "mountPath": "/home/jovyan", "subPath": HOME_SUBPATH}],
            }
        ],
    }
