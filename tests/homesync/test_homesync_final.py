"""The incremental `final` pass: it reads only what changed since each user's
stamp (one `find -cnewer` over the source, rsync on the changed entries), and
must still leave DEST identical to SRC.  Real rsync, real files; every
comparison is homesync_tree.compare (os.lstat walks and content hashes).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time

import pytest
from homesync_tree import IS_ROOT, SCRIPT, b, compare, diff_snapshots, make_tree, run, snapshot

pytestmark = [
    pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync not installed"),
    pytest.mark.skipif(shutil.which("sh") is None, reason="no /bin/sh"),
]

# No clock skew margin: the tree is built more than a second before the bulk
# pass starts, so only what a test changes afterwards is newer than a stamp
# and the final pass really is incremental (with the default 5 s margin it
# would re-read the whole freshly generated tree).
ENV = {**os.environ, "HOMESYNC_CLOCK_SKEW": "0"}


def assert_same(src, dst):
    diffs = compare(src, dst, xattrs=False)
    assert diffs == [], "trees differ:\n" + "\n".join(diffs)


@pytest.fixture
def synced(tmp_path):
    """A home volume copied by a completed bulk pass, with stamps older than
    anything the test changes next."""
    src = tmp_path / "legacy"
    tree = make_tree(src, n_users=12, seed=21, xattrs=False)
    dst = tmp_path / "new-home"
    time.sleep(1.1)  # stamps have whole seconds: the tree is strictly older
    r = run(src, dst, "bulk", parallel=2, env=ENV)
    assert r.rc == 0, r.stderr
    if IS_ROOT:
        assert_same(src, dst)
    time.sleep(0.05)
    return tree, src, dst


def final(src, dst, tmp_path, name="final.json", **kw):
    r = run(src, dst, "final", parallel=2, report=tmp_path / name, env=ENV, **kw)
    assert r.rc == 0, r.stderr
    return r


def check_final(src, dst, tmp_path, *, incremental=True):
    before = snapshot(src, with_ctime=True)
    time.sleep(1.1)  # so that this pass's stamp is newer than the changes
    r = final(src, dst, tmp_path)
    if IS_ROOT:
        assert_same(src, dst)
    else:  # ownership cannot be kept; everything else must match
        diffs = [d for d in compare(src, dst, xattrs=False, max_report=0) if ": uid " not in d
                 and ": gid " not in d]
        assert diffs == [], diffs
    assert not os.path.lexists(os.path.join(b(dst), b".homesync-work"))
    assert diff_snapshots(before, snapshot(src, with_ctime=True), max_report=0) == [], "source changed"
    if incremental:
        assert r.report["users_walked_fully"] == 0, r.stderr
    v = run(src, dst, "verify", report=tmp_path / "verify.json")
    assert v.rc == 0, (v.stderr, v.report["differences"])
    # a second final with nothing changed copies nothing
    again = final(src, dst, tmp_path, name="again.json")
    assert again.report["files_transferred"] == 0, again.stderr
    assert again.report["users_walked_fully"] == 0
    return r


def J(src, rel: bytes) -> bytes:
    return os.path.join(b(src), rel)


def test_a_in_place_edit_with_mtime_restored(synced, tmp_path):
    _, src, dst = synced
    p = J(src, b"user009/data/b.nc")
    st = os.lstat(p)
    with open(p, "r+b") as f:
        f.seek(10)
        f.write(b"edited in place")
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # size and mtime as before
    assert os.lstat(p).st_ctime_ns > st.st_ctime_ns
    r = check_final(src, dst, tmp_path)
    assert r.report["ctime_rechecked_files"] >= 1
    assert r.report["files_transferred"] == 1, r.stderr


def test_b_deleted_file_and_tree(synced, tmp_path):
    _, src, dst = synced
    os.unlink(J(src, b"user010/notebook.ipynb"))
    os.unlink(J(src, b"user010/hardlink-to-a.csv"))  # one name of a hard-linked pair
    shutil.rmtree(J(src, b"user011/nested"))  # a directory tree
    os.unlink(J(src, b"user009/link-rel"))  # a symlink
    check_final(src, dst, tmp_path)
    for rel in (b"user010/notebook.ipynb", b"user010/hardlink-to-a.csv", b"user011/nested",
                b"user009/link-rel"):
        assert not os.path.lexists(J(dst, rel)), rel


def test_c_renamed_directory(synced, tmp_path):
    _, src, dst = synced
    os.rename(J(src, b"user007/d0"), J(src, b"user007/renamed-d0"))  # deep tree, old contents
    os.rename(J(src, b"user008/data"), J(src, b"user008/nested/moved-data"))  # into another dir
    # renamed onto the name of a directory that was removed: the name exists
    # in DEST with other contents
    shutil.rmtree(J(src, b"user009/nested"))
    os.rename(J(src, b"user009/data"), J(src, b"user009/nested"))
    # the home itself replaced by another directory
    os.rename(J(src, b"user010"), J(src, b"user010.old"))
    os.rename(J(src, b"user011"), J(src, b"user010"))
    check_final(src, dst, tmp_path, incremental=False)
    assert not os.path.lexists(J(dst, b"user007/d0"))
    assert os.path.isfile(J(dst, b"user007/renamed-d0/d1/d2/f.txt"))


def test_d_new_nested_directory(synced, tmp_path):
    _, src, dst = synced
    deep = J(src, b"user006/projects/new/a/b/c")
    os.makedirs(deep)
    for i, d in enumerate((b"user006/projects", b"user006/projects/new/a", b"user006/projects/new/a/b/c")):
        with open(J(src, d + b"/file%d.txt" % i), "wb") as f:
            f.write(os.urandom(3000))
    os.makedirs(J(src, b"user011/empty/new-empty-dir"))
    os.symlink(b"../data", J(src, b"user011/nested/empty/link-up"))
    os.chmod(J(src, b"user011/nested"), 0o700)  # a directory's own attributes
    os.link(J(src, b"user011/run.sh"), J(src, b"user011/nested/run-link"))  # new hard link
    check_final(src, dst, tmp_path)
    a, z = os.lstat(J(dst, b"user011/run.sh")), os.lstat(J(dst, b"user011/nested/run-link"))
    assert a.st_ino == z.st_ino


def test_everything_at_once(tmp_path):
    """The mutations of the full-walk test, through the incremental pass."""
    from test_homesync import mutate

    src, dst = tmp_path / "legacy", tmp_path / "new-home"
    tree = make_tree(src, n_users=26, seed=4, xattrs=False)
    time.sleep(1.1)
    assert run(src, dst, "bulk", parallel=2, env=ENV).rc == 0
    time.sleep(0.05)
    mutate(src, tree, random.Random(5))
    r = check_final(src, dst, tmp_path, incremental=False)
    # walked in full: the new home (no stamp), and user024, whose changed
    # data/ sits in a changed home (it could have been renamed in) and holds
    # a hard link with a name outside it
    assert r.report["users_walked_fully"] == 2, r.stderr


def test_interrupted_pass_makes_the_next_final_walk(synced, tmp_path):
    """A stamp is trusted only after a pass completed: a user whose pass was
    interrupted is walked in full by the next final."""
    _, src, dst = synced
    stamp = os.path.join(b(dst), b".homesync", b"users", b"user008")
    with open(stamp, "rb") as f:
        inode, clean = f.read().split()  # the home's inode and clean point: complete
    assert inode.isdigit() and clean.isdigit()
    os.unlink(J(src, b"user008/.bashrc"))
    os.utime(stamp, (0, 0))  # an ancient stamp must not matter either
    r = final(src, dst, tmp_path)
    assert r.report["users_walked_fully"] == 0
    with open(stamp, "wb") as f:
        f.write(b"\n")  # what an interrupted pass leaves
    r = final(src, dst, tmp_path, name="f2.json")
    assert r.report["users_walked_fully"] == 1


# ------------------------------------------------------------- interruption --

WRAPPER = r"""#!/bin/sh
# counts the transfers; SIGKILLs the whole run at the $HS_KILL_AT-th one,
# before it starts ($HS_KILL_WHEN=before) or after it finished (after)
case " $* " in *" --version "* | *" --help "* | *" --list-only "*) exec "$HS_REAL_RSYNC" "$@" ;; esac
n=$(($(cat "$HS_COUNT" 2>/dev/null || echo 0) + 1))
echo "$n" >"$HS_COUNT"
if [ "$n" = "${HS_KILL_AT:-0}" ] && [ "$HS_KILL_WHEN" = before ]; then kill -s KILL 0; fi
"$HS_REAL_RSYNC" "$@"
rc=$?
if [ "$n" = "${HS_KILL_AT:-0}" ] && [ "$HS_KILL_WHEN" = after ]; then kill -s KILL 0; fi
exit $rc
"""


def _mutate_everywhere(src):
    """Changes of every kind the final pass handles, in several homes."""
    os.unlink(J(src, b"user006/notebook.ipynb"))
    p = J(src, b"user011/data/b.nc")
    st = os.lstat(p)
    with open(p, "r+b") as f:
        f.write(b"XXXX")
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.rename(J(src, b"user007/d0"), J(src, b"user007/moved"))
    os.makedirs(J(src, b"user008/new/deeper"))
    with open(J(src, b"user008/new/deeper/x.txt"), "wb") as f:
        f.write(os.urandom(5000))
    shutil.rmtree(J(src, b"user009/nested"))
    os.rename(J(src, b"user009/data"), J(src, b"user009/nested"))
    with open(J(src, b"user010/.bashrc"), "ab") as f:
        f.write(b"export X=1\n")


def _killed_final(src, dst, tmp_path, kill_at, when):
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    (bindir / "rsync").write_text(WRAPPER)
    (bindir / "rsync").chmod(0o755)
    count = tmp_path / "count"
    count.unlink(missing_ok=True)
    env = {**ENV, "PATH": f"{bindir}:{os.environ['PATH']}", "HS_REAL_RSYNC": shutil.which("rsync"),
           "HS_COUNT": str(count), "HS_KILL_AT": str(kill_at), "HS_KILL_WHEN": when}
    p = subprocess.run(["sh", str(SCRIPT), "--source", str(src), "--dest", str(dst), "--mode", "final",
                        "--parallel", "1"], env=env, capture_output=True, start_new_session=True,
                       timeout=120)
    return p.returncode, int(count.read_text()) if count.exists() else 0


@pytest.mark.parametrize("when", ["before", "after"])
def test_e_interrupted_final_then_rerun(tmp_path, when):
    """SIGKILL at every rsync boundary of an incremental final, then a rerun:
    DEST ends identical to SRC each time."""
    src = tmp_path / "legacy"
    make_tree(src, n_users=12, seed=21, xattrs=False)
    time.sleep(1.1)
    base = tmp_path / "base"
    assert run(src, base, "bulk", env=ENV).rc == 0
    time.sleep(0.05)
    _mutate_everywhere(src)
    # how many transfers an uninterrupted incremental final makes
    probe = tmp_path / "probe"
    subprocess.run(["cp", "-a", str(base), str(probe)], check=True)
    rc, total = _killed_final(src, probe, tmp_path, 0, when)
    assert rc == 0
    assert total >= 5, total
    points = sorted({1, 2, 3, total // 3, total // 2, total - 1, total})
    for k in points:
        dst = tmp_path / f"dst-{when}-{k}"
        subprocess.run(["cp", "-a", str(base), str(dst)], check=True)
        rc, n = _killed_final(src, dst, tmp_path, k, when)
        assert rc == -signal.SIGKILL or rc == 137 or rc < 0, (k, rc)
        assert n == k
        r = run(src, dst, "final", report=tmp_path / "rerun.json", env=ENV)
        assert r.rc == 0, r.stderr
        if IS_ROOT:
            assert_same(src, dst)
        v = run(src, dst, "verify", report=tmp_path / "v.json")
        assert v.rc == 0, (k, v.report["differences"])
        shutil.rmtree(dst)
