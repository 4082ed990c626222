"""Every rendered jupyterhub Release of a stack as a ChartHub, built once per session."""

from functools import cache

from tests.render.stack import stack

from .user_pods import ChartHub, chart_hub


@cache
def stack_hubs(name: str) -> dict[str, ChartHub]:
    """{hub namespace: its ChartHub}, from the stack's rendered releases (tests/render/stack.py)."""
    return {r.namespace: chart_hub(r.manifests, r.namespace)
            for r in stack(name).rendered.values() if r.chart.startswith("jupyterhub-")}
