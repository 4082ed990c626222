"""The layering: components are a library below the stack, and the example uses only them."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def imported_packages(source: str) -> set[str]:
    """Top-level packages a module imports, wherever the import statement is (functions included)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def offenders(root: Path, forbidden: set[str]) -> list[str]:
    return sorted(f"{path.relative_to(REPO)}: imports {', '.join(sorted(found))}"
                  for path in root.rglob("*.py") if (found := imported_packages(path.read_text()) & forbidden))


def test_the_scan_sees_imports_inside_functions_too():
    source = "import os\n\ndef late():\n    from infra.config import HubConfig\n    import tests.charts\n"
    assert imported_packages(source) == {"os", "infra", "tests"}


def test_no_component_imports_the_stack_or_the_tests():
    assert offenders(REPO / "components", {"infra", "tests", "examples"}) == []


def imported_modules(source: str) -> set[str]:
    """Full names of the absolute imports of a module (``from a.b import c`` gives a.b and a.b.c)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def component_offenders(component: str, other: str) -> list[str]:
    return sorted(str(path.relative_to(REPO)) for path in (REPO / "components" / component).rglob("*.py")
                  if any(m == f"components.{other}" or m.startswith(f"components.{other}.")
                         for m in imported_modules(path.read_text())))


def test_the_component_scan_sees_a_cross_import():
    assert imported_modules("from components.legacy.args import Phase\n") >= {"components.legacy.args"}
    assert imported_modules("from components import legacy\n") >= {"components.legacy"}


@pytest.mark.parametrize("component, other", [("nfs_home", "legacy"), ("legacy", "nfs_home")])
def test_the_old_and_new_sides_of_a_migration_do_not_import_each_other(component, other):
    """They share only components.phases and components.images; the scan format is a documented contract."""
    assert component_offenders(component, other) == []


def test_the_example_uses_the_components_and_nothing_of_the_stack():
    assert offenders(REPO / "examples", {"infra", "tests"}) == []
    assert "components" in imported_packages((REPO / "examples/daskhub/__main__.py").read_text())


def _pins(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return dict(line.split("==") for line in lines if "==" in line)


@pytest.mark.parametrize("package", sorted(_pins(REPO / "examples/daskhub/requirements.txt")))
def test_the_example_pins_what_the_stack_pins(package):
    assert _pins(REPO / "examples/daskhub/requirements.txt")[package] == _pins(REPO / "requirements.txt")[package]
