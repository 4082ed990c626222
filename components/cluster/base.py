"""The contract between a cloud's Kubernetes cluster and the hubs that run on it.

DaskHub and NFSHome talk only to this interface; GkeCluster and EksCluster
implement it, so hub code never asks which cloud it is on.
"""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

# Binder images are rebuilt on demand, so a registry keeps each for this long after
# it was pushed (Artifact Registry cleanup policy, ECR lifecycle policy).
IMAGE_RETENTION_DAYS = 30

# Short enough that a cutover or its rollback reaches users within minutes.
DNS_TTL = 300


@dataclass(frozen=True)
class ScratchBucket:
    """A per-hub object store bucket users reach through their Kubernetes service account."""

    url: pulumi.Output[str]
    service_account_annotations: dict[str, pulumi.Input[str]]


@dataclass(frozen=True)
class PublicAddress:
    """Where a hub's load balancer answers, and the proxy Service settings that claim it.

    `address` is one address, or several joined by commas (an NLB's one per zone);
    empty while the cloud has yet to pick it."""

    address: pulumi.Output[str]
    record_type: str
    service_values: dict

    @property
    def addresses(self) -> pulumi.Output[list[str]]:
        """Each address on its own, as a DNS record lists them."""
        return self.address.apply(lambda joined: [a for a in joined.split(",") if a])


@dataclass(frozen=True)
class ImageRegistry:
    """Where a hub's image builder pushes, and the workload identity that may push there.

    No credentials: a pod running as the ServiceAccount the annotations go on gets
    short-lived ones from the cloud (`cloud` names how; binder_hub/refresh_push_secret.py).
    """

    image_prefix: pulumi.Output[str]
    server: pulumi.Input[str]
    cloud: str
    service_account_annotations: dict[str, pulumi.Input[str]]
    # What the refresher needs besides (AWS_REGION on AWS), and what must exist before it first runs.
    env: dict[str, str]
    identity: list[pulumi.Resource]


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

    def public_address(self, name: str, *, parent: pulumi.Resource, redundant: bool = True) -> PublicAddress:
        """A stable address for a hub's proxy load balancer.

        `redundant=False`: one zone's entry point is enough (a staging hub, a throwaway
        public binder), where the cloud spends an address per zone."""
        raise NotImplementedError

    def image_registry(
        self, name: str, *, namespace: pulumi.Input[str], service_account: str, parent: pulumi.Resource,
    ) -> ImageRegistry:
        """A registry the cluster's nodes can pull from, that pods running as `service_account` may push to."""
        raise NotImplementedError

    def dns_record(
        self, name: str, *, zone: str, domain: str, address: PublicAddress, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        """Points `domain` at `address` in the cloud's DNS service (TTL 300)."""
        raise NotImplementedError
