"""The JupyterHub dashboards (jupyterhub/grafana-dashboards), compiled from their pinned jsonnet source at plan time.

The dashboards are jsonnet built on grafonnet; nobody writes their JSON. The program compiles every
`dashboards/*.jsonnet` of the source with go-jsonnet's Python bindings (the `gojsonnet` package: the C++
`jsonnet` package gives the same JSON but takes some 40 s on jupyterhub.jsonnet, go-jsonnet under a second
for all eight), and the Monitoring component provisions the result through the grafana chart.

The source is upstream's repository at `COMMIT` with its jsonnet-bundler `vendor/` folder (grafonnet, as its
jsonnetfile.lock.json pins it): a directory, or a .tar.gz of one (docs/operations.md says how to get it).
"""

import json
import tarfile
import tempfile
from functools import cache
from pathlib import Path

import _gojsonnet

UPSTREAM = "https://github.com/jupyterhub/grafana-dashboards"
COMMIT = "ef44b4ed"
"""The upstream commit (2026-03-03) whose dashboards the program provisions."""

DEFAULT_SOURCE = f"../shared/grafana-dashboards/grafana-dashboards-{COMMIT}.tar.gz"
"""Where the source is unless the stack says otherwise: relative to the project directory."""


class SourceError(ValueError):
    """The dashboards' source is missing or is not a grafana-dashboards tree; the message says which."""


def compile_dashboards(source: Path) -> dict[str, dict]:
    """Every dashboard of the source by name (its file's stem), as Grafana's provisioning reads it.

    Cached per file and modification time: every plan of one process reads the same source."""
    source = source.resolve()
    if not source.exists():
        raise SourceError(f"{source} does not exist")
    return _compiled(source, source.stat().st_mtime_ns)


@cache
def _compiled(source: Path, _mtime: int) -> dict[str, dict]:
    if source.is_dir():
        return _compile_tree(_root(source))
    if not tarfile.is_tarfile(source):
        raise SourceError(f"{source} is neither a directory nor a tar archive")
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(source) as archive:
        # The data filter refuses absolute paths and links out of the tree; the vendor/ folder's
        # legacy-name symlinks (vendor/doc-util -> github.com/...) stay inside it.
        archive.extractall(scratch, filter="data")
        return _compile_tree(_root(Path(scratch)))


def _root(folder: Path) -> Path:
    """The tree's top: the folder itself, or the one folder an archive wraps it in."""
    for candidate in (folder, *sorted(p for p in folder.iterdir() if p.is_dir())):
        if (candidate / "jsonnetfile.json").is_file():
            if not (candidate / "vendor").is_dir():
                raise SourceError(f"{candidate} has no vendor/ folder: run `jb install` in it (docs/operations.md)")
            return candidate
    raise SourceError(f"{folder} holds no jsonnetfile.json: not a jupyterhub/grafana-dashboards tree")


def _compile_tree(root: Path) -> dict[str, dict]:
    files = sorted((root / "dashboards").glob("*.jsonnet"))
    if not files:
        raise SourceError(f"{root / 'dashboards'} holds no .jsonnet dashboards")
    dashboards = {}
    for path in files:
        try:
            dashboard = json.loads(_gojsonnet.evaluate_file(str(path), jpathdir=[str(root / "vendor")]))
        except RuntimeError as error:  # jsonnet's own message: file, line and column
            raise SourceError(f"{path.relative_to(root)}: {error}") from None
        # Links to a dashboard name its uid; one upstream leaves unset gets a random uid when Grafana first
        # stores it, and another on a fresh volume, which breaks every bookmark of it.
        dashboard["uid"] = dashboard.get("uid") or path.stem
        dashboards[path.stem] = dashboard
    return dashboards
