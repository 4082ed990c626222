"""A folder of the home share every user sees at /home/jovyan/shared, writable by a few.

Everyone runs as uid 1000, so file modes can't tell readers from writers: the
mount itself is read-only, and a spawn hook makes it writable for the hub's
admins and the writer groups.
"""

import json

from components.nfs_home.volumes import JOVYAN, OWNERSHIP_FIX_IMAGE

MOUNT_PATH = "/home/jovyan/shared"
SUB_PATH = "_shared"  # not a valid username slug, so no user's home can be it

_HOOK = '''\
SHARED_WRITERS = set(json.loads({writers!r}))


def shared_directory_writable(spawner):
    """Admins and the writer groups get /home/jovyan/shared read-write."""
    groups = {{group.name for group in spawner.user.groups}}
    if spawner.user.admin or groups & SHARED_WRITERS:
        spawner.volume_mounts = [
            dict(mount, readOnly=False) if mount.get("mountPath") == {mount_path!r} else mount
            for mount in spawner.volume_mounts
        ]


c.KubeSpawner.pre_spawn_hook = shared_directory_writable
'''


def with_shared_directory(home: dict) -> dict:
    """z2jh singleuser home values plus the read-only shared mount and the init container that creates it."""
    storage = home["storage"]
    mount = {"name": "home", "mountPath": MOUNT_PATH, "subPath": SUB_PATH, "readOnly": True}
    create = {
        "name": "shared-directory",
        "image": OWNERSHIP_FIX_IMAGE,
        # The kubelet creates a missing subPath as root; writers run as jovyan.
        "command": ["sh", "-c", f"chown {JOVYAN}:{JOVYAN} /shared"],
        "securityContext": {"runAsUser": 0, "capabilities": {"drop": ["ALL"], "add": ["CHOWN"]}},
        "volumeMounts": [{"name": "home", "mountPath": "/shared", "subPath": SUB_PATH}],
    }
    return {
        **home,
        "storage": {**storage, "extraVolumeMounts": [*storage.get("extraVolumeMounts", []), mount]},
        "initContainers": [*home.get("initContainers", []), create],
    }


def writers_hook(writers: list[str]) -> str:
    """hub.extraConfig code; needs `json` imported before it."""
    return "import json\n\n" + _HOOK.format(writers=json.dumps(sorted(writers)), mount_path=MOUNT_PATH)
