"""Sizes: the old homes must fit the new share before anything is copied, and a share that fills
up anyway is reported as full, in one line.  Real small file systems (tmpfs, mounted as root)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess

import pytest
from daemon import rsync_daemon
from homesync_tree import IS_ROOT, compare, run

pytestmark = pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync not installed")
MiB = 1 << 20


@contextlib.contextmanager
def tmpfs(path, size):
    path.mkdir(parents=True, exist_ok=True)
    if not IS_ROOT:
        pytest.skip("mounting a small file system needs root")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill_homes(old):
    """Three homes, ~3 MiB of incompressible data between them."""
    for name, sizes in {"alice": [MiB + MiB // 2, 4000], "-54om-41ugspurger": [MiB], "bob": [MiB // 2, 10]}.items():
        (old / name / "data").mkdir(parents=True)
        for i, n in enumerate(sizes):
            (old / name / "data" / f"f{i}.bin").write_bytes(os.urandom(n))


def write_map(path):
    path.write_text("alice\talice\n-54om-41ugspurger\ttomaugspurger\nbob\tbob\n")
    return path


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("homesync: error:")]


@pytest.mark.parametrize("via", ["directory", "rsync-daemon"])
def test_old_homes_larger_than_the_new_share_stop_before_any_copy(tmp_path, via):
    with tmpfs(tmp_path / "old", "8m") as old, tmpfs(tmp_path / "new", "3m") as new:
        fill_homes(old)
        (new / "kept.txt").write_text("the new share's own file\n")
        before = sorted(os.listdir(new))
        with contextlib.ExitStack() as stack:
            src = stack.enter_context(rsync_daemon(old, tmp_path / "daemon")) if via == "rsync-daemon" else old
            r = run(src, new, "bulk", extra=["--map", str(write_map(tmp_path / "map.tsv"))])
        assert r.rc == 2, r.stderr
        (line,) = error_lines(r.stderr)
        assert re.fullmatch(r"homesync: error: the old homes use \d+ bytes; the new share '.*/new' holds 3145728, "
                            r"less than that plus 10% headroom: nothing copied", line), line
        assert sorted(os.listdir(new)) == before  # nothing changed


def test_a_full_share_says_so_in_one_line_and_the_next_run_finishes(tmp_path):
    with tmpfs(tmp_path / "old", "8m") as old, tmpfs(tmp_path / "new", "4m") as new:
        fill_homes(old)
        (new / "other-data.bin").write_bytes(os.urandom(2 * MiB))  # fits the check, not the copy
        m = write_map(tmp_path / "map.tsv")
        for attempt in range(2):  # the second run starts with the partial file kept for resuming
            r = run(old, new, "bulk", report=tmp_path / f"r{attempt}.json", extra=["--map", str(m)])
            assert r.rc == 3, r.stderr
            full = [line for line in error_lines(r.stderr) if "is full" in line or "device" in line]
            assert len(full) == 1, r.stderr
            assert re.fullmatch(rf"homesync: error: share '{new}' is full \(No space left on device\): "
                                r"[1-9]\d* bytes of the old homes still to copy, \d+ bytes free", full[0]), full[0]
            assert "I/O error" not in r.stderr and "cannot write stamp" not in r.stderr, r.stderr
            assert r.report["disk_full"] is True
        (new / "other-data.bin").unlink()
        r = run(old, new, "bulk", extra=["--map", str(m)])
        assert r.rc == 0, r.stderr
        for a, z in [("alice", "alice"), ("-54om-41ugspurger", "tomaugspurger"), ("bob", "bob")]:
            assert compare(old / a, new / z, xattrs=False) == []
