"""Allocatable per machine from the clouds' documented reservations, and the stacks that must fit it."""

import pytest

import copy

from components.sizing import (
    EKS_MAX_PODS,
    HEADROOM,
    HUB_DAEMONSETS,
    MACHINES,
    MIB,
    NODE_STATIC_PODS,
    SYSTEM_DAEMONSETS,
    allocatable,
    kube_reserved,
    room,
)
from infra.config import ConfigError, parse_stack_config, read_stack_file
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
    assert 0 < room.cpu < machine.vcpus - SYSTEM_DAEMONSETS[provider].cpu - NODE_STATIC_PODS[provider].cpu \
        - HUB_DAEMONSETS.cpu
    assert 0 < room.memory_gib < machine.memory_gb - SYSTEM_DAEMONSETS[provider].memory_gib


def test_gke_counts_kube_proxy_and_eks_counts_it_among_its_daemonsets():
    """GKE's kube-proxy static pod (100m) leaves 3.476 CPU of an n2-highmem-4: 4 - 0.08 kubelet - 0.344 - 0.1."""
    assert allocatable("gcp", "n2-highmem-4").cpu == pytest.approx(3.476)
    assert allocatable("gcp", "n2-highmem-16").cpu == pytest.approx(15.446)
    assert NODE_STATIC_PODS["aws"].cpu == 0  # kube-proxy is in EKS's measured DaemonSet sum
    assert allocatable("aws", "r5.xlarge").cpu == pytest.approx(4 - 0.08 - 0.195)


@pytest.mark.parametrize("provider, machine_type", [(p, m) for p in MACHINES for m in MACHINES[p]])
def test_room_keeps_headroom_below_allocatable(provider, machine_type):
    free, usable = allocatable(provider, machine_type), room(provider, machine_type)
    assert free.cpu - usable.cpu == pytest.approx(HEADROOM.cpu) and HEADROOM.cpu > 0
    assert free.memory_gib - usable.memory_gib == pytest.approx(HEADROOM.memory_gib) and HEADROOM.memory_gib > 0


def _with_profile(stack, **profile):
    raw = copy.deepcopy(read_stack_file(REPO / f"Pulumi.{stack}.yaml"))
    raw["pangeo-hubs:hub_defaults"]["profiles"]["small"].update(profile)
    return raw


def test_a_profile_past_the_room_is_refused_though_the_node_has_it():
    """3.5 CPU was the shipped GCP default: it needs more than n2-highmem-4's 3.476 after kube-proxy."""
    with pytest.raises(ConfigError, match=r"profiles\.small\.cpu: 3\.5 CPU does not fit on n2-highmem-4"):
        parse_stack_config(_with_profile("gcp", cpu=3.5))
    # within allocatable but into the headroom: refused too
    with pytest.raises(ConfigError, match=r"profiles\.small\.cpu: .* does not fit"):
        parse_stack_config(_with_profile("gcp", cpu=round(room("gcp", "n2-highmem-4").cpu + 0.01, 3)))
    parse_stack_config(_with_profile("gcp", cpu=round(room("gcp", "n2-highmem-4").cpu, 3)))


@pytest.mark.parametrize("stack", ["gcp", "aws-us-west-2"])
def test_shipped_stacks_parse_so_their_profiles_fit(stack):
    config = parse_stack_config(read_stack_file(REPO / f"Pulumi.{stack}.yaml"))
    for hub in config.hubs.values():
        default = next(p for p in hub.profiles.values() if p.default)
        usable = room(config.provider, config.cluster.node_pools[default.node_pool].machine_type)
        assert default.cpu <= usable.cpu and default.memory_gb <= usable.memory_gib
