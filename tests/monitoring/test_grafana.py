"""Grafana as the pinned chart renders it: the compiled dashboards and Prometheus provisioned, the login held to
the operators' teams under Grafana's own JMESPath semantics, secrets kept out of ConfigMaps, HTTPS through Traefik."""

import jmespath
import pytest
import yaml

from components.monitoring.grafana_args import GrafanaConfig
from components.monitoring.grafana_values import (
    GRAFANA_PORT, HTTP_PORT, HTTPS_PORT, dashboards_configmap, grafana_policy, grafana_service, grafana_values,
    role_attribute_path, traefik_routes,
)
from tests.isolation.netpol import Address, Pod, allowed
from tests.render.conftest import _or_skip
from tests.render.helm import helm_binary, render_release, require_charts

from .provisioning import provisioned_dashboards, provisioned_datasources

NAMESPACE = "monitoring"
PROMETHEUS_URL = "http://prometheus-server.monitoring.svc"
PROMETHEUS = {"matchLabels": {"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/component": "server"}}
CLIENT_SECRET = "0123456789abcdef-client-secret"
CONFIG = GrafanaConfig.model_validate({
    "domain": "grafana.hub.example.org", "letsencrypt_email": "ops@example.org",
    "github": {"client_id": "Iv1.grafana", "allowed_teams": ["2i2c-org:hub-operators", "pangeo-data:ops"]},
})


def _values():
    return grafana_values(CONFIG, admin_password="admin-password-0123", client_secret=CLIENT_SECRET,
                          prometheus_url=PROMETHEUS_URL, node_selector={"hub.jupyter.org/node-purpose": "core"},
                          storage_class="standard-rwo")


@pytest.fixture(scope="module")
def rendered():
    _or_skip(lambda: (require_charts(), helm_binary()))
    release = {"urn": "grafana", "name": "grafana", "inputs": {
        "chart": "grafana", "version": "10.5.14", "name": "grafana", "namespace": NAMESPACE, "values": _values()}}
    result = render_release(release)
    assert result.problems == []
    return result.manifests


def test_every_compiled_dashboard_is_provisioned(rendered, compiled):
    found = provisioned_dashboards(rendered, [{"kind": "ConfigMap", **dashboards_configmap(NAMESPACE, compiled)}])
    assert found == {d["uid"]: d for d in compiled.values()}


def test_without_the_dashboards_configmap_nothing_is_provisioned(rendered):
    assert provisioned_dashboards(rendered) == {}


def test_prometheus_is_the_default_data_source(rendered):
    (source,) = provisioned_datasources(rendered)
    assert (source["type"], source["url"], source["isDefault"]) == ("prometheus", PROMETHEUS_URL, True)


def test_the_client_secret_is_only_in_a_secret(rendered):
    holders = [m["kind"] for m in rendered if CLIENT_SECRET in yaml.safe_dump(m)]
    encoded = [m for m in rendered if m["kind"] == "Secret" and "GF_AUTH_GITHUB_CLIENT_SECRET" in (m.get("data") or {})]
    assert holders == [] and len(encoded) == 1  # base64 in the Secret, nowhere in plain text


def _role(groups: list[str]) -> str:
    """Grafana evaluates role_attribute_path over the user's data with their teams as `groups`."""
    return jmespath.search(role_attribute_path(CONFIG.github.allowed_teams), {"login": "alice", "groups": groups})


def test_only_the_operators_teams_get_a_role():
    assert _role(["https://github.com/orgs/2i2c-org/teams/hub-operators", "@2i2c-org/hub-operators"]) == "Editor"
    assert _role(["@pangeo-data/ops"]) == "Editor"
    # Another team of the same organisation gets no role, which role_attribute_strict refuses.
    assert _role(["@2i2c-org/everyone", "@pangeo-data/hub-power-users"]) == ""
    assert _role([]) == ""


def test_login_is_strict_and_github_only(rendered):
    ini = next(m for m in rendered if m["kind"] == "ConfigMap" and m["metadata"]["name"] == "grafana")["data"]["grafana.ini"]
    assert "role_attribute_strict = true" in ini and "allowed_organizations = 2i2c-org pangeo-data" in ini
    assert "root_url = https://grafana.hub.example.org/" in ini


def test_https_is_served_by_traefik_in_grafanas_pod(rendered):
    pod = next(m for m in rendered if m["kind"] == "Deployment")["spec"]["template"]["spec"]
    traefik = next(c for c in pod["containers"] if c["name"] == "traefik")
    assert {p["name"]: p["containerPort"] for p in traefik["ports"]} == {"http": HTTP_PORT, "https": HTTPS_PORT}
    assert {m["name"] for m in traefik["volumeMounts"]} == {"storage", "traefik"}  # the certificate persists
    routes = traefik_routes(CONFIG)["http"]
    assert routes["routers"]["grafana"]["rule"] == "Host(`grafana.hub.example.org`)"
    assert routes["services"]["grafana"]["loadBalancer"]["servers"] == [{"url": f"http://127.0.0.1:{GRAFANA_PORT}"}]
    assert not [m for m in rendered if m["kind"] == "Service"]  # the chart's own would reach Grafana unencrypted
    service = grafana_service(NAMESPACE, {"loadBalancerIP": "203.0.113.7"})["spec"]
    assert (service["loadBalancerIP"], [(p["port"], p["targetPort"]) for p in service["ports"]]) == \
        ("203.0.113.7", [(80, "http"), (443, "https")])
    # Plain HTTP is sent to the address users reach, the Service's 443, not Traefik's own port.
    assert "--entrypoints.http.http.redirections.entrypoint.to=:443" in traefik["args"]


def test_the_certificate_store_keeps_its_permissions(rendered):
    """Traefik refuses an acme.json other than 0600; fsGroup applied at every start would add group bits."""
    pod = next(m for m in rendered if m["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["fsGroupChangePolicy"] == "OnRootMismatch"


GRAFANA = Pod(NAMESPACE, {"app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "grafana"}, "10.16.0.5")
PROMETHEUS_POD = Pod(NAMESPACE, PROMETHEUS["matchLabels"], "10.16.0.6")
HUB = Pod("prod", {"component": "hub"}, "10.16.0.7")
INTERNET = Pod("internet", {}, "198.51.100.1")


def test_grafanas_policy_admits_what_it_needs_and_nothing_else():
    policies = [grafana_policy(NAMESPACE, PROMETHEUS, 9090)]
    assert allowed(policies, INTERNET, GRAFANA, HTTP_PORT) and allowed(policies, INTERNET, GRAFANA, HTTPS_PORT)
    assert not allowed(policies, INTERNET, GRAFANA, GRAFANA_PORT)  # only Traefik, inside the pod, reaches Grafana
    assert allowed(policies, GRAFANA, PROMETHEUS_POD, 9090)
    assert not allowed(policies, GRAFANA, PROMETHEUS_POD, 9093) and not allowed(policies, GRAFANA, HUB, 8081)
    assert allowed(policies, GRAFANA, Address("140.82.112.3"), 443)  # github.com
    assert not allowed(policies, GRAFANA, Address("140.82.112.3"), 22)
    assert not allowed(policies, GRAFANA, Address("10.0.0.2"), 443)  # private addresses: nodes, NFS, metadata
