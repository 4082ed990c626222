"""homesync.sh on production's GCP path: the old homes behind a real rsync daemon on
127.0.0.1 (the export's own configuration and change scanner, tests/homesync/daemon.py),
renamed by a map from `python -m infra.migrate map-usernames`.  Every comparison is an
independent os.lstat walk with content hashes (homesync_tree.compare)."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time

import pytest
from daemon import rsync_daemon
from homesync_tree import IS_ROOT, REPO, b, compare, diff_snapshots, make_tree, run, snapshot

from components.legacy import export

pytestmark = pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync not installed")

# escapism names as the old hub wrote them; "-54om-41ugspurger" is TomAugspurger
HOMES = ["alice", "-54om-41ugspurger", "has-2dhyphen", "j-2edoe", "bob", "carol", "dave", "erin"]
# stamps are whole seconds and everything runs on one clock: no margin needed
ENV = {**os.environ, "HOMESYNC_CLOCK_SKEW": "0"}


@pytest.fixture(scope="module")
def map_text():
    """The map exactly as an operator makes it: map-usernames over `ls` of the old homes
    (run once: it loads JupyterHub and KubeSpawner, seconds on a busy machine)."""
    listing = "".join(f"{n}\n" for n in sorted(HOMES))
    p = subprocess.run([sys.executable, "-m", "infra.migrate", "map-usernames"], input=listing,
                       capture_output=True, text=True, cwd=REPO, check=True)
    return p.stdout


@pytest.fixture
def homes_map(map_text, tmp_path):
    """(map file, [(old, new), ...])"""
    path = tmp_path / "map.tsv"
    path.write_text(map_text)
    return path, [tuple(line.split("\t")) for line in map_text.splitlines()]


def assert_exact(old, new, pairs):
    for a, z in pairs:
        diffs = compare(old / a, new / z, xattrs=False)
        if not IS_ROOT:
            diffs = [d for d in diffs if ": uid " not in d and ": gid " not in d]
        assert diffs == [], f"{a} -> {z}:\n" + "\n".join(diffs)


def make_homes(src, n_users):
    for i, name in enumerate(HOMES):
        make_tree(src / name, n_users=n_users, seed=i, xattrs=False)
    (src / "dave" / "projects" / "analysis").mkdir(parents=True)
    for i in range(3):
        (src / "dave" / "projects" / "analysis" / f"step{i}.py").write_text(f"step {i}\n")
    time.sleep(1.1)  # the tree is strictly older than the first stamp
    return src


@pytest.fixture
def old(tmp_path):
    """Small homes, for the cases that need only their shapes."""
    return make_homes(tmp_path / "old", 1)


@pytest.fixture
def old_homes(tmp_path):
    """Homes with ~700 entries between them: 1% of their files is a handful."""
    return make_homes(tmp_path / "old", 4)


def sync(url, new, mode, tmp_path, mapfile, name=None, **kw):
    r = run(url, new, mode, parallel=2, report=tmp_path / f"{name or mode}.json", env=kw.pop("env", ENV),
            extra=["--map", str(mapfile)], **kw)
    return r


def change_one_percent(old, rng):
    """About 1% of the files, every kind of change a user makes between bulk and final."""
    files = sorted(p for p in old.rglob("*") if p.is_file() and not p.is_symlink() and os.lstat(p).st_nlink == 1)
    rng.shuffle(files)
    k = max(1, len(files) // 300)  # three kinds: ~1% of the files
    same, bumped, gone = files[:k], files[k:2 * k], files[2 * k:3 * k]
    for p in same:  # content changed, size and mtime kept
        st = os.lstat(p)
        if st.st_size:
            data = p.read_bytes()
            p.write_bytes(bytes([data[0] ^ 0xFF]) + data[1:])
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    for p in bumped:
        with open(p, "ab") as f:
            f.write(b"more")
    for p in gone:
        p.unlink()
    (old / "alice" / "new-project" / "src").mkdir(parents=True)
    (old / "alice" / "new-project" / "src" / "a.py").write_text("print(1)\n")
    os.rename(old / "dave" / "projects" / "analysis", old / "dave" / "projects" / "analysis-v2")  # a moved tree
    # a moved tree holding files linked from outside it: a copy of the tree cannot link them
    os.rename(old / "bob" / "-dash-user", old / "bob" / "renamed-dir")
    (old / "-54om-41ugspurger" / "notes.md").write_text("cutover\n")
    os.chmod(old / "carol" / "-dash-user", 0o2770)
    return 3 * k


def test_final_through_the_daemon_is_incremental_and_exact(old_homes, homes_map, tmp_path):
    """Bulk, ~1% of files changed, final: exact, and no user walked whose changes allow it."""
    old = old_homes
    mapfile, pairs = homes_map
    assert sorted(os.listdir(old)) == sorted(HOMES)  # the listing map-usernames read
    assert ("-54om-41ugspurger", "tomaugspurger") in pairs
    new = tmp_path / "new"
    with rsync_daemon(old, tmp_path / "daemon") as url:
        r = sync(url, new, "bulk", tmp_path, mapfile)
        assert r.rc == 0, r.stderr
        assert_exact(old, new, pairs)
        changed = change_one_percent(old, random.Random(5))
        time.sleep(1.1)
        before = snapshot(old, with_ctime=True)
        f = sync(url, new, "final", tmp_path, mapfile)
        assert f.rc == 0, f.stderr
        assert f.report["change_scan"].startswith("changes since "), f.report["change_scan"]
        # incremental for every user but the one whose changes it cannot prove
        assert f.report["walked_fully"] == {"bob": "hard links in a new or moved directory"}, f.stderr
        assert 0 < f.report["files_transferred"] <= changed + 30
        assert diff_snapshots(before, snapshot(old, with_ctime=True), max_report=0) == [], "source changed"
        assert_exact(old, new, pairs)
        v = sync(url, new, "verify", tmp_path, mapfile)
        assert v.rc == 0, (v.stderr, v.report["differences"])
        again = sync(url, new, "final", tmp_path, mapfile, name="again")
        assert again.rc == 0 and again.report["files_transferred"] == 0, again.stderr
        assert again.report["walked_fully"] == {}


def test_users_the_scan_cannot_prove_are_walked_and_said_so(old, homes_map, tmp_path):
    mapfile, pairs = homes_map
    new = tmp_path / "new"
    with rsync_daemon(old, tmp_path / "daemon") as url:
        assert sync(url, new, "bulk", tmp_path, mapfile).rc == 0
        # a replaced home: same name, another inode (made before the old one goes,
        # else the file system may hand the same number out again)
        os.rename(old / "dave", old / "dave-old")
        make_tree(old / "dave", n_users=1, seed=99, xattrs=False)
        shutil.rmtree(old / "dave-old")
        # a pass that did not complete: its stamp is left open, DEST may hold anything
        (new / "erin" / "half-copied.tmp").write_text("x")
        with open(new / ".homesync" / "users" / "erin", "w") as stamp:
            stamp.write("\n")
        # a batched final that was killed before it committed: its stamps still
        # look closed, the batch's own record says they are not
        (new / "carol" / "half-copied.tmp").write_text("x")
        (new / ".homesync" / "batch.open").write_text("carol\n")
        time.sleep(1.1)
        f = sync(url, new, "final", tmp_path, mapfile)
        assert f.rc == 0, f.stderr
        assert f.report["walked_fully"] == {"carol": "home replaced, or its last pass did not complete",
                                            "dave": "home replaced, or its last pass did not complete",
                                            "erin": "home replaced, or its last pass did not complete"}
        assert_exact(old, new, pairs)
        assert not (new / ".homesync" / "batch.open").exists()


SKEWED_SCANNER = export.read_scan_script() + """
# the test's old side: a clock 60 s behind
sed -i 's/^now .*/now '"$(($started - 60))"'/' "$dir/meta"
"""


def test_a_scan_from_a_skewed_clock_is_not_trusted(old, homes_map, tmp_path):
    mapfile, pairs = homes_map
    new = tmp_path / "new"
    with rsync_daemon(old, tmp_path / "daemon", scanner=SKEWED_SCANNER) as url:
        assert sync(url, new, "bulk", tmp_path, mapfile).rc == 0
        (old / "alice" / "late.txt").write_text("late\n")
        time.sleep(1.1)
        f = sync(url, new, "final", tmp_path, mapfile, env={**ENV, "HOMESYNC_CLOCK_SKEW": "5"})
        assert f.rc == 0, f.stderr
        assert re.fullmatch(r"clock skew -(59|60)s beyond the 5s margin: no incremental pass", f.report["change_scan"])
        assert f.report["users_walked_fully"] == len(pairs)
        assert_exact(old, new, pairs)


def test_without_a_scan_every_user_is_walked_and_the_report_says_why(old, homes_map, tmp_path):
    mapfile, pairs = homes_map
    new = tmp_path / "new"
    with rsync_daemon(old, tmp_path / "daemon", scanner="echo 'homesync-scan: broken'; exit 1\n") as url:
        assert sync(url, new, "bulk", tmp_path, mapfile).rc == 0
        (old / "bob" / "late.txt").write_text("late\n")
        time.sleep(1.1)
        f = sync(url, new, "final", tmp_path, mapfile)
        assert f.rc == 0, f.stderr
        assert f.report["change_scan"].startswith("unavailable: ") and "broken" in f.report["change_scan"]
        assert f.report["users_walked_fully"] == len(pairs)
        assert_exact(old, new, pairs)


def test_a_prepopulated_destination_ends_exact_after_bulk_then_final(old, homes_map, tmp_path):
    mapfile, pairs = homes_map
    new = tmp_path / "new"
    (new / "alice" / "stale-dir").mkdir(parents=True)
    (new / "alice" / "stale-dir" / "old.txt").write_text("from an earlier attempt\n")
    (new / "alice" / "stale.txt").write_text("stale\n")
    with rsync_daemon(old, tmp_path / "daemon") as url:
        assert sync(url, new, "bulk", tmp_path, mapfile).rc == 0
        assert (new / "alice" / "stale.txt").exists()  # bulk never deletes
        f = sync(url, new, "final", tmp_path, mapfile)
        assert f.rc == 0, f.stderr
        assert list(f.report["walked_fully"]) == ["alice"]
        assert_exact(old, new, pairs)
        assert sync(url, new, "verify", tmp_path, mapfile).rc == 0
        again = sync(url, new, "final", tmp_path, mapfile, name="again")
        assert again.rc == 0 and again.report["walked_fully"] == {}, again.stderr


def test_a_symlinked_destination_home_leaves_its_target_untouched(old, homes_map, tmp_path):
    """DEST/<new> is a link to a directory outside DEST: replaced, never followed."""
    mapfile, pairs = homes_map
    new = tmp_path / "new"
    victim = tmp_path / "victim"
    make_tree(victim, n_users=1, seed=7, xattrs=False)
    new.mkdir()
    os.symlink(victim, new / "has-hyphen")
    outside = snapshot(victim, with_ctime=True)
    with rsync_daemon(old, tmp_path / "daemon") as url:
        for mode in ("bulk", "final"):
            r = sync(url, new, mode, tmp_path, mapfile)
            assert r.rc == 0, r.stderr
        assert sync(url, new, "verify", tmp_path, mapfile).rc == 0
    assert not os.path.islink(new / "has-hyphen")
    assert diff_snapshots(outside, snapshot(victim, with_ctime=True), max_report=0) == []
    assert_exact(old, new, pairs)


def test_verify_reports_a_symlinked_home_without_following_it(old, homes_map, tmp_path):
    mapfile, pairs = homes_map
    new = tmp_path / "new"
    assert run(old, new, "bulk", extra=["--map", str(mapfile)]).rc == 0
    shutil.rmtree(new / "bob")
    os.symlink(old / "bob", new / "bob")  # would compare equal if followed
    v = run(old, new, "verify", report=tmp_path / "v.json", extra=["--map", str(mapfile)])
    assert v.rc == 1 and "*symlink bob (a symlink where a home belongs)" in v.report["differences"]


def test_every_daemon_connection_drops_nagles_waits_on_both_ends(old, homes_map, tmp_path):
    """Each of rsync's small protocol messages would wait for the peer's delayed ACK
    (0.2 s a connection, where the transfer takes 0.03 s): the client asks for
    TCP_NODELAY on every rsync:// call, and the export's configuration sets it on the
    daemon's side, which reads it without a complaint (rsyncd logs an unknown
    parameter or socket option and goes on)."""
    mapfile, _ = homes_map
    calls, wrappers = tmp_path / "calls", tmp_path / "bin"
    wrappers.mkdir()
    (wrappers / "rsync").write_text(f'#!/bin/sh\nprintf "%s " "$@" >>{calls}; echo >>{calls}\n'
                                    f'exec {shutil.which("rsync")} "$@"\n')
    (wrappers / "rsync").chmod(0o755)
    env = {**ENV, "PATH": f"{wrappers}:{os.environ['PATH']}"}
    with rsync_daemon(old, tmp_path / "daemon") as url:
        assert sync(url, tmp_path / "new", "bulk", tmp_path, mapfile, env=env).rc == 0
        (old / "alice" / "late.txt").write_text("late\n")
        time.sleep(1.1)
        f = sync(url, tmp_path / "new", "final", tmp_path, mapfile, env=env)
        assert f.rc == 0 and f.report["change_scan"].startswith("changes since "), f.stderr
    remote = [c for c in calls.read_text().splitlines() if "rsync://" in c]
    assert len(remote) >= 4  # the listing, the scans, the copies
    assert [c for c in remote if "--sockopts=TCP_NODELAY" not in c.split()] == []
    log = (tmp_path / "daemon" / "rsyncd.log").read_text()
    assert "connect from UNDETERMINED (127.0.0.1)" in log  # no reverse lookup
    assert not re.search(r"(?i)unknown|ignoring", log), log


def test_changed_names_that_end_in_a_blank_are_copied_by_the_incremental_final(old, homes_map, tmp_path):
    """The batch's lists keep every byte of a name: a changed 'notes ' once went out as 'notes',
    which rsync skipped as missing, and final and its report said all was well."""
    mapfile, pairs = homes_map
    names = ["notes ", "tab\t", " lead", "dir /inner "]
    (old / "alice" / "dir ").mkdir()
    for n in names:
        (old / "alice" / n).write_text("before\n")
    time.sleep(1.1)
    new = tmp_path / "new"
    with rsync_daemon(old, tmp_path / "daemon") as url:
        assert sync(url, new, "bulk", tmp_path, mapfile).rc == 0
        for n in names:
            (old / "alice" / n).write_text("after the bulk\n")
        time.sleep(1.1)
        f = sync(url, new, "final", tmp_path, mapfile)
        assert f.rc == 0 and f.report["walked_fully"] == {}, f.stderr
        assert f.report["files_transferred"] >= len(names)
        assert_exact(old, new, pairs)
