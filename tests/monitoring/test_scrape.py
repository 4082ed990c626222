"""What Prometheus scrapes in both shipped stacks, as the pinned charts render it (its prometheus.yml run through
Prometheus's discovery and relabelling over the stack's own objects, targets.py): every hub's /hub/metrics with
that hub's token, every gateway's proxy, and the chart's annotated Services; and the hub's NetworkPolicy, under
every policy the stack sends, admitting Prometheus's server and nothing else that was not let in before."""

from pathlib import PurePosixPath

import pytest
from jupyterhub.scopes import _check_scopes_exist

from components.dask_hub.metrics import ROLE, SERVICE, metrics_ingress
from components.monitoring.alerts import HUB_SCRAPE_JOB
from components.monitoring.scrape import GATEWAY_SCRAPE_JOB
from components.monitoring import HUB_SCRAPER
from tests.isolation.netpol import Pod, allowed
from tests.render.objects import plain_manifest
from tests.render.stack import STACKS

from .targets import WORKLOADS, scrape_configs, targets

HUB_PORT = 8081


def _release(s, chart: str, namespace: str | None = None):
    return next(r for r in s.rendered.values() if r.chart.startswith(f"{chart}-")
                and namespace in (None, r.namespace))


def _hubs(s) -> list[str]:
    return sorted(r.namespace for r in s.rendered.values() if r.chart.startswith("jupyterhub-"))


def _found(s):
    return targets(scrape_configs(_release(s, "prometheus")), s.objects)


def _workload(release, name: str) -> dict:
    return next(m for m in release.manifests if m["kind"] in WORKLOADS and m["metadata"]["name"] == name)


@pytest.mark.parametrize("stack_name", STACKS)
def test_every_hub_is_scraped_at_its_metrics_endpoint_with_its_own_token(stack_name, rendered_stack):
    s = rendered_stack(stack_name)
    found, hubs = _found(s), _hubs(s)
    assert len(hubs) > 1
    server = _workload(_release(s, "prometheus"), "prometheus-server")["spec"]["template"]["spec"]
    mounts = {m["mountPath"]: m["name"] for c in server["containers"] for m in c.get("volumeMounts") or []}
    secrets = {v["name"]: v["secret"]["secretName"] for v in server["volumes"] if "secret" in v}
    declared = {(m["metadata"].get("namespace"), m["metadata"]["name"])
                for m in map(plain_manifest, s.plan.resources) if m is not None and m["kind"] == "Secret"}
    for hub in hubs:
        (target,) = [t for t in found if t.labels["__address__"] == f"hub.{hub}:{HUB_PORT}"]
        assert (target.labels["job"], target.labels["namespace"], target.url) == \
            (HUB_SCRAPE_JOB, hub, f"http://hub.{hub}:{HUB_PORT}/hub/metrics")
        token = PurePosixPath(target.job["authorization"]["credentials_file"])
        assert token.name == hub and target.job["authorization"].get("type", "Bearer") == "Bearer"
        assert (_release(s, "prometheus").namespace, secrets[mounts[str(token.parent)]]) in declared


@pytest.mark.parametrize("stack_name", STACKS)
def test_each_hub_has_a_service_for_prometheus_with_read_metrics_and_keeps_authentication(stack_name, rendered_stack):
    s = rendered_stack(stack_name)
    for release in (r for r in s.plan.resources if r["type"] == "kubernetes:helm.sh/v3:Release"
                    and r["inputs"]["chart"] == "jupyterhub"):
        hub = release["inputs"]["values"]["hub"]
        assert hub["authenticatePrometheus"] is True
        assert hub["services"][SERVICE]["apiToken"]
        assert [r for r in hub["loadRoles"].values() if SERVICE in r.get("services", [])] == [ROLE]
    _check_scopes_exist(ROLE["scopes"])  # JupyterHub 5.5.0 refuses to start on a scope it doesn't know


def test_an_unknown_scope_is_refused_by_the_pinned_jupyterhub():
    with pytest.raises(KeyError):
        _check_scopes_exist(["read:metrics-typo"])


