"""Values for binderhub-service, and what the hub needs to launch the images it builds."""

import pulumi

from components.cluster.node_roles import hub_selector, tolerations

from .charts import SERVICE_NAME


def binderhub_values(*, image_prefix, server: str, username: str, password) -> dict:
    """API-only BinderHub under the hub's /services/binder, pushing to the hub's registry."""
    user_nodes = hub_selector("user")
    return {
        "config": {
            "BinderHub": {
                "base_url": f"/services/{SERVICE_NAME}/",
                "use_registry": True,
                "image_prefix": image_prefix,
                "enable_api_only_mode": True,
            },
            # repo2docker builds run beside users, not on the core nodes the hub needs.
            "KubernetesBuildExecutor": {"node_selector": user_nodes},
        },
        "buildPodsRegistryCredentials": {"server": server, "username": username, "password": password},
        "nodeSelector": hub_selector("core"),
        # BinderHub authenticates users through the hub API, open only to pods labelled so.
        "podLabels": {"hub.jupyter.org/network-access-hub": "true"},
        "dockerApi": {"nodeSelector": user_nodes, "tolerations": tolerations("user")},
    }


def launchable_images(image_prefix: str) -> str:
    """The images users may launch: those under the hub's own registry prefix, with a tag."""
    return f"^{image_prefix}[^:]+:[^:]+$"


def image_option(default_image: str, image_pattern: pulumi.Input[str]) -> dict:
    """A KubeSpawner profile option: the hub's image, or an image the binder built.

    Only images under the hub's own registry prefix are accepted, so the option
    can't be used to run arbitrary images.
    """
    return {
        "image": {
            "display_name": "Image",
            "choices": {
                "default": {"display_name": default_image, "default": True,
                            "kubespawner_override": {"image": default_image}},
            },
            "unlisted_choice": {
                "enabled": True,
                "display_name": "An image built by this hub's binder",
                "validation_regex": image_pattern,
                "validation_message": "Must be an image this hub's binder built, <prefix><name>:<tag>",
                "kubespawner_override": {"image": "{value}"},
            },
        }
    }
