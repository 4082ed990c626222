"""Secrets written as plain text: a config error naming the key and the command that encrypts it.

`pulumi config set --secret --path` stores a value inside the stack file as
`key: {secure: v1:...}`, encrypted with the stack's secrets provider. Without
`--secret` it lands there as plain text, and the stack file is committed.

The stack file shows this exactly. The engine does not: it hands the program
every value decrypted (PULUMI_CONFIG) and lists the top-level keys that hold any
secure value (PULUMI_CONFIG_SECRET_KEYS; pulumi's config.Value marks an object
secure when any value inside it is). So under `pulumi up` a plain secret is seen
only when nothing else in its top-level key is encrypted; the offline plan, which
every pull request runs (test.yml), reads the file and sees each one.
"""

import json
import types
from typing import Annotated, Any, Iterator, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr

from .load import NAMESPACE
from .stack import StackConfig

Path = tuple[str, ...]


def _paths(annotation: Any, path: Path, seen: frozenset) -> Iterator[Path]:
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is SecretStr:
        yield path
    elif origin is Annotated:
        yield from _paths(args[0], path, seen)
    elif origin in (Union, types.UnionType):
        for arg in args:
            yield from _paths(arg, path, seen)
    elif origin is dict:
        yield from _paths(args[1], (*path, "*"), seen)
    elif origin is list:
        yield from _paths(args[0], (*path, "*"), seen)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in seen:
        for name, field in annotation.model_fields.items():
            yield from _paths(field.annotation, (*path, name), seen | {annotation})


def secret_paths() -> list[Path]:
    """Every key of the config tree typed SecretStr, `*` standing for any hub or list item;
    a hub's secret may also come from `hub_defaults`, which is merged under every hub."""
    paths = list(dict.fromkeys(_paths(StackConfig, (), frozenset())))
    return paths + [("hub_defaults", *path[2:]) for path in paths if path[:2] == ("hubs", "*")]


SECRET_PATHS = secret_paths()


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _found(tree: Any, rest: Path, path: Path) -> Iterator[tuple[Path, Any]]:
    if not rest:
        yield path, tree
        return
    head, tail = rest[0], rest[1:]
    if head == "*" and isinstance(tree, dict):
        for key, child in tree.items():
            yield from _found(child, tail, (*path, str(key)))
    elif head == "*" and isinstance(tree, list):
        for i, child in enumerate(tree):
            yield from _found(child, tail, (*path, str(i)))
    elif isinstance(tree, dict) and head in tree:
        yield from _found(tree[head], tail, (*path, head))


def _plain(value: Any) -> bool:
    """A scalar is plain text; `{secure: ...}` is encrypted; a mapping of any other shape is a
    type error that validation reports."""
    return isinstance(value, (str, int, float, bool))


def plaintext_secrets(values: dict[str, Any], stack: str, secret_keys: set[str] | None = None) -> list[str]:
    """One line per secret given as plain text.

    `values`: the flat config map as the stack file holds it (`secret_keys` None: a
    secret must be a `secure:` mapping), or as the engine hands it (`secret_keys`:
    the keys it says hold a secure value; a secret elsewhere was written in plain text).
    """
    problems = []
    for path in SECRET_PATHS:
        key = f"{NAMESPACE}:{path[0]}"
        if key not in values or (secret_keys is not None and key in secret_keys):
            continue
        for where, value in _found(_decode(values[key]), path[1:], path[:1]):
            if _plain(value):
                dotted = f"{NAMESPACE}:{'.'.join(where)}"
                problems.append(
                    f"{dotted}: is plain text in Pulumi.{stack}.yaml, which is committed; encrypt it with "
                    f"`pulumi config set --secret --path '{dotted}' -s {stack}` (it prompts for the value); "
                    "rotate the secret if the file was pushed")
    return problems


def keys_holding_secrets(values: dict[str, Any]) -> list[str]:
    """The top-level keys with a value at a secret path: those the engine lists as secret."""
    return sorted({f"{NAMESPACE}:{path[0]}" for path in SECRET_PATHS if f"{NAMESPACE}:{path[0]}" in values
                   for _, value in _found(_decode(values[f"{NAMESPACE}:{path[0]}"]), path[1:], path[:1])
                   if value is not None})
