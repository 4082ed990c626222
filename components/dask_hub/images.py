"""The spawn form's environment choice: the hub's image, further pinned images, and typed-in ones.

Dask workers follow the choice: the client's image option defaults to the
notebook's own image ({JUPYTER_IMAGE_SPEC}), which KubeSpawner sets from it.
"""

import pulumi

from .args import DaskHubConfig, Profile


def _choice(display_name: str, ref: str, default: bool = False) -> dict:
    return {"display_name": display_name, "default": default, "kubespawner_override": {"image": ref}}


def _typed_in_pattern(binder_pattern: pulumi.Input[str] | None, other: str | None) -> pulumi.Input[str] | None:
    """One regex for KubeSpawner's single unlisted choice: the binder's images, the profile's own, or both."""
    if binder_pattern is not None and other is not None:
        if isinstance(binder_pattern, str):
            return f"(?:{binder_pattern})|(?:{other})"
        return pulumi.Output.concat("(?:", binder_pattern, ")|(?:", other, ")")
    return binder_pattern if binder_pattern is not None else other


def image_option(hub: DaskHubConfig, profile: Profile, binder_pattern: pulumi.Input[str] | None) -> dict | None:
    """KubeSpawner `profile_options.image` for one profile, or None when it has a single image."""
    offered = hub.images if profile.images is None else {k: hub.images[k] for k in profile.images}
    choices = {"default": _choice(hub.image.ref, hub.image.ref, default=True)}
    choices |= {key: _choice(image.display_name, image.ref) for key, image in sorted(offered.items())}
    pattern = _typed_in_pattern(binder_pattern, profile.other_image_pattern)
    if len(choices) == 1 and pattern is None:
        return None
    option: dict = {"display_name": "Environment", "choices": choices}
    if pattern is not None:
        option["unlisted_choice"] = {
            "enabled": True,
            "display_name": "Another image" if profile.other_image_pattern else "An image built by this hub's binder",
            "validation_regex": pattern,
            "validation_message": "Not an image this profile may run",
            "kubespawner_override": {"image": "{value}"},
        }
    return option
