"""A real rsync daemon on 127.0.0.1 serving a directory as the old cluster's export does:
the configuration is components/legacy/export.py's, with its change-scan module and
scan_changes.sh, only the paths and the port moved to a temporary directory."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from components.legacy import export


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def rsync_daemon(share, workdir, scanner: str | None = None):
    """Yield the rsync:// URL of `share`'s homes module; the daemon is stopped on exit.

    `scanner` replaces the text of scan_changes.sh (a test wrapping the real one)."""
    workdir = Path(workdir)
    config, changes = workdir / "rsyncd", workdir / "changes"
    config.mkdir(parents=True)
    changes.mkdir()
    (config / export.SCAN_SCRIPT).write_text(scanner or export.read_scan_script())
    port = free_port()
    conf = config / "rsyncd.conf"
    conf.write_text(export.rsyncd_conf("127.0.0.1", port=port, share=os.fspath(share), changes=os.fspath(changes),
                                       config=os.fspath(config), pid_file=os.fspath(workdir / "rsyncd.pid")))
    log = open(workdir / "rsyncd.log", "wb")
    # the export's own log option, to the file the tests read
    proc = subprocess.Popen([shutil.which("rsync"), "--daemon", "--no-detach", f"--config={conf}",
                             f"--log-file={workdir / 'rsyncd.log'}", "--address=127.0.0.1"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                raise RuntimeError(f"rsync daemon exited: {(workdir / 'rsyncd.log').read_text()}")
            time.sleep(0.05)
        yield f"rsync://127.0.0.1:{port}/{export.MODULE}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
