"""Machine shapes, and how much of a node is left for our pods once the cloud and its DaemonSets have theirs.

A pod requesting more CPU or memory than a node's allocatable, minus what every
DaemonSet and static pod on the node requests, never schedules: the autoscaler adds
nodes it can't use and the spawn times out. Profiles and the largest dask worker are
checked against `room()`, that less some headroom, so it shows up as a config error
instead.

Memory is in GiB throughout: profiles render as e.g. "28G", which KubeSpawner
(jupyterhub.traitlets.ByteSpecification) reads as 28 * 1024**3 bytes, and dask
worker_memory is multiplied by 2**30 (components/dask_hub/gateway_values.py).
"""

from typing import NamedTuple

MIB = 1 / 1024  # in GiB


class Machine(NamedTuple):
    vcpus: int
    memory_gb: int  # what the cloud sells: GCE "GB" and EC2 "GiB" are both GiB
    hourly_usd: float
    spot_hourly_usd: float


class Allocatable(NamedTuple):
    cpu: float
    memory_gib: float


# Prices are on-demand and typical spot USD per hour in the regions the stacks use
# (us-central1, us-west-2); docs/costs.md cites where each figure comes from.
MACHINES: dict[str, dict[str, Machine]] = {
    "gcp": {
        "e2-standard-4": Machine(4, 16, 0.134, 0.040),
        "n2-highmem-2": Machine(2, 16, 0.131, 0.032),
        "n2-highmem-4": Machine(4, 32, 0.262, 0.063),
        "n2-highmem-8": Machine(8, 64, 0.524, 0.126),
        "n2-highmem-16": Machine(16, 128, 1.048, 0.252),
        "n2-highmem-32": Machine(32, 256, 2.096, 0.504),
    },
    "aws": {
        "r5.xlarge": Machine(4, 32, 0.252, 0.090),
        "r5.2xlarge": Machine(8, 64, 0.504, 0.180),
        "r5.4xlarge": Machine(16, 128, 1.008, 0.360),
        "r6i.4xlarge": Machine(16, 128, 1.008, 0.370),
        "r7i.4xlarge": Machine(16, 128, 1.058, 0.380),
        "m5.xlarge": Machine(4, 16, 0.192, 0.070),
    },
}

# Pods per node on EKS with the VPC CNI: ENIs x (IPv4 addresses per ENI - 1) + 2, as
# listed in amazon-eks-ami templates/shared/runtime/eni-max-pods.txt (r5.xlarge:
# 4 ENIs x 15 addresses; the 4xlarge types: 8 x 30).
EKS_MAX_PODS = {
    "r5.xlarge": 4 * (15 - 1) + 2,
    "r5.2xlarge": 4 * (15 - 1) + 2,
    "r5.4xlarge": 8 * (30 - 1) + 2,
    "r6i.4xlarge": 8 * (30 - 1) + 2,
    "r7i.4xlarge": 8 * (30 - 1) + 2,
    "m5.xlarge": 4 * (15 - 1) + 2,
}

# The kubelet's hard eviction threshold, memory.available<100Mi, on both clouds
# (GKE: "Node allocatable resources"; EKS AMI kubelet config evictionHard).
EVICTION_GIB = 100 * MIB

# The kernel and firmware keep part of the machine before the kubelet counts it:
# node capacity as `kubectl get node` reports it, over the machine's nominal memory,
# lowest measured for the families we use (2i2c-org/infrastructure,
# deployer/commands/generate/resource_allocation/instance_capacities.yaml:
# n2-highmem-4 31.357 of 32 GiB; r5.xlarge 30.886 of 32 GiB).
KERNEL_KEEPS = {"gcp": 1 - 31.357 / 32, "aws": 1 - 30.886 / 32}

# CPU requests and memory (GiB) of the DaemonSets the cloud runs on every node. Not
# published per DaemonSet; these are the sums measured with kubectl on GKE 1.27 (this
# project's own cluster: calico-node, fluentbit-gke, gke-metadata-server,
# gke-metrics-agent, ip-masq-agent, netd, pdcsi-node, and two 2i2c support
# DaemonSets, so slightly high) and EKS 1.29 (aws-node, ebs-csi-node, kube-proxy and
# the same two), from 2i2c-org/infrastructure,
# deployer/commands/generate/resource_allocation/daemonset_requests.yaml.
SYSTEM_DAEMONSETS = {"gcp": Allocatable(0.344, 596 * MIB), "aws": Allocatable(0.195, 250 * MIB)}

