"""Values for binderhub-service, and what the hub needs to launch the images it builds."""

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

from components.cluster.node_roles import hub_selector, tolerations
from components.z2jh import HUB_API

from .args import PublicBinder
from .charts import OAUTH_CLIENT_ID, SERVICE_NAME, SERVICE_PREFIX, SERVICE_URL


# BinderHub's launcher calls `<hub_url_local>hub/api`: the hub directly, which admits the chart's labelled pod.
HUB_URL_LOCAL = HUB_API.removesuffix("hub/api")
# The chart's extraConfig key that sets the push Secret (values.yaml); later keys run later.
PUSH_SECRET_CONFIG = "binderhub-service-01-build-pods-docker-config"


# The public binder's page template (templates/page.html), from a ConfigMap the binder declares:
# the chart mounts no files of ours into the binderhub container, only extraVolumes.
PAGE_TEMPLATE = Path(__file__).with_name("templates") / "page.html"
PAGE_CONFIGMAP = "binderhub-page"
PAGE_TEMPLATE_PATH = "/etc/binderhub/templates"


@dataclass(frozen=True)
class BinderPage:
    """What a public binder's page says about itself (the hub's `page` config)."""

    title: str
    subtitle: str = ""
    help_url: str | None = None


def _amount(value: float) -> str:
    return f"{value:g}"


def limits_text(limits: PublicBinder) -> str:
    """The limits every launch gets, in words: the same values the culler and the spawner enforce."""
    return (f"{_amount(limits.cpu)} CPU and {_amount(limits.memory_gb)} GiB of memory; stopped after "
            f"{limits.cull_idle_minutes} minutes idle and {_amount(limits.cull_max_age_hours)} hours at most; "
            "nothing is kept")


def public_page(page: BinderPage, limits: PublicBinder) -> dict:
    """BinderHub's own template traits for a public binder: its name, limits and help on every page."""
    title = html.escape(page.title or "Binder")
    help_link = f' <a href="{html.escape(page.help_url)}">Help</a>' if page.help_url else ""
    limits_line = html.escape(limits_text(limits))
    banner = f"<strong>{title}</strong>: {html.escape(page.subtitle) + '. ' if page.subtitle else ''}" \
             f"Each launch gets {limits_line}.{help_link}"
    about = (f"{title} builds and launches public Git repositories for anyone, without a login. "
             f"Each launch gets {limits_line}. At most {limits.per_repo_quota} servers run at once "
             f"from one repository.{help_link}")
    return {
        "template_path": PAGE_TEMPLATE_PATH,
        "template_variables": {"binder_page": {"title": page.title, "help_url": page.help_url,
                                               "limits": limits_text(limits)}},
        "banner_message": banner,
        "about_message": about,
        "default_opengraph_title": page.title or "Binder",
    }


def page_volume_values() -> dict:
    """The template's ConfigMap mounted where template_path looks; a new template restarts the pod."""
    digest = hashlib.sha256(PAGE_TEMPLATE.read_bytes()).hexdigest()[:16]
    return {
        "extraVolumes": [{"name": "page-templates", "configMap": {"name": PAGE_CONFIGMAP}}],
        "extraVolumeMounts": [{"name": "page-templates", "mountPath": PAGE_TEMPLATE_PATH, "readOnly": True}],
        "podAnnotations": {"pangeo-hubs/page-template": digest},
    }


def oauth_callback(domain: str) -> str:
    return f"https://{domain}{SERVICE_PREFIX}oauth_callback"


def binderhub_values(*, domain: str, api_token, image_prefix, push_secret: str, public: PublicBinder | None = None,
                     page: BinderPage | None = None, build_selector: dict[str, str] | None = None,
                     servers: int | None = None) -> dict:
    """BinderHub for an authenticated hub (`public` unset) or as a public binder.

    Authenticated: API-only under the hub's /services/binder/. Builds run privileged
    Docker and push to the hub's registry, so only the hub's logged-in users (those
    with the binder service's access scope) may start one: BinderHub checks each
    caller against the hub through its OAuth client; users launch what it built
    from their profile's image option.

    Public: BinderHub's own UI at the domain's root, no login, and it launches
    servers itself (as anonymous users it creates through the hub API), within
    the per-repository quota and `servers` at once (quota.py); requests from `ban_networks` are refused. Its pages
    carry `page` (public_page).

    Build pods push with `push_secret`, the Secret push_credentials.py keeps fresh:
    the chart's own extraConfig entry of that name points builds at the chart's
    Secret (made from static `buildPodsRegistryCredentials`), so it is replaced.
    """
    # A public binder's builds run on its build pool (infra/config/stack.py insists on one).
    build_nodes = build_selector or hub_selector("user")
    binderhub = {"use_registry": True, "image_prefix": image_prefix}
    if public is None:
        config = {
            "BinderHub": {"base_url": SERVICE_PREFIX, **binderhub, "enable_api_only_mode": True, "auth_enabled": True},
            "HubOAuth": {
                "api_url": HUB_API,
                "api_token": api_token,
                "base_url": SERVICE_PREFIX,
                "oauth_client_id": OAUTH_CLIENT_ID,
                "oauth_redirect_uri": oauth_callback(domain),
                "access_scopes": [f"access:services!service={SERVICE_NAME}"],
            },
        }
    else:
        config = {
            "BinderHub": {
                "base_url": "/", **binderhub, "enable_api_only_mode": False, "auth_enabled": False,
                "hub_url": f"https://{domain}/", "hub_url_local": HUB_URL_LOCAL, "hub_api_token": api_token,
                "per_repo_quota": public.per_repo_quota,
                "ban_networks": {str(net): reason for net, reason in public.ban_networks.items()},
                **public_page(page or BinderPage(title=""), public),
            },
            # BinderHub.pod_quota's current name (binderhub app.py: pod_quota is deprecated and sets this).
            "LaunchQuota": {"total_quota": servers},
        }
    # repo2docker builds run beside users (or on their own pool), not on the core nodes the hub needs.
    config["KubernetesBuildExecutor"] = {"node_selector": build_nodes}
    return {
        "config": config,
        **(page_volume_values() if public is not None else {}),
        "extraConfig": {PUSH_SECRET_CONFIG: f"c.KubernetesBuildExecutor.push_secret = {push_secret!r}"},
        # The chart already labels its pod for the hub API's network policy.
        "nodeSelector": hub_selector("core"),
        "dockerApi": {"nodeSelector": build_nodes, "tolerations": tolerations("user")},
    }


