"""Machine shapes and list prices the config is checked and costed against.

Prices are on-demand and typical spot USD per hour in the regions the stacks use
(us-central1, us-west-2); docs/costs.md cites where each figure comes from.
"""

from typing import NamedTuple


class Machine(NamedTuple):
    vcpus: int
    memory_gb: int
    hourly_usd: float
    spot_hourly_usd: float


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

# Memory the kubelet, system daemons and eviction threshold keep for themselves;
# a profile asking for the whole machine would never schedule.
RESERVED_FRACTION = 0.1
