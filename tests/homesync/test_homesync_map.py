"""homesync.sh --map / --expect and rsync:// sources, with real rsync (a local daemon for the latter)."""

from __future__ import annotations

import os
import shutil
import time

import pytest
from daemon import free_port, rsync_daemon
from homesync_tree import compare, make_tree, run

pytestmark = pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync not installed")


@pytest.fixture
def old(tmp_path):
    src = tmp_path / "old"
    for name in ("alice", "has-2dhyphen", "j-2edoe", "stray"):
        make_tree(src / name, n_users=2, seed=len(name), xattrs=False)
    return src


def write_map(path, pairs):
    path.write_text("".join(f"{a}\t{b}\n" for a, b in pairs))
    return path


def test_map_renames_and_reports_unmapped(old, tmp_path):
    m = write_map(tmp_path / "map.tsv", [("alice", "alice"), ("has-2dhyphen", "has-hyphen"),
                                         ("j-2edoe", "j-doe---d50cd4b1")])
    dst = tmp_path / "new"
    r = run(old, dst, "bulk", parallel=2, report=tmp_path / "r.json", extra=["--map", str(m)])
    assert r.rc == 0, r.stderr
    assert sorted(os.listdir(dst)) == [".homesync", "alice", "has-hyphen", "j-doe---d50cd4b1"]
    assert r.report["unmapped_dirs"] == ["stray"] and r.report["users"] == 3
    for a, b in [("alice", "alice"), ("has-2dhyphen", "has-hyphen"), ("j-2edoe", "j-doe---d50cd4b1")]:
        assert compare(old / a, dst / b, xattrs=False) == []
    f = run(old, dst, "final", report=tmp_path / "f.json", extra=["--map", str(m)])
    assert f.rc == 0 and f.report["files_transferred"] == 0, f.stderr
    v = run(old, dst, "verify", report=tmp_path / "v.json", extra=["--map", str(m)])
    assert v.rc == 0 and v.report["differences"] == [], v.stderr


def test_two_old_names_for_one_new_name_stop_the_run(old, tmp_path):
    m = write_map(tmp_path / "map.tsv", [("alice", "alice"), ("has-2dhyphen", "alice")])
    r = run(old, tmp_path / "new", "bulk", extra=["--map", str(m)])
    assert r.rc == 2 and '"alice" and "has-2dhyphen" both map to "alice"' in r.stderr
    assert not (tmp_path / "new" / "alice").exists()


def test_verify_fails_when_a_user_of_the_old_hub_has_no_home(old, tmp_path):
    m = write_map(tmp_path / "map.tsv", [("alice", "alice")])
    dst = tmp_path / "new"
    assert run(old, dst, "bulk", extra=["--map", str(m)]).rc == 0
    expect = tmp_path / "expect.txt"
    expect.write_text("alice\nhas-hyphen\n")
    v = run(old, dst, "verify", report=tmp_path / "v.json", extra=["--map", str(m), "--expect", str(expect)])
    assert v.rc == 1 and v.report["missing_homes"] == ["has-hyphen"]
    assert "have no home" in v.stderr


def test_final_rechecks_only_what_changed_since_the_last_pass(tmp_path):
    src = tmp_path / "old"
    make_tree(src, n_users=6, seed=3, xattrs=False)
    time.sleep(1.1)  # stamps are whole seconds; no clock skew to allow for on one machine
    env = {**os.environ, "HOMESYNC_CLOCK_SKEW": "0"}
    dst = tmp_path / "new"
    assert run(src, dst, "bulk", env=env).rc == 0
    f = run(src, dst, "final", report=tmp_path / "f.json", env=env)
    assert f.rc == 0 and f.report["ctime_rechecked_files"] == 0, f.stderr


@pytest.fixture
def daemon(old, tmp_path):
    """The old homes behind a real daemon with the export's own configuration."""
    with rsync_daemon(old, tmp_path / "daemon") as url:
        yield url


def test_rsync_daemon_source(daemon, old, tmp_path):
    m = write_map(tmp_path / "map.tsv", [("alice", "alice"), ("has-2dhyphen", "has-hyphen")])
    dst = tmp_path / "new"
    r = run(daemon, dst, "bulk", report=tmp_path / "r.json", extra=["--map", str(m)])
    assert r.rc == 0, r.stderr
    assert r.report["unmapped_dirs"] == ["j-2edoe", "stray"]
    v = run(daemon, dst, "verify", report=tmp_path / "v.json", extra=["--map", str(m)])
    assert v.rc == 0 and v.report["differences"] == [], v.stderr


def test_an_unreachable_source_fails_fast_saying_what(tmp_path):
    m = write_map(tmp_path / "map.tsv", [("alice", "alice")])
    url = f"rsync://127.0.0.1:{free_port()}/homes"
    t = time.monotonic()
    r = run(url, tmp_path / "new", "bulk", extra=["--map", str(m)],
            env={**os.environ, "HOMESYNC_CONNECT_TIMEOUT": "5"})
    assert r.rc == 2 and f"cannot reach {url}/:" in r.stderr and "Connection refused" in r.stderr
    assert time.monotonic() - t < 30
