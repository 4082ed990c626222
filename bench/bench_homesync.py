#!/usr/bin/env python3
"""Benchmark homesync.sh on one generated home volume, on both of production's paths.

    python bench/bench_homesync.py [--users 200] [--files-per-user 500]
                                   [--large 3 --large-mb 100] [--parallel 4]
                                   [--label NAME] [--write docs/benchmarks.md]

Measures, on the same tree in one run, with the homes renamed by a map from
`python -m infra.migrate map-usernames` on both paths:
  * bulk copy time relative to `cp -a` (target <= 1.0), from a local directory
    (an NFS mount, as on AWS) and through a real rsync daemon on 127.0.0.1
    serving the tree with the export's own configuration and change scanner
    (components/legacy/export.py, scan_changes.sh: GCP's path);
  * the final pass after ~1% of files changed, relative to bulk, on each
    path (target: <= 0.1 on both trees through the daemon), and the final
    that walks everything through the daemon (--no-ctime-scan: what it did
    before the change scan) for comparison;
  * the scan alone and the per-file costs, from which it projects the final
    pass for 1,000,000 files at 0.5 ms per remote stat.
Every time runs until what the command wrote is on disk (see timed).
Prints a Markdown table; only with --write FILE does it insert/replace a
marked section in FILE.
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
SCANNER = REPO / "components" / "legacy" / "scan_changes.sh"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "homesync"))
from daemon import rsync_daemon  # noqa: E402  (the tests' loopback daemon: one definition of it)


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


def timed(cmd: list[str], env=None) -> float:
    """Seconds until `cmd` is done and what it wrote is on disk.

    The `sync` is part of the time: a copy to an NFS share is done when the
    server has the data (the client flushes on close), and this machine's page
    cache holds 20% of its memory dirty (vm.dirty_ratio), more than a whole
    tree, so without it a copy's time is that of filling memory, and the next
    copy pays for the last one's writeback."""
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    subprocess.run(["sync"], check=True)
    return time.monotonic() - t


def drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def homesync(src, dst: Path, mode: str, parallel: int, mapfile: Path, *extra: str) -> float:
    return timed(["sh", str(SCRIPT), "--source", str(src), "--dest", str(dst), "--mode", mode,
                  "--parallel", str(parallel), "--map", str(mapfile), *extra])


def map_usernames(src: Path, path: Path) -> None:
    listing = "".join(f"{n}\n" for n in sorted(os.listdir(src)))
    p = subprocess.run([sys.executable, "-m", "infra.migrate", "map-usernames"], input=listing,
                       capture_output=True, text=True, cwd=REPO, check=True)
    path.write_text(p.stdout)