def hub_service(*, domain: str, api_token) -> dict:
    """The hub's `hub.services` entry for binder: routed by the proxy, and an OAuth client."""
    return {
        "url": SERVICE_URL,
        "apiToken": api_token,
        "oauth_client_id": OAUTH_CLIENT_ID,
        "oauth_redirect_uri": oauth_callback(domain),
        "display": False,
    }


def launchable_images(image_prefix: str) -> str:
    """The images users may launch: those under the hub's own registry prefix, with a tag.

    The prefix is escaped: its dots would otherwise match any character.
    """
    return f"^{re.escape(image_prefix)}[^:]+:[^:]+$"


# The spawner a public binder's hub runs: binderhub's mixin, then our image check.
SPAWNER_SOURCES = (Path(__file__).with_name("binderspawner_mixin.py"), Path(__file__).with_name("public_spawner.py"))
# Z2JH's name for the binder service's role: scopes to create users and start their servers.
BINDER_ROLE = {"name": "binder", "services": [SERVICE_NAME], "scopes": ["servers", "admin:users"]}


def public_hub_service(*, api_token) -> dict:
    """A public binder's `hub.services` entry: an API token only; the proxy reaches it by Proxy.extra_routes."""
    return {"apiToken": api_token, "display": False}


def anonymous_placement(server_selector: dict[str, str]) -> dict:
    """Where a public binder's servers and Dask pods run: its pool of purpose binder, whose taint
    (node_roles.py) only they tolerate."""
    return {"nodeSelector": dict(server_selector), "tolerations": tolerations("binder")}


def anonymous_dask_pods(server_selector: dict[str, str], priority_class: str) -> dict:
    """A public binder's Dask schedulers' and workers' extraPodConfig: beside its servers, and in
    the priority class its ResourceQuota counts (quota.py)."""
    return {**anonymous_placement(server_selector), "priorityClassName": priority_class}


def public_hub_values(*, limits: PublicBinder, image_pattern, server_selector: dict[str, str],
                      priority_class: str) -> dict:
    """What makes a hub a public binder's, merged over its usual values (jupyterhub_values).

    Nobody logs in (the null authenticator): BinderHub creates a user per launch
    through the hub API, with the `binder` role. The hub answers only under /hub/;
    the proxy sends everything else (/, /v2/..., /build/...) to BinderHub. Servers
    have no home and no cloud identity, are culled quickly with their users, and
    are in `priority_class`, which the namespace's ResourceQuota counts (quota.py).
    """
    return {
        "hub": {
            "config": {
                "JupyterHub": {"authenticator_class": "null", "hub_routespec": "/hub/"},
                "Proxy": {"extra_routes": {"/": SERVICE_URL}},
                # hub.config loads after z2jh's own podPriority setting (jupyterhub_config.py), so it wins.
                "KubeSpawner": {"priority_class_name": priority_class},
            },
            "loadRoles": {"binder": BINDER_ROLE},
            "extraEnv": {"BINDER_IMAGE_PATTERN": image_pattern},
            "extraConfig": {"binder-spawner": "\n".join(p.read_text() for p in SPAWNER_SOURCES)},
        },
        "singleuser": {
            "nodeSelector": anonymous_placement(server_selector)["nodeSelector"],
            "extraTolerations": anonymous_placement(server_selector)["tolerations"],
            "storage": {"type": "none"},
            "cpu": {"limit": limits.cpu, "guarantee": limits.cpu / 2},
            "memory": {"limit": f"{limits.memory_gb:g}G", "guarantee": f"{limits.memory_gb / 2:g}G"},
            "profileList": [],
            # No metadata server, and public addresses only on a notebook's ports (jupyterhub_values adds that rule).
            "networkPolicy": {"egressAllowRules": {"cloudMetadataServer": False, "nonPrivateIPs": False}},
            "cloudMetadata": {"blockWithIptables": True},
        },
        "cull": {"timeout": limits.cull_idle_minutes * 60, "maxAge": int(limits.cull_max_age_hours * 3600),
                 "users": True, "every": 60},
    }


def overlay(base: dict, over: dict) -> dict:
    """`over` merged into `base` key by key (mappings merge, anything else is replaced)."""
    merged = dict(base)
    for key, value in over.items():
        merged[key] = overlay(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged
