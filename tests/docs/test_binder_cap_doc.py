"""docs/binder.md's price of a public binder's cap is what infra/cost.py computes from each shipped stack.

Operators read it to decide a quota; a figure left behind when the pools, the quota or
sizing.py's prices change would understate what abuse can cost.
"""

import re
from pathlib import Path

from infra.config import parse_stack_config, read_stack_file
from infra.cost import PoolCost, binder_cap_hourly
from tests.render.stack import STACKS

REPO = Path(__file__).resolve().parents[2]
_LINE = re.compile(r"^- `([\w-]+)`: servers and Dask pods (\d+) ([\w.-]+), \$([0-9.]+) an hour; "
                   r"builds (\d+) ([\w.-]+), \$([0-9.]+) an hour\.$", re.M)


def _pool(nodes: str, machine: str, usd: str) -> PoolCost:
    return PoolCost(int(nodes), machine, float(usd))


def cap_problems(text: str) -> list[str]:
    """Each shipped stack's line in the text, against binder_cap_hourly of its stack file."""
    found = {m[0]: (_pool(*m[1:4]), _pool(*m[4:7])) for m in _LINE.findall(text)}
    problems = []
    for name in STACKS:
        config = parse_stack_config(read_stack_file(REPO / f"Pulumi.{name}.yaml"))
        want = binder_cap_hourly(config, "binder")
        if found.get(name) != want:
            problems.append(f"{name}: doc says {found.get(name)}, infra/cost.py gives {want}")
    return problems


def test_binder_md_prices_the_cap_as_cost_py_does():
    assert cap_problems((REPO / "docs" / "binder.md").read_text()) == []


def test_a_stale_price_fails():
    text = (REPO / "docs" / "binder.md").read_text().replace("$1.65 an hour", "$1.20 an hour")
    [problem] = cap_problems(text)
    assert problem.startswith("gcp: doc says (PoolCost(nodes=6, machine_type='n2-highmem-4', hourly_usd=1.2)")
    assert len(cap_problems("no prices here")) == len(STACKS)
