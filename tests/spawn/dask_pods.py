"""Dask scheduler and worker pods as dask-gateway-server 2026.3.0's Kubernetes backend builds them.

Two processes of the chart take part, each configured by its own rendered config file
(chart_hub.pod_config): the gateway's KubeBackend turns a user's cluster options into
a KubeClusterConfig (the rendered options handler and the chart's backend settings)
and writes it into a DaskCluster object; the controller's KubeController reads that
object back and builds the pods with make_pod(), and the Secret they mount with
make_secret(). Only the Kubernetes API calls between them are left out: the object
goes through JSON, as through the API server.
"""

import asyncio
import json
from dataclasses import dataclass
from types import SimpleNamespace

from dask_gateway_server.backends.kubernetes.backend import KubeBackend
from dask_gateway_server.backends.kubernetes.controller import KubeController
from dask_gateway_server.utils import FrozenAttrDict
from traitlets.config import Config

from .chart_hub import pod_config


@dataclass(frozen=True)
class Gateway:
    """A rendered dask-gateway Release's API server and controller config."""

    namespace: str
    api: Config
    api_env: dict[str, str]
    controller: Config


def chart_gateway(manifests: list[dict], namespace: str) -> Gateway:
    api, env = pod_config(manifests, namespace, "gateway")
    controller, _ = pod_config(manifests, namespace, "controller")
    return Gateway(namespace, api, env, controller)


@dataclass(frozen=True)
class Cluster:
    """What the controller creates for one cluster: its pods and the credentials Secret they mount."""

    scheduler: dict
    worker: dict
    secret: dict
    # Workers the gateway lets it scale to: cluster_max_workers within the cluster's cores and memory.
    max_workers: int | None


def option_bounds(gateway: Gateway) -> dict[str, tuple[float, float]]:
    """The Float options' (min, max), from the rendered Options themselves."""
    spec = KubeBackend(config=gateway.api).cluster_options.get_specification()
    return {f["field"]: (f["spec"]["min"], f["spec"]["max"]) for f in spec if f["spec"]["type"] == "float"}


def dask_cluster(gateway: Gateway, user: str, request: dict) -> Cluster:
    """The pods a cluster started by `user` with these options gets; options the handler refuses raise."""
    from .chart_hub import environment

    backend = KubeBackend(config=gateway.api)  # setup() would connect to the API; it is not called
    with environment(gateway.api_env):
        options, config = asyncio.run(backend.process_cluster_options(SimpleNamespace(name=user), request))
    obj = json.loads(json.dumps(backend.make_cluster_object(user, options, config)))
    controller = KubeController(config=gateway.controller)
    name, cluster_config = obj["metadata"]["name"], FrozenAttrDict(obj["spec"]["config"])
    return Cluster(
        scheduler=controller.make_pod(gateway.namespace, name, cluster_config),
        worker=controller.make_pod(gateway.namespace, name, cluster_config, is_worker=True),
        secret=controller.make_secret(name),
        max_workers=config.cluster_max_workers,
    )