def scan_alone(src: Path, work: Path, since: int) -> float:
    """The old side's change scan as the daemon runs it, timed on its own."""
    out = work / "scan-alone"
    out.mkdir()
    env = {**os.environ, "RSYNC_MODULE_PATH": str(out), "RSYNC_MODULE_NAME": "changes",
           "RSYNC_REQUEST": f"changes/{since}.benchscan01/"}
    t = timed(["sh", str(SCANNER), str(src)], env=env)
    shutil.rmtree(out)
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--files-per-user", type=int, default=500)
    ap.add_argument("--large", type=int, default=3, help="number of large files")
    ap.add_argument("--large-mb", type=int, default=100)
    ap.add_argument("--parallel", type=int, default=4, help="--parallel of every pass")
    ap.add_argument("--change", type=float, default=0.01, help="fraction of files changed before final")
    ap.add_argument("--workdir", default=None, help="scratch directory (default: a new temp dir)")
    ap.add_argument("--target-files", type=float, default=1e6, help="files on the real volume")
    ap.add_argument("--remote-stat-ms", type=float, default=0.5, help="one metadata round trip to a share (ms)")
    ap.add_argument("--final-parallel", type=int, default=8, help="--parallel assumed for the real final pass")
    ap.add_argument("--tree-age", type=float, default=200,
                    help="seconds between making the tree and the first bulk (see the scan's window)")
    ap.add_argument("--write", metavar="FILE", help="insert/replace the benchmark section in FILE")
    ap.add_argument("--label", default="small files", help="names the tree, and its section in FILE")
    a = ap.parse_args()
    par = a.parallel
    env_skew = {**os.environ, "HOMESYNC_CLOCK_SKEW": "0"}  # one clock: no margin re-reading the fresh tree
    os.environ.update(env_skew)

    work = Path(a.workdir or tempfile.mkdtemp(prefix="homesync-bench-"))
    src = work / "src"
    try:
        nfiles, nbytes = generate(src, a.users, a.files_per_user, a.large, a.large_mb, 1)
        made = time.time()
        mapfile = work / "map.tsv"
        map_usernames(src, mapfile)
        time.sleep(1.1)  # stamps are whole seconds: the tree is strictly older than the first
        cold = drop_caches()
        cp_s = timed(["cp", "-a", str(src), str(work / "cp")])
        shutil.rmtree(work / "cp")
        # The old side's scan stats every entry whose ctime falls within whole
        # minutes (two to spare) of the bulk's clean point: busybox find, in the
        # export's Alpine image, has -cmin but no -cnewer (scan_changes.sh). On a
        # real share the tree is days older than the bulk; a tree made seconds
        # before it would be stat'ed whole, which production never does.
        time.sleep(max(0.0, made + a.tree_age - time.time()))
        with rsync_daemon(src, work / "daemon") as url:
            paths = {"directory": src, "rsync daemon": url}
            bulk, final, noop = {}, {}, {}
            for name, source in paths.items():
                drop_caches()
                bulk[name] = homesync(source, work / f"dst-{name}", "bulk", par, mapfile)
                print(f"bulk ({name}): {bulk[name]:.1f}s (cp -a {cp_s:.1f}s)", file=sys.stderr)
            since = int(time.time()) - 1
            changed = mutate(src, a.change, 2)
            time.sleep(1.1)
            for name, source in paths.items():
                drop_caches()
                final[name] = homesync(source, work / f"dst-{name}", "final", par, mapfile)
                print(f"final ({name}): {final[name]:.1f}s", file=sys.stderr)
            for name, source in paths.items():
                noop[name] = homesync(source, work / f"dst-{name}", "final", par, mapfile)
            drop_caches()
            walk_s = homesync(url, work / "dst-rsync daemon", "final", par, mapfile, "--no-ctime-scan")
            drop_caches()
            scan_s = scan_alone(src, work, since)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    d = "rsync daemon"
    scale = a.target_files / nfiles
    stat_s = a.target_files * a.remote_stat_ms / 1000 / a.final_parallel
    # Projections for the real share, from this run's per-file costs (local CPU and disk,
    # scaled by file count) plus the round trips this machine does not pay: the
    # incremental final stats each source entry once, beside the data (the scan); the
    # full walk stats each entry on both shares.
    proj_inc = final[d] * scale * par / a.final_parallel + stat_s
    proj_walk = walk_s * scale * par / a.final_parallel + 2 * stat_s
    rows = [
        ("tree", f"{a.users} users, {nfiles:,} files, {nbytes / 1e9:.2f} GB ({a.large} x {a.large_mb} MB large files)"),
        ("page cache", "dropped before each copy" if cold else "warm (could not drop caches)"),
        ("`cp -a`", f"{cp_s:.1f} s"),
    ]
    for name in paths:
        rows.append((f"bulk from a {name}, --parallel {par}", f"{bulk[name]:.1f} s = **{bulk[name] / cp_s:.2f}x** cp -a"))
    for name in paths:
        rows.append((f"final from a {name} after {changed} files (~{a.change:.0%}) changed",
                     f"{final[name]:.1f} s = **{final[name] / bulk[name]:.3f}x** bulk"))
    rows += [
        ("final through the daemon, walking everything (`--no-ctime-scan`)",
         f"{walk_s:.1f} s = {walk_s / bulk[d]:.3f}x bulk"),
        ("the old side's change scan alone (scan_changes.sh)", f"{scan_s:.1f} s = {scan_s / bulk[d]:.3f}x bulk"),
        ("final with nothing changed, directory / daemon", f"{noop['directory']:.1f} s / {noop[d]:.1f} s"),
        (f"projected final through the daemon, {a.target_files:,.0f} files, {a.remote_stat_ms} ms per remote stat, "
         f"--parallel {a.final_parallel}", f"{proj_inc / 60:.1f} min + changed data / bandwidth"),
        ("the same, walking everything", f"{proj_walk / 60:.1f} min + changed data / bandwidth"),
    ]
    table = ["| measurement | result |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    md = "\n".join([
        f"Machine: {os.cpu_count()} cores; `python bench/bench_homesync.py --users {a.users} --files-per-user "
        f"{a.files_per_user} --large {a.large} --large-mb {a.large_mb} --parallel {par}`", "",
        "Both paths copy with `--map` from `python -m infra.migrate map-usernames`. The daemon is a real "
        "`rsync --daemon` on 127.0.0.1 with the export's configuration; its final pass copies what the old "
        "side's change scan lists. Each time includes a `sync`: a copy is done when its data is on disk. "
        "Projections add, to this run's per-file costs, one remote stat per entry for the scan (beside the "
        "data) and two for a full walk (both shares).", "", *table])
    print(md)
    if a.write:
        path = Path(a.write)
        key = "homesync-bench-" + "-".join(a.label.split())
        write_section(path, key, f"Home directory sync (homesync.sh), {a.label}", md)
        print(f"updated {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
