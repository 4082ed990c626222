"""Values of the grafana chart (10.5.14, Grafana 12.3.1), the ConfigMap of its dashboards and its NetworkPolicy.

Pure: the Monitoring component passes in the secrets, the Prometheus address and the cluster's specifics.

- Login: GitHub OAuth only for the operators' teams. Grafana's GitHub connector
  (pkg/login/social/connectors/github_oauth.go) gives each user the groups `@org/team-slug` of their teams;
  `role_attribute_path` maps members of an allowed team to Editor and everyone else to no role, which
  `role_attribute_strict` turns into a refused login. `allowed_organizations` refuses anyone outside the
  teams' organizations before that. The built-in admin keeps a random password, for when GitHub is down.
- HTTPS: as each hub's (z2jh's autohttps): Traefik, z2jh 4.4.0's image, gets a Let's Encrypt certificate by
  the HTTP-01 challenge and terminates TLS in front of Grafana, here as a container of Grafana's pod behind a
  LoadBalancer Service on the cluster's public address. Its certificate store lives on Grafana's volume, so a
  restart does not ask Let's Encrypt again (5 certificates per domain a week).
- Data source and dashboards: Prometheus is provisioned as the default data source (the dashboards pick it
  through their PROMETHEUS_DS variable); every compiled dashboard goes in one ConfigMap that the chart mounts
  for a file dashboard provider, so a fresh Grafana shows them with no clicks.
"""

import json

import yaml

from components.dask_hub.network_policies import PRIVATE_RANGES
from components.labels import PART_OF

from .grafana_args import GrafanaConfig

RELEASE = "grafana"
FULLNAME = "grafana"
"""The chart's fullname for release `grafana` (its _helpers.tpl: a release named like the chart keeps the name)."""

GRAFANA_PORT = 3000
# Traefik's entry points, as z2jh's autohttps listens (unprivileged ports; the Service maps 80 and 443).
HTTP_PORT, HTTPS_PORT = 8080, 8443
TRAEFIK_IMAGE = "traefik:v3.6.12"
"""The image z2jh 4.4.0 runs for every hub's HTTPS (proxy.traefik.image in its values.yaml)."""

DASHBOARD_PROVIDER = "jupyterhub"
DASHBOARD_FOLDER = "JupyterHub"
DASHBOARDS_PATH = f"/var/lib/grafana/dashboards/{DASHBOARD_PROVIDER}"
"""Where the chart mounts a provider's ConfigMap (dashboardsConfigMaps; its values.yaml asks for this path)."""
DATASOURCE = "prometheus"

STORAGE = "/var/lib/grafana"
ACME_STORAGE = f"{STORAGE}/acme.json"

# Requests on the core pool: Grafana 12 idles at ~100 MiB and grows with open dashboards; Traefik at ~30 MiB.
GRAFANA_RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}
TRAEFIK_RESOURCES = {"requests": {"cpu": "20m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}

# Grafana's user id in its image; the chart's pod runs as it and owns the volume (securityContext, fsGroup).
_GRAFANA_UID = 472


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


def _traefik(config: GrafanaConfig) -> dict:
    """The TLS container: Let's Encrypt's HTTP-01 challenge on :8080, which otherwise redirects to HTTPS."""
    args = [
        f"--entrypoints.http.address=:{HTTP_PORT}",
        f"--entrypoints.https.address=:{HTTPS_PORT}",
        # To the Service's port 443, not the entry point's own :8443 (which naming the entry point would give).
        "--entrypoints.http.http.redirections.entrypoint.to=:443",
        "--entrypoints.http.http.redirections.entrypoint.scheme=https",
        "--certificatesresolvers.letsencrypt.acme.httpchallenge.entrypoint=http",
        f"--certificatesresolvers.letsencrypt.acme.email={config.letsencrypt_email}",
        f"--certificatesresolvers.letsencrypt.acme.storage={ACME_STORAGE}",
        "--providers.file.filename=/etc/traefik/dynamic.yaml",
        "--log.level=WARN",
    ]
    return {
        "name": "traefik",
        "image": TRAEFIK_IMAGE,
        "args": args,
        "ports": [{"name": "http", "containerPort": HTTP_PORT}, {"name": "https", "containerPort": HTTPS_PORT}],
        "resources": TRAEFIK_RESOURCES,
        "securityContext": {"runAsNonRoot": True, "runAsUser": _GRAFANA_UID, "runAsGroup": _GRAFANA_UID,
                            "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
        "volumeMounts": [{"name": "storage", "mountPath": STORAGE},
                         {"name": "traefik", "mountPath": "/etc/traefik", "readOnly": True}],
    }


def traefik_routes(config: GrafanaConfig) -> dict:
    """Traefik's dynamic config: the domain, over HTTPS with the Let's Encrypt certificate, to Grafana."""
    return {"http": {
        "routers": {"grafana": {"rule": f"Host(`{config.domain}`)", "entryPoints": ["https"], "service": "grafana",
                                "tls": {"certResolver": "letsencrypt"}}},
        "services": {"grafana": {"loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{GRAFANA_PORT}"}]}}},
    }}


