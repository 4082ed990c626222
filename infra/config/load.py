"""Turning raw Pulumi config into a StackConfig, or into one clear line per problem."""

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from components.fields import problem_lines

from .stack import StackConfig

NAMESPACE = "pangeo-hubs"
_UNION_TAGS = {("cloud",): {"gcp", "aws"}}
# Top-level keys of this program's config, which a mistyped namespace would hide.
_SECTIONS = {*StackConfig.model_fields, "hub_defaults"}
# Namespaces of the providers the program uses; their keys are theirs (`kubernetes:cluster` is one).
_PROVIDERS = {"pulumi", "gcp", "aws", "kubernetes", "random"}


class ConfigError(Exception):
    """Invalid stack config; each problem is one line naming its full key path."""

    def __init__(self, problems: list[str]):
        problems = [_one_line(problem) for problem in problems]
        super().__init__("\n".join(problems))
        self.problems = problems


def _one_line(problem: str) -> str:
    """A key or value holding a newline (or another unprintable character) is written escaped,
    as `\\n`, so that its problem stays on one line and the next line is the next problem."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in problem)


def parse_stack_config(values: dict[str, Any]) -> StackConfig:
    """Validate the `pangeo-hubs:*` keys of a flat Pulumi config map.

    Values may be the engine's strings (objects arrive JSON-encoded) or already parsed.
    Keys of other namespaces (`gcp:project`, ...) belong to providers and are ignored.
    """
    tree, problems = {}, []
    for key, value in values.items():
        namespace, _, name = key.partition(":")
        if namespace == NAMESPACE:
            tree[name] = _decode(value)
        elif name in _SECTIONS and namespace not in _PROVIDERS:  # `myhub:hubs` would be ignored silently
            problems.append(f"{key}: namespace {namespace!r} is not read; write it as {NAMESPACE}:{name}")
    own = tree.get("hubs")
    defaults = tree.get("hub_defaults")
    problems += _inherited_tag_problems(own, defaults)
    tree = _with_hub_defaults(tree)
    try:
        config = StackConfig.model_validate(tree)
    except ValidationError as error:
        problems += _at_their_source(format_problems(error), own, defaults)
    if problems:
        raise ConfigError(problems)
    return config


def _inherited_tag_problems(hubs: Any, defaults: Any) -> list[str]:
    """A hub that names its own image but not its tag would silently run hub_defaults' tag of another image."""
    image = defaults.get("image") if isinstance(defaults, dict) else None
    tag = image.get("tag") if isinstance(image, dict) else None
    if tag is None or not isinstance(hubs, dict):
        return []
    problems = []
    for name, hub in hubs.items():
        own = hub.get("image") if isinstance(hub, dict) else None
        if isinstance(own, dict) and "name" in own and "tag" not in own:
            problems.append(f"{NAMESPACE}:hubs.{name}.image.tag: required, since this hub names its own image "
                            f"{own['name']!r}; write its tag (hub_defaults' {tag!r} is for {image.get('name')!r})")
    return problems


def _at_their_source(lines: list[str], hubs: Any, defaults: Any) -> list[str]:
    """Report a problem with a value that came from `hub_defaults` once, at its key there, naming the
    hubs that inherit it, rather than once per hub at a `hubs.<name>...` path that isn't in the file.
    A hub that sets anything beside the key (`profiles.small.groups` beside an inherited
    `profiles.small.default`) may be what broke it, so that problem stays at the hub's path."""
    if not isinstance(defaults, dict) or not isinstance(hubs, dict):
        return lines
    result: list[str] = []
    inherited: dict[str, list[str]] = {}
    prefix = f"{NAMESPACE}:hubs."
    for line in lines:
        path, sep, message = line.removeprefix(prefix).partition(": ")
        hub, _, rest = path.partition(".")
        if line.startswith(prefix) and sep and rest and hub in hubs \
                and not _has(hubs[hub], rest.rpartition(".")[0] or rest) and _has(defaults, rest):
            inherited.setdefault(f"{NAMESPACE}:hub_defaults.{rest}: {message}", []).append(hub)
        else:
            result.append(line)
    result += [f"{line} (inherited by hubs {', '.join(names)})" for line, names in inherited.items()]
    return result


def _has(tree: Any, dotted: str) -> bool:
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


