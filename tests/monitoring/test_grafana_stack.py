"""Grafana in both shipped stacks, as the pinned charts render them: every dashboard of the pinned source
provisioned, Prometheus its data source, its domain served by the chosen hub's HTTPS entry, its pod on the core
pool; and the config errors an operator meets, each at its key path."""

import pytest
import yaml

from components.monitoring.grafana_values import GRAFANA_PORT, service_url
from components.monitoring.prometheus_values import SERVER_PORT
from infra import program
from infra.config import ConfigError
from tests.isolation.netpol import Pod, allowed
from tests.render.objects import plain_manifest
from tests.render.stack import STACKS
from tests.spawn.fit import fit_problem
from tests.spawn.hubs import stack_pools
from tests.unit.test_config_errors import gcp_values

from .provisioning import provisioned_dashboards, provisioned_datasources


def _grafana(s):
    return next(r for r in s.rendered.values() if r.chart.startswith("grafana-"))


def _config(s) -> dict:
    values = yaml.safe_load(open(f"Pulumi.{s.name}.yaml"))["config"]
    return values["pangeo-hubs:monitoring"]["grafana"]


@pytest.mark.parametrize("stack_name", STACKS)
def test_every_dashboard_is_provisioned(stack_name, rendered_stack, compiled):
    s = rendered_stack(stack_name)
    declared = [m for m in map(plain_manifest, s.plan.resources) if m is not None and m["kind"] == "ConfigMap"]
    found = provisioned_dashboards(_grafana(s).manifests, declared)
    assert found == {d["uid"]: d for d in compiled.values()}


@pytest.mark.parametrize("stack_name", STACKS)
def test_prometheus_is_the_data_source(stack_name, rendered_stack):
    s = rendered_stack(stack_name)
    (source,) = provisioned_datasources(_grafana(s).manifests)
    services = {(o.namespace, o.manifest["metadata"]["name"]) for o in s.objects if o.kind == "Service"}
    host = source["url"].split("//")[1].split(":")[0].split("/")[0].split(".")
    assert (source["type"], source["isDefault"]) == ("prometheus", True)
    assert (host[1] if len(host) > 1 else _grafana(s).namespace, host[0]) in services


@pytest.mark.parametrize("stack_name", STACKS)
def test_the_chosen_hub_serves_grafanas_domain(stack_name, rendered_stack):
    s = rendered_stack(stack_name)
    grafana = _config(s)
    hub = next(r for r in s.rendered.values() if r.chart.startswith("jupyterhub-") and r.namespace == grafana["hub"])
    dynamic = yaml.safe_load(next(m for m in hub.manifests if m["kind"] == "ConfigMap"
                                  and "dynamic.yaml" in (m.get("data") or {}))["data"]["dynamic.yaml"])["http"]
    (router,) = [r for r in dynamic["routers"].values() if r["rule"] == f"Host(`{grafana['domain']}`)"]
    assert dynamic["services"][router["service"]]["loadBalancer"]["servers"] == \
        [{"url": service_url(_grafana(s).namespace)}]


@pytest.mark.parametrize("stack_name", STACKS)
def test_grafana_fits_the_core_pool(stack_name, rendered_stack):
    s = rendered_stack(stack_name)
    pod = next(m for m in _grafana(s).manifests if m["kind"] == "Deployment")["spec"]["template"]
    core = [p for p in stack_pools(stack_name) if p.labels.get("hub.jupyter.org/node-purpose") == "core"]
    assert core and fit_problem(pod["spec"], core) is None


def _problems(values) -> list[str]:
    with pytest.raises(ConfigError) as error:
        program.load_config(values, "gcp")
    return error.value.problems


def _with_secrets(*assignments):
    """The shipped gcp config with every hub's secret and the alerts' SMTP password set, and `assignments`."""
    return gcp_values(*[f"hubs.{h}.auth.github.client_secret=x" for h in ("prod", "staging", "binder")],
                      "monitoring.alerts.smtp.password=x", *assignments)


def test_an_unset_client_secret_names_its_key():
    assert "pangeo-hubs:monitoring.grafana.github.client_secret: secret is not set; run: pulumi config set " \
           "--secret --path 'monitoring.grafana.github.client_secret' -s gcp" in _problems(_with_secrets())


def test_no_operators_team_is_an_error_at_its_key():
    problems = _problems(_with_secrets("monitoring.grafana.github.client_secret=x",
                                       "monitoring.grafana.github.allowed_teams=[]"))
    assert [p for p in problems if p.startswith("pangeo-hubs:monitoring.grafana.github.allowed_teams: ")], problems


def test_an_unknown_hub_is_an_error_at_its_key():
    problems = _problems(_with_secrets("monitoring.grafana.github.client_secret=x", "monitoring.grafana.hub=nope"))
    assert "pangeo-hubs:monitoring.grafana.hub: must be a hub of the stack (binder, prod, staging), got 'nope'" \
        in problems


def test_a_missing_dashboards_source_is_an_error_at_its_key(tmp_path):
    problems = _problems(_with_secrets("monitoring.grafana.github.client_secret=x",
                                       f"monitoring.grafana.dashboards_source={tmp_path / 'absent'}"))
    assert problems == [f"pangeo-hubs:monitoring.grafana.dashboards_source: {tmp_path / 'absent'} does not exist "
                        "(how to get the pinned source: docs/operations.md, The dashboards' source)"]


def _pod_labels(release, name: str) -> dict:
    workload = next(m for m in release.manifests if m["kind"] == "Deployment" and m["metadata"]["name"] == name)
    return workload["spec"]["template"]["metadata"]["labels"]


@pytest.mark.parametrize("stack_name", STACKS)
def test_every_policy_of_the_stack_lets_only_the_serving_hub_into_grafana(stack_name, rendered_stack):
    """With every NetworkPolicy the stack sends (the charts' and the program's): the serving hub's Traefik
    reaches Grafana and Grafana reaches Prometheus; another hub's Traefik and the serving hub's own hub pod don't."""
    s = rendered_stack(stack_name)
    policies = [o.manifest for o in s.objects if o.kind == "NetworkPolicy"]
    grafana, serving = _grafana(s), _config(s)["hub"]
    hubs = {r.namespace: r for r in s.rendered.values() if r.chart.startswith("jupyterhub-")}
    prometheus = next(r for r in s.rendered.values() if r.chart.startswith("prometheus-"))
    pod = Pod(grafana.namespace, _pod_labels(grafana, "grafana"), "10.16.0.5")
    server = Pod(prometheus.namespace, _pod_labels(prometheus, "prometheus-server"), "10.16.0.6")
    entry = Pod(serving, _pod_labels(hubs[serving], "autohttps"), "10.16.0.7")
    others = [Pod(ns, _pod_labels(r, "autohttps"), "10.16.0.8") for ns, r in hubs.items() if ns != serving]
    hub_pod = Pod(serving, _pod_labels(hubs[serving], "hub"), "10.16.0.9")
    assert allowed(policies, entry, pod, GRAFANA_PORT) and allowed(policies, pod, server, SERVER_PORT)
    assert others and not any(allowed(policies, other, pod, GRAFANA_PORT) for other in others)
    assert not allowed(policies, hub_pod, pod, GRAFANA_PORT)
