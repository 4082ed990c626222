"""The hubs of a stack, declared the same way on every cloud."""

from typing import Callable

import pulumi
import pulumi_kubernetes as k8s

from components.cluster import Cluster
from components.dask_hub import DaskHub, DaskHubArgs
from components.nfs_home import NFSHome
from infra.config import HubConfig, StackConfig
from infra.config.machines import MACHINES

HomeFactory = Callable[[str, HubConfig, pulumi.Output[str]], NFSHome]


def declare_hubs(
    config: StackConfig, cluster: Cluster, make_home: HomeFactory, cloud_opts: pulumi.ResourceOptions
) -> dict[str, tuple[DaskHub, NFSHome]]:
    """Each hub gets a namespace (shared by its home, charts and jobs), home storage and a DaskHub."""
    worker_pool = next(p for p in config.cluster.node_pools.values() if p.purpose == "worker")
    hubs = {}
    for name, hub in config.hubs.items():
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": name, "labels": {"app.kubernetes.io/part-of": "pangeo-hubs"}},
            opts=pulumi.ResourceOptions(provider=cluster.provider),
        )
        home = make_home(name, hub, namespace.metadata.name)
        daskhub = DaskHub(
            name,
            DaskHubArgs(
                hub=hub,
                namespace=namespace.metadata.name,
                cluster=cluster,
                home_values=home.singleuser_values,
                worker_machine=MACHINES[config.provider][worker_pool.machine_type],
                client_secret=hub.auth.github.client_secret.get_secret_value(),
                pool_names=list(config.cluster.node_pools),
            ),
            opts=cloud_opts,
        )
        hubs[name] = (daskhub, home)
    return hubs


def hub_outputs(hubs: dict[str, tuple[DaskHub, NFSHome]]) -> dict:
    return {
        name: {
            "url": daskhub.url,
            "load_balancer_address": daskhub.load_balancer_address,
            "home_server": home.server,
            "scratch_url": daskhub.scratch_url,
        }
        for name, (daskhub, home) in hubs.items()
    }
