"""The rendered stacks of tests/render, shared: absent charts skip (but fail in CI)."""

from tests.render.conftest import rendered_stack  # noqa: F401  (the fixture)
