"""Typical minutes to create one resource of each type; docs/estimates.md cites each figure.

Types not listed take DEFAULT_MINUTES; components and providers take none.
"""

DEFAULT_MINUTES = 0.1

CREATION_MINUTES: dict[str, float] = {
    # GCP
    "gcp:projects/service:Service": 1.0,
    "gcp:compute/network:Network": 0.5,
    "gcp:compute/subnetwork:Subnetwork": 0.3,
    "gcp:container/cluster:Cluster": 6.0,
    "gcp:container/nodePool:NodePool": 3.0,
    "gcp:filestore/instance:Instance": 8.0,
    "gcp:compute/address:Address": 0.2,
    # AWS
    "aws:ec2/vpc:Vpc": 0.2,
    "aws:ec2/subnet:Subnet": 0.1,
    "aws:ec2/natGateway:NatGateway": 2.0,
    "aws:eks/cluster:Cluster": 10.0,
    "aws:eks/nodeGroup:NodeGroup": 4.0,
    "aws:eks/addon:Addon": 1.5,
    "aws:efs/fileSystem:FileSystem": 0.5,
    "aws:efs/mountTarget:MountTarget": 1.5,
    # Kubernetes: a Release waits for its pods, image pulls and the load balancer.
    "kubernetes:helm.sh/v3:Release": 3.0,
}

# Network, then control plane, then the first node pool, then the hub's chart:
# no ordering of the program can make a hub faster than this chain. A program on a
# cluster that already exists (examples/daskhub) declares no network, control plane
# or pool: its chain is the hub's chart alone.
UNAVOIDABLE_CHAIN: dict[str, tuple[str, ...]] = {
    "existing cluster": ("kubernetes:helm.sh/v3:Release",),
    "gcp": ("gcp:compute/network:Network", "gcp:compute/subnetwork:Subnetwork", "gcp:container/cluster:Cluster",
            "gcp:container/nodePool:NodePool", "kubernetes:helm.sh/v3:Release"),
    "aws": ("aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:eks/cluster:Cluster",
            "aws:eks/nodeGroup:NodeGroup", "kubernetes:helm.sh/v3:Release"),
}
