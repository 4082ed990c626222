"""Values of the grafana chart (10.5.14, Grafana 12.3.1), the ConfigMap of its dashboards and its NetworkPolicy.

Pure: the Monitoring component passes in the secrets, the Prometheus address and the cluster's specifics.

- Login: GitHub OAuth only for the operators' teams. Grafana's GitHub connector
  (pkg/login/social/connectors/github_oauth.go) gives each user the groups `@org/team-slug` of their teams;
  `role_attribute_path` maps members of an allowed team to Editor and everyone else to no role, which
  `role_attribute_strict` turns into a refused login. `allowed_organizations` refuses anyone outside the
  teams' organizations before that. The built-in admin keeps a random password, for when GitHub is down.
- HTTPS: exactly as the hubs get it, from one hub's own autohttps (z2jh's Traefik, Let's Encrypt by HTTP-01):
  that hub serves Grafana's domain too (DaskHubArgs.https_routes), and Grafana's DNS record points at the
  hub's address. No load balancer, address or certificate store of Grafana's own, so no Elastic IP beyond the
  five a new AWS account holds. Grafana's Service stays in the cluster and its policy admits only that Traefik.
- Data source and dashboards: Prometheus is provisioned as the default data source (the dashboards pick it
  through their PROMETHEUS_DS variable); every compiled dashboard goes in one ConfigMap that the chart mounts
  for a file dashboard provider, so a fresh Grafana shows them with no clicks.
"""

import json

from components.dask_hub.network_policies import dns, network_policy, public_addresses
from components.labels import PART_OF

from .grafana_args import GrafanaConfig

RELEASE = "grafana"
FULLNAME = "grafana"
"""The chart's fullname for release `grafana` (its _helpers.tpl: a release named like the chart keeps the name)."""

GRAFANA_PORT = 3000
SERVICE_PORT = 80
"""The chart's Service (service.port), to Grafana's port."""

DASHBOARD_PROVIDER = "jupyterhub"
DASHBOARD_FOLDER = "JupyterHub"
DASHBOARDS_PATH = f"/var/lib/grafana/dashboards/{DASHBOARD_PROVIDER}"
"""Where the chart mounts a provider's ConfigMap (dashboardsConfigMaps; its values.yaml asks for this path)."""
DATASOURCE = "prometheus"

# Requests on the core pool: Grafana 12 idles at ~100 MiB and grows with open dashboards.
GRAFANA_RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}


def dashboards_configmap(namespace: str, dashboards: dict[str, dict]) -> dict:
    """The compiled dashboards as one ConfigMap, one `<name>.json` each, for the chart's dashboardsConfigMaps."""
    return {
        "metadata": {"name": f"{FULLNAME}-dashboards-{DASHBOARD_PROVIDER}", "namespace": namespace,
                     "labels": {**PART_OF, "app.kubernetes.io/component": "grafana-dashboards"}},
        "data": {f"{name}.json": json.dumps(d, sort_keys=True, separators=(",", ":")) for name, d in dashboards.items()},
    }


def team_groups(teams: list[str]) -> list[str]:
    """`org:team` (the hubs' spelling) as Grafana's GitHub connector names a team: `@org/team`."""
    return [f"@{org}/{team}" for org, team in (t.split(":") for t in teams)]


def role_attribute_path(teams: list[str]) -> str:
    """JMESPath over the user's groups: Editor for a member of any of `teams`, otherwise no role."""
    member = " || ".join(f"contains(groups[*], '{group}')" for group in team_groups(teams))
    return f"({member}) && 'Editor' || ''"


def service_url(namespace: str) -> str:
    """Grafana's Service in the cluster: where the hub's Traefik sends Grafana's domain."""
    return f"http://{FULLNAME}.{namespace}.svc.cluster.local:{SERVICE_PORT}/"


def grafana_values(config: GrafanaConfig, *, admin_password, client_secret, prometheus_url: str,
                   node_selector: dict) -> dict:
    """The chart's values: Grafana on the core pool, behind a ClusterIP Service."""
    github = config.github
    organizations = sorted({t.split(":")[0] for t in github.allowed_teams})
    return {
        "adminUser": "admin",
        "adminPassword": admin_password,
        "nodeSelector": node_selector,
        "resources": GRAFANA_RESOURCES,
        # Grafana calls no Kubernetes API (no sidecar): no token in the pod.
        "automountServiceAccountToken": False,
        "rbac": {"create": False},
        # No volume: what Grafana shows is provisioned, and its users come back by GitHub login.
        "persistence": {"enabled": False},
        "service": {"type": "ClusterIP", "port": SERVICE_PORT, "targetPort": GRAFANA_PORT},
        # The chart's test pod is for `helm test`, which nothing here runs.
        "testFramework": {"enabled": False},
        # The client secret reaches Grafana as an environment variable (GF_<SECTION>_<KEY> overrides grafana.ini),
        # from a Secret the chart renders: never in the ini ConfigMap (the chart's assertNoLeakedSecrets).
        "envRenderSecret": {"GF_AUTH_GITHUB_CLIENT_SECRET": client_secret},
        "grafana.ini": {
            "server": {"domain": config.domain, "root_url": f"https://{config.domain}/"},
            "analytics": {"reporting_enabled": False, "check_for_updates": False, "check_for_plugin_updates": False},
            "users": {"allow_sign_up": False},
            "auth": {"oauth_auto_login": False},
            "auth.github": {
                "enabled": True,
                "client_id": github.client_id,
                "scopes": "user:email,read:org",
                "allow_sign_up": True,
                "allowed_organizations": " ".join(organizations),
                "role_attribute_path": role_attribute_path(github.allowed_teams),
                "role_attribute_strict": True,
            },
        },
        "datasources": {"datasources.yaml": {"apiVersion": 1, "datasources": [{
            "name": "Prometheus", "uid": DATASOURCE, "type": "prometheus", "access": "proxy",
            "url": prometheus_url, "isDefault": True, "editable": False,
        }]}},
        "dashboardProviders": {"dashboardproviders.yaml": {"apiVersion": 1, "providers": [{
            "name": DASHBOARD_PROVIDER, "orgId": 1, "folder": DASHBOARD_FOLDER, "type": "file",
            "disableDeletion": True, "editable": False, "allowUiUpdates": False,
            "options": {"path": DASHBOARDS_PATH},
        }]}},
        "dashboardsConfigMaps": {DASHBOARD_PROVIDER: f"{FULLNAME}-dashboards-{DASHBOARD_PROVIDER}"},
    }


def pod_labels() -> dict:
    """The chart's selectorLabels for release RELEASE (its _helpers.tpl)."""
    return {"app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": RELEASE}


def grafana_policy(namespace: str, *, entry_namespace: str, entry_selector: dict, prometheus_selector: dict,
                   prometheus_port: int) -> dict:
    """Grafana's pod: in, only the hub's Traefik that serves its domain (`entry_*`), to Grafana's port; out, DNS,
    Prometheus, and HTTPS to public addresses (GitHub's OAuth endpoints and API, for logins)."""
    return network_policy(FULLNAME, namespace, {"matchLabels": pod_labels()}, [
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": entry_namespace}},
                   "podSelector": entry_selector}],
         "ports": [{"port": GRAFANA_PORT, "protocol": "TCP"}]},
    ], [
        dns(),
        {"to": [{"podSelector": prometheus_selector}], "ports": [{"port": prometheus_port, "protocol": "TCP"}]},
        public_addresses((443,)),
    ])
