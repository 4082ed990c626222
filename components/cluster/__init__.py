"""The Kubernetes cluster: a cloud-neutral interface and its GKE and EKS variants."""

from .base import Cluster, PublicAddress, ScratchBucket

__all__ = ["Cluster", "PublicAddress", "ScratchBucket"]
