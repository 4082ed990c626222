"""Run every benchmark once and record the figures in docs/benchmarks.md: `make bench`."""

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, required=True)
    target = str(parser.parse_args().write.resolve())
    for script in ("bench_plan.py", "bench_homesync.py"):
        subprocess.run([sys.executable, str(HERE / script), "--write", target], check=True)


if __name__ == "__main__":
    main()
