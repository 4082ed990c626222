"""Time to plan, render with helm and validate both stacks, against the target (60 s for both).

This is what `pytest tests/render` spends beyond its own start-up: one plan per
stack, one `helm template` per Release (two at a time), strict validation of every
object and the cluster-level collision checks. One run, in a fresh interpreter, so
the provider SDKs' and the validator's imports count.

    python bench/bench_render.py [--write docs/benchmarks.md]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sections import write_section

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0

PROBE = """
import json, time
from infra.plan import plan
from tests.render.stack import STACKS, build, conflict_report, validation_report
rows = []
for name in STACKS:
    t0 = time.perf_counter(); result = plan(name)
    t1 = time.perf_counter(); stack = build(name, result)
    t2 = time.perf_counter(); errors = validation_report(stack); problems = conflict_report(stack)
    t3 = time.perf_counter()
    rows.append({"stack": name, "plan": t1 - t0, "render": t2 - t1, "check": t3 - t2,
                 "releases": len(stack.rendered), "objects": len(stack.objects),
                 "errors": sum(map(len, errors.values())), "conflicts": sum(map(len, problems.values()))})
print(json.dumps(rows))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    load = os.getloadavg()[0]  # other work on the 2 cores shows up in every figure
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True)
    total = time.perf_counter() - start
    if out.returncode:
        sys.exit(f"bench_render failed (helm: `make .venv/tools/helm`; charts: PANGEO_CHARTS):\n{out.stderr}")
    rows = [
        "| stack | plan s | helm template s | validate + collision checks s | releases | objects | "
        "schema errors | collisions |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in json.loads(out.stdout):
        rows.append(f"| {r['stack']} | {r['plan']:.2f} | {r['render']:.2f} | {r['check']:.2f} | {r['releases']} | "
                    f"{r['objects']} | {r['errors']} | {r['conflicts']} |")
    body = "\n".join([
        f"Machine: {os.cpu_count()} cores; `python bench/bench_render.py`: one run in a fresh `python` that "
        "plans each stack under mocks, renders every Helm Release with the real `helm template` (two at a "
        "time) and validates every object strictly, then runs the cluster-level collision checks "
        f"(tests/render). Target: both stacks under 60 s. Load average when it started: {load:.1f}.",
        "",
        f"**Total, both stacks, imports included: {total:.1f} s = {total / TARGET_SECONDS:.2f} of the 60 s target.**",
        "",
        *rows,
        "",
        "Errors and collisions are counts on the tree measured; the tests in tests/render say which.",
    ])
    print(body)
    if args.write:
        write_section(args.write, "render-bench", "Helm render and validation", body, after="plan-bench")


if __name__ == "__main__":
    main()
