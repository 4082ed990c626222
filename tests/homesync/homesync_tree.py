"""Helpers for the homesync tests: build a realistic home volume, snapshot and
compare trees independently of rsync (plain os.lstat walks), run the script.

All paths are handled as bytes so that names which are not valid UTF-8 work.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "components" / "nfs_home" / "homesync.sh"
# homesync.sh and the parts it sources from its own directory
PARTS = sorted(SCRIPT.parent.glob("homesync*.sh"))
SCANNER = REPO / "components" / "legacy" / "scan_changes.sh"
WORK_NAME = b".homesync-work"
# Per-user stamps kept by homesync.sh at the root of DEST between passes.
STATE_NAME = b".homesync"

IS_ROOT = os.geteuid() == 0
PAST_NS = 1_600_000_000_123_456_789  # 2020-09-13, with a nanosecond part


def b(p) -> bytes:
    return os.fsencode(p)


def xattr_support(directory) -> tuple[bool, str]:
    """Does the filesystem under `directory` take user.* xattrs?"""
    probe = os.path.join(b(directory), b".xattr-probe")
    with open(probe, "wb"):
        pass
    try:
        os.setxattr(probe, "user.probe", b"1")
        return True, ""
    except OSError as exc:
        return False, f"user.* xattrs unsupported on {os.fsdecode(directory)}: {exc}"
    finally:
        os.unlink(probe)


# --------------------------------------------------------------- building --

@dataclass
class Tree:
    root: bytes
    xattrs: bool
    files: list[bytes] = field(default_factory=list)  # relpaths of regular files
    sparse: list[bytes] = field(default_factory=list)


USER_NAMES_SPECIAL = [
    b"-dash-user",
    b"user with space",
    "ünïcødé-用户".encode(),
    b"empty-user",
    b"latin1-\xe9t\xe9",
    b"new\nline-user",
]

ODD_FILE_NAMES = [
    b"with space.txt",
    b"-leading-dash.txt",
    "ünï 文件.txt".encode(),
    b"new\nline.txt",
    b'quote"back\\slash.txt',
    b"%n%L percent.txt",
    b"*glob?[x].txt",
    b"tab\there.txt",
]

OWNERS = [(1000, 100), (1000, 1000), (1001, 1001), (0, 0), (12345, 54321)]


def _write(path: bytes, data: bytes, mode: int = 0o644) -> None:
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def make_tree(root, n_users: int = 40, seed: int = 1, xattrs: bool = True,
              big_files: dict | None = None) -> Tree:
    """Build a home volume at `root` (created).  big_files maps a relpath
    (bytes) to a size in bytes of random content."""
    rng = random.Random(seed)
    root = b(root)
    os.makedirs(root, exist_ok=True)
    t = Tree(root=root, xattrs=xattrs)
    owners: dict[bytes, tuple[int, int]] = {}
    modes: dict[bytes, int] = {}

    def J(*parts: bytes) -> bytes:
        return os.path.join(root, *parts)

    def add_file(rel: bytes, size: int, mode=0o644, owner=(1000, 100)):
        _write(J(rel), rng.randbytes(size), mode)
        t.files.append(rel)
        owners[rel] = owner
        modes[rel] = mode

    def add_dir(rel: bytes, mode=0o755, owner=(1000, 100)):
        os.makedirs(J(rel), exist_ok=True)
        owners[rel] = owner
        modes[rel] = mode

    def add_link(rel: bytes, target: bytes, owner=(1000, 100)):
        os.symlink(target, J(rel))
        owners[rel] = owner

    names = []
    for i in range(n_users):
        names.append(USER_NAMES_SPECIAL[i] if i < len(USER_NAMES_SPECIAL) else b"user%03d" % i)
    for i, u in enumerate(names):
        own = OWNERS[i % len(OWNERS)]
        add_dir(u, 0o755 if i % 3 else 0o2775, own)
        if u == b"empty-user":
            continue
        add_file(os.path.join(u, b"notebook.ipynb"), rng.randint(100, 20000), 0o644, own)
        add_file(os.path.join(u, b".bashrc"), rng.randint(10, 300), 0o644, own)
        add_dir(os.path.join(u, b".ssh"), 0o700, own)
        add_file(os.path.join(u, b".ssh", b"id_rsa"), 400, 0o600, own)
        add_dir(os.path.join(u, b"data"), 0o2775, (own[0], 1001))
        add_file(os.path.join(u, b"data", b"a.csv"), rng.randint(1, 5000), 0o664, (own[0], 1001))
        add_file(os.path.join(u, b"data", b"b.nc"), rng.randint(5000, 60000), 0o444, own)
        add_file(os.path.join(u, b"run.sh"), 200, 0o755, own)
        add_file(os.path.join(u, b"zero-length"), 0, 0o640, own)
        # hard link within the user dir (different directories)
        os.link(J(u, b"data", b"a.csv"), J(u, b"hardlink-to-a.csv"))
        add_link(os.path.join(u, b"link-rel"), b"data/a.csv", own)
        add_link(os.path.join(u, b"link-abs"), b"/home/jovyan/data/a.csv", own)
        add_link(os.path.join(u, b"dangling"), b"no/such/file", own)
        add_link(os.path.join(u, b"link-dir"), b"data", own)
        add_dir(os.path.join(u, b"empty"), 0o755, own)
        add_dir(os.path.join(u, b"nested"), 0o750, own)
        add_dir(os.path.join(u, b"nested", b"empty"), 0o700, own)
        add_dir(os.path.join(u, b"nested", b"empty", b"deeper"), 0o755, own)
        odd = ODD_FILE_NAMES[i % len(ODD_FILE_NAMES)]
        add_file(os.path.join(u, odd), rng.randint(1, 3000), 0o644, own)
        if i % 7 == 0:
            deep = u
            for d in range(8):
                deep = os.path.join(deep, b"d%d" % d)
                add_dir(deep, 0o755, own)
                add_file(os.path.join(deep, b"f.txt"), rng.randint(1, 2000), 0o644, own)
        if i == 7:
            rel = os.path.join(u, b"sparse.img")
            with open(J(rel), "wb") as f:
                f.truncate(32 * 1024 * 1024)
                for off in (0, 8 * 1024 * 1024, 32 * 1024 * 1024 - 4096):
                    f.seek(off)
                    f.write(rng.randbytes(4096))
            os.chmod(J(rel), 0o644)
            t.files.append(rel)
            t.sparse.append(rel)
            owners[rel] = own
            modes[rel] = 0o644
        if i == 8:
            os.mkfifo(J(u, b"a-fifo"), 0o600)
            owners[os.path.join(u, b"a-fifo")] = own
            modes[os.path.join(u, b"a-fifo")] = 0o600
        if xattrs and i % 4 == 1:
            os.setxattr(J(u, b"notebook.ipynb"), "user.origin", b"legacy-hub")
            os.setxattr(J(u, b"data"), "user.project", "ünï".encode())
    # files in the root of the volume
    add_file(b"README.md", 1234, 0o644, (0, 0))
    add_file(b".hidden-top", 10, 0o600, (0, 0))
    add_file(b"top-a", 333, 0o644, (1000, 100))
    os.link(J(b"top-a"), J(b"top-b"))
    add_link(b"shared-link", os.path.join(names[-1], b"data"), (0, 0))
    add_link(b"dangling-top", b"nowhere", (0, 0))
    add_file(b"-top-dash", 5, 0o644, (0, 0))
    for rel, size in (big_files or {}).items():
        os.makedirs(os.path.dirname(J(rel)), exist_ok=True)
        with open(J(rel), "wb") as f:
            left = size
            while left:
                n = min(left, 16 << 20)
                f.write(os.urandom(n))
                left -= n
        t.files.append(rel)

    # ownership, then modes (chown clears set-id bits), then times bottom-up
    for rel, (uid, gid) in owners.items():
        if IS_ROOT:
            os.chown(J(rel), uid, gid, follow_symlinks=False)
    for rel, mode in modes.items():
        os.chmod(J(rel), mode)
    os.chmod(root, 0o755)
    set_times(root, rng)
    return t


def set_times(root: bytes, rng: random.Random) -> None:
    """Set every mtime (files, dirs, symlinks, root) to distinct past values."""
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for n in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = os.path.join(dirpath, n)
            ns = PAST_NS + rng.randint(0, 10**16)
            os.utime(p, ns=(ns, ns), follow_symlinks=False)
        ns = PAST_NS + rng.randint(0, 10**16)
        os.utime(dirpath, ns=(ns, ns))


# ----------------------------------------------------------- comparison --

def _hash(path: bytes) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _xattrs(path: bytes) -> dict:
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    out = {}
    for n in names:
        try:
            out[n] = os.getxattr(path, n, follow_symlinks=False)
        except OSError:
            pass
    return out


def snapshot(root, *, exclude_work: bool = False, exclude_state: bool = False, with_ctime: bool = False,
             hashes: bool = True) -> dict:
    """relpath -> metadata tuple for the root and everything under it.

    Never includes atime.  with_ctime adds st_ctime_ns and st_ino, which
    change on any write/chmod/chown/xattr change/rename -- used to prove the
    source was not written to."""
    root = b(root)
    snap: dict = {}
    inodes: dict = {}

    def visit(rel: bytes):
        p = os.path.join(root, rel) if rel else root
        st = os.lstat(p)
        kind = stat.S_IFMT(st.st_mode)
        entry = {
            "type": kind, "mode": stat.S_IMODE(st.st_mode), "uid": st.st_uid,
            "gid": st.st_gid, "mtime_ns": st.st_mtime_ns, "xattrs": _xattrs(p),
        }
        if with_ctime:
            entry["ctime_ns"] = st.st_ctime_ns
            entry["ino"] = st.st_ino
        if stat.S_ISREG(kind):
            entry["size"] = st.st_size
            entry["nlink"] = st.st_nlink
            if hashes:
                entry["sha256"] = _hash(p)
            entry["sparse"] = st.st_blocks * 512 < st.st_size // 2
            if st.st_nlink > 1:
                inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
        elif stat.S_ISLNK(kind):
            entry["target"] = os.readlink(p)
        snap[rel] = entry
        if stat.S_ISDIR(kind):
            for name in sorted(os.listdir(p)):
                if exclude_work and not rel and name == WORK_NAME:
                    continue
                if exclude_state and not rel and name == STATE_NAME:
                    continue
                visit(os.path.join(rel, name) if rel else name)

    visit(b"")
    groups = sorted(tuple(sorted(v)) for v in inodes.values())
    return {"entries": snap, "hardlink_groups": groups}


def compare(src, dst, *, xattrs: bool = True, max_report: int = 20) -> list[str]:
    """Independent tree comparison; returns human-readable differences."""
    a = snapshot(src)
    z = snapshot(dst, exclude_state=True)
    return diff_snapshots(a, z, xattrs=xattrs, max_report=max_report)


def diff_snapshots(a: dict, z: dict, *, xattrs: bool = True, max_report: int = 20) -> list[str]:
    out = []
    ea, ez = a["entries"], z["entries"]
    for rel in sorted(set(ea) - set(ez)):
        out.append(f"missing in dest: {rel!r}")
    for rel in sorted(set(ez) - set(ea)):
        out.append(f"extra in dest: {rel!r}")
    for rel in sorted(set(ea) & set(ez)):
        x, y = dict(ea[rel]), dict(ez[rel])
        if not xattrs:
            x.pop("xattrs", None)
            y.pop("xattrs", None)
        if x.get("sparse") and not y.get("sparse"):
            out.append(f"sparse file no longer sparse: {rel!r}")
        x.pop("sparse", None)
        y.pop("sparse", None)
        for k in sorted(set(x) | set(y)):
            if x.get(k) != y.get(k):
                out.append(f"{rel!r}: {k} {x.get(k)!r} != {y.get(k)!r}")
    if a["hardlink_groups"] != z["hardlink_groups"]:
        out.append(f"hard link groups differ: {a['hardlink_groups'][:5]} != {z['hardlink_groups'][:5]}")
    return out[:max_report] if max_report else out


# ---------------------------------------------------------------- running --

@dataclass
class Result:
    rc: int
    stdout: str
    stderr: str
    report: dict | None


def run(src, dst, mode, *, parallel=1, report=None, extra=(), timeout=300,
        script=SCRIPT, prefix=(), env=None) -> Result:
    cmd = [*prefix, "sh", str(script), "--source", os.fsdecode(src), "--dest",
           os.fsdecode(dst), "--mode", mode, "--parallel", str(parallel)]
    if report is not None:
        cmd += ["--report", str(report)]
    cmd += list(extra)
    p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    rep = None
    if report is not None and os.path.exists(report):
        with open(report, "rb") as f:
            rep = json.loads(f.read())
    return Result(p.returncode, p.stdout.decode(errors="replace"),
                  p.stderr.decode(errors="replace"), rep)


def run_raw(args, *, timeout=60, prefix=()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, "sh", str(SCRIPT), *args], capture_output=True,
                          timeout=timeout, text=True, errors="replace")
