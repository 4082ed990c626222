"""Per-home disk usage of a hub's home share, served to Prometheus under the names the JupyterHub dashboards query.

Runs in the home-usage pod (usage_exporter.py) from a ConfigMap, on the pinned python image: standard library
only. Every directory directly under --root is a home; each walk reports, per home, labelled `directory`:
- dirsize_total_size_bytes: the space it takes, as `du -s -B1` counts it (allocated blocks of the home and
  everything in it, a file with several links inside the home counted once);
- dirsize_entries_count: the entries below it (files, directories, links, ...), as `find -mindepth 1` lists them;
- dirsize_latest_mtime: the newest modification time of the home and its entries, in seconds since the epoch.
The dashboards (jupyterhub/grafana-dashboards, homedirs.jsonnet and user.jsonnet) add the `namespace` label from
the scrape, which names the hub. Top-level names starting with "." are not homes (homesync keeps .homesync/ there).

It only reads: it lists directories and lstat()s entries, never opens a file, never follows a symlink, and caps
the rate of those calls (--max-rate), which is what bounds its load on an NFS server; ionice and nice in the pod's
command only keep it behind everything else on its node.
"""

import argparse
import os
import signal
import stat
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

# name -> (the Usage field it reports, its help text)
METRICS = {
    "dirsize_total_size_bytes": ("size_bytes", "Disk space the home directory takes, in bytes (allocated blocks)."),
    "dirsize_entries_count": ("entries", "Entries (files, directories, symlinks, ...) below the home directory."),
    "dirsize_latest_mtime": ("latest_mtime", "Newest modification time in the home directory, seconds since the epoch."),
}
WALK_METRIC = "dirsize_walk_duration_seconds"


class Usage(NamedTuple):
    size_bytes: int
    entries: int
    latest_mtime: float


class Pace:
    """At most `per_second` calls of step() per second: each waits until its turn. No credit is saved up while
    the walk is slower than that, so it never bursts."""

    def __init__(self, per_second: float, clock=time.monotonic, sleep=time.sleep):
        self.gap, self.clock, self.sleep, self.turn = 1 / per_second, clock, sleep, None

    def step(self) -> None:
        now = self.clock()
        if self.turn is None or now >= self.turn:
            self.turn = now
        else:
            self.sleep(self.turn - now)
        self.turn += self.gap


class Walk(NamedTuple):
    homes: dict[str, Usage]
    unreadable: int
    seconds: float


def home_usage(home: str, pace: Pace) -> tuple[Usage, int]:
    """The home's usage, and how many of its directories could not be listed."""
    top = os.lstat(home)
    size, entries, latest, unreadable = top.st_blocks * 512, 0, top.st_mtime, 0
    linked: set[tuple[int, int]] = set()
    pending = [home]
    while pending:
        directory = pending.pop()
        pace.step()
        try:
            listing = os.scandir(directory)
        except FileNotFoundError:  # removed while we walked
            continue
        except PermissionError:
            unreadable += 1
            continue
        with listing:
            for entry in listing:
                pace.step()
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                entries += 1
                latest = max(latest, info.st_mtime)
                if stat.S_ISDIR(info.st_mode):
                    pending.append(entry.path)
                elif info.st_nlink > 1:
                    if (info.st_dev, info.st_ino) in linked:
                        continue
                    linked.add((info.st_dev, info.st_ino))
                size += info.st_blocks * 512
    return Usage(size, entries, latest), unreadable


def walk_share(root: str, pace: Pace, clock=time.monotonic) -> Walk:
    """Every home under `root`, by name."""
    started, homes, unreadable = clock(), {}, 0
    with os.scandir(root) as top:
        candidates = sorted(e.name for e in top if not e.name.startswith(".") and e.is_dir(follow_symlinks=False))
    for name in candidates:
        try:
            homes[name], missed = home_usage(os.path.join(root, name), pace)
        except FileNotFoundError:
            continue
        unreadable += missed
    return Walk(homes, unreadable, clock() - started)


def _label(name: str) -> str:
    """A directory name as a label value of the text format: valid UTF-8 (undecodable bytes as \\xNN), with
    backslash, double quote and newline escaped."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def exposition(walk: Walk) -> str:
    """The walk in Prometheus's text exposition format."""
    lines = []
    for metric, (field, help_text) in METRICS.items():
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} gauge"]
        lines += [f'{metric}{{directory="{_label(name)}"}} {getattr(usage, field)}' for name, usage in walk.homes.items()]
    lines += [f"# HELP {WALK_METRIC} How long the last walk of the share took.", f"# TYPE {WALK_METRIC} gauge",
              f"{WALK_METRIC} {walk.seconds:.3f}"]
    return "\n".join(lines) + "\n"


def serve(port: int, latest: dict) -> ThreadingHTTPServer:
    """GET /metrics answers the last finished walk (empty before the first), from a thread of its own."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = latest.get("text", "").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # one line per scrape would drown the walk's own lines
            pass

    server = ThreadingHTTPServer(("", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="The share: one directory per home.")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--interval", type=float, default=12 * 3600, help="Seconds from one walk's start to the next's.")
    parser.add_argument("--max-rate", type=float, default=100, help="Directory listings and lstat calls per second.")
    parser.add_argument("--once", action="store_true", help="Walk once, print the metrics and exit.")
    args = parser.parse_args(argv)
    # As PID 1 in its container the process ignores SIGTERM unless it handles it: stop at once, mid-walk.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    pace = Pace(args.max_rate)
    if args.once:
        sys.stdout.write(exposition(walk_share(args.root, pace)))
        return 0
    latest: dict = {}
    serve(args.port, latest)
    while True:
        started = time.monotonic()
        walk = walk_share(args.root, pace)
        latest["text"] = exposition(walk)
        print(f"home-usage: {len(walk.homes)} homes, {sum(u.entries for u in walk.homes.values())} entries in "
              f"{walk.seconds:.0f} s; {walk.unreadable} directories could not be listed", file=sys.stderr, flush=True)
        time.sleep(max(0.0, started + args.interval - time.monotonic()))


if __name__ == "__main__":
    sys.exit(main())
