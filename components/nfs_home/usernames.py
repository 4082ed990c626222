"""Old home directory names -> the names the new hub gives the same users' homes.

The old hub (KubeSpawner < 7) named a home `{username}` with the legacy
"escape" slug scheme; the new hub's KubeSpawner 7 expands the same template
with its default "safe" scheme (components/nfs_home/volumes.py, HOME_SUBPATH).
Both sides are computed with the real code of the versions the images run
(kubespawner.slugs, escapism, JupyterHub's Authenticator), never a copy of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from escapism import unescape
from jupyterhub.auth import Authenticator
from kubespawner.slugs import escape_slug
from kubespawner.spawner import KubeSpawner

from .volumes import HOME_SUBPATH

SCHEMES = ("escapism-legacy",)


class _Named:
    """Just what KubeSpawner._expand_user_properties reads from a spawner."""

    slug_scheme = "safe"
    name = ""  # the default server: homes are per user, not per named server

    def __init__(self, username: str):
        self.user = type("User", (), {"name": username, "id": 0})()

    def _namespace_default(self) -> str:
        return "default"


def new_home(username: str) -> str:
    """The directory the new hub mounts for `username` (its JupyterHub name)."""
    return KubeSpawner._expand_user_properties(_Named(username), HOME_SUBPATH)


def hub_name(login: str) -> str:
    """JupyterHub's default normalization of a login (lower case), as the new hub applies it."""
    return Authenticator().normalize_username(login)


def old_user(directory: str, scheme: str = "escapism-legacy") -> str | None:
    """The username an old home directory belongs to, or None if the name cannot come from `scheme`."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown naming scheme {scheme!r}")
    try:
        name = unescape(directory, escape_char="-")
    except (UnicodeDecodeError, ValueError):
        return None
    # escape_slug lower-cases its output, so compare in lower case: "-41lice" is "Alice".
    return name if escape_slug(name) == directory.lower() else None


@dataclass(frozen=True)
class UserMap:
    pairs: list[tuple[str, str]]          # (old dir, new dir)
    problems: list[str]                   # stop: names that cannot be mapped, or collide


def build_map(directories: list[str], scheme: str = "escapism-legacy") -> UserMap:
    """Map every listed old directory to its user's new home; collisions are problems."""
    pairs, problems, owner = [], [], {}
    for directory in directories:
        if directory in ("", "lost+found") or directory.startswith("."):
            continue
        user = old_user(directory, scheme)
        if user is None:
            problems.append(f"{directory!r}: not a name the {scheme} scheme produces")
            continue
        new = new_home(hub_name(user))
        if new in owner:
            problems.append(f"{owner[new]!r} and {directory!r} both map to {new!r}")
            continue
        owner[new] = directory
        pairs.append((directory, new))
    return UserMap(pairs, problems)


def expected_homes(pairs: list[tuple[str, str]], old_hub_users: list[str]) -> tuple[list[str], list[str]]:
    """(new homes the old hub's users must find after the copy, problems).

    A user with an old home must have it mapped to exactly where the new hub
    will look; a user without one has nothing to lose and is skipped.
    """
    mapped = dict(pairs)
    homes, problems = [], []
    for user in old_hub_users:
        old = escape_slug(user)
        if old not in mapped:
            continue
        want = new_home(hub_name(user))
        if mapped[old] != want:
            problems.append(f"user {user!r}: {old!r} is mapped to {mapped[old]!r}, but the new hub mounts {want!r}")
        else:
            homes.append(want)
    return homes, problems


def read_map(path: str) -> list[tuple[str, str]]:
    """The `old<TAB>new` pairs of a map file; ValueError naming the first bad line."""
    pairs = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            fields = line.split("\t")
            if len(fields) != 2 or not all(fields):
                raise ValueError(f"line {number}: expected old-dir<TAB>new-dir")
            pairs.append((fields[0], fields[1]))
    return pairs


def read_lines(path: str) -> list[str]:
    return [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def map_problems(source) -> list[tuple[str, str]]:
    """A hub's map file and old user list, checked when the config is parsed (keys relative to `source`)."""
    if source is None or source.map is None:
        return []
    try:
        pairs = read_map(source.map)
    except (OSError, ValueError) as error:
        return [("map", f"{source.map}: {getattr(error, 'strerror', None) or error}")]
    news = [new for _, new in pairs]
    problems = [("map", f"{source.map}: {new!r} is the new home of more than one old directory")
                for new in sorted({n for n in news if news.count(n) > 1})]
    if source.old_users is not None:
        try:
            users = read_lines(source.old_users)
        except OSError as error:
            return problems + [("old_users", f"{source.old_users}: {error.strerror}")]
        problems += [("old_users", p) for p in expected_homes(pairs, users)[1]]
    return problems
