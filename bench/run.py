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
    runs = [
        ["bench_plan.py"],
        ["bench_render.py"],
        ["node_allocatable.py"],
        # Many small files: the metadata walk dominates, the worst case for the final pass.
        ["bench_homesync.py"],
        # Pangeo's shape scaled down 200 times in files, ~1000 in bytes: ~1M files and 2-5 TB become 5k files and 4 GB.
        ["bench_homesync.py", "--users", "50", "--files-per-user", "100", "--large", "20", "--large-mb", "200",
         "--label", "Pangeo-shaped"],
    ]
    for script, *args in runs:
        subprocess.run([sys.executable, str(HERE / script), *args, "--write", target], check=True)


if __name__ == "__main__":
    main()
