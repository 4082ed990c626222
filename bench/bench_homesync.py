#!/usr/bin/env python3
"""Benchmark homesync.sh against `cp -a` on one generated home volume.

    python bench/bench_homesync.py [--users 200] [--files-per-user 500]
                                   [--large 3 --large-mb 100] [--parallel 2,4]
                                   [--write docs/benchmarks.md]

Measures, on the same tree in one run:
  * bulk copy time with --parallel P, relative to `cp -a` (target <= 1.0)
  * final pass after ~1% of files changed, relative to bulk (targets: <= 0.1
    on the Pangeo-shaped tree, <= 0.25 on the many-small-files tree); the
    source is a local directory, so final takes the incremental path (one
    `find -cnewer` over the source, rsync on what changed); an rsync://
    source would walk both sides as before
and projects the cutover downtime (the final pass) for Pangeo's volumes
(2-5 TB, ~1 million files).  Prints a Markdown table; only with --write FILE
does it insert/replace a marked section in FILE.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sections import write_section

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "components" / "nfs_home" / "homesync.sh"
NOTE = ("Source: a local directory, so `final` takes the incremental path (one `find -cnewer` over the "
        "source, rsync on what changed; the destination is not walked). Through an `rsync://` daemon "
        "source there is no ctime, and `final` walks both sides as `bulk` does: not measured here.")


def generate(root: Path, users: int, files_per_user: int, large: int, large_mb: int, seed: int) -> tuple[int, int]:
    """Realistic shape: per user a few dirs (notebooks, data, .cache, envs),
    sizes log-uniform 100 B .. 50 kB (mean ~8 kB), 0.5% of 1-2 MB, and a few
    large files.  Default: ~100k files, ~2 GB."""
    rng = random.Random(seed)
    blob = os.urandom(2 << 20)
    nfiles = nbytes = 0
    root.mkdir(parents=True)
    subdirs = ["", "notebooks", "data", ".cache/pip", ".local/lib/python3.11/site-packages/pkg",
               "projects/a", "projects/b/figures"]
    for u in range(users):
        home = root / f"user{u:04d}"
        for d in subdirs:
            (home / d).mkdir(parents=True, exist_ok=True)
        for i in range(files_per_user):
            d = subdirs[rng.randrange(len(subdirs))]
            size = int(10 ** rng.uniform(2, 4.7)) if rng.random() < 0.995 else rng.randint(1 << 20, 2 << 20)
            off = rng.randrange(0, len(blob) - size) if size < len(blob) else 0
            p = home / d / f"f{i:05d}.dat"
            with open(p, "wb") as f:
                f.write(blob[off:off + size] if size <= len(blob) else os.urandom(size))
            os.chown(p, 1000, 100) if os.geteuid() == 0 else None
            nfiles += 1
            nbytes += size
        (home / "link").symlink_to("notebooks")
    for k in range(large):
        p = root / f"user{k:04d}" / f"large-{k}.nc"
        with open(p, "wb") as f:
            for _ in range(large_mb):
                f.write(os.urandom(1 << 20))
        nfiles += 1
        nbytes += large_mb << 20
    return nfiles, nbytes


def mutate(root: Path, fraction: float, seed: int) -> int:
    rng = random.Random(seed)
    files = sorted(p for p in root.rglob("*.dat"))
    chosen = rng.sample(files, max(1, int(len(files) * fraction)))
    for i, p in enumerate(chosen):
        if i % 10 == 0:
            p.unlink()
        else:
            with open(p, "ab") as f:
                f.write(b"changed by a user")
    for i in range(len(chosen) // 10):
        (root / f"user{i:04d}" / f"new-{i}.txt").write_bytes(os.urandom(2000))
    return len(chosen)


def timed(cmd: list[str]) -> float:
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    return time.monotonic() - t


def drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def homesync(src: Path, dst: Path, mode: str, parallel: int) -> float:
    return timed(["sh", str(SCRIPT), "--source", str(src), "--dest", str(dst),
                  "--mode", mode, "--parallel", str(parallel)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--files-per-user", type=int, default=500)
    ap.add_argument("--large", type=int, default=3, help="number of large files")
    ap.add_argument("--large-mb", type=int, default=100)
    ap.add_argument("--parallel", default="2,4", help="comma-separated --parallel values for bulk")
    ap.add_argument("--change", type=float, default=0.01, help="fraction of files changed before final")
    ap.add_argument("--workdir", default=None, help="scratch directory (default: a new temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated trees")
    ap.add_argument("--target-files", type=float, default=1e6, help="files on the real volume")
    ap.add_argument("--nfs-stat-ms", type=float, default=0.5,
                    help="assumed metadata round trip per file and side on NFS (ms)")
    ap.add_argument("--final-parallel", type=int, default=8, help="--parallel assumed for the real final pass")
    ap.add_argument("--write", metavar="FILE", help="insert/replace the benchmark section in FILE")
    ap.add_argument("--label", default="small files", help="names the tree, and its section in FILE")
    a = ap.parse_args()
    pars = [int(x) for x in a.parallel.split(",") if x]

    work = Path(a.workdir or tempfile.mkdtemp(prefix="homesync-bench-"))
    src = work / "src"
    try:
        t = time.monotonic()
        nfiles, nbytes = generate(src, a.users, a.files_per_user, a.large, a.large_mb, 1)
        gen_s = time.monotonic() - t
        print(f"generated {nfiles} files, {nbytes / 1e9:.2f} GB, {a.users} users in {gen_s:.1f}s",
              file=sys.stderr)
        cold = drop_caches()
        cp_s = timed(["cp", "-a", str(src), str(work / "cp")])
        shutil.rmtree(work / "cp")
        bulk = {}
        for p in pars:
            drop_caches()
            bulk[p] = homesync(src, work / f"bulk-p{p}", "bulk", p)
            print(f"bulk --parallel {p}: {bulk[p]:.1f}s (cp -a {cp_s:.1f}s)", file=sys.stderr)
        p_final = pars[0]
        dst = work / f"bulk-p{p_final}"
        for p in pars[1:]:
            shutil.rmtree(work / f"bulk-p{p}")
        changed = mutate(src, a.change, 2)
        drop_caches()
        # the one metadata walk an incremental final still makes (source only)
        find_s = timed(["find", str(src), "-cnewer", str(dst / ".homesync" / "users" / "user0000"),
                        "-print"])
        drop_caches()
        final_s = homesync(src, dst, "final", p_final)
        noop_s = homesync(src, dst, "final", p_final)
        verify_s = homesync(src, dst, "verify", p_final)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)

    per_file_ms = noop_s / nfiles * 1000 * p_final  # CPU-ms per file for a no-change walk
    proj_local = a.target_files * per_file_ms / 1000 / a.final_parallel
    # NFS: the incremental final costs one metadata round trip per file on
    # the source (its `find -cnewer`; READDIRPLUS batches some of it, so this
    # is pessimistic) and none on the destination, spread over --parallel
    # streams.
    proj_nfs = a.target_files * a.nfs_stat_ms / 1000 / a.final_parallel
    rows = [
        ("tree", f"{a.users} users, {nfiles:,} files, {nbytes / 1e9:.2f} GB "
                 f"({a.large} x {a.large_mb} MB large files)"),
        ("page cache", "dropped before each copy" if cold else "warm (could not drop caches)"),
        ("`cp -a`", f"{cp_s:.1f} s"),
    ]
    for p in pars:
        rows.append((f"bulk, --parallel {p}", f"{bulk[p]:.1f} s = **{bulk[p] / cp_s:.2f}x** cp -a"))
    rows += [
        (f"final after {changed} files (~{a.change:.0%}) changed, --parallel {p_final}",
         f"{final_s:.1f} s = **{final_s / bulk[p_final]:.3f}x** bulk"),
        ("`find -cnewer` over the whole source alone (cold cache)",
         f"{find_s:.1f} s = {find_s / bulk[p_final]:.3f}x bulk"),
        ("final with nothing changed", f"{noop_s:.1f} s ({per_file_ms:.3f} ms per file per stream)"),
        ("verify (checksums everything)", f"{verify_s:.1f} s"),
        (f"projected final, {a.target_files:,.0f} files, local-disk speed, --parallel {a.final_parallel}",
         f"{proj_local / 60:.1f} min"),
        (f"projected final, {a.target_files:,.0f} files, NFS at {a.nfs_stat_ms} ms/stat on the source, "
         f"--parallel {a.final_parallel}", f"{proj_nfs / 60:.1f} min + changed data / bandwidth"),
    ]
    table = ["| measurement | result |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    md = "\n".join([f"Machine: {os.cpu_count()} cores; `python bench/bench_homesync.py "
                    f"--users {a.users} --files-per-user {a.files_per_user} --parallel {a.parallel}`", "",
                    NOTE, "", *table])
    print(md)
    if a.write:
        path = Path(a.write)
        key = "homesync-bench-" + "-".join(a.label.split())
        write_section(path, key, f"Home directory sync (homesync.sh), {a.label}", md)
        print(f"updated {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
