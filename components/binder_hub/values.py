"""Values for binderhub-service, and what the hub needs to launch the images it builds."""

import re

from components.cluster.node_roles import hub_selector, tolerations
from components.z2jh import HUB_API

from .charts import OAUTH_CLIENT_ID, SERVICE_NAME, SERVICE_PREFIX, SERVICE_URL


def oauth_callback(domain: str) -> str:
    return f"https://{domain}{SERVICE_PREFIX}oauth_callback"


def binderhub_values(*, domain: str, api_token, image_prefix, server: str, username: str, password) -> dict:
    """API-only BinderHub under the hub's /services/binder/, pushing to the hub's registry.

    Builds run privileged Docker on the user nodes and push to the hub's registry,
    so only the hub's logged-in users may start one: auth is on, and BinderHub
    checks each caller against the hub through its OAuth client.
    """
    user_nodes = hub_selector("user")
    return {
        "config": {
            "BinderHub": {
                "base_url": SERVICE_PREFIX,
                "use_registry": True,
                "image_prefix": image_prefix,
                "enable_api_only_mode": True,
                "auth_enabled": True,
            },
            "HubOAuth": {
                "api_url": HUB_API,
                "api_token": api_token,
                "base_url": SERVICE_PREFIX,
                "oauth_client_id": OAUTH_CLIENT_ID,
                "oauth_redirect_uri": oauth_callback(domain),
                "access_scopes": [f"access:services!service={SERVICE_NAME}"],
            },
            # repo2docker builds run beside users, not on the core nodes the hub needs.
            "KubernetesBuildExecutor": {"node_selector": user_nodes},
        },
        "buildPodsRegistryCredentials": {"server": server, "username": username, "password": password},
        # The chart already labels its pod for the hub API's network policy.
        "nodeSelector": hub_selector("core"),
        "dockerApi": {"nodeSelector": user_nodes, "tolerations": tolerations("user")},
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
