"""What a pod can request on each node type, from components/sizing.py, written into docs/benchmarks.md.

Not timed: the figures are computed, so the section changes only when sizing.py or
a stack's node pools do (tests/docs/test_node_allocatable_doc.py fails until it is
rewritten). docs/daskhub.md's table gives the same figures for the types the stacks use.

    python bench/node_allocatable.py [--write docs/benchmarks.md]
"""

import argparse
import math
import sys
from pathlib import Path

from sections import write_section

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from components.sizing import (  # noqa: E402
    HEADROOM, KERNEL_KEEPS, MACHINES, NODE_STATIC_PODS, SYSTEM_DAEMONSETS, allocatable, kube_reserved, room)
from infra.config import parse_stack_config, read_stack_file  # noqa: E402

STACKS = ("gcp", "aws-us-west-2")
SOURCES = """Where each figure comes from (the comments in components/sizing.py cite each one):

- memory the node reports: the machine's memory less what the kernel keeps, the lowest share
  measured in 2i2c-org/infrastructure `instance_capacities.yaml` (n2-highmem-4 31.357 of 32 GiB,
  r5.xlarge 30.886 of 32 GiB);
- kubelet reservation and the 100 MiB eviction threshold: GKE's "Node allocatable resources"
  tiers; amazon-eks-ami's CPU tiers and 255 MiB + 11 MiB per pod (`eni-max-pods.txt`);
- DaemonSets: 2i2c-org/infrastructure `daemonset_requests.yaml`, the sums measured on GKE 1.27 and
  EKS 1.29 (kube-proxy included on EKS);
- static pods: GKE's kube-proxy on clusters without Dataplane V2, 100m CPU (kubernetes
  `cluster/gce` kube-proxy manifest);
- headroom: {cpu:g} CPU and {memory:g} GiB, since DaemonSet requests move with node upgrades;
- largest profile or worker: the room rounded down to 0.1, as the gateway's worker options are
  (components/dask_hub/gateway_values.py)."""


def used_by() -> dict[str, list[str]]:
    """Machine type -> the shipped stacks' node pools that run it (`stack/pool`)."""
    pools: dict[str, list[str]] = {}
    for name in STACKS:
        config = parse_stack_config(read_stack_file(REPO / f"Pulumi.{name}.yaml"))
        for key, pool in config.cluster.node_pools.items():
            for machine in (pool.machine_type, *pool.fallback_machine_types):
                pools.setdefault(machine, []).append(f"{name}/{key}")
    return pools


def for_one_pod(provider: str, machine_type: str) -> str:
    free = allocatable(provider, machine_type)
    return f"{free.cpu:.3f} CPU, {free.memory_gib:.1f} GiB"


def largest(provider: str, machine_type: str) -> str:
    fits = room(provider, machine_type)
    return f"{math.floor(fits.cpu * 10) / 10:g} cores, {math.floor(fits.memory_gib * 10) / 10:g} GiB"


def body() -> str:
    rows = ["| cloud | node type | sold | node reports | kubelet keeps | DaemonSets and static pods | "
            "allocatable for one pod | room (headroom kept) | largest profile or worker | shipped pools |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    pools = used_by()
    for provider, machines in MACHINES.items():
        system = SYSTEM_DAEMONSETS[provider]
        static = NODE_STATIC_PODS[provider]
        for machine_type, machine in machines.items():
            reports = machine.memory_gb * (1 - KERNEL_KEEPS[provider])
            kept = kube_reserved(provider, machine_type, reports, machine.vcpus)
            fits = room(provider, machine_type)
            rows.append(
                f"| {provider} | {machine_type} | {machine.vcpus} CPU, {machine.memory_gb} GiB | {reports:.1f} GiB | "
                f"{kept.cpu:.3f} CPU, {kept.memory_gib:.2f} GiB | {system.cpu + static.cpu:.3f} CPU, "
                f"{system.memory_gib + static.memory_gib:.2f} GiB | {for_one_pod(provider, machine_type)} | "
                f"{fits.cpu:.3f} CPU, {fits.memory_gib:.1f} GiB | {largest(provider, machine_type)} | "
                f"{', '.join(pools.get(machine_type, [])) or '-'} |")
    return "\n".join([
        "`python bench/node_allocatable.py`, computed from components/sizing.py: what one pod can request on "
        "an otherwise empty node of each type, and what a profile or Dask worker may ask for there.",
        "",
        *rows,
        "",
        SOURCES.format(cpu=HEADROOM.cpu, memory=HEADROOM.memory_gib),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    text = body()
    print(text)
    if args.write:
        write_section(args.write, "node-allocatable", "What a pod can request per node type", text, after="render-bench")


if __name__ == "__main__":
    main()
