"""The user server's runtime settings 2i2c's basehub gives every hub whose homes are on NFS.

- SQLite files off the home: IPython's history and jupyter-server's file-ID database
  are SQLite, which locks badly over NFS (a kernel hangs, or "database is locked"),
  so they live in /tmp; so does the runtime directory (kernel connection files).
- /dev/shm backed by memory: the container runtime gives 64 MiB, too little for
  PyTorch DataLoaders and for Dask's shared memory.
- Idle kernels are culled even with a browser tab connected (cull_connected): an
  open tab otherwise keeps a kernel's memory forever. Servers are culled by the hub
  when idle (`cull`) and, with maxAge, after a week whatever they do, so nodes drain
  and users pick up a new image.
- Named servers: users may run a few servers side by side, as on Pangeo's hubs.
"""

# Under /usr/local/etc, which IPython and Jupyter read as system-wide config and no
# home directory shadows (basehub mounts them at the same paths).
IPYTHON_KERNEL_CONFIG = "/usr/local/etc/ipython/ipython_kernel_config.json"
JUPYTER_SERVER_CONFIG = "/usr/local/etc/jupyter/jupyter_server_config.json"
RUNTIME_DIR = "/tmp/.jupyter-runtime"
KERNEL_CULL_INTERVAL_SECONDS = 300
MAX_SERVER_AGE_SECONDS = 7 * 24 * 3600
NAMED_SERVERS_PER_USER = 3


def runtime_values(idle_timeout_seconds: int) -> dict:
    """z2jh values to merge over the hub's (jupyterhub_values.py); kernels idle as long as servers."""
    return {
        "hub": {"allowNamedServers": True, "namedServerLimitPerUser": NAMED_SERVERS_PER_USER},
        "singleuser": {
            "extraEnv": {"JUPYTER_RUNTIME_DIR": RUNTIME_DIR},
            "extraFiles": {
                "ipython-kernel-config": {
                    "mountPath": IPYTHON_KERNEL_CONFIG,
                    "data": {"HistoryManager": {"hist_file": "/tmp/ipython_hist.sqlite"}},
                },
                "jupyter-server-config": {
                    "mountPath": JUPYTER_SERVER_CONFIG,
                    "data": {
                        "BaseFileIdManager": {"db_path": "/tmp/file_id_manager.db"},
                        "MappingKernelManager": {
                            "cull_idle_timeout": idle_timeout_seconds,
                            "cull_interval": KERNEL_CULL_INTERVAL_SECONDS,
                            "cull_connected": True,
                            "cull_busy": False,
                        },
                    },
                },
            },
        },
        "cull": {"maxAge": MAX_SERVER_AGE_SECONDS},
    }


def with_memory_shm(singleuser: dict) -> dict:
    """singleuser values plus a memory-backed /dev/shm beside the volumes already there."""
    storage = singleuser.get("storage", {})
    return {**singleuser, "storage": {
        **storage,
        "extraVolumes": [*storage.get("extraVolumes", []), {"name": "dev-shm", "emptyDir": {"medium": "Memory"}}],
        "extraVolumeMounts": [*storage.get("extraVolumeMounts", []), {"name": "dev-shm", "mountPath": "/dev/shm"}],
    }}
