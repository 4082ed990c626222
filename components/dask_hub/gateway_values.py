"""Values for the dask-gateway chart, authenticated by and served through the hub."""

import math

import pulumi

from components.cluster.node_roles import dask_selector, hub_selector, tolerations
from components.sizing import Allocatable
from components.z2jh import HUB_API

from .args import DaskHubConfig
from .charts import GATEWAY_PREFIX, GATEWAY_SERVICE_NAME
from .gateway_limits import ClusterReaping, user_limits_config

# The gateway pod's variable holding the hub's scratch bucket URL.
SCRATCH_ENV = "PANGEO_HUB_SCRATCH_URL"
# The names notebooks and Dask workers alike find their per-user scratch prefix under:
# PANGEO_SCRATCH_PREFIX is the old Pangeo AWS hub's name for it, and notebooks written
# there read it, so every hub with scratch keeps it.
SCRATCH_VARIABLES = ("SCRATCH_BUCKET", "PANGEO_SCRATCH", "PANGEO_SCRATCH_PREFIX")

# Rendered into the gateway's config: users pick worker size and image per cluster,
# bounded by the worker machine; the image defaults to the hub's user image so
# workers run exactly the user's environment.
_OPTIONS = '''\
import os
import re

from dask_gateway_server.options import Float, Mapping, Options, String

# Set on the gateway pod from the hub's scratch bucket; empty when it has none.
_SCRATCH = os.environ.get("{scratch_env}", "")
# The images a user may run as a notebook on this hub, and nothing else: the
# client sends its notebook's image, so each of these must pass.
_IMAGES = frozenset({images!r})
# Matched as KubeSpawner matches an unlisted choice's validation_regex (re.match).
_PATTERNS = [re.compile(p) for p in {patterns!r}]


def _handler(options, user):
    if ":" not in options.image:
        raise ValueError("image must include a tag, e.g. {default_image}")
    if options.image not in _IMAGES and not any(p.match(options.image) for p in _PATTERNS):
        raise ValueError(f"image {{options.image!r}} is not one this hub offers its users, e.g. {default_image}")
    # Workers see the same per-user scratch prefix as the user's notebook.
    scratch = dict.fromkeys({scratch_variables!r}, f"{{_SCRATCH}}/{{user.name}}")
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


def offered_images(hub: DaskHubConfig, binder_pattern: str | None = None) -> tuple[list[str], list[str]]:
    """Images a notebook of this hub may run: exact references, and the patterns of
    the profiles' typed-in images and of the hub's binder (images.py offers the same)."""
    images = sorted({hub.image.ref, *(choice.ref for choice in hub.images.values())})
    patterns = sorted({p.other_image_pattern for p in hub.profiles.values() if p.other_image_pattern})
    return images, patterns + ([binder_pattern] if binder_pattern is not None else [])


def cluster_options_config(hub: DaskHubConfig, worker_room: Allocatable, binder_pattern: str | None = None) -> str:
    """`worker_room`: what a pod can request on an empty worker node (components/sizing.py);
    the largest worker is that, rounded down so it still fits."""
    room = worker_room
    max_cores = math.floor(room.cpu * 10) / 10
    max_memory = math.floor(room.memory_gib * 10) / 10
    images, patterns = offered_images(hub, binder_pattern)
    return _OPTIONS.format(
        images=images,
        patterns=patterns,
        default_cores=min(2.0, max_cores),
        max_cores=max_cores,
        default_memory=min(8.0, max_memory),
        max_memory=max_memory,
        default_image=hub.image.ref,
        scratch_env=SCRATCH_ENV,
        scratch_variables=SCRATCH_VARIABLES,
    )


def _pod_config(role: str, service_account: str, tolerate: str, placement: dict | None) -> dict:
    return {
        "serviceAccountName": service_account,
        **(placement or {"nodeSelector": dask_selector(role), "tolerations": tolerations(tolerate)}),
    }


def gateway_values(
    hub: DaskHubConfig, *, api_token, service_account: str, worker_room: Allocatable, scratch_url=None,
    binder_pattern: pulumi.Input[str] | None = None, reaping: ClusterReaping | None = None,
    placement: dict | None = None,
) -> dict:
    """`scratch_url`: the hub's scratch bucket, if it has one; placed on the gateway pod for the options handler.
    `binder_pattern`: the images the hub's binder builds, when it has one.
    `reaping`: a public binder's bound on workers and cluster age (gateway_limits.py).
    `placement`: a public binder's nodes (nodeSelector, tolerations) for schedulers and workers alike."""
    options = (cluster_options_config(hub, worker_room) if binder_pattern is None else
               pulumi.Output.from_input(binder_pattern).apply(lambda p: cluster_options_config(hub, worker_room, p)))
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
                "scheduler": {"extraPodConfig": _pod_config("scheduler", service_account, "user", placement)},
                "worker": {"extraPodConfig": _pod_config("worker", service_account, "worker", placement)},
            },
            "extraConfig": {
                "cluster-options": options,
                "user-limits": user_limits_config(
                    max_clusters=limits.max_clusters_per_user, max_cores=limits.max_cores_per_user,
                    max_memory_gb=limits.max_memory_gb_per_user, idle_minutes=limits.idle_timeout_minutes,
                    reaping=reaping,
                ),
            },
            **({"env": [{"name": SCRATCH_ENV, "value": scratch_url}]} if scratch_url is not None else {}),
            **core,
        },
        "controller": core,
        # Reached through the hub's proxy at /services/dask-gateway, never directly. Traefik 3.3.5's own
        # Prometheus metrics, on its internal `traefik` entry point (:9000), for the cluster's Prometheus.
        "traefik": {"service": {"type": "ClusterIP"}, "additionalArguments": ["--metrics.prometheus=true"], **core},
    }
