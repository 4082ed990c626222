"""The home-usage exporter's script, run for real on a share of odd homes: what it reports per home is what GNU du
and find report for that home, its output is Prometheus text format by promtool and by prometheus_client's
parser, and the pod's own command (ionice, nice, python, the script) serves it over HTTP as jovyan."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from components.nfs_home import dirsize_exporter, usage_exporter
from components.nfs_home.dirsize_exporter import METRICS, Pace
from tests.homesync.daemon import free_port

SCRIPT = str(usage_exporter.SCRIPT)
# Names a home can have on the share: a legacy escapism name with a leading '-', and ones that need escaping in a
# label value (quote, backslash, newline) or are not UTF-8.
ODD = ["-54om-41ugspurger", 'quo"te', "back\\slash", "new\nline", os.fsdecode(b"latin-\xe9")]


@pytest.fixture(scope="module")
def share():
    """A share jovyan can traverse, as a real one is (pytest's own temporary folders are root's alone)."""
    top = Path(tempfile.mkdtemp(prefix="home-usage-"))
    os.chmod(top, 0o755)
    yield _populate(top / "share")
    shutil.rmtree(top)


def _populate(root: Path) -> Path:
    root.mkdir()
    alice = root / "alice"
    (alice / "deep" / "er").mkdir(parents=True)
    (alice / "notebook.ipynb").write_bytes(os.urandom(70_000))
    (alice / "deep" / "er" / "data.nc").write_bytes(os.urandom(300_000))
    os.link(alice / "deep" / "er" / "data.nc", alice / "same-data.nc")  # one inode, two names
    with open(alice / "sparse", "wb") as sparse:  # 1 GiB long, a few blocks allocated
        sparse.seek(2**30)
        sparse.write(b"end")
    os.symlink("/usr", alice / "link-to-usr")  # never followed
    os.mkfifo(alice / "fifo")
    bob = root / "bob"
    bob.mkdir()
    os.link(alice / "notebook.ipynb", bob / "shared.ipynb")  # a link across homes counts in both, as du per home
    (root / "empty").mkdir()
    for name in ODD:
        (root / name).mkdir()
        (root / name / "f").write_bytes(os.urandom(5000))
    os.utime(bob / "shared.ipynb", (1_600_000_000.25, 1_600_000_000.25))
    # Not homes: homesync's state, a file and a symlink at the top.
    (root / ".homesync").mkdir()
    (root / ".homesync" / "stamp").write_bytes(os.urandom(9000))
    (root / "top-file").write_text("x")
    os.symlink(alice, root / "alias")
    return root


def _homes(root) -> list[str]:
    return sorted(e.name for e in os.scandir(root) if e.is_dir(follow_symlinks=False) and not e.name.startswith("."))


def _independent(home) -> tuple[float, float, float]:
    """Size, entries and newest mtime of one home, by GNU du and find."""
    size = subprocess.run(["du", "-s", "-B1", "--", home], capture_output=True, check=True).stdout.split()[0]
    entries = subprocess.run(["find", home, "-mindepth", "1", "-printf", "x"], capture_output=True, check=True).stdout
    mtimes = subprocess.run(["find", home, "-printf", "%T@\\n"], capture_output=True, check=True).stdout.split()
    return float(size), float(len(entries)), max(map(float, mtimes))


def _parsed(text: str) -> dict[str, dict[str, float]]:
    """metric -> directory -> value, by prometheus_client's parser."""
    found: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[sample.labels.get("directory")] = sample.value
    return found


@pytest.fixture(scope="module")
def once(share):
    out = subprocess.run([sys.executable, SCRIPT, "--root", str(share), "--once", "--max-rate", "1e9"],
                         capture_output=True, text=True, check=True)
    return out.stdout


def test_each_home_is_what_du_and_find_say(share, once):
    found = _parsed(once)
    homes = _homes(share)
    assert set(found) == {*METRICS, dirsize_exporter.WALK_METRIC}
    for metric in METRICS:
        assert sorted(found[metric]) == sorted(name.encode("utf-8", "surrogateescape")
                                               .decode("utf-8", "backslashreplace") for name in homes)
    for name in homes:
        label = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        size, entries, newest = _independent(os.path.join(share, name))
        assert found["dirsize_total_size_bytes"][label] == size, name
        assert found["dirsize_entries_count"][label] == entries, name
        assert found["dirsize_latest_mtime"][label] == pytest.approx(newest, abs=1e-6), name


