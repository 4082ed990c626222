"""The Grafana dashboards of a stack, compiled at plan time from the source its config names."""

import os
from pathlib import Path

from components.monitoring.dashboards import SourceError, compile_dashboards
from components.monitoring.grafana_args import GrafanaConfig
from infra.config import NAMESPACE, ConfigError

KEY = "monitoring.grafana.dashboards_source"
PROJECT_ENV = "PANGEO_PROJECT_DIR"
"""What a relative source is relative to, when not this program's directory: `plan diff --base` plans the base
revision in a temporary worktree, whose neighbours are not the project's."""


def _project() -> Path:
    return Path(os.environ.get(PROJECT_ENV) or Path(__file__).resolve().parents[1])


def stack_dashboards(grafana: GrafanaConfig) -> dict[str, dict]:
    """Every dashboard by name; a source that is missing or does not compile is a config error at its key."""
    try:
        return compile_dashboards(_project() / grafana.dashboards_source)
    except SourceError as error:
        raise ConfigError([f"{NAMESPACE}:{KEY}: {error} (how to get the pinned source: "
                           "docs/operations.md, The dashboards' source)"]) from None