# GKE runs kube-proxy on every node of a cluster without Dataplane V2 as a static pod,
# not a DaemonSet, so the sums above miss it (2i2c daemonset_requests.yaml says as
# much). Its manifest requests 100m CPU and no memory (kubernetes/kubernetes
# cluster/gce, kube-proxy static pod: "Increasing to 100m to avoid CPU starvation on
# full nodes"). The cluster keeps the legacy datapath with Calico network policy
# (components/cluster/gke.py): datapath_provider cannot change on a running cluster,
# and moving to Dataplane V2 would replace the cluster under its users. On EKS,
# kube-proxy is a DaemonSet and already in SYSTEM_DAEMONSETS.
NODE_STATIC_PODS = {"gcp": Allocatable(0.1, 0.0), "aws": Allocatable(0.0, 0.0)}

# What a profile or the largest dask worker leaves free on its node: DaemonSet
# requests move with GKE and EKS versions (an agent added or its request raised at a
# node upgrade), and a pod sized to the last millicore would stop scheduling then.
HEADROOM = Allocatable(0.05, 0.25)

# DaemonSets our charts put on user nodes. z2jh 4.4.0 enables the continuous image
# puller (prePuller.continuous.enabled: true) with prePuller.resources: {}, and
# binderhub-service's docker-api has dockerApi.resources: {}: neither requests
# anything (/work/shared/charts/*/values.yaml), so they cost nothing to scheduling.
HUB_DAEMONSETS = Allocatable(0.0, 0.0)


def _tiered(amount: float, tiers: list[tuple[float, float]]) -> float:
    """Sum of rate x the part of `amount` in each (size, rate) tier, the last tier unbounded."""
    reserved, floor = 0.0, 0.0
    for size, rate in tiers:
        reserved += rate * max(0.0, min(amount, floor + size) - floor)
        floor += size
    return reserved


# GKE "Standard cluster architecture > Node allocatable resources"
# (cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes); the EKS AMI
# (amazon-eks-ami, AL2 bootstrap.sh get_cpu_millicores_to_reserve; AL2023 nodeadm)
# reserves CPU for kube-reserved by the same tiers.
_CPU_TIERS = [(1, 0.06), (1, 0.01), (2, 0.005), (float("inf"), 0.0025)]
_GKE_MEMORY_TIERS = [(4, 0.25), (4, 0.20), (8, 0.10), (112, 0.06), (float("inf"), 0.02)]


def kube_reserved(provider: str, machine_type: str, memory_gib: float, vcpus: int) -> Allocatable:
    """What the kubelet keeps for the system on a node of this shape, eviction threshold included."""
    cpu = _tiered(vcpus, _CPU_TIERS)
    if provider == "gcp":
        memory = 255 * MIB if memory_gib < 1 else _tiered(memory_gib, _GKE_MEMORY_TIERS)
    else:
        # amazon-eks-ami: kube-reserved memory = 255 MiB + 11 MiB per pod the node can run.
        memory = (255 + 11 * EKS_MAX_PODS[machine_type]) * MIB
    return Allocatable(cpu, memory + EVICTION_GIB)


def allocatable(provider: str, machine_type: str) -> Allocatable:
    """CPU and GiB a pod can request on an otherwise empty node: the kubelet's
    allocatable less the cloud's and our charts' DaemonSets and the static pods."""
    machine = MACHINES[provider][machine_type]
    capacity = machine.memory_gb * (1 - KERNEL_KEEPS[provider])
    reserved = kube_reserved(provider, machine_type, capacity, machine.vcpus)
    taken = [reserved, SYSTEM_DAEMONSETS[provider], NODE_STATIC_PODS[provider], HUB_DAEMONSETS]
    return Allocatable(cpu=machine.vcpus - sum(t.cpu for t in taken),
                       memory_gib=capacity - sum(t.memory_gib for t in taken))


def room(provider: str, machine_type: str) -> Allocatable:
    """What one profile or dask worker may ask for on a node of this type: allocatable() less HEADROOM."""
    free = allocatable(provider, machine_type)
    return Allocatable(free.cpu - HEADROOM.cpu, free.memory_gib - HEADROOM.memory_gib)

