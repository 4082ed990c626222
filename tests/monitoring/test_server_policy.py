"""Prometheus's server under every NetworkPolicy each shipped stack (and the example) sends (tests/isolation/netpol.py's evaluator):
it reaches every target its rendered scrape jobs find and Alertmanager, and no other port of any pod of the stack;
the API server's port and DNS but no other public port; and only Grafana reaches it."""

import pytest

from components.monitoring.alertmanager_values import FULLNAME as ALERTMANAGER
from components.monitoring.alertmanager_values import PORT as ALERTMANAGER_PORT
from components.monitoring.prometheus_values import SERVER_PORT
from tests.isolation.netpol import Address, Pod, allowed
from tests.render.stack import RENDERED, STACKS

from .targets import WORKLOADS, scrape_configs, targets
from .test_scrape import _release, _workload

NODE = Address("10.0.0.5")
API_SERVER = Address("203.0.113.10")  # the GKE endpoint of the plan's mocks (infra/plan/mocks.py)


def _policies(s) -> list[dict]:
    return [{**o.manifest, "metadata": {**o.manifest["metadata"], "namespace": o.namespace}}
            for o in s.objects if o.kind == "NetworkPolicy"]


def _endpoints(s) -> dict[tuple, object]:
    """Every container port of every workload of the stack, by (namespace, workload, port): the pod, or the
    node's address for a host-network pod."""
    found = {}
    for n, obj in enumerate(o for o in s.objects if o.kind in WORKLOADS):
        template = obj.manifest["spec"]["template"]
        ports = {p["name"]: p["containerPort"] for c in template["spec"]["containers"]
                 for p in c.get("ports") or [] if "name" in p}
        pod = NODE if template["spec"].get("hostNetwork") else Pod(
            obj.namespace, template["metadata"].get("labels") or {}, f"10.99.{n // 250}.{n % 250 + 1}", ports=ports)
        for container in template["spec"]["containers"]:
            for port in container.get("ports") or []:
                found[(obj.namespace, obj.name, port["containerPort"])] = pod
    return found


def _target_endpoint(s, address: str) -> tuple:
    """The (namespace, workload, port) behind a target's address: a Service's backing workload or a pod's."""
    host, port = address.rsplit(":", 1)
    name, namespace, *pod = host.split(".")
    if pod:
        return namespace, name, int(port)
    service = next(o.manifest for o in s.objects if o.kind == "Service" and o.namespace == namespace
                   and o.manifest["metadata"]["name"] == name)
    (spec_port,) = [p for p in service["spec"]["ports"] if p["port"] == int(port)]
    for obj in (o for o in s.objects if o.kind in WORKLOADS and o.namespace == namespace):
        template = obj.manifest["spec"]["template"]
        labels = template["metadata"].get("labels") or {}
        if all(labels.get(k) == v for k, v in service["spec"]["selector"].items()):
            for container in template["spec"]["containers"]:
                for p in container.get("ports") or []:
                    if spec_port.get("targetPort", spec_port["port"]) in (p.get("name"), p["containerPort"]):
                        return namespace, obj.name, p["containerPort"]
    raise AssertionError(f"no workload behind {address}")


def _server(s) -> Pod:
    prometheus = _release(s, "prometheus")
    labels = _workload(prometheus, "prometheus-server")["spec"]["template"]["metadata"]["labels"]
    return Pod(prometheus.namespace, labels, "10.98.0.3")


@pytest.mark.parametrize("stack_name", RENDERED)
def test_the_server_reaches_its_targets_and_alertmanager_and_no_other_pod_port(stack_name, rendered_stack):
    s = rendered_stack(stack_name)
    policies, server, endpoints = _policies(s), _server(s), _endpoints(s)
    found = targets(scrape_configs(_release(s, "prometheus")), s.objects)
    expected = {_target_endpoint(s, t.labels["__address__"]) for t in found}
    if any(key[1] == ALERTMANAGER for key in endpoints):
        expected.add((server.namespace, ALERTMANAGER, ALERTMANAGER_PORT))
    assert len(found) >= 5 and expected <= set(endpoints)
    reached = {key for key, pod in endpoints.items() if allowed(policies, server, pod, key[2])}
    # The server itself (its own port, which it reaches over localhost) aside.
    assert reached - {(server.namespace, "prometheus-server", SERVER_PORT)} == expected


@pytest.mark.parametrize("stack_name", RENDERED)
def test_the_server_reaches_dns_and_the_api_server_and_no_other_address_port(stack_name, rendered_stack):
    s = rendered_stack(stack_name)
    policies, server = _policies(s), _server(s)
    assert allowed(policies, server, API_SERVER, 443) and allowed(policies, server, API_SERVER, 6443)
    assert allowed(policies, server, NODE, 53, "UDP")
    assert not [p for p in (22, 80, 587, 8080, 9090) if allowed(policies, server, API_SERVER, p)]
    assert not [p for p in (22, 80, 2049, 10250) if allowed(policies, server, NODE, p)]


@pytest.mark.parametrize("stack_name", STACKS)
def test_only_grafana_reaches_the_server(stack_name, rendered_stack):
    s = rendered_stack(stack_name)
    policies, server = _policies(s), _server(s)
    callers = {(pod.namespace, key[1]) for key, pod in _endpoints(s).items()
               if isinstance(pod, Pod) and pod.labels != server.labels and allowed(policies, pod, server, SERVER_PORT)}
    assert callers == {(server.namespace, "grafana")}
