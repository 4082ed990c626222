"""Grafana as the pinned chart renders it: the compiled dashboards and Prometheus provisioned, the login held to
the operators' teams under Grafana's own JMESPath semantics, secrets kept out of ConfigMaps, and its policy."""

import jmespath
import pytest
import yaml

from components.monitoring.grafana_args import GrafanaConfig
from components.dask_hub.https_routes import entry_selector, traefik_routes
from components.monitoring.grafana_values import (
    GRAFANA_PORT, dashboards_configmap, grafana_policy, grafana_values, role_attribute_path, service_url,
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
    "domain": "grafana.hub.example.org", "hub": "prod",
    "github": {"client_id": "Iv1.grafana", "allowed_teams": ["2i2c-org:hub-operators", "pangeo-data:ops"]},
})


def _values():
    return grafana_values(CONFIG, admin_password="admin-password-0123", client_secret=CLIENT_SECRET,
                          prometheus_url=PROMETHEUS_URL, node_selector={"hub.jupyter.org/node-purpose": "core"})


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


GRAFANA = Pod(NAMESPACE, {"app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "grafana"}, "10.16.0.5")
PROMETHEUS_POD = Pod(NAMESPACE, PROMETHEUS["matchLabels"], "10.16.0.6")
ENTRY_LABELS = {"app": "jupyterhub", "component": "autohttps", "release": "prod-jupyterhub"}
ENTRY = Pod("prod", ENTRY_LABELS, "10.16.0.8")
OTHER_ENTRY = Pod("staging", {**ENTRY_LABELS, "release": "staging-jupyterhub"}, "10.16.0.9")
HUB = Pod("prod", {"app": "jupyterhub", "component": "hub", "release": "prod-jupyterhub"}, "10.16.0.7")


def test_grafanas_policy_admits_what_it_needs_and_nothing_else():
    policies = [grafana_policy(NAMESPACE, entry_namespace="prod", entry_selector=entry_selector("prod-jupyterhub"),
                               prometheus_selector=PROMETHEUS, prometheus_port=9090)]
    assert allowed(policies, ENTRY, GRAFANA, GRAFANA_PORT)
    assert not allowed(policies, ENTRY, GRAFANA, 9094)  # the chart's gossip port
    assert not allowed(policies, OTHER_ENTRY, GRAFANA, GRAFANA_PORT) and not allowed(policies, HUB, GRAFANA, GRAFANA_PORT)
    assert allowed(policies, GRAFANA, PROMETHEUS_POD, 9090)
    assert not allowed(policies, GRAFANA, PROMETHEUS_POD, 9093) and not allowed(policies, GRAFANA, HUB, 8081)
    assert allowed(policies, GRAFANA, Address("140.82.112.3"), 443)  # github.com
    assert not allowed(policies, GRAFANA, Address("140.82.112.3"), 22)
    assert not allowed(policies, GRAFANA, Address("10.0.0.2"), 443)  # private addresses: nodes, NFS, metadata


@pytest.fixture(scope="module")
def hub_entry():
    """The hub's autohttps as z2jh 4.4.0 renders it when the hub also serves Grafana's domain."""
    _or_skip(lambda: (require_charts(), helm_binary()))
    values = {"proxy": {"https": {"enabled": True, "type": "letsencrypt", "hosts": ["hub.example.org", CONFIG.domain],
                                  "letsencrypt": {"contactEmail": "ops@example.org"}},
                        "traefik": {"extraDynamicConfig": traefik_routes({CONFIG.domain: service_url(NAMESPACE)})}}}
    release = {"urn": "hub", "name": "prod-jupyterhub", "inputs": {
        "chart": "jupyterhub", "version": "4.4.0", "name": "prod-jupyterhub", "namespace": "prod", "values": values}}
    result = render_release(release)
    assert result.problems == []
    return result.manifests


def test_the_hubs_traefik_serves_grafanas_domain_over_https(hub_entry):
    dynamic = yaml.safe_load(next(m for m in hub_entry if m["kind"] == "ConfigMap"
                                  and "dynamic.yaml" in (m.get("data") or {}))["data"]["dynamic.yaml"])["http"]
    routers = [r for r in dynamic["routers"].values() if r["rule"] == f"Host(`{CONFIG.domain}`)"]
    assert [(r["entryPoints"], r["tls"]["certResolver"]) for r in routers] == [(["https"], "default")]
    assert dynamic["services"][routers[0]["service"]]["loadBalancer"]["servers"] == [{"url": service_url(NAMESPACE)}]
    # The chart's resolver asks Let's Encrypt for the domain, and its `insecure` router redirects plain HTTP.
    assert {"main": CONFIG.domain} in dynamic["routers"]["default"]["tls"]["domains"]


def test_grafanas_policy_selects_the_rendered_autohttps_pod(hub_entry):
    pod = next(m for m in hub_entry if m["kind"] == "Deployment" and m["metadata"]["name"] == "autohttps")
    labels = pod["spec"]["template"]["metadata"]["labels"]
    policies = [grafana_policy(NAMESPACE, entry_namespace="prod", entry_selector=entry_selector("prod-jupyterhub"),
                               prometheus_selector=PROMETHEUS, prometheus_port=9090)]
    assert allowed(policies, Pod("prod", labels, "10.16.0.8"), GRAFANA, GRAFANA_PORT)
