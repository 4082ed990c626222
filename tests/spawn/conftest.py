"""The pod tests build on the rendered stacks of tests/render, and skip or fail as those do."""

from tests.render.conftest import rendered_stack  # noqa: F401
