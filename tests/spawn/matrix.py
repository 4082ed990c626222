"""Which servers and clusters the pod tests build for a hub: everyone's choices, at their extremes.

User servers: for a plain user, a member of each group and an admin, every profile the
form offers them with every image choice (and an image typed in, where the profile
lets one be); and the default server of users whose names exercise KubeSpawner's slug
rules, plus a named server. Dask clusters: the default options, and the largest and the
smallest the rendered options allow.
"""

import re

from .user_pods import ChartHub, Spawn, User, offered_profiles

# GitHub logins: a hyphen; digits first (KubeSpawner's safe slug then adds a hash); and
# 40 characters (GitHub allows 39), past which names are shortened with a hash.
SLUG_USERS = ("pangeo-user", "2i2c-hub-operator", "a-forty-character-login-that-is-too-long")
NAMED_SERVER = "analysis-2"
# What a user types where a profile takes any matching image: one of Pangeo's images,
# or an image the hub's binder built (an escaped registry prefix, then name:tag).
_TYPED = "quay.io/pangeo/base-notebook:2024.01.01"
_BINDER_PART = re.compile(r"\^((?:\\.|[^\\\[\]()|^$])*)\[\^:\]\+:\[\^:\]\+\$")


def binder_images(regex: str) -> list[str]:
    """An image under each binder registry prefix the regex admits (`^<escaped prefix>[^:]+:[^:]+$`)."""
    return [re.sub(r"\\(.)", r"\1", prefix) + "binder-2dexamples-2dpangeo-5f1a2b:0123abcd"
            for prefix in _BINDER_PART.findall(regex)]


def typed_in(regex: str) -> list[str]:
    """Images a user might type that the validation regex admits, matched as KubeSpawner does (re.match)."""
    return [image for image in [*binder_images(regex), _TYPED] if re.match(regex, image)]


def users(admins, groups) -> list[User]:
    return [User("alice"), *(User(f"member-{g}", groups=(g,)) for g in sorted(groups)),
            User(sorted(admins)[0], admin=True)]


def image_choices(profile: dict) -> list[dict]:
    """The user_options of each image choice of a profile, and of each typed-in image it admits."""
    option = (profile.get("profile_options") or {}).get("image")
    if option is None:
        return [{}]
    picks = [{"image": key} for key in option.get("choices", {})]
    unlisted = option.get("unlisted_choice") or {}
    if unlisted.get("enabled"):
        images = typed_in(unlisted["validation_regex"])
        assert images, f"no sample image matches {unlisted['validation_regex']!r}: add one to tests/spawn/matrix.py"
        picks += [{"image--unlisted-choice": image} for image in images]
    return picks


def user_spawns(hub: ChartHub, admins, groups) -> list[Spawn]:
    pattern = hub.env.get("BINDER_IMAGE_PATTERN")
    if pattern is not None:  # a public binder: anonymous users launch what its BinderHub built
        return [Spawn(User(name), {"image": image, "token": "launch-token"})
                for name in ("alice", *SLUG_USERS) for image in binder_images(pattern)]
    spawns = [Spawn(user, {"profile": p["slug"], **pick})
              for user in users(admins, groups) for p in offered_profiles(hub, user) for pick in image_choices(p)]
    return spawns + [Spawn(User(name)) for name in SLUG_USERS] + [Spawn(User(SLUG_USERS[0]), server_name=NAMED_SERVER)]


def dask_requests(bounds: dict[str, tuple[float, float]]) -> dict[str, dict]:
    """The default options, and every Float option at its largest and at its smallest."""
    return {"default": {},
            "largest": {field: hi for field, (_, hi) in bounds.items()},
            "smallest": {field: lo for field, (lo, _) in bounds.items()}}
