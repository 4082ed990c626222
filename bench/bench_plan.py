"""Time and memory of the offline plan for each stack, against the targets (3 s, 500 MB).

Each plan runs in a fresh interpreter, as `python -m infra.plan STACK --json`
does for a newcomer: imports of the provider SDKs included.

    python bench/bench_plan.py [--runs 3] [--write docs/benchmarks.md]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sections import write_section

REPO = Path(__file__).resolve().parents[1]
# What each row plans, as Python: the two stacks, and the example program (docs/daskhub.md).
PLANS = {
    "gcp": "plan('gcp')",
    "aws-us-west-2": "plan('aws-us-west-2')",
    "examples/daskhub": "plan_example()",
}
STACKS = ("gcp", "aws-us-west-2")  # the rows whose creation estimate applies (docs/estimates.md)
TARGET_SECONDS, TARGET_MB = 3.0, 500
IMPORTS = "from infra.plan import plan; from tests.example import plan_example"


def one_run(call: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one cold plan, measured in a child of its own."""
    probe = (
        f"import resource, sys, time; t = time.perf_counter(); {IMPORTS};"
        "from infra.plan.render import to_json;"
        f"to_json({call}); print(time.perf_counter() - t,"
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    _, peak_mb = map(float, out.stdout.split())
    return wall, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    rows = ["| stack | cold wall s (median) | ratio to 3 s | warm s | peak MB | ratio to 500 MB | resources | "
            "critical path min | ratio to unavoidable chain |",
            "|---|---|---|---|---|---|---|---|---|"]
    sys.path.insert(0, str(REPO))
    scope: dict = {}
    exec(IMPORTS, scope)

    for stack, call in PLANS.items():
        runs = [one_run(call) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        eval(call, scope)
        start = time.perf_counter()
        result = eval(call, scope)  # warm: SDK modules already imported
        warm = time.perf_counter() - start
        est = result.estimates
        rows.append(
            f"| {stack} | {wall:.2f} | {wall / TARGET_SECONDS:.2f} | {warm:.2f} | {peak:.0f} | {peak / TARGET_MB:.2f} | "
            f"{sum(r['custom'] for r in result.resources)} | " + (
                f"{est['critical_path_minutes']} (chain {est['unavoidable_chain_minutes']}) | "
                f"{est['critical_path_ratio']:.3f} |" if stack in STACKS else "n/a: no cluster declared | n/a |")
        )
    body = "\n".join([
        f"Machine: {os.cpu_count()} cores; `python bench/bench_plan.py --runs {args.runs}`: each run a fresh "
        "`python` that imports the program and plans the stack under mocks. Targets: under 3 s and 500 MB per "
        "stack; critical path at most 1.1 times the unavoidable chain (docs/estimates.md). Warm: a second "
        "plan in the same process, which shows what the provider SDKs' imports cost.",
        "",
        *rows,
    ])
    print(body)
    if args.write:
        write_section(args.write, "plan-bench", "Offline plan", body)


if __name__ == "__main__":
    main()
