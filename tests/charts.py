"""Validate rendered Helm values the way helm does: chart defaults deep-merged, then the chart's schema.

The schemas live beside the repository in ../shared/charts (PANGEO_CHARTS overrides);
without them, `helm pull` of the pinned chart is used if helm is installed.
"""

import copy
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PANGEO_SHARED", REPO.parent / "shared"))
CHARTS = Path(os.environ.get("PANGEO_CHARTS", SHARED / "charts"))


def skip_unless_ci(message: str):
    """Something beside the repository or a setup step is missing: a printed skip on a
    developer's machine, a failure in CI, where it is always there."""
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI is set, so this fails instead of skipping")
    print(f"\nSKIP: {message}", file=sys.stderr)
    pytest.skip(message)


def chart_package(name: str, version: str) -> Path:
    """The pinned chart's .tgz in the shared folder: what `helm template` renders, offline."""
    return CHARTS / "packages" / f"{name}-{version}.tgz"


def deep_merge(base, overlay):
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = copy.deepcopy(base)
        for key, value in overlay.items():
            merged[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(overlay)


@cache
def chart_files(name: str, version: str, repository: str) -> tuple[dict, dict]:
    folder = CHARTS / f"{name}-{version}"
    if not folder.is_dir():
        folder = _helm_pull(name, version, repository)
    defaults = yaml.safe_load((folder / "values.yaml").read_text())
    schema_path = folder / "values.schema.yaml"
    if not schema_path.exists():
        schema_path = folder / "values.schema.json"
    return defaults, yaml.safe_load(schema_path.read_text())


def _helm_pull(name: str, version: str, repository: str) -> Path:
    if shutil.which("helm") is None:
        pytest.skip(f"no chart schema for {name} {version}: {CHARTS / f'{name}-{version}'} is absent and helm is not installed")
    target = Path(tempfile.mkdtemp())
    subprocess.run(["helm", "pull", name, "--repo", repository, "--version", version, "-d", str(target)], check=True)
    with tarfile.open(next(target.glob("*.tgz"))) as archive:
        archive.extractall(target, filter="data")
    return target / name


def schema_errors(chart, values: dict) -> list[str]:
    defaults, schema = chart_files(chart.name, chart.version, chart.repository)
    validator = jsonschema.Draft7Validator(schema)
    return sorted(
        f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(deep_merge(defaults, values))
    )
