"""Values for the jupyterhub chart: GitHub login, profiles, NFS homes, scratch and dask wiring."""

from dataclasses import dataclass

import pulumi

from components.binder_hub import BinderService
from components.binder_hub.values import overlay
from components.z2jh import PROXY_HTTP

from .args import DaskHubConfig
from .charts import GATEWAY_PREFIX, GATEWAY_SERVICE_NAME, HubReleases
from .gateway_values import SCRATCH_VARIABLES
from .groups import authenticator_group_config, group_roles, groups_extra_config, sharing_role
from .healthcheck import health_check_role
from .hub_page import hub_page_values, refusal_message
from .https_routes import traefik_routes
from .images import image_option
from .metrics import HUB_VALUES as METRICS_HUB_VALUES
from .metrics import ROLE as METRICS_ROLE
from .metrics import MetricsScraper, metrics_ingress, metrics_service
from .network_policies import (ANONYMOUS_PORTS, HUB_API_PORT, TRAEFIK_PORT, gateway_api_selector, public_addresses,
                               traefik_selector)
from .runtime import runtime_values, with_memory_shm
from .shared_directory import with_shared_directory, writers_hook

# The service the cutover health check authenticates as, and the one user it may touch.
HEALTH_CHECK_SERVICE = "health-check"
HEALTH_CHECK_USER = "pangeo-health-check"
# The health-check user is created through the API and never logs in, so it has no
# GitHub auth state for the pre-spawn refresh (on with enable_auth_state) to renew;
# without this hook the hub refuses its server with "auth has expired".
HEALTH_CHECK_REFRESH = f'''\
def keep_health_check_user(authenticator, user, auth_state):
    return True if user.name == {HEALTH_CHECK_USER!r} else None


c.GitHubOAuthenticator.refresh_user_hook = keep_health_check_user
'''
# Pangeo's and 2i2c's hubs give a spawn 10 minutes: a new user node and a
# multi-GB image pull take several.
START_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class HubSecrets:
    """Every token the charts would otherwise generate with `lookup`, plus the OAuth secret."""

    proxy_token: pulumi.Input[str]
    cookie_secret: pulumi.Input[str]
    crypt_key: pulumi.Input[str]
    gateway_token: pulumi.Input[str]
    health_check_token: pulumi.Input[str]
    client_secret: pulumi.Input[str]
    # Prometheus's, for /hub/metrics (metrics.py)
    metrics_token: pulumi.Input[str] = ""


def profile_list(
    hub: DaskHubConfig, pool_selectors: dict[str, dict[str, str]], binder_pattern: pulumi.Input[str] | None = None
) -> list[dict]:
    profiles = []
    # Smallest first: the engine hands object config over with its keys sorted by
    # name, so the order written in the stack file can't be the order users see.
    for slug, p in sorted(hub.profiles.items(), key=lambda item: (item[1].memory_gb, item[1].cpu, item[0])):
        memory = f"{p.memory_gb:g}G"
        option = image_option(hub, p, binder_pattern)
        profiles.append({
            "display_name": p.display_name,
            "description": p.description,
            "slug": slug,
            "default": p.default,
            "kubespawner_override": {
                "cpu_guarantee": p.cpu,
                "cpu_limit": p.cpu,
                "mem_guarantee": memory,
                "mem_limit": memory,
                "node_selector": pool_selectors[p.node_pool],
            },
            **({"profile_options": {"image": option}} if option else {}),
        })
    return profiles


def dask_environment(releases: HubReleases, scratch_prefix: pulumi.Input[str] | None) -> dict:
    """Environment that points the dask-gateway client at this hub's gateway.

    These are the variables the daskhub chart sets; workers default to the user's own image.
    KubeSpawner 7.0.0's get_env() runs str.format over every value (user properties such
    as {username}), so the client's own template {JUPYTER_IMAGE_SPEC} is written with
    doubled braces, as 2i2c's basehub writes it; the pod then sees it single-braced and the
    dask-gateway client fills it from the pod's environment (dask_gateway.utils.format_template).
    """
    env = {
        "DASK_GATEWAY__ADDRESS": f"{PROXY_HTTP}{GATEWAY_PREFIX}",
        "DASK_GATEWAY__PROXY_ADDRESS": f"gateway://{releases.gateway_proxy}:80",
        "DASK_GATEWAY__PUBLIC_ADDRESS": f"{GATEWAY_PREFIX}/",
        "DASK_GATEWAY__AUTH__TYPE": "jupyterhub",
        "DASK_GATEWAY__CLUSTER__OPTIONS__IMAGE": "{{JUPYTER_IMAGE_SPEC}}",
    }
    if scratch_prefix is not None:
        env |= dict.fromkeys(SCRATCH_VARIABLES, scratch_prefix)
    return env


