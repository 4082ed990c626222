"""A Kubernetes cluster someone already runs: hubs go on it, nothing of the cluster is declared.

Its nodes must carry the labels and taints of their purpose (node_roles.py), as
GkeCluster and EksCluster give theirs; docs/daskhub.md lists the commands. It has
no cloud behind it here, so it offers no scratch bucket, image registry or DNS
record: a hub on it keeps `scratch`, `binder` and `dns.mode: cloud` off.
"""

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
from pydantic import Field

from components.fields import Base, Key, Number
from components.sizing import Allocatable

from .base import Cluster, PublicAddress


class Room(Base):
    """What one pod can request on an empty node: the node's Allocatable (`kubectl describe node`)
    less what its DaemonSets request."""

    cpu: Number = Field(gt=0, le=1024)
    memory_gib: Number = Field(gt=0, le=24576)

    @property
    def allocatable(self) -> Allocatable:
        return Allocatable(self.cpu, self.memory_gib)


class UserPool(Base):
    """Nodes user servers run on, told apart by their labels."""

    selector: dict[str, str] = Field(min_length=1, description="Labels every node of the pool has, and no other node.")
    room: Room


class ExistingClusterConfig(Base):
    """How to reach the cluster, and what its user and worker nodes are."""

    context: str | None = Field(None, min_length=1, description="kubeconfig context; unset: the current one.")
    user_pools: dict[Key, UserPool] = Field(min_length=1, description="Pools that profiles may name.")
    worker_room: Room = Field(description="What one dask worker may request on a worker node.")
    load_balancer_ip: ipaddress.IPv4Address | None = Field(
        None, description="An address the cloud has reserved for the hub's proxy; unset: the cloud picks one.")


@dataclass(frozen=True)
class ExistingClusterArgs:
    config: ExistingClusterConfig


class ExistingCluster(Cluster):
    """Only a provider for the cluster's API; the cluster itself stays out of this program's state."""

    def __init__(self, name: str, args: ExistingClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:ExistingCluster", name, None, opts)
        self._config = args.config
        self.provider = k8s.Provider(f"{name}-k8s", context=args.config.context, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})

    def node_selector(self, pool: str) -> dict[str, str]:
        return dict(self._config.user_pools[pool].selector)

    def public_address(self, name, *, parent, redundant=True):
        ip = self._config.load_balancer_ip
        if ip is None:  # known once the cloud has given the proxy's Service an address
            return PublicAddress(address=pulumi.Output.from_input(""), record_type="A", service_values={})
        return PublicAddress(address=pulumi.Output.from_input(str(ip)), record_type="A",
                             service_values={"loadBalancerIP": str(ip)})

    def scratch_bucket(self, name, **_):
        raise _unavailable("a scratch bucket", "set scratch.enabled: false")

    def image_registry(self, name, **_):
        raise _unavailable("an image registry for binder", "leave binder off")

    def dns_record(self, name, **_):
        raise _unavailable("a DNS zone", "set dns.mode: external and point the domain at the proxy's address yourself")


def _unavailable(what: str, instead: str) -> pulumi.RunError:
    return pulumi.RunError(f"an existing cluster has no cloud behind it here to make {what}: {instead}")
