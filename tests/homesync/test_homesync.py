"""homesync.sh against real rsync and real files.

Every comparison of trees is done by homesync_tree.compare, which walks both
trees with os.lstat and hashes content -- it does not trust rsync.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import threading
import time

import pytest
from homesync_tree import (
    IS_ROOT,
    PARTS,
    SCANNER,
    SCRIPT,
    STATE_NAME,
    WORK_NAME,
    b,
    compare,
    diff_snapshots,
    make_tree,
    run,
    run_raw,
    snapshot,
    xattr_support,
)

pytestmark = [
    pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync not installed"),
    pytest.mark.skipif(shutil.which("sh") is None, reason="no /bin/sh"),
]


@pytest.fixture
def xattrs_ok(tmp_path):
    ok, why = xattr_support(tmp_path)
    if not ok:
        print(f"NOTE: xattr assertions disabled: {why}")
    return ok


@pytest.fixture
def home(tmp_path, xattrs_ok):
    src = tmp_path / "legacy"
    tree = make_tree(src, n_users=40, seed=7, xattrs=xattrs_ok)
    return tree, src, tmp_path / "new-home"


def assert_same(src, dst, xattrs_ok):
    diffs = compare(src, dst, xattrs=xattrs_ok)
    assert diffs == [], "trees differ:\n" + "\n".join(diffs)


def assert_no_work(dst):
    assert not os.path.lexists(os.path.join(b(dst), WORK_NAME)), "scratch dir left in dest"


def test_tree_covers_the_cases(home):
    """Guard against the fixture silently losing coverage."""
    tree, src, _ = home
    snap = snapshot(src)["entries"]
    kinds = {e["type"] for e in snap.values()}
    assert {stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK, stat.S_IFIFO} <= kinds
    assert any(e["mode"] & stat.S_ISGID for e in snap.values() if e["type"] == stat.S_IFDIR)
    assert any(e["mode"] == 0o600 for e in snap.values() if e["type"] == stat.S_IFREG)
    assert any(not os.path.exists(os.path.join(b(src), r)) for r, e in snap.items()
               if e["type"] == stat.S_IFLNK), "no dangling symlink"
    assert snapshot(src)["hardlink_groups"], "no hard links"
    assert tree.sparse and all(snap[r]["sparse"] for r in tree.sparse), \
        "filesystem did not keep the fixture file sparse"
    if IS_ROOT:
        assert {e["uid"] for e in snap.values()} >= {0, 1000, 1001, 12345}
    assert len(snap) > 800


def test_bulk_copies_everything_exactly(home, tmp_path, xattrs_ok):
    tree, src, dst = home
    before = snapshot(src, with_ctime=True)
    r = run(src, dst, "bulk", report=tmp_path / "bulk.json")
    assert r.rc == 0, r.stderr
    if not IS_ROOT:
        pytest.skip("not root: ownership cannot be preserved; rest checked in other tests")
    assert_same(src, dst, xattrs_ok)
    assert_no_work(dst)
    assert diff_snapshots(before, snapshot(src, with_ctime=True), max_report=0) == [], \
        "source changed"
    # sparse stays sparse (also part of compare(); explicit here)
    for rel in tree.sparse:
        st = os.lstat(os.path.join(b(dst), rel))
        assert st.st_blocks * 512 < 1024 * 1024, f"{rel!r} lost sparseness: {st.st_blocks} blocks"
    rep = r.report
    assert rep["mode"] == "bulk" and rep["result"] == "ok" and rep["exit_code"] == 0
    assert rep["users"] == 40 and rep["parallel"] == 1 and rep["failed_users"] == []
    nfiles = len({(s.st_dev, s.st_ino) for s in
                  (os.lstat(os.path.join(b(src), f)) for f in tree.files)})
    # rsync counts every regular file it writes; hard-link copies are links
    assert nfiles <= rep["files_transferred"] <= nfiles + 60, rep
    total = sum(os.lstat(os.path.join(b(src), f)).st_size for f in tree.files)
    assert 0.9 * total <= rep["bytes_transferred"] <= 1.1 * total + 10**6, rep
    assert isinstance(rep["duration_seconds"], int) and rep["duration_seconds"] >= 0
    assert rep["differences"] == [] and rep["differences_count"] == 0

    # a second bulk pass is a no-op
    r2 = run(src, dst, "bulk", report=tmp_path / "bulk2.json")
    assert r2.rc == 0, r2.stderr
    assert r2.report["files_transferred"] == 0 and r2.report["bytes_transferred"] == 0
    assert_same(src, dst, xattrs_ok)
    # and verify agrees, without touching either side
    dst_before = snapshot(dst, with_ctime=True)
    v = run(src, dst, "verify", report=tmp_path / "verify.json")
    assert v.rc == 0, v.stderr
    assert v.report["result"] == "ok" and v.report["differences"] == []
    assert diff_snapshots(dst_before, snapshot(dst, with_ctime=True), max_report=0) == []
    assert diff_snapshots(before, snapshot(src, with_ctime=True), max_report=0) == []


def test_parallel_gives_identical_results(home, tmp_path, xattrs_ok):
    _, src, dst = home
    before = snapshot(src, with_ctime=True)
    r = run(src, dst, "bulk", parallel=4, report=tmp_path / "p4.json")
    assert r.rc == 0, r.stderr
    assert r.report["parallel"] == 4 and r.report["users"] == 40
    if IS_ROOT:
        assert_same(src, dst, xattrs_ok)
    assert_no_work(dst)
    # same result as a sequential copy of the same tree
    dst1 = tmp_path / "seq"
    r1 = run(src, dst1, "bulk", parallel=1, report=tmp_path / "p1.json")
    assert r1.rc == 0, r1.stderr
    assert diff_snapshots(snapshot(dst1, exclude_state=True), snapshot(dst, exclude_state=True), xattrs=xattrs_ok) == []
    assert r1.report["files_transferred"] == r.report["files_transferred"]
    assert r1.report["bytes_transferred"] == r.report["bytes_transferred"]
    assert diff_snapshots(before, snapshot(src, with_ctime=True), max_report=0) == []


def mutate(src, tree, rng: random.Random) -> dict:
    """~1% changes of each kind, like users working between bulk and final."""
    root = b(src)
    J = lambda rel: os.path.join(root, rel)  # noqa: E731
    files = [f for f in tree.files if os.path.isfile(J(f)) and not os.path.islink(J(f))]
    rng.shuffle(files)
    k = max(3, len(files) // 100)
    same_size, bumped, deleted = files[:k], files[k:2 * k], files[2 * k:3 * k]
    for rel in same_size:  # content change keeping size AND mtime
        st = os.lstat(J(rel))
        if st.st_size == 0:
            continue
        with open(J(rel), "r+b") as f:
            f.write(bytes(x ^ 0xFF for x in f.read(16)))
        os.utime(J(rel), ns=(st.st_atime_ns, st.st_mtime_ns))
    for rel in bumped:  # ordinary edit: content and mtime
        with open(J(rel), "ab") as f:
            f.write(b"more")
    for rel in deleted:
        os.unlink(J(rel))
    shutil.rmtree(J(b"user013"))  # a whole user went away
    os.unlink(J(b"top-b"))  # top-level file deleted
    os.unlink(J(b"dangling-top"))  # top-level symlink deleted
    os.makedirs(J(b"newuser/notebooks"))
    for i in range(5):
        with open(J(b"newuser/notebooks/nb%d.ipynb" % i), "wb") as f:
            f.write(rng.randbytes(1000))
    with open(J(b"NEW-TOP-FILE"), "wb") as f:
        f.write(b"hello")
    with open(J(b"user020/new file.txt"), "wb") as f:
        f.write(b"new")
    os.chmod(J(b"user021/data"), 0o2770)  # metadata-only change
    if IS_ROOT:
        os.chown(J(b"user022/run.sh"), 2000, 2000)
    os.unlink(J(b"user023/.bashrc"))  # type change file -> dir
    os.mkdir(J(b"user023/.bashrc"))
    shutil.rmtree(J(b"user024/nested"))  # dir tree removed
    os.symlink(b"elsewhere", J(b"user024/nested"))  # ...and replaced by a symlink
    return {"same_size": same_size, "bumped": bumped, "deleted": deleted}


def test_final_after_changes_propagates_everything(home, tmp_path, xattrs_ok):
    tree, src, dst = home
    r = run(src, dst, "bulk", parallel=2)
    assert r.rc == 0, r.stderr
    time.sleep(0.05)  # ctime granularity: changes happen after the bulk pass
    changed = mutate(src, tree, random.Random(3))
    before = snapshot(src, with_ctime=True)

    # a second bulk pass does not delete anything...
    r = run(src, dst, "bulk", parallel=2)
    assert r.rc == 0, r.stderr
    for rel in changed["deleted"]:
        assert os.path.lexists(os.path.join(b(dst), rel)), "bulk must not delete"
    assert os.path.lexists(os.path.join(b(dst), b"top-b"))
    time.sleep(0.05)
    # ...the final pass does, and makes the trees identical
    f = run(src, dst, "final", parallel=2, report=tmp_path / "final.json")
    assert f.rc == 0, f.stderr
    assert f.report["mode"] == "final" and f.report["users"] == 40
    if f.report["ctime_rechecked_files"] == 0:
        pytest.fail("ctime scan found nothing although files changed: " + f.stderr)
    if IS_ROOT:
        assert_same(src, dst, xattrs_ok)
    assert_no_work(dst)
    for rel in changed["deleted"]:
        assert not os.path.lexists(os.path.join(b(dst), rel))
    assert not os.path.lexists(os.path.join(b(dst), b"user013"))
    assert not os.path.lexists(os.path.join(b(dst), b"top-b"))
    assert diff_snapshots(before, snapshot(src, with_ctime=True), max_report=0) == []
    v = run(src, dst, "verify", report=tmp_path / "v.json")
    assert v.rc == 0, v.stderr + str(v.report)


def test_final_without_ctime_scan_leaves_same_size_change_to_verify(home, tmp_path):
    """Documents the limit of size+mtime quick check: verify catches it."""
    tree, src, dst = home
    assert run(src, dst, "bulk").rc == 0
    rel = os.path.join(b"user011", b"notebook.ipynb")
    p = os.path.join(b(src), rel)
    st = os.lstat(p)
    with open(p, "r+b") as f:
        f.write(b"XXXX")
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    f = run(src, dst, "final", extra=["--no-ctime-scan"])
    assert f.rc == 0, f.stderr
    v = run(src, dst, "verify", report=tmp_path / "v.json")
    assert v.rc == 1
    assert any("user011/notebook.ipynb" in d for d in v.report["differences"])


def test_verify_detects_corruption_keeping_size_and_mtime(home, tmp_path):
    _, src, dst = home
    assert run(src, dst, "bulk").rc == 0
    v = run(src, dst, "verify", report=tmp_path / "ok.json")
    assert v.rc == 0, v.stderr
    rel = os.path.join(b"user030", b"data", b"b.nc")
    p = os.path.join(b(dst), rel)
    st = os.lstat(p)
    with open(p, "r+b") as f:
        f.seek(100)
        f.write(b"corrupt!")
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.lstat(p).st_size == st.st_size
    v = run(src, dst, "verify", report=tmp_path / "bad.json")
    assert v.rc == 1, v.stderr
    assert "user030/data/b.nc" in v.stderr
    assert v.report["result"] == "differences" and v.report["exit_code"] == 1
    assert v.report["differences_count"] == 1, v.report["differences"]
    assert v.report["differences"][0].endswith("user030/data/b.nc")
    assert v.report["differences"][0].startswith(">fc")


def _metadata_change(kind, dst, xattrs_ok):
    d = b(dst)
    if kind == "mode":
        os.chmod(os.path.join(d, b"user031/.ssh/id_rsa"), 0o644)
        return "user031/.ssh/id_rsa"
    if kind == "owner":
        if not IS_ROOT:
            pytest.skip("not root: cannot chown")
        os.chown(os.path.join(d, b"user031/run.sh"), 4242, 100)
        return "user031/run.sh"
    if kind == "group":
        if not IS_ROOT:
            pytest.skip("not root: cannot chgrp to arbitrary groups")
        os.chown(os.path.join(d, b"user031/run.sh"), -1, 4242)
        return "user031/run.sh"
    if kind == "file-mtime":
        os.utime(os.path.join(d, b"user031/.bashrc"), ns=(0, 12345))
        return "user031/.bashrc"
    if kind == "dir-mtime":
        os.utime(os.path.join(d, b"user031/nested/empty"), ns=(0, 12345))
        return "user031/nested/empty/"
    if kind == "symlink-target":
        p = os.path.join(d, b"user031/link-rel")
        st = os.lstat(p)
        os.unlink(p)
        os.symlink(b"data/b.nc", p)
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
        return "user031/link-rel"
    if kind == "hardlink-broken":
        p = os.path.join(d, b"user031/hardlink-to-a.csv")
        tmp = p + b".tmp"
        shutil.copy2(p, tmp)
        os.rename(tmp, p)
        return "user031/hardlink-to-a.csv"
    if kind == "xattr":
        if not xattrs_ok:
            pytest.skip("filesystem has no user xattrs")
        os.setxattr(os.path.join(d, b"user031/.bashrc"), "user.tampered", b"1")
        return "user031/.bashrc"
    if kind == "missing":
        os.unlink(os.path.join(d, b"user031/zero-length"))
        return "user031/zero-length"
    if kind == "extra":
        with open(os.path.join(d, b"user031/extra"), "wb") as f:
            f.write(b"x")
        return "user031/extra"
    if kind == "top-level-file":
        os.chmod(os.path.join(d, b"README.md"), 0o600)
        return "README.md"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", [
    "mode", "owner", "group", "file-mtime", "dir-mtime", "symlink-target",
    "hardlink-broken", "xattr", "missing", "extra", "top-level-file",
])
def test_verify_detects_metadata_differences(tmp_path, kind, xattrs_ok):
    src = tmp_path / "src"
    make_tree(src, n_users=32, seed=11, xattrs=xattrs_ok)
    dst = tmp_path / "dst"
    assert run(src, dst, "bulk", parallel=2).rc == 0
    name = _metadata_change(kind, dst, xattrs_ok)
    v = run(src, dst, "verify", parallel=2, report=tmp_path / "v.json")
    assert v.rc == 1, (kind, v.stderr)
    assert any(name in d for d in v.report["differences"]), v.report["differences"]


def test_verify_report_is_valid_json_with_odd_names(tmp_path):
    src = tmp_path / "src"
    make_tree(src, n_users=10, seed=5, xattrs=False)
    dst = tmp_path / "dst"
    assert run(src, dst, "bulk").rc == 0
    # make every odd-named file differ
    for dirpath, _, files in os.walk(b(dst)):
        for n in files:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p) and os.path.isfile(p) and (b"\n" in n or b'"' in n or b"\n" in dirpath
                                                                or b"\xe9" in dirpath or b"\t" in n):
                os.utime(p, ns=(0, 1))
    v = run(src, dst, "verify", report=tmp_path / "v.json")  # run() parses the JSON
    assert v.rc == 1
    assert v.report["differences_count"] >= 3
    assert any("\\#012" in d for d in v.report["differences"])  # newline, rsync-escaped


# ------------------------------------------------------ kill and resume --

BIG = 120 * 1024 * 1024


def _start(src, dst, parallel=2):
    return subprocess.Popen(
        ["sh", str(SCRIPT), "--source", str(src), "--dest", str(dst), "--mode", "bulk",
         "--parallel", str(parallel)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _wait_for_temp(dst, proc, min_size=4 << 20, timeout=60):
    """Wait until rsync is mid-way through a big file (temp file growing)."""
    tmpdir = os.path.join(b(dst), WORK_NAME, b"tmp")
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, "sync finished before it could be interrupted"
        try:
            for n in os.listdir(tmpdir):
                if os.lstat(os.path.join(tmpdir, n)).st_size >= min_size:
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    raise AssertionError("no temp file appeared")


class FinalNameWatcher(threading.Thread):
    """Polls the big files' final names during the run: each must be absent or
    complete, never half-written."""

    def __init__(self, dst, rels, size):
        super().__init__(daemon=True)
        self.paths = [os.path.join(b(dst), r) for r in rels]
        self.size = size
        self.bad: list = []
        self.samples = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for p in self.paths:
                try:
                    s = os.lstat(p).st_size
                except FileNotFoundError:
                    continue
                if s != self.size:
                    self.bad.append((p, s))
            self.samples += 1
            time.sleep(0.002)


def _assert_complete_or_absent(src, dst):
    """Every regular file under its final name in dest is complete."""
    s, d = b(src), b(dst)
    for dirpath, dirnames, files in os.walk(d):
        if dirpath == d:
            dirnames[:] = [n for n in dirnames if n not in (WORK_NAME, STATE_NAME)]
        for n in files:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, d)
            sp = os.path.join(s, rel)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            assert os.path.isfile(sp), f"unexpected file in dest: {rel!r}"
            with open(p, "rb") as a, open(sp, "rb") as z:
                assert a.read() == z.read(), f"half-written file under final name: {rel!r}"


@pytest.fixture
def big_home(tmp_path):
    big = {b"bigdata/large-%d.zarr" % i: BIG for i in range(3)}
    big[b"user003/model.ckpt"] = BIG
    src = tmp_path / "src"
    ok, _ = xattr_support(tmp_path)
    make_tree(src, n_users=8, seed=9, xattrs=ok, big_files=big)
    return src, tmp_path / "dst", list(big), ok


def test_kill9_mid_bulk_then_rerun(big_home):
    src, dst, bigs, xattrs_ok = big_home
    before = snapshot(src, with_ctime=True)
    proc = _start(src, dst)
    watcher = FinalNameWatcher(dst, bigs, BIG)
    watcher.start()
    _wait_for_temp(dst, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    watcher.stop.set()
    watcher.join()
    assert watcher.bad == [], f"half-written file seen under final name: {watcher.bad[:3]}"
    assert proc.returncode == -signal.SIGKILL
    _assert_complete_or_absent(src, dst)
    assert compare(src, dst, xattrs=xattrs_ok) != [], "run was not interrupted mid-way"

    r = run(src, dst, "bulk", parallel=2)
    assert r.rc == 0, r.stderr
    if IS_ROOT:
        assert_same(src, dst, xattrs_ok)
    assert_no_work(dst)
    assert diff_snapshots(before, snapshot(src, with_ctime=True), max_report=0) == []


def test_sigterm_keeps_partial_file_and_resumes(big_home):
    """Kubernetes stops a Job's pod with SIGTERM to PID 1 (the shell)."""
    src, dst, bigs, xattrs_ok = big_home
    proc = _start(src, dst, parallel=1)
    _wait_for_temp(dst, proc, min_size=8 << 20)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = proc.stderr.read().decode(errors="replace")
    assert proc.returncode == 143, err
    assert "interrupted" in err
    _assert_complete_or_absent(src, dst)
    partial = os.path.join(b(dst), WORK_NAME, b"partial")
    kept = [os.path.join(dp, n) for dp, _, fs in os.walk(partial) for n in fs]
    assert kept, "rsync did not keep the partial file"
    assert all(os.lstat(p).st_size < BIG for p in kept)
    r = run(src, dst, "bulk", parallel=2)
    assert r.rc == 0, r.stderr
    if IS_ROOT:
        assert_same(src, dst, xattrs_ok)
    assert_no_work(dst)


