"""Time to plan, render with helm, validate and build every pod for both stacks and the example (target 60 s).

This is what `pytest tests/render tests/spawn` spends beyond its own start-up: one
plan per stack, one `helm template` per Release (two at a time), strict validation
of every object and the cluster-level collision checks; then every pod the
software would create, built by its upstream code (KubeSpawner, dask-gateway-server's
Kubernetes backend, binderhub's KubernetesBuildExecutor), validated, fitted and
resolved as tests/spawn does. One run, in a fresh interpreter, so the provider SDKs',
the validator's and the hub packages' imports count.

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
from tests.render.stack import RENDERED, conflict_report, planned, stack, validation_report
from tests.spawn.every_pod import stack_pod_problems
rows = []
for name in RENDERED:
    t0 = time.perf_counter(); planned(name)
    t1 = time.perf_counter(); rendered = stack(name)
    t2 = time.perf_counter(); errors = validation_report(rendered); problems = conflict_report(rendered)
    t3 = time.perf_counter(); pods, pod_problems = stack_pod_problems(name)
    t4 = time.perf_counter()
    rows.append({"stack": name, "plan": t1 - t0, "render": t2 - t1, "check": t3 - t2, "pods": t4 - t3,
                 "releases": len(rendered.rendered), "objects": len(rendered.objects), "pod_count": pods,
                 "errors": sum(map(len, errors.values())), "conflicts": sum(map(len, problems.values())),
                 "pod_problems": len(pod_problems)})
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
        "| stack | plan s | helm template s | validate + collision checks s | pod building s | releases | objects | "
        "pods | schema errors | collisions | pod problems |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    # z2jh's and binderhub-service's config loaders print what they load; the figures are the last line.
    for r in json.loads(out.stdout.splitlines()[-1]):
        rows.append(f"| {r['stack']} | {r['plan']:.2f} | {r['render']:.2f} | {r['check']:.2f} | {r['pods']:.2f} | "
                    f"{r['releases']} | {r['objects']} | {r['pod_count']} | {r['errors']} | {r['conflicts']} | "
                    f"{r['pod_problems']} |")
    body = "\n".join([
        f"Machine: {os.cpu_count()} cores; `python bench/bench_render.py`: one run in a fresh `python` that "
        "plans each stack under mocks, renders every Helm Release with the real `helm template` (two at a "
        "time) and validates every object strictly, then runs the cluster-level collision checks "
        "(tests/render); then builds every pod tests/spawn builds (user servers by KubeSpawner, Dask "
        "schedulers and workers by dask-gateway-server's Kubernetes backend, binder build pods by binderhub's "
        "KubernetesBuildExecutor) and validates, fits and resolves each. Target: all of it, both stacks and "
        f"the example, under 60 s. Load average when it started: {load:.1f}.",
        "",
        f"**Total, both stacks and the example, imports included: {total:.1f} s = {total / TARGET_SECONDS:.2f} of the 60 s target.**",
        "",
        *rows,
        "",
        "Errors, collisions and pod problems are counts on the tree measured; the tests in tests/render and "
        "tests/spawn say which.",
    ])
    print(body)
    if args.write:
        write_section(args.write, "render-bench", "Helm render, validation and pod building", body, after="plan-bench")


if __name__ == "__main__":
    main()
