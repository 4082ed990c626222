"""Values for the dask-gateway chart, authenticated by and served through the hub."""

from components.cluster.node_roles import dask_selector, hub_selector, tolerations
from components.z2jh import HUB_API
from infra.config import HubConfig
from infra.config.machines import RESERVED_FRACTION, Machine

from .charts import GATEWAY_PREFIX, GATEWAY_SERVICE_NAME
from .gateway_limits import user_limits_config

# The gateway pod's variable holding the hub's scratch bucket URL.
SCRATCH_ENV = "PANGEO_HUB_SCRATCH_URL"

# Rendered into the gateway's config: users pick worker size and image per cluster,
# bounded by the worker machine; the image defaults to the hub's user image so
# workers run exactly the user's environment.
_OPTIONS = '''\
import os

from dask_gateway_server.options import Float, Mapping, Options, String

# Set on the gateway pod from the hub's scratch bucket; empty when it has none.
_SCRATCH = os.environ.get("{scratch_env}", "")


def _handler(options, user):
    if ":" not in options.image:
        raise ValueError("image must include a tag, e.g. {default_image}")
    # Workers see the same per-user scratch prefix as the user's notebook.
    scratch = {{"SCRATCH_BUCKET": f"{{_SCRATCH}}/{{user.name}}", "PANGEO_SCRATCH": f"{{_SCRATCH}}/{{user.name}}"}}
    return {{
        "image": options.image,
        "worker_cores": options.worker_cores,
        "worker_cores_limit": options.worker_cores,
        "worker_memory": int(options.worker_memory * 2**30),
        "environment": {{**options.environment, **(scratch if _SCRATCH else {{}})}},
    }}


c.Backend.cluster_options = Options(
    Float("worker_cores", default={default_cores}, min=0.5, max={max_cores}, label="Worker cores"),
    Float("worker_memory", default={default_memory}, min=1, max={max_memory}, label="Worker memory (GiB)"),
    String("image", default="{default_image}", label="Image"),
    Mapping("environment", {{}}, label="Environment variables"),
    handler=_handler,
)
'''


def cluster_options_config(hub: HubConfig, worker_machine: Machine) -> str:
    usable = 1 - RESERVED_FRACTION
    max_cores = round(worker_machine.vcpus * usable, 1)
    max_memory = round(worker_machine.memory_gb * usable, 1)
    return _OPTIONS.format(
        default_cores=min(2.0, max_cores),
        max_cores=max_cores,
        default_memory=min(8.0, max_memory),
        max_memory=max_memory,
        default_image=hub.image.ref,
        scratch_env=SCRATCH_ENV,
    )


def _pod_config(role: str, service_account: str, tolerate: str) -> dict:
    return {
        "serviceAccountName": service_account,
        "nodeSelector": dask_selector(role),
        "tolerations": tolerations(tolerate),
    }


def gateway_values(
    hub: HubConfig, *, api_token, service_account: str, worker_machine: Machine, scratch_url=None
) -> dict:
    """`scratch_url`: the hub's scratch bucket, if it has one; placed on the gateway pod for the options handler."""
    core = {"nodeSelector": hub_selector("core")}
    limits = hub.dask
    return {
        "gateway": {
            "prefix": GATEWAY_PREFIX,
            "auth": {
                "type": "jupyterhub",
                # Named, so the hub's `access:services` scopes decide who may use the gateway.
                "jupyterhub": {"apiToken": api_token, "apiUrl": HUB_API, "jupyterhubServiceName": GATEWAY_SERVICE_NAME},
            },
            "backend": {
                "scheduler": {"extraPodConfig": _pod_config("scheduler", service_account, "user")},
                "worker": {"extraPodConfig": _pod_config("worker", service_account, "worker")},
            },
            "extraConfig": {
                "cluster-options": cluster_options_config(hub, worker_machine),
                "user-limits": user_limits_config(
                    max_clusters=limits.max_clusters_per_user, max_cores=limits.max_cores_per_user,
                    max_memory_gb=limits.max_memory_gb_per_user, idle_minutes=limits.idle_timeout_minutes,
                ),
            },
            **({"env": [{"name": SCRATCH_ENV, "value": scratch_url}]} if scratch_url is not None else {}),
            **core,
        },
        "controller": core,
        # Reached through the hub's proxy at /services/dask-gateway, never directly.
        "traefik": {"service": {"type": "ClusterIP"}, **core},
    }