def _with_hub_defaults(tree: dict[str, Any]) -> dict[str, Any]:
    """Merge `hub_defaults` under every hub: keys a hub sets win, mappings merge key by key.

    Hubs share profiles, groups and wording this way rather than through YAML
    anchors, which `pulumi config set` expands when it rewrites the stack file.
    """
    defaults = tree.pop("hub_defaults", None)
    if defaults is None:
        return tree
    if not isinstance(defaults, dict):
        raise ConfigError([f"{NAMESPACE}:hub_defaults: must be a mapping of hub keys"])
    hubs = tree.get("hubs")
    if isinstance(hubs, dict):
        tree = {**tree, "hubs": {name: _merged(defaults, hub) for name, hub in hubs.items()}}
    return tree


def _merged(base: Any, overlay: Any) -> Any:
    """An empty mapping in the hub clears the default (`groups: {}`); a fuller one merges into it."""
    if isinstance(base, dict) and isinstance(overlay, dict) and overlay:
        return {**base, **{k: _merged(base[k], v) if k in base else v for k, v in overlay.items()}}
    return overlay


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def format_problems(error: ValidationError) -> list[str]:
    return problem_lines(error, NAMESPACE, _UNION_TAGS)


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Refuses a mapping that repeats a key: plain YAML keeps the last one silently,
    so a second `profiles:` would quietly replace the first. On libyaml's parser where
    PyYAML has it (a plan reads the stack file twice; the pure-Python parser takes 20 ms)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool, type(None))):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be plain text, not a list or mapping", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def read_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` map of a Pulumi.<stack>.yaml file."""
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigError([f"{path}: cannot read: {error.strerror}"]) from None
    except UnicodeDecodeError as error:
        raise ConfigError([f"{path}: not UTF-8 text (byte {error.start}); save the file as UTF-8"]) from None
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader) or {}  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError([f"{path}: malformed YAML{where}: {problem}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise ConfigError([f"{path}: must be a mapping with a `config:` mapping"])
    config = dict(document.get("config") or {})
    keys = [key for key in config if not isinstance(key, str)]
    if keys:
        raise ConfigError([f"{path}: config key {key!r} must be text such as `pangeo-hubs:<key>`" for key in keys])
    looped = [where for key, value in config.items() if (where := _self_containing(value, key))]
    if looped:
        raise ConfigError([_SELF_CONTAINING.format(where) for where in looped])
    return config


_SELF_CONTAINING = "{}: contains itself (a YAML alias inside its own anchor, `&a [*a]`); write the value out"


def _self_containing(node: Any, path: str, inside: dict[int, str] | None = None) -> str | None:
    """The key path of a value that contains itself, which PyYAML builds from an alias inside
    its own anchor and everything after it (copying, JSON, validation) recurses into forever."""
    inside = inside or {}
    if not isinstance(node, (dict, list)):
        return None
    if id(node) in inside:
        return inside[id(node)]
    inside = {**inside, id(node): path}
    children = node.items() if isinstance(node, dict) else enumerate(node)
    return next((where for key, child in children if (where := _self_containing(child, f"{path}.{key}", inside))), None)


def set_key(values: dict[str, Any], assignment: str, namespace: str = NAMESPACE) -> dict[str, Any]:
    """Apply `a.b.c=VALUE` (VALUE parsed as YAML) under `namespace`; returns a new map."""
    dotted, sep, raw = assignment.partition("=")
    parts = dotted.split(".")
    if not sep or not all(parts):
        raise ConfigError([f"--set {assignment!r}: expected KEY.PATH=VALUE"])
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        raise ConfigError([f"--set {assignment!r}: value is not valid YAML"]) from None
    if where := _self_containing(value, f"{namespace}:{dotted}"):
        raise ConfigError([_SELF_CONTAINING.format(where)])
    result = json.loads(json.dumps(values, default=str))
    key = f"{namespace}:{parts[0]}"
    if len(parts) == 1:
        result[key] = value
        return result
    node = result.setdefault(key, {})
    for i, part in enumerate(parts[1:-1], start=1):
        if not isinstance(node, dict):
            raise ConfigError([f"--set {assignment!r}: {'.'.join(parts[:i])} is not a mapping"])
        node = node.setdefault(part, {})
    if not isinstance(node, dict):
        raise ConfigError([f"--set {assignment!r}: {'.'.join(parts[:-1])} is not a mapping"])
    node[parts[-1]] = value
    return result