@pytest.mark.parametrize("stack_name", STACKS)
def test_no_tokenless_job_scrapes_a_hub(stack_name, rendered_stack):
    """z2jh annotates the hub's Service for the chart's annotation job, which sends no token: it would 403."""
    s = rendered_stack(stack_name)
    at_hubs = [t for t in _found(s) if t.labels["__address__"].startswith("hub.")]
    assert at_hubs and all("authorization" in t.job for t in at_hubs)


@pytest.mark.parametrize("stack_name", STACKS)
def test_every_gateway_proxy_is_scraped_where_traefik_serves_its_metrics(stack_name, rendered_stack):
    s = rendered_stack(stack_name)
    found = _found(s)
    for hub in _hubs(s):
        gateway = _release(s, "dask-gateway", hub)
        proxy = f"traefik-{gateway.name}"
        (container,) = _workload(gateway, proxy)["spec"]["template"]["spec"]["containers"]
        (target,) = [t for t in found if t.labels["job"] == GATEWAY_SCRAPE_JOB
                     and t.labels["__address__"].startswith(f"{proxy}.{hub}.pod:")]
        port = int(target.labels["__address__"].rsplit(":", 1)[1])
        assert "--metrics.prometheus=true" in container["args"]
        assert f"--entrypoints.traefik.address=:{port}" in container["args"] and target.url.endswith("/metrics")


@pytest.mark.parametrize("stack_name", STACKS)
def test_annotated_services_are_scraped(stack_name, rendered_stack):
    """The chart's annotation job, which the home usage exporter relies on, finds kube-state-metrics."""
    s = rendered_stack(stack_name)
    jobs = {t.labels["job"] for t in _found(s) if t.labels.get("service") == "prometheus-kube-state-metrics"}
    assert jobs == {"kubernetes-service-endpoints"}


def _pods(s) -> list[Pod]:
    """A pod of every workload the stack runs (host-network pods are node addresses, outside policies)."""
    pods = []
    for n, obj in enumerate(o for o in s.objects if o.kind in WORKLOADS):
        spec = obj.manifest["spec"]["template"]
        if not spec["spec"].get("hostNetwork"):
            pods.append(Pod(obj.namespace, spec["metadata"].get("labels") or {}, f"10.99.{n // 250}.{n % 250 + 1}"))
    return pods


@pytest.mark.parametrize("stack_name", STACKS)
def test_each_hubs_policy_lets_prometheus_in_and_nothing_else_new(stack_name, rendered_stack):
    s = rendered_stack(stack_name)
    policies = [{**o.manifest, "metadata": {**o.manifest["metadata"], "namespace": o.namespace}}
                for o in s.objects if o.kind == "NetworkPolicy"]
    rule = metrics_ingress(HUB_SCRAPER)
    # The same policies as they were before Prometheus: its rule taken out again.
    before = [{**p, "spec": {**p["spec"], "ingress": [r for r in p["spec"].get("ingress") or [] if r != rule]}}
              for p in policies]
    prometheus = _release(s, "prometheus")
    server_labels = _workload(prometheus, "prometheus-server")["spec"]["template"]["metadata"]["labels"]
    for hub in _hubs(s):
        hub_labels = _workload(_release(s, "jupyterhub", hub), "hub")["spec"]["template"]["metadata"]["labels"]
        hub_pod = Pod(hub, hub_labels, "10.98.0.2", ports={"http": HUB_PORT})
        # Every pod of the stack, and one in the hub's namespace wearing the server's labels.
        pods = [*_pods(s), Pod(hub, server_labels, "10.98.0.3")]
        admitted = [i for i, p in enumerate(pods) if allowed(policies, p, hub_pod, HUB_PORT)]
        admitted_before = [i for i, p in enumerate(pods) if allowed(before, p, hub_pod, HUB_PORT)]
        new = [pods[i] for i in admitted if i not in admitted_before]
        assert [(p.namespace, p.labels) for p in new] == [(prometheus.namespace, server_labels)]
        assert set(admitted_before) <= set(admitted)
