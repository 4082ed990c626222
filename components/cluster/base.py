"""The contract between a cloud's Kubernetes cluster and the hubs that run on it.

DaskHub and NFSHome talk only to this interface; GkeCluster and EksCluster
implement it, so hub code never asks which cloud it is on.
"""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

# Short enough that a cutover or its rollback reaches users within minutes.
DNS_TTL = 300


@dataclass(frozen=True)
class ScratchBucket:
    """A per-hub object store bucket users reach through their Kubernetes service account."""

    url: pulumi.Output[str]
    service_account_annotations: dict[str, pulumi.Input[str]]


@dataclass(frozen=True)
class PublicAddress:
    """Where a hub's load balancer answers, and the proxy Service settings that claim it."""

    address: pulumi.Output[str]
    record_type: str
    service_values: dict


@dataclass(frozen=True)
class ImageRegistry:
    """Where a hub's image builder pushes, and the push credentials it uses."""

    image_prefix: pulumi.Output[str]
    server: str
    username: str
    password: pulumi.Output[str]


class Cluster(pulumi.ComponentResource):
    """A Kubernetes cluster with node pools by purpose, ready for hubs."""

    provider: k8s.Provider
    kubeconfig: pulumi.Output[str]
    storage_class: str

    def node_selector(self, pool: str) -> dict[str, str]:
        """Selects the nodes of one configured node pool."""
        raise NotImplementedError

    def scratch_bucket(
        self, name: str, *, namespace: pulumi.Input[str], service_account: str, retention_days: int,
        parent: pulumi.Resource,
    ) -> ScratchBucket:
        """A bucket whose objects expire, writable by pods running as `service_account`."""
        raise NotImplementedError

    def public_address(self, name: str, *, parent: pulumi.Resource) -> PublicAddress:
        """A stable address for a hub's proxy load balancer."""
        raise NotImplementedError

    def image_registry(self, name: str, *, parent: pulumi.Resource) -> ImageRegistry:
        """A registry the cluster's nodes can pull from, with credentials to push to it."""
        raise NotImplementedError

    def dns_record(
        self, name: str, *, zone: str, domain: str, address: PublicAddress, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        """Points `domain` at `address` in the cloud's DNS service (TTL 300)."""
        raise NotImplementedError
