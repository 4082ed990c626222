"""Each part of homesync.sh on its own, and the old side's change scanner on its own: the
functions are sourced into a plain sh and called with hand-made inputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from homesync_tree import IS_ROOT, SCANNER, SCRIPT, compare, diff_snapshots, make_tree, run, snapshot

PARTS_DIR = SCRIPT.parent


def sh(code: str, *args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    """Run `code` in sh with homesync's parts sourced, as homesync.sh does."""
    prelude = f'PROG=homesync HS_DST=/nonexistent; for p in lib changes report source batch; do . "{PARTS_DIR}/homesync_$p.sh"; done\n'
    return subprocess.run(["sh", "-c", prelude + code, "sh", *args], capture_output=True, text=True, cwd=cwd,
                          env=env)


# ------------------------------------------------------------ homesync_lib.sh

def test_json_str_makes_json_of_any_name():
    p = sh('json_str "$1"', 'tab\there "quote" back\\slash \xe9')
    assert json.loads(p.stdout) == 'tab\there "quote" back\\slash \\#303\\#251'


def test_disk_full_line_names_the_share_and_what_is_left(tmp_path):
    p = sh('disk_full_line "$1" 5000 1200', str(tmp_path))
    assert p.stdout.startswith(f"share '{tmp_path}' is full (No space left on device): 3800 bytes of the old homes")
    assert sh('disk_full_line "$1" 100 900', str(tmp_path)).stdout.split(": ")[1].startswith("0 bytes")


def test_stamps_keep_their_time_when_opened(tmp_path):
    f = tmp_path / "stamp"
    assert sh('set_stamp "$1" 1700000000 "123 1699999999" && open_stamp "$1"', str(f)).returncode == 0
    assert f.read_text() == "\n" and os.stat(f).st_mtime == 1700000000


# -------------------------------------------------------- homesync_changes.sh

def records(*rows):
    """split_scan's lines: CTIME NLINK INODE MODE PATH"""
    return "".join(f"{c} {n} 7 {m} {p}\n" for c, n, m, p in rows)


DIR, FILE = "41ed", "81a4"


def classify(tmp_path, rows, dest_dirs=()):
    scan = tmp_path / "u.1"
    scan.write_text(rows)
    dest = tmp_path / "dest"
    for d in ("", *dest_dirs):
        (dest / d).mkdir(parents=True, exist_ok=True)
    p = sh('scan_classify "$1" 100 "$2" "$3"', str(scan), str(dest), str(tmp_path / "out"))
    lists = {k: [x for x in (tmp_path / f"out.{k}").read_bytes().decode().split("\0") if x]
             for k in ("files", "trees", "dirs") if (tmp_path / f"out.{k}").exists()}
    return p, lists


def test_scan_classify_sorts_changes_into_trees_dirs_and_files(tmp_path):
    p, lists = classify(tmp_path, records(
        (150, 3, DIR, "."),                           # the home: entries added or removed
        (50, 2, DIR, "./old"),                        # unchanged
        (150, 2, DIR, "./old/kept"),                  # changed, its parent not, in DEST: one level
        (150, 2, DIR, "./old/kept/new"),              # changed with its parent (made or moved): a tree
        (150, 1, FILE, "./old/kept/new/inside.txt"),  # files are always listed, to compare by checksum
        (150, 2, DIR, "./old/kept/new/deeper"),       # inside the tree: left to it
        (150, 2, DIR, "./old/missing"),               # not in DEST: a tree
        (150, 1, FILE, "./a file with spaces "),
        (50, 1, FILE, "./untouched"),
    ), dest_dirs=("old", "old/kept"))
    assert p.returncode == 0, p.stderr
    assert lists == {"files": ["./old/kept/new/inside.txt", "./a file with spaces "],
                     "trees": ["./old/kept/new/.", "./old/missing/."], "dirs": ["./.", "./old/kept/."]}


def test_scan_classify_refuses_what_it_cannot_prove(tmp_path):
    p, _ = classify(tmp_path, records((150, 2, DIR, "./new\n")).replace("\n\n", "\n!\n"))
    assert p.returncode == 1 and p.stdout.strip() == "a changed name holds a newline"
    linked = records((150, 2, DIR, "."), (150, 2, DIR, "./moved"), (50, 2, FILE, "./moved/linked"))
    p, _ = classify(tmp_path, linked)
    assert p.returncode == 1 and p.stdout.strip() == "hard links in a new or moved directory"


