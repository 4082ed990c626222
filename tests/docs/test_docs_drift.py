"""The docs name only config keys the schema has, and the architecture tree only files that exist.

A config key in the docs is an inline code span of dotted names (`binder.mode`,
`hubs.<name>.home.capacity_gb`, `pangeo-hubs:hubs.<name>`) whose first name is a
config key. It must resolve in the schema from some model down (`<...>` and any
name step into a mapping's values, `<i>` into a list), or be a stack output
(`hubs.<name>.scratch_url`, `dns.values`), which the shipped gcp plan shows.
Keys the schema gains resolve by themselves; a renamed or removed key fails here.
"""

import ast
import importlib
import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from infra.config import NAMESPACE, StackConfig
from infra.config.hubs import HubConfig

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "daskhub"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

_SPAN = re.compile(r"`([^`\n]+)`")
_DOTTED = re.compile(r"^(?:(?P<ns>[a-z][-a-z]*):)?(?P<path>[a-z_]+(?:\.(?:[a-z_0-9]+|<[a-z]+>))*)$")
FILE_EXTENSIONS = {"py", "sh", "html", "yaml", "yml", "txt", "tsv", "md", "conf", "json", "toml", "s3"}


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _example_root() -> type[BaseModel]:
    """examples/daskhub's Config, built from its own annotations (importing the program would run it)."""
    tree = ast.parse((EXAMPLE / "__main__.py").read_text())
    imported = {alias.asname or alias.name: node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    [config] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Config"]
    names = {n.id for n in ast.walk(config) if isinstance(n, ast.Name) and n.id in imported}
    scope = {name: getattr(importlib.import_module(imported[name]), name) for name in names}
    fields = {n.target.id: eval(ast.unparse(n.annotation), scope)  # an annotation such as list[Email]
              for n in config.body if isinstance(n, ast.AnnAssign)}
    return typing.cast(type[BaseModel], type("ExampleConfig", (BaseModel,), {"__annotations__": fields}))


class Schema:
    """Resolves dotted key paths in the stack schema and the example's; `hub_defaults` is a hub."""

    def __init__(self):
        stack_root = type("StackRoot", (StackConfig,), {"__annotations__": {"hub_defaults": HubConfig | None}})
        self.roots = {NAMESPACE: stack_root, self._example_namespace(): _example_root()}
        self.models: list[type[BaseModel]] = []
        todo = list(self.roots.values())
        while todo:
            model = todo.pop()
            if model not in self.models:
                self.models.append(model)
                todo += [m for info in model.model_fields.values() for m in _models_in(info.annotation)]
        self.names = {name for model in self.models for name in model.model_fields}

    @staticmethod
    def _example_namespace() -> str:
        return re.search(r"^name:\s*(\S+)", (EXAMPLE / "Pulumi.yaml").read_text(), re.M).group(1)

    def _steps(self, annotation, rest: list[str]) -> bool:
        """Whether `rest` resolves below a value of type `annotation`."""
        if not rest:
            return True
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin in (typing.Union, types.UnionType) or origin is typing.Annotated:
            return any(self._steps(a, rest) for a in (args[:1] if origin is typing.Annotated else args))
        if origin is dict:
            return self._steps(args[1], rest[1:])
        if origin is list:
            return (rest[0].isdigit() or rest[0].startswith("<")) and self._steps(args[0], rest[1:])
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(rest[0])
            return field is not None and self._steps(field.annotation, rest[1:])
        return False

    def resolves(self, namespace: str | None, path: list[str]) -> bool:
        if namespace is not None:
            return namespace in self.roots and self._steps(self.roots[namespace], path)
        return any(self._steps(model, path) for model in self.models)


def _outputs_resolve(outputs, path: list[str]) -> bool:
    """Whether `path` names something in the stack outputs, from any level down (`<...>`: any key)."""
    def down(node, rest):
        if not rest:
            return True
        if not isinstance(node, dict):
            return False
        keys = node if rest[0].startswith("<") else [k for k in node if k == rest[0]]
        return any(down(node[k], rest[1:]) for k in keys)

    def anywhere(node):
        return down(node, path) or (isinstance(node, dict) and any(anywhere(v) for v in node.values()))

    return anywhere(outputs)


def key_spans(text: str, schema: Schema) -> set[tuple[str | None, tuple[str, ...]]]:
    """(namespace, path) of each code span that names a config key, as this module's docstring says."""
    found = set()
    for span in _SPAN.findall(text):
        match = _DOTTED.match(span)
        if not match:
            continue
        namespace, path = match["ns"], match["path"].split(".")
        if path[-1] in FILE_EXTENSIONS or (namespace is None and len(path) == 1):
            continue
        if namespace is not None and namespace not in schema.roots:
            continue  # another namespace (`gcp:project`) or a scope (`admin:users`)
        if namespace is not None or path[0] in schema.names:
            found.add((namespace, tuple(path)))
    return found


def stale_keys(text: str, schema: Schema, outputs: dict) -> list[str]:
    return sorted(f"{ns + ':' if ns else ''}{'.'.join(path)}" for ns, path in key_spans(text, schema)
                  if not schema.resolves(ns, list(path)) and not (ns is None and _outputs_resolve(outputs, list(path))))


@pytest.fixture(scope="module")
def schema():
    return Schema()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_config_key_the_docs_name_is_in_the_schema(doc, schema, gcp_plan):
    stale = stale_keys(doc.read_text(), schema, gcp_plan.outputs)
    assert not stale, f"{doc.relative_to(REPO)} names keys the config schema does not have: {', '.join(stale)}"


def test_an_injected_stale_key_fails_and_real_ones_pass(schema, gcp_plan):
    text = ("Set `binder.mode`, `hubs.<name>.home.capacity_gb`, `pangeo-hubs:hub_defaults`, `read:org`, "
            "`cluster.admins.<i>`, `hub.auth.github.client_secret` and read `hubs.<name>.scratch_url`; "
            "see `fields.py` and `escapism.unescape`.")
    assert stale_keys(text, schema, gcp_plan.outputs) == []
    assert len(key_spans(text, schema)) == 6
    stale = "`binder.enabled`, `hubs.<name>.home.size_gb`, `pangeo-hubs:hubz`, `hubs.prod.dns.value`"
    assert stale_keys(text + stale, schema, gcp_plan.outputs) == [
        "binder.enabled", "hubs.<name>.home.size_gb", "hubs.prod.dns.value", "pangeo-hubs:hubz"]


# --- the architecture tree -------------------------------------------------------------------

_FILE = re.compile(r"(?<![\w/.-])(\w[\w./-]*\.(?:py|sh|html|yaml|yml|md|txt|json))\b")


def tree_paths(text: str) -> list[str]:
    """Every path the layout block of architecture.md names: entries and the files their lines list.

    An entry line is names (comma- or two-space-separated), three or more spaces, then
    its text. Top-level entries start at column 0, entries under them at column 2, and a
    deeper line continues the entry above. A file named in an entry's text is inside that
    entry when it is a folder.
    """
    [block] = [b for b in re.findall(r"^```\n(.*?)^```", text, re.S | re.M) if b.startswith("Pulumi.yaml")]
    paths, top, base = [], "", ""
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip())
        names, _, rest = line.strip().partition("   ") if indent <= 2 else ("", "", line)
        entries = [(top if indent == 2 else "") + n for n in re.split(r",\s*|\s{2}", names) if n]
        if entries:
            paths += entries
            folder = entries[-1] if entries[-1].endswith("/") else ""
            top, base = (folder, folder) if indent == 0 else (top, folder or top)
        paths += [base + name for name in _FILE.findall(rest)]
    return paths


def test_every_file_the_architecture_tree_names_exists():
    paths = tree_paths((REPO / "docs" / "architecture.md").read_text())
    assert len(paths) > 60
    missing = [p for p in paths if not (REPO / p).exists()]
    assert not missing, f"docs/architecture.md's tree names files that do not exist: {', '.join(missing)}"


def test_the_tree_reader_finds_entries_continuations_and_an_injected_stale_file():
    text = ("```\nPulumi.yaml, Pulumi.gcp.yaml\ninfra/\n  cost.py            idle cost\n"
            "  plan/              the plan; base.py\n                     project.py plans\n"
            "components/\n  cluster/           args.py, gone.py\n  dask_hub/          templates/page.html\ntests/  bench/\n```\n")
    assert tree_paths(text) == ["Pulumi.yaml", "Pulumi.gcp.yaml", "infra/", "infra/cost.py", "infra/plan/",
                                "infra/plan/base.py", "infra/plan/project.py", "components/", "components/cluster/",
                                "components/cluster/args.py", "components/cluster/gone.py", "components/dask_hub/",
                                "components/dask_hub/templates/page.html", "tests/", "bench/"]
    assert [p for p in tree_paths(text) if not (REPO / p).exists()] == ["components/cluster/gone.py"]
