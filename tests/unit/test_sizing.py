"""Allocatable per machine from the clouds' documented reservations, and the stacks that must fit it."""

import pytest

from components.sizing import (
    EKS_MAX_PODS,
    HUB_DAEMONSETS,
    MACHINES,
    MIB,
    SYSTEM_DAEMONSETS,
    allocatable,
    kube_reserved,
)
from infra.config import parse_stack_config, read_stack_file
from infra.plan.run import REPO


def test_gke_memory_matches_the_documented_worked_example():
    # GKE docs / gke-node-allocatable-memory-calculator: 150 GiB keeps 9.8577 GiB, eviction included.
    assert kube_reserved("gcp", "n2-highmem-32", 150, 32).memory_gib == pytest.approx(9.8577, abs=1e-4)


def test_gke_small_machines_keep_255_mib():
    assert kube_reserved("gcp", "e2-micro", 0.6, 2).memory_gib == pytest.approx((255 + 100) * MIB)


def test_gke_cpu_tiers():
    # 6% + 1% + 2 x 0.5% of the first four cores, 0.25% of the rest.
    assert kube_reserved("gcp", "n2-highmem-4", 32, 4).cpu == pytest.approx(0.08)
    assert kube_reserved("gcp", "n2-highmem-16", 128, 16).cpu == pytest.approx(0.11)


def test_gke_reservation_reproduces_a_measured_node():
    # n2-highmem-4: capacity 31.357 GiB, allocatable 27.738 GiB (kubectl, 2i2c instance_capacities.yaml).
    assert 31.357 - kube_reserved("gcp", "n2-highmem-4", 31.357, 4).memory_gib == pytest.approx(27.738, abs=0.005)


def test_eks_memory_is_255_mib_plus_11_per_max_pod():
    assert EKS_MAX_PODS["r5.xlarge"] == 58 and EKS_MAX_PODS["r5.4xlarge"] == 234
    assert kube_reserved("aws", "r5.xlarge", 30.886, 4).memory_gib == pytest.approx((255 + 11 * 58 + 100) * MIB)


def test_eks_reservation_reproduces_a_measured_node():
    # r5.xlarge: capacity 30.886 GiB, allocatable 29.916 GiB.
    assert 30.886 - kube_reserved("aws", "r5.xlarge", 30.886, 4).memory_gib == pytest.approx(29.916, abs=0.005)


def test_every_aws_machine_has_a_max_pods_entry():
    assert set(MACHINES["aws"]) == set(EKS_MAX_PODS)


@pytest.mark.parametrize("provider, machine_type", [(p, m) for p in MACHINES for m in MACHINES[p]])
def test_allocatable_is_the_machine_less_every_reservation(provider, machine_type):
    machine = MACHINES[provider][machine_type]
    room = allocatable(provider, machine_type)
    assert 0 < room.cpu < machine.vcpus - SYSTEM_DAEMONSETS[provider].cpu - HUB_DAEMONSETS.cpu
    assert 0 < room.memory_gib < machine.memory_gb - SYSTEM_DAEMONSETS[provider].memory_gib


@pytest.mark.parametrize("stack", ["gcp", "aws-us-west-2"])
def test_shipped_stacks_parse_so_their_profiles_fit(stack):
    config = parse_stack_config(read_stack_file(REPO / f"Pulumi.{stack}.yaml"))
    for hub in config.hubs.values():
        default = next(p for p in hub.profiles.values() if p.default)
        room = allocatable(config.provider, config.cluster.node_pools[default.node_pool].machine_type)
        assert default.cpu <= room.cpu and default.memory_gb <= room.memory_gib
