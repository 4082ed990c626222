"""The documentation keeps up with the code: config keys, relative links, the README's first commands."""

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from infra.config import StackConfig

REPO = Path(__file__).resolve().parents[2]
CONFIG_DOC = REPO / "docs" / "config.md"

# Documents the README links to that other people are writing in parallel and that
# do not exist yet. A link to one of these is skipped only while the file is
# missing; once it exists the link is checked like any other. Remove an entry when
# its file lands.
NOT_WRITTEN_YET = {
    "docs/benchmarks.md",  # written by `make bench` (bench/run.py --write docs/benchmarks.md)
}


def _models_in(annotation) -> list[type[BaseModel]]:
    """Pydantic models inside a type: itself, union variants, list items, dict values, Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def config_fields() -> dict[str, set[str]]:
    """Every field name of every model reachable from StackConfig, with the models that use it."""
    fields: dict[str, set[str]] = {}
    seen: set[type[BaseModel]] = set()
    todo = [StackConfig]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            fields.setdefault(name, set()).add(model.__name__)
            todo += _models_in(info.annotation)
    return fields


def test_the_walk_reaches_nested_union_and_dict_models():
    fields = config_fields()
    # GcpCloud/AwsCloud (union), NodePool and Profile (dict values), LegacyNfs (optional, nested deep).
    for name in ("zone", "availability_zones", "disk_size_gb", "memory_gb", "server", "folder_id"):
        assert name in fields


@pytest.mark.parametrize("field", sorted(config_fields()))
def test_every_config_field_is_documented(field):
    text = CONFIG_DOC.read_text()
    assert f"`{field}`" in text, (
        f"docs/config.md does not mention `{field}` "
        f"(a field of {', '.join(sorted(config_fields()[field]))}); document the key"
    )


_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def _documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _relative_links(path: Path) -> list[str]:
    text = _FENCE.sub("", path.read_text())
    links = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue  # http:, https:, mailto:, ... and anchors within the page
        links.append(target.split("#", 1)[0])
    return links


@pytest.mark.parametrize("doc", _documents(), ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_point_at_existing_files(doc):
    broken = []
    for target in _relative_links(doc):
        resolved = (doc.parent / target).resolve()
        if resolved.exists():
            continue
        in_repo = resolved.relative_to(REPO).as_posix() if resolved.is_relative_to(REPO) else None
        if in_repo in NOT_WRITTEN_YET:
            continue
        broken.append(target)
    assert not broken, f"{doc.relative_to(REPO)} links to missing files: {', '.join(broken)}"


def test_readme_starts_with_make_plan_and_make_test():
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", (REPO / "README.md").read_text(), re.S | re.M)
    assert blocks, "README.md has no code block"
    commands = [line.split("#", 1)[0].strip() for line in blocks[0].splitlines()]
    commands = [c for c in commands if c]
    assert commands[:2] == ["make plan", "make test"]