# ------------------------------------------------------------ errors --

def _setpriv():
    if not IS_ROOT or shutil.which("setpriv") is None:
        return None
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def public_dir():
    """A world-traversable scratch dir (tmp_path is 0700) for tests that run
    the script as nobody; holds a copy of the script."""
    import tempfile
    d = tempfile.mkdtemp(prefix="homesync-public-", dir="/tmp")
    os.chmod(d, 0o755)
    for part in PARTS:
        shutil.copy(part, os.path.join(d, part.name))
    os.chmod(os.path.join(d, "homesync.sh"), 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("args,message", [
    ([], "missing --source"),
    (["--source", "S"], "missing --dest"),
    (["--source", "S", "--dest", "D"], "missing --mode"),
    (["--source", "S", "--dest", "D", "--mode", "sync"], "unknown mode 'sync'"),
    (["--source", "S", "--dest", "D", "--mode", "bulk", "--parallel", "0"], "--parallel must be >= 1"),
    (["--source", "S", "--dest", "D", "--mode", "bulk", "--parallel", "x"], "positive integer"),
    (["--source", "S", "--dest", "D", "--mode", "bulk", "--bogus"], "unknown argument: --bogus"),
    (["--source", "S", "--dest", "D", "--mode"], "option --mode needs a value"),
    (["--source", "NOPE", "--dest", "D", "--mode", "bulk"], "does not exist"),
    (["--source", "FILE", "--dest", "D", "--mode", "bulk"], "is not a directory"),
    (["--source", "S", "--dest", "S/inner", "--mode", "bulk"], "is inside source"),
    (["--source", "S", "--dest", "LINK-INTO-S", "--mode", "bulk"], "is inside source"),
    (["--source", "S", "--dest", "S", "--mode", "bulk"], "is inside source"),
    (["--source", "S/sub", "--dest", "S", "--mode", "bulk"], "is inside destination"),
    (["--source", "S", "--dest", "FILE/dest", "--mode", "bulk"], "not writable"),
    (["--source", "S", "--dest", "FILE", "--mode", "bulk"], "is not a directory"),
    (["--source", "S", "--dest", "NOPE", "--mode", "verify"], "does not exist"),
    (["--source", "WORKSRC", "--dest", "D", "--mode", "bulk"], "reserved"),
])
def test_errors(tmp_path, args, message):
    (tmp_path / "S" / "sub").mkdir(parents=True)
    (tmp_path / "S" / "sub" / "f").write_text("x")
    (tmp_path / "FILE").write_text("x")
    (tmp_path / "LINK-INTO-S").symlink_to(tmp_path / "S" / "sub")
    (tmp_path / "WORKSRC" / ".homesync-work").mkdir(parents=True)
    before = snapshot(tmp_path / "S", with_ctime=True)
    args = [str(tmp_path / a) if a.split("/")[0] in
            ("S", "D", "NOPE", "FILE", "LINK-INTO-S", "WORKSRC") else a for a in args]
    p = run_raw(args)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert message in p.stderr, p.stderr
    assert "error:" in p.stderr
    assert not (tmp_path / "D").exists()
    assert not (tmp_path / "S" / "inner").exists()
    assert diff_snapshots(before, snapshot(tmp_path / "S", with_ctime=True), max_report=0) == []


@pytest.fixture
def as_nobody():
    """The command prefix that runs the script as an unprivileged user."""
    prefix = _setpriv()
    if prefix is None:
        pytest.skip("needs root and setpriv to run the script as an unprivileged user")
    return prefix


def test_unreadable_source(public_dir, as_nobody):
    prefix = as_nobody
    src = os.path.join(public_dir, "src")
    os.makedirs(os.path.join(src, "alice"))
    os.chmod(src, 0o700)  # root-owned, nobody cannot read it
    p = run_raw(["--source", src, "--dest", os.path.join(public_dir, "dst"), "--mode", "bulk"],
                prefix=prefix)
    assert p.returncode == 2, p.stderr
    assert "is not readable" in p.stderr


def test_unwritable_destination_as_unprivileged_user(public_dir, as_nobody):
    prefix = as_nobody
    src = os.path.join(public_dir, "src")
    os.makedirs(os.path.join(src, "alice"))
    dst = os.path.join(public_dir, "dst")
    os.makedirs(dst)  # root-owned 0755
    os.chmod(dst, 0o755)
    p = run_raw(["--source", src, "--dest", dst, "--mode", "bulk"], prefix=prefix)
    assert p.returncode == 2, p.stderr
    assert "not writable" in p.stderr
    assert os.listdir(dst) == []


def test_read_only_mount_destination(tmp_path):
    """A read-only bind mount: root cannot write either."""
    if not IS_ROOT or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private read-only bind mount")
    src = tmp_path / "src"
    (src / "alice").mkdir(parents=True)
    dst = tmp_path / "dst"
    dst.mkdir()
    cmd = (f"mount --bind {dst} {dst} && mount -o remount,bind,ro {dst} && "
           f"exec sh {SCRIPT} --source {src} --dest {dst} --mode bulk")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind {dst} {dst} && "
                            f"mount -o remount,bind,ro {dst}"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot create mounts here: " + probe.stderr.decode(errors="replace").strip())
    p = subprocess.run(["unshare", "-m", "sh", "-c", cmd], capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert "not writable" in p.stderr


def test_script_is_posix_sh():
    assert [p.name for p in PARTS] == ["homesync.sh", "homesync_batch.sh", "homesync_changes.sh", "homesync_lib.sh",
                                       "homesync_report.sh", "homesync_source.sh", "homesync_worker.sh"]
    for shell in ("sh", "dash", "busybox"):
        exe = shutil.which(shell)
        if exe is None:
            continue
        for script in (*PARTS, SCANNER):
            cmd = [exe, "sh", "-n", str(script)] if shell == "busybox" else [exe, "-n", str(script)]
            p = subprocess.run(cmd, capture_output=True, text=True)
            assert p.returncode == 0, (shell, script.name, p.stderr)
    assert os.access(SCRIPT, os.X_OK), "homesync.sh must be executable"
    with open(SCRIPT) as f:
        assert f.readline().strip() == "#!/bin/sh"


def test_dash_runs_the_script(tmp_path):
    dash = shutil.which("dash")
    if dash is None:
        pytest.skip("dash not installed")
    src = tmp_path / "src"
    make_tree(src, n_users=8, seed=2, xattrs=False)
    dst = tmp_path / "dst"
    p = subprocess.run([dash, str(SCRIPT), "--source", str(src), "--dest", str(dst),
                        "--mode", "bulk", "--parallel", "3"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    if IS_ROOT:
        assert compare(src, dst, xattrs=False) == []