def test_split_scan_cuts_the_list_per_home(tmp_path):
    scan = tmp_path / "scan"
    scan.mkdir()
    (scan / "meta").write_text("now 1\nused 2\nsince 3\nnonce M0\nstatus ok\n")
    (scan / "list").write_text("M0 9 1 5 41ed .\nM0 9 1 6 41ed ./-54om-41ugspurger\nM0 9 1 8 81a4 ./-54om-41ugspurger/a b\n"
                               "M0 9 1 7 41ed ./bob\nM0 9 1 9 81a4 ./bob/two\nlines\nM0 9 1 9 41ed ./stray\n")
    pairs = tmp_path / "pairs"
    pairs.write_text("1 -54om-41ugspurger tomaugspurger\n2 bob bob\n")
    assert sh('split_scan "$1" "$2"', str(scan), str(pairs)).returncode == 0
    assert (scan / "u.1").read_text() == "9 1 6 41ed .\n9 1 8 81a4 ./a b\n"
    assert (scan / "u.2").read_text() == "9 1 7 41ed .\n9 1 9 81a4 ./two\n!\n"
    assert not (scan / "u.3").exists()


# --------------------------------------------------------- homesync_report.sh

def test_the_walked_users_are_valid_json(tmp_path):
    (tmp_path / "walked").write_text('-54om-41ugspurger\thome replaced, or its last pass did not complete\nb"\tx\n')
    p = sh('LOGDIR=$1 json_walked', str(tmp_path))
    assert json.loads(p.stdout) == {"-54om-41ugspurger": "home replaced, or its last pass did not complete",
                                    'b"': "x"}


# ---------------------------------------------------------- homesync_batch.sh

def test_the_batch_takes_only_the_homes_the_scan_proves(tmp_path):
    """a: proven, joins; b: renamed; c: another inode; d: in an unfinished batch; e: DEST/e a symlink."""
    logdir, scan_dir, state, dest = (tmp_path / n for n in ("log", "scan", "dest/.homesync", "dest"))
    for d in (logdir, scan_dir, state / "users", state / "pending", dest / "a"):
        d.mkdir(parents=True, exist_ok=True)
    os.symlink(tmp_path, dest / "e")
    (logdir / "pairs").write_text("1 a a\n2 b b2\n3 c c\n4 d d\n5 e e\n")
    for i, name in enumerate("abcde", 1):
        (state / "users" / name).write_text("7 100\n")
        (scan_dir / f"u.{i}").write_text(records((150, 1, DIR, "."), (150, 1, FILE, "./f"), (50, 1, FILE, "./old")))
    (scan_dir / "u.3").write_text(records((150, 1, DIR, ".")).replace(" 7 ", " 8 ", 1))
    (state / "batch.open").write_text("d\n")
    env = {**os.environ, "LOGDIR": str(logdir), "HS_SCAN": str(scan_dir), "HS_STATE": str(state),
           "T0": "1000", "SKEW": "5", "PAR": "1"}
    p = sh('HS_DST=$1 batch_plan "$LOGDIR/pairs"', str(dest), env=env)
    assert p.returncode == 0, p.stderr
    assert (logdir / "batch.joined").read_text() == "1 a a\n"
    assert sorted((logdir / "pairs.walk").read_text().splitlines()) == ["2 b b2", "3 c c", "4 d d", "5 e e"]
    assert (logdir / "batch.files.0").read_bytes() == b"./a/f\0"
    assert (logdir / "batch.dirs.0").read_bytes() == b"./a/.\0"
    assert (state / "pending" / "a").read_text() == "7 995\n" and os.stat(state / "pending" / "a").st_mtime == 995
    assert (state / "batch.open").read_text().split() == ["d", "a"]