def test_links_sparse_files_and_what_is_not_a_home(share, once):
    found = _parsed(once)["dirsize_total_size_bytes"]
    assert "alice" in found and "empty" in found and ODD[0] in found
    assert not {".homesync", "top-file", "alias"} & set(found)
    # The 300 kB file under two names is counted once; the sparse GiB and /usr behind the link not at all.
    assert found["alice"] < 2**20


def test_the_output_is_text_format_and_promtool_finds_only_the_dashboards_own_name(once):
    check = subprocess.run(["promtool", "check", "metrics"], input=once, capture_output=True, text=True)
    # promtool's lint wants no `_count` suffix on a gauge; the dashboards query that name, so it stays.
    assert (check.returncode, check.stdout + check.stderr) == (
        3, 'dirsize_entries_count non-histogram and non-summary metrics should not have "_count" suffix\n')


def test_a_broken_label_value_is_what_promtool_refuses():
    """The check above can fail: an unescaped newline in a label value is a parse error."""
    check = subprocess.run(["promtool", "check", "metrics"], input='dirsize_entries_count{directory="new\nline"} 1\n',
                           capture_output=True, text=True)
    assert check.returncode == 1 and "parsing error" in check.stderr


class FakeClock:
    def __init__(self):
        self.now, self.slept = 0.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_the_pace_never_exceeds_its_rate_and_saves_no_credit():
    clock = FakeClock()
    pace = Pace(10, clock=clock, sleep=clock.sleep)
    for _ in range(21):
        pace.step()
    assert clock.now == pytest.approx(2.0)  # 21 steps at 10 a second: the last at 2 s
    clock.now += 60  # an idle minute earns no burst
    pace.step()
    pace.step()
    assert len(clock.slept) == 21 and clock.slept[-1] == pytest.approx(0.1)


def test_a_walk_paces_each_listing_and_lstat(share):
    clock = FakeClock()
    walk = dirsize_exporter.walk_share(str(share), Pace(1000, clock=clock, sleep=clock.sleep), clock=clock)
    listings = sum(1 for name in walk.homes for _ in os.walk(os.path.join(share, name)))
    calls = sum(u.entries for u in walk.homes.values()) + listings
    assert walk.seconds == pytest.approx((calls - 1) / 1000)


def test_the_pods_command_serves_the_walk_as_jovyan_and_stops_on_sigterm(share, tmp_path):
    """The container's command with the paths moved here, dropped to uid 1000 as the pod runs: a directory only
    root may list is skipped and said so, the rest is served on /metrics."""
    locked = share / "bob" / "locked"
    locked.mkdir()
    (locked / "secret").write_bytes(os.urandom(4096))
    os.chmod(locked, 0o700)
    try:
        _serve_and_scrape(share, tmp_path)
    finally:
        shutil.rmtree(locked)


def _serve_and_scrape(share: Path, tmp_path: Path):
    if os.geteuid() != 0:
        pytest.skip("dropping to uid 1000 with setpriv needs root")
    port = free_port()
    command = usage_exporter.command()
    script_at = command.index(f"{usage_exporter.SCRIPT_DIR}/{usage_exporter.SCRIPT.name}")
    # The image's python is on PATH; this environment's may sit in a folder jovyan can't enter, the system's not.
    system_python = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
    if system_python is None:
        pytest.skip("no system python3 that uid 1000 can run")
    command[script_at - 1:script_at + 1] = [system_python, SCRIPT]
    command[command.index("--root") + 1] = str(share)
    command[command.index("--port") + 1] = str(port)
    command[command.index("--max-rate") + 1] = "1e9"
    assert command[:4] == ["ionice", "-c3", "nice", "-n19"]
    jovyan = ["setpriv", f"--reuid={usage_exporter.JOVYAN}", f"--regid={usage_exporter.JOVYAN}", "--clear-groups"]
    log = open(tmp_path / "stderr", "w+")
    proc = subprocess.Popen([*jovyan, *command], stderr=log, env={"PATH": os.environ["PATH"]})
    try:
        text = ""
        for _ in range(200):  # until the first walk is served
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
            except OSError:
                pass
            if text:
                break
            assert proc.poll() is None, (tmp_path / "stderr").read_text()
            time.sleep(0.05)
        found = _parsed(text)
        assert found["dirsize_entries_count"]["bob"] == 2  # shared.ipynb and locked/, not what is in it
        assert found["dirsize_entries_count"]["alice"] == _independent(share / "alice")[1]
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    log.seek(0)
    assert "1 directories could not be listed" in log.read()