def server_token_scopes(user_services: list[str]) -> list[str]:
    """Scopes of the notebook's own JUPYTERHUB_API_TOKEN: the `server` role's, plus the
    services users reach from a notebook, which check their callers' tokens.

    The hub gives the token only those of them the user holds.
    """
    return ["access:servers!server", "users:activity!user", *(service_access(s) for s in user_services)]


def service_access(service: str) -> str:
    return f"access:services!service={service}"


def binder_builders_role(binder: BinderService | None) -> dict:
    """Only the binder's builders groups reach it, so only they may build. Servers' tokens still list the
    scope (server_token_scopes): JupyterHub cuts a token's scopes to its owner's, so others' lose it."""
    if binder is None or not binder.builders:
        return {}
    return {"binder-builders": {"name": "binder-builders", "groups": sorted(binder.builders),
                                "scopes": [service_access(binder.name)]}}


# Lets a public binder's gateway ask the hub whether a cluster's user still has a running server
# (gateway_limits.py): GET /users/{name} accepts read:servers and answers with the user's servers.
GATEWAY_REAPER_ROLE = {"name": "dask-gateway-reaper", "services": [GATEWAY_SERVICE_NAME], "scopes": ["read:servers"]}


def jupyterhub_values(
    hub: DaskHubConfig,
    *,
    releases: HubReleases,
    secrets: HubSecrets,
    pool_selectors: dict[str, dict[str, str]],
    home: dict,
    scratch_prefix: pulumi.Input[str] | None,
    service_account: str,
    proxy_service: dict,
    binder: BinderService | None = None,
    https_routes: dict[str, str] | None = None,
    metrics_scraper: MetricsScraper | None = None,
) -> dict:
    """`binder`: set when the hub has a binder; users may launch the images it builds.
    `https_routes`: further domains (to in-cluster URLs) the hub's HTTPS entry serves (https_routes.py).
    `metrics_scraper`: the Prometheus that reads /hub/metrics with `secrets.metrics_token` (metrics.py)."""
    github = hub.auth.github
    health_role = health_check_role(HEALTH_CHECK_SERVICE, user=HEALTH_CHECK_USER)
    page_files, page_settings = hub_page_values(hub.page, github.allowed_teams)
    # z2jh runs these in key order, after it has set the profile list and volume mounts.
    extra_config = {
        **({"groups": groups_extra_config(hub)} if hub.groups else {}),
        "health-check-user": HEALTH_CHECK_REFRESH,
        **({"shared-directory": writers_hook(hub.shared_directory.writers)} if hub.shared_directory.enabled else {}),
    }
    user_services = [GATEWAY_SERVICE_NAME, *([binder.name] if binder else [])]
    # A public binder's servers: public addresses on a notebook's ports only (its values turn the chart's any-port rule off).
    anonymous_egress = [public_addresses(ANONYMOUS_PORTS)] if binder and binder.anonymous else []
    everyones_services = [s for s in user_services if not (binder and s == binder.name and binder.builders)]
    singleuser = {
        "image": {"name": hub.image.name, "tag": hub.image.tag},
        "defaultUrl": "/lab",
        "serviceAccountName": service_account,
        # Workload identity (GKE) serves pod credentials at the metadata address; the
        # node's own credentials are already out of reach (GKE_METADATA, IMDSv2 hop limit 1).
        "cloudMetadata": {"blockWithIptables": False},
        "networkPolicy": {
            "egressAllowRules": {"cloudMetadataServer": True},
            # The chart's policy denies private addresses; this hub's gateway proxy is
            # one. It routes both the scheduler connection and the dashboard, so no
            # notebook needs a direct line to any scheduler or worker.
            "egress": [{"to": [{"podSelector": traefik_selector(releases)}],
                        "ports": [{"port": TRAEFIK_PORT, "protocol": "TCP"}]}, *anonymous_egress],
        },
        "extraEnv": dask_environment(releases, scratch_prefix),
        "startTimeout": START_TIMEOUT_SECONDS,
        "profileList": profile_list(hub, pool_selectors, binder.image_pattern if binder else None),
        **(with_shared_directory(home) if hub.shared_directory.enabled else home),
    }
    singleuser = with_memory_shm(singleuser)
    values = {
        "proxy": {
            "secretToken": secrets.proxy_token,
            "service": {"type": "LoadBalancer", **proxy_service},
            "https": {"enabled": True, "type": "letsencrypt", "hosts": [hub.domain, *sorted(https_routes or {})],
                      "letsencrypt": {"contactEmail": hub.letsencrypt_email}},
            **({"traefik": {"extraDynamicConfig": traefik_routes(https_routes)}} if https_routes else {}),
        },
        "hub": {
            **METRICS_HUB_VALUES,
            "cookieSecret": secrets.cookie_secret,
            # The gateway's API server checks users' tokens against the hub API, which
            # the chart's policy opens only to pods labelled for it; the gateway chart
            # can't label its pods, so this hub's API server is let in by its own labels.
            "networkPolicy": {"ingress": [{
                "from": [{"podSelector": gateway_api_selector(releases)}],
                "ports": [{"port": HUB_API_PORT, "protocol": "TCP"}],
            }, *([metrics_ingress(metrics_scraper)] if metrics_scraper else [])]},
            "extraFiles": page_files,
            "config": {
                "JupyterHub": {"authenticator_class": "github", **page_settings},
                "Authenticator": {"admin_users": sorted(hub.auth.admins), "enable_auth_state": True},
                "CryptKeeper": {"keys": [secrets.crypt_key]},
                "Spawner": {"server_token_scopes": server_token_scopes(user_services)},
                # Servers run as the hub's `user` ServiceAccount, which KubeSpawner would mount a token
                # of (its default when service_account is set); nothing in a server uses the Kubernetes API.
                "KubeSpawner": {"automount_service_account_token": False},
                "GitHubOAuthenticator": {
                    "client_id": github.client_id,
                    "client_secret": secrets.client_secret,
                    "oauth_callback_url": f"https://{hub.domain}/hub/oauth_callback",
                    "allowed_organizations": sorted(github.allowed_teams),
                    "scope": ["read:org"],
                    "custom_403_message": refusal_message(hub.page),
                    **(authenticator_group_config(hub) if hub.groups else {}),
                },
            },
            "services": {
                GATEWAY_SERVICE_NAME: {
                    "apiToken": secrets.gateway_token, "url": f"http://{releases.gateway_proxy}", "display": False,
                },
                HEALTH_CHECK_SERVICE: {"apiToken": secrets.health_check_token},
                **({binder.name: binder.hub_service} if binder else {}),
                **(metrics_service(secrets.metrics_token) if metrics_scraper else {}),
            },
            # Users may reach the gateway (and binder, unless only its builders may); JupyterHub's default user role is `self` alone.
            "loadRoles": {
                "user": {"scopes": ["self", *(service_access(s) for s in everyones_services)]},
                **binder_builders_role(binder),
                **({GATEWAY_REAPER_ROLE["name"]: GATEWAY_REAPER_ROLE} if binder and binder.anonymous else {}),
                health_role["name"]: health_role,
                **({METRICS_ROLE["name"]: METRICS_ROLE} if metrics_scraper else {}),
                **group_roles(hub),
                **sharing_role(hub),
            },
            "extraConfig": extra_config,
        },
        "singleuser": singleuser,
        "scheduling": {
            "userScheduler": {"enabled": True},
            "podPriority": {"enabled": True},
            "corePods": {"nodeAffinity": {"matchNodePurpose": "require"}},
            "userPods": {"nodeAffinity": {"matchNodePurpose": "require"}},
        },
        "cull": {"enabled": True, "timeout": hub.idle_timeout_minutes * 60, "every": 300},
    }
    # basehub's runtime settings for NFS homes (runtime.py); then, on a public binder's
    # hub, anonymous throwaway servers (components/binder_hub/values.py).
    values = overlay(values, runtime_values(hub.idle_timeout_minutes * 60))
    return overlay(values, binder.hub_values) if binder else values