def test_the_batch_splits_its_lists_by_whole_homes(tmp_path):
    """final_parts copies PAR parts at once: every home's trees, directories and files in one part."""
    logdir, scan_dir, state, dest = (tmp_path / n for n in ("log", "scan", "dest/.homesync", "dest"))
    for d in (logdir, scan_dir, state / "users", state / "pending", dest / "a", dest / "b", dest / "c"):
        d.mkdir(parents=True, exist_ok=True)
    (logdir / "pairs").write_text("1 a a\n2 b b\n3 c c\n")
    for i, name in enumerate("abc", 1):
        (state / "users" / name).write_text("7 100\n")
        (scan_dir / f"u.{i}").write_text(records((150, 1, DIR, "."), (150, 1, DIR, "./new"), (150, 1, FILE, "./f")))
    env = {**os.environ, "LOGDIR": str(logdir), "HS_SCAN": str(scan_dir), "HS_STATE": str(state),
           "T0": "1000", "SKEW": "5", "PAR": "2"}
    p = sh('HS_DST=$1 batch_plan "$LOGDIR/pairs"', str(dest), env=env)
    assert p.returncode == 0, p.stderr
    parts = {f.name: f.read_bytes() for f in logdir.glob("batch.*.[0-9]")}
    assert parts == {"batch.files.0": b"./b/f\0", "batch.dirs.0": b"./b/.\0", "batch.trees.0": b"./b/new/.\0",
                     "batch.files.1": b"./a/f\0./c/f\0", "batch.dirs.1": b"./a/.\0./c/.\0",
                     "batch.trees.1": b"./a/new/.\0./c/new/.\0"}


# --------------------------------------------------------- homesync_source.sh

def test_check_map_takes_every_escapism_name_and_refuses_the_rest(tmp_path):
    ok = tmp_path / "ok.tsv"
    ok.write_text("-54om-41ugspurger\ttomaugspurger\n--delete\tdelete\nj-2edoe\tj-doe---d50cd4b1\n")
    assert sh('check_map "$1"', str(ok)).returncode == 0
    bad = tmp_path / "bad.tsv"
    bad.write_text("a b\tc\n.homesync\tx\n")
    p = sh('check_map "$1"', str(bad))
    assert p.returncode == 2 and "map line 1" in p.stderr and '".homesync" is not a usable' in p.stderr


def test_names_that_look_like_options_are_copied_as_names(tmp_path):
    """A home called --delete or -n reaches rsync only after a path: it copies, and nothing else moves."""
    old = tmp_path / "old"
    for name in ("--delete", "-n", "-54om-41ugspurger"):
        make_tree(old / name, n_users=1, seed=len(name), xattrs=False)
    new = tmp_path / "new"
    (new / "keep").mkdir(parents=True)
    (new / "keep" / "file").write_text("the new share's\n")
    m = tmp_path / "map.tsv"
    m.write_text("--delete\tdelete\n-n\tn\n-54om-41ugspurger\ttomaugspurger\n")
    for mode in ("bulk", "final", "verify"):
        if mode == "final":  # a change between bulk and final, in the home that starts with "-"
            (old / "-54om-41ugspurger" / "after-bulk.txt").write_text("written before the cutover\n")
        r = run(old, new, mode, extra=["--map", str(m)])
        assert r.rc == 0, r.stderr
    assert (new / "keep" / "file").read_text() == "the new share's\n"
    assert sorted(os.listdir(new)) == [".homesync", "delete", "keep", "n", "tomaugspurger"]
    for name, mapped in (("--delete", "delete"), ("-n", "n"), ("-54om-41ugspurger", "tomaugspurger")):
        diffs = compare(old / name, new / mapped, xattrs=False)
        if not IS_ROOT:
            diffs = [d for d in diffs if ": uid " not in d and ": gid " not in d]
        assert diffs == [], f"{name} -> {mapped}:\n" + "\n".join(diffs)


# ------------------------------------------------------------- scan_changes.sh

def scan(share, request, tmp_path, path_env=None):
    out = tmp_path / "changes"
    out.mkdir(exist_ok=True)
    env = {**os.environ, "RSYNC_MODULE_PATH": str(out), "RSYNC_MODULE_NAME": "changes", "RSYNC_REQUEST": request}
    if path_env:
        env["PATH"] = path_env
    return subprocess.run(["sh", str(SCANNER), str(share)], capture_output=True, text=True, env=env), out


