"""docs/benchmarks.md's per-node-type section and docs/daskhub.md's table say what components/sizing.py computes.

Both are read by operators choosing machine types and worker sizes; a figure left
behind when sizing.py changes would promise a worker that no longer schedules.
"""

import re
import sys
from pathlib import Path

from components.sizing import MACHINES

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
import node_allocatable  # noqa: E402

PROVIDER = {machine: provider for provider, machines in MACHINES.items() for machine in machines}
_ROW = re.compile(r"^\| ([a-z0-9., -]+) \| ([0-9.]+ CPU, [0-9.]+ GiB) \| ([0-9.]+ cores, [0-9.]+ GiB) \|$", re.M)


def daskhub_problems(text: str) -> list[str]:
    """Rows of daskhub.md's node-type table whose figures differ from sizing.py's."""
    rows = _ROW.findall(text)
    problems = [] if rows else ["no node-type table found"]
    for types, for_one_pod, largest in rows:
        for machine in types.split(", "):
            provider = PROVIDER[machine]
            want = (node_allocatable.for_one_pod(provider, machine), node_allocatable.largest(provider, machine))
            if (for_one_pod, largest) != want:
                problems.append(f"{machine}: doc says {for_one_pod} / {largest}, sizing.py gives {want[0]} / {want[1]}")
    return problems


def test_daskhub_md_gives_sizing_pys_figures():
    assert daskhub_problems((REPO / "docs" / "daskhub.md").read_text()) == []


def test_a_stale_figure_in_daskhub_md_fails():
    right = node_allocatable.for_one_pod("gcp", "n2-highmem-4")
    stale = f"| n2-highmem-4 | 9{right} | {node_allocatable.largest('gcp', 'n2-highmem-4')} |\n"
    [problem] = daskhub_problems(stale)
    assert problem.startswith(f"n2-highmem-4: doc says 9{right}") and f"sizing.py gives {right}" in problem
    assert daskhub_problems("no table here") == ["no node-type table found"]


def test_benchmarks_md_has_the_current_section():
    """Rewritten by `python bench/node_allocatable.py --write docs/benchmarks.md` (make bench)."""
    text = (REPO / "docs" / "benchmarks.md").read_text()
    section = text.split("<!-- node-allocatable:start -->", 1)[1].split("<!-- node-allocatable:end -->", 1)[0]
    assert section.split("\n\n", 1)[1].strip() == node_allocatable.body().strip()
