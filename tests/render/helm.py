"""Render a plan's Helm Releases with the real `helm template`, as the cluster would receive them.

Schema checks of the values alone miss what only the templates produce: names
derived from the release name, cluster-scoped objects, labels a template writes
twice. So each Release is rendered from the pinned chart package, offline.

No chart pinned here asks for API capabilities (`.Capabilities.APIVersions`):
dask-gateway 2026.3.0 renders its IngressRoute and Middlewares unconditionally
and ships the Traefik CRDs in crds/, and only cluster-autoscaler reads
`.Capabilities.KubeVersion`, which --kube-version sets. So no --api-versions.
"""

import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.charts import CHARTS, REPO, chart_package

# AWS pins cluster.kubernetes_version "1.33" (Pulumi.aws-us-west-2.yaml). The GKE
# cluster follows a release channel with no pinned version, so it runs 1.33 or a
# later minor; manifests valid on 1.33 stay valid there, so both stacks are checked
# against 1.33 (tests/render/test_validation.py checks the AWS pin still says so).
KUBE_VERSION = "1.33"

RELEASE = "kubernetes:helm.sh/v3:Release"


class MissingTool(RuntimeError):
    """helm is not where the tests look: a broken checkout, never a reason to skip."""


class MissingCharts(RuntimeError):
    """The shared chart folder is absent: tests skip, except in CI."""


def helm_binary() -> str:
    path = Path(os.environ.get("HELM", REPO / ".venv" / "tools" / "helm"))
    if not path.is_file():
        raise MissingTool(f"helm not found at {path}: run `make .venv/tools/helm` (or set HELM)")
    return str(path)


def require_charts() -> None:
    if not (CHARTS / "packages").is_dir():
        raise MissingCharts(f"chart packages not found: {CHARTS / 'packages'} is absent (set PANGEO_CHARTS)")


@dataclass
class Rendered:
    """One Release as helm renders it; `problems` are what would make helm install fail."""

    urn: str
    namespace: str
    name: str
    chart: str
    manifests: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.namespace}/{self.name}"


class _DuplicateKeys(yaml.SafeLoader):
    """safe_load semantics, but remembers duplicate mapping keys, which PyYAML silently
    resolves (last wins) and helm's Go YAML decoder rejects at install time."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[object, int]] = []

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                self.duplicates.append((key, key_node.start_mark.line))
            seen.add(key)
        return super().construct_mapping(node, deep)


def parse_manifests(text: str) -> tuple[list[dict], list[str]]:
    """Documents of a `helm template` output, and the duplicate keys found in each,
    named by object and by the chart template (helm's `# Source:` comment) they come from."""
    loader, manifests, problems = _DuplicateKeys(text), [], []
    lines = text.splitlines()
    try:
        while loader.check_data():
            loader.duplicates = []
            doc = loader.get_data()
            if doc:
                manifests.append(doc)
                problems += [f"{describe(doc)}{_source(lines, line)}: duplicate key {key!r}"
                             for key, line in loader.duplicates]
    finally:
        loader.dispose()
    return manifests, problems


def _source(lines: list[str], index: int) -> str:
    for line in reversed(lines[:index]):
        if line.startswith("# Source: "):
            return f" ({line.removeprefix('# Source: ')}, line {index + 1} of the output)"
    return f" (line {index + 1})"


def describe(manifest: dict) -> str:
    return f"{manifest.get('kind')} {(manifest.get('metadata') or {}).get('name')}"


def release_label(release: dict) -> str:
    """`namespace/name` of a Release resource: what helm knows it by (Pulumi names it if unset)."""
    return f"{release['inputs'].get('namespace', 'default')}/{release['inputs'].get('name', release['name'])}"


def render_release(release: dict, kube_version: str = KUBE_VERSION) -> Rendered:
    """`helm template` of one Release resource of a plan, with its values from a temporary file."""
    inputs = release["inputs"]
    namespace, name = release_label(release).split("/", 1)
    rendered = Rendered(release["urn"], namespace, name, f"{inputs['chart']}-{inputs['version']}")
    package = chart_package(inputs["chart"], inputs["version"])
    if not package.is_file():
        rendered.problems.append(f"chart package {package} is missing")
        return rendered
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as values:
        yaml.safe_dump(inputs.get("values") or {}, values)
        values.flush()
        args = [helm_binary(), "template", rendered.name, str(package), "--namespace", rendered.namespace,
                "--kube-version", kube_version, "-f", values.name]
        # helm install applies the chart's crds/ unless the Release sets skipCrds; render them likewise.
        if not inputs.get("skipCrds"):
            args.append("--include-crds")
        out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode:
        rendered.problems.append(f"helm template failed: {out.stderr.strip()}")
        return rendered
    rendered.manifests, rendered.problems = parse_manifests(out.stdout)
    return rendered


def render_releases(plan, kube_version: str = KUBE_VERSION) -> dict[str, Rendered]:
    """Every Release of a plan, by URN. helm is a subprocess, so two threads use both cores."""
    require_charts()
    helm_binary()
    releases = [r for r in plan.resources if r["type"] == RELEASE]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return {r.urn: r for r in pool.map(lambda rel: render_release(rel, kube_version), releases)}
