"""Prometheus's storage and place in both shipped stacks, as the pinned chart renders them: retention and volume
from the stack's config (and from a changed one), the size retention that keeps the volume from filling, the
server and kube-state-metrics on the core pool with room to spare, and the config errors at their key paths."""

import pytest
import yaml

from components.monitoring.args import PrometheusConfig
from components.monitoring.prometheus_values import prometheus_values
from infra import program
from infra.config import ConfigError
from tests.render.conftest import _or_skip
from tests.render.helm import helm_binary, render_release, require_charts
from tests.render.stack import STACKS
from tests.spawn.fit import fit_problem
from tests.spawn.hubs import stack_pools

from .test_grafana_stack import _with_secrets

CORE = {"hub.jupyter.org/node-purpose": "core"}


def _prometheus(manifests) -> tuple[list[str], str]:
    """The server container's arguments and its claim's size."""
    server = next(m for m in manifests if m["kind"] == "Deployment" and m["metadata"]["name"] == "prometheus-server")
    (container,) = [c for c in server["spec"]["template"]["spec"]["containers"] if c["name"] == "prometheus-server"]
    claim = next(m for m in manifests if m["kind"] == "PersistentVolumeClaim")
    return container["args"], claim["spec"]["resources"]["requests"]["storage"]


def _release(s):
    return next(r for r in s.rendered.values() if r.chart.startswith("prometheus-"))


def _stack_config(name: str) -> PrometheusConfig:
    values = yaml.safe_load(open(f"Pulumi.{name}.yaml"))["config"]
    return PrometheusConfig.model_validate(values.get("pangeo-hubs:monitoring", {}).get("prometheus", {}))


@pytest.mark.parametrize("stack_name", STACKS)
def test_retention_and_volume_come_from_the_stacks_config(stack_name, rendered_stack):
    config = _stack_config(stack_name)
    args, size = _prometheus(_release(rendered_stack(stack_name)).manifests)
    assert f"--storage.tsdb.retention.time={config.retention_days}d" in args and size == f"{config.volume_gb}Gi"


def test_a_changed_config_changes_the_rendered_server():
    _or_skip(lambda: (require_charts(), helm_binary()))
    values = prometheus_values(PrometheusConfig(retention_days=45, volume_gb=50), node_selector=CORE, hubs=["prod"],
                               alertmanager={"enabled": False})
    rendered = render_release({"urn": "prometheus", "name": "prometheus", "inputs": {
        "chart": "prometheus", "version": "29.27.0", "name": "prometheus", "namespace": "monitoring",
        "values": values}})
    assert rendered.problems == []
    args, size = _prometheus(rendered.manifests)
    # 80% of 50 GiB in Prometheus's powers-of-2 MB, so old blocks go before the volume fills.
    assert size == "50Gi" and "--storage.tsdb.retention.time=45d" in args
    assert "--storage.tsdb.retention.size=40960MB" in args


@pytest.mark.parametrize("stack_name", STACKS)
@pytest.mark.parametrize("workload", ["prometheus-server", "prometheus-kube-state-metrics"])
def test_prometheus_fits_the_core_pool(stack_name, workload, rendered_stack):
    pod = next(m for m in _release(rendered_stack(stack_name)).manifests
               if m["kind"] == "Deployment" and m["metadata"]["name"] == workload)["spec"]["template"]
    core = [p for p in stack_pools(stack_name) if p.labels.get("hub.jupyter.org/node-purpose") == "core"]
    assert pod["spec"]["nodeSelector"] == CORE
    assert core and fit_problem(pod["spec"], core) is None


def _problems(*assignments) -> list[str]:
    with pytest.raises(ConfigError) as error:
        program.load_config(_with_secrets("monitoring.grafana.github.client_secret=x", *assignments), "gcp")
    return error.value.problems


@pytest.mark.parametrize("assignment, key", [
    ("monitoring.prometheus.volume_gb=1", "monitoring.prometheus.volume_gb"),
    ("monitoring.prometheus.retention_days=0", "monitoring.prometheus.retention_days"),
    ("monitoring.prometheus.retention=15d", "monitoring.prometheus.retention"),
])
def test_a_bad_prometheus_key_is_one_line_at_its_path(assignment, key):
    problems = _problems(assignment)
    assert len(problems) == 1 and problems[0].startswith(f"pangeo-hubs:{key}: "), problems


def test_the_shipped_config_loads_with_the_defaults():
    assert program.load_config(_with_secrets("monitoring.grafana.github.client_secret=x"), "gcp") \
        .monitoring.prometheus == PrometheusConfig()