def busybox_path(tmp_path) -> str:
    """A PATH whose find, stat, xargs, awk and the rest are busybox's, as in the export's Alpine image."""
    bb = shutil.which("busybox")
    if bb is None:
        pytest.skip("busybox not installed")
    d = tmp_path / "bb"
    d.mkdir()
    for tool in ("find", "stat", "df", "awk", "sed", "date", "mkdir", "mv", "rm", "cat", "xargs", "mktemp"):
        os.symlink(bb, d / tool)
    return f"{d}:{os.environ['PATH']}"


@pytest.mark.parametrize("tools", ["system", "busybox"])
def test_the_scanner_lists_changes_homes_and_linked_files_and_writes_nothing_in_the_share(tmp_path, tools):
    share = tmp_path / "share"
    make_tree(share / "homes" / "alice", n_users=1, seed=3, xattrs=False)
    (share / "homes" / "bob").mkdir()
    (share / "homes" / "bob" / "two\nlines").write_text("x")
    os.link(share / "homes" / "bob" / "two\nlines", share / "homes" / "bob" / "link")
    before = snapshot(share, with_ctime=True)
    path_env = busybox_path(tmp_path) if tools == "busybox" else None
    p, out = scan(share, "changes/0.abcdefgh12/homes/", tmp_path, path_env)  # since 0: everything
    assert p.returncode == 0, p.stdout + p.stderr
    meta = dict(line.split(" ", 1) for line in (out / "0.abcdefgh12/homes/meta").read_text().splitlines())
    assert meta["status"] == "ok" and meta["nonce"] == "abcdefgh12" and int(meta["used"]) > 0
    lines = (out / "0.abcdefgh12/homes/list").read_text().splitlines()
    names = [line.split(" ", 5)[5] for line in lines if line.startswith("abcdefgh12 ")]
    assert len(names) == sum(1 for _ in (share / "homes").rglob("*")) + 1
    assert "./bob/two" in names and "lines" in lines  # a newline continues without the mark
    p, out = scan(share, f"changes/{2 ** 40}.future0001/homes", tmp_path, path_env)  # nothing changed since
    lines = (out / f"{2 ** 40}.future0001/homes/list").read_text().splitlines()
    kept = sorted(line.split(" ", 5)[5] for line in lines if line.startswith("future0001 "))
    linked = sorted(os.path.relpath(f, share / "homes") for f in (share / "homes").rglob("*")
                    if f.is_file() and not f.is_symlink() and os.lstat(f).st_nlink > 1)
    assert kept == sorted([".", "./alice", "./bob", *(f"./{f}" for f in linked if "\n" not in f), "./bob/two"])
    assert diff_snapshots(before, snapshot(share, with_ctime=True), max_report=0) == []


@pytest.mark.parametrize("request_path, message", [
    ("changes/123/homes/", "the token must be tops.NONCE or SINCE.NONCE"),
    ("changes/tops.short/", "NONCE must have 8 to 64 characters"),
    ("changes/12x.abcdefgh/", "SINCE must be epoch seconds"),
    ("changes/1.abcdefgh/../etc/", "bad path"),
    ("changes/1.abcdefgh/nothere/", "no directory 'nothere' in the share"),
])
def test_the_scanner_refuses_bad_requests(tmp_path, request_path, message):
    (tmp_path / "share").mkdir()
    p, out = scan(tmp_path / "share", request_path, tmp_path)
    assert p.returncode == 1 and message in p.stdout, p.stdout
    assert list(Path(out).iterdir()) == []


def test_a_scan_that_could_not_stat_everything_fails_rather_than_list_less(tmp_path):
    share = tmp_path / "share"
    for home in ("alice", "bob"):
        make_tree(share / home, n_users=1, seed=len(home), xattrs=False)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "stat").write_text(f'#!/bin/sh\ncase "$*" in *./bob*) exit 1 ;; esac\nexec {shutil.which("stat")} "$@"\n')
    (bin_dir / "stat").chmod(0o755)
    p, out = scan(share, "changes/0.brokenstat1/", tmp_path, f"{bin_dir}:{os.environ['PATH']}")
    assert p.returncode == 1 and "scan of '' failed" in p.stdout, p.stdout
    assert not (out / "0.brokenstat1" / "meta").exists()