def traefik_configmap(namespace: str, config: GrafanaConfig) -> dict:
    return {
        "metadata": {"name": f"{FULLNAME}-traefik", "namespace": namespace,
                     "labels": {**PART_OF, "app.kubernetes.io/component": "grafana-https"}},
        "data": {"dynamic.yaml": yaml.safe_dump(traefik_routes(config), sort_keys=True)},
    }


def grafana_values(config: GrafanaConfig, *, admin_password, client_secret, prometheus_url: str,
                   node_selector: dict, storage_class: str) -> dict:
    """The chart's values: Grafana and Traefik in one pod on the core pool, with their volume."""
    github = config.github
    organizations = sorted({t.split(":")[0] for t in github.allowed_teams})
    return {
        "adminUser": "admin",
        # The chart's own, and: apply fsGroup to the volume only when its top is not Grafana's yet. Applied on
        # every start, it makes acme.json group-readable, and Traefik refuses a certificate store that is
        # not 0600 (its acme local store's permission check), asking Let's Encrypt again each restart.
        "securityContext": {"runAsNonRoot": True, "runAsUser": _GRAFANA_UID, "runAsGroup": _GRAFANA_UID,
                            "fsGroup": _GRAFANA_UID, "fsGroupChangePolicy": "OnRootMismatch"},
        "adminPassword": admin_password,
        "nodeSelector": node_selector,
        "resources": GRAFANA_RESOURCES,
        # Grafana calls no Kubernetes API (no sidecar): no token in the pod.
        "automountServiceAccountToken": False,
        "rbac": {"create": False},
        "persistence": {"enabled": True, "type": "pvc", "size": "2Gi", "storageClassName": storage_class},
        # The chart's Service would send its port to Grafana's own (service.targetPort is also Grafana's
        # containerPort): grafana_service() is the one way in, through Traefik. No test pod either.
        "service": {"enabled": False},
        "testFramework": {"enabled": False},
        "extraContainers": yaml.safe_dump([_traefik(config)], sort_keys=False),
        "extraVolumes": [{"name": "traefik", "configMap": {"name": f"{FULLNAME}-traefik"}}],
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


def _pod_selector() -> dict:
    """The chart's selectorLabels for release RELEASE (its _helpers.tpl)."""
    return {"app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": RELEASE}


def grafana_service(namespace: str, service_values: dict) -> dict:
    """The LoadBalancer on the cluster's public address (`service_values` claim it): 80 and 443 to Traefik."""
    return {
        "metadata": {"name": f"{FULLNAME}-https", "namespace": namespace, "labels": dict(PART_OF),
                     "annotations": service_values.get("annotations", {})},
        "spec": {
            "type": "LoadBalancer", "selector": _pod_selector(),
            **{k: v for k, v in service_values.items() if k != "annotations"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                      {"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}],
        },
    }


def grafana_policy(namespace: str, prometheus_selector: dict, prometheus_port: int) -> dict:
    """Grafana's pod: HTTP and HTTPS from anywhere (its load balancer), to Traefik only; out, DNS, Prometheus,
    and HTTPS to public addresses (GitHub's OAuth and API, Let's Encrypt). Grafana's own port stays inside the pod."""
    return {
        "metadata": {"name": FULLNAME, "namespace": namespace, "labels": dict(PART_OF)},
        "spec": {
            "podSelector": {"matchLabels": _pod_selector()},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"ports": [{"port": HTTP_PORT, "protocol": "TCP"}, {"port": HTTPS_PORT, "protocol": "TCP"}]}],
            "egress": [
                {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
                {"to": [{"podSelector": prometheus_selector}], "ports": [{"port": prometheus_port, "protocol": "TCP"}]},
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}}],
                 "ports": [{"port": 443, "protocol": "TCP"}]},
            ],
        },
    }
