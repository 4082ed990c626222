"""What the pod tests build from, once per session: each stack's rendered hubs and gateways,
the hubs' configs, the node pools pods must fit and the objects they may name."""

from functools import cache

import yaml

from components.dask_hub.args import DaskHubConfig
from infra.config import parse_stack_config, read_stack_file
from infra.plan.run import REPO
from tests.example import EXAMPLE
from tests.render.stack import stack

from .dask_pods import Gateway, chart_gateway
from .fit import Pool, existing_pools, plan_pools
from .user_pods import ChartHub, chart_hub

PROVIDERS = {"gcp": "gcp", "aws-us-west-2": "aws"}


def _releases(name: str, chart: str):
    return [r for r in stack(name).rendered.values() if r.chart.startswith(f"{chart}-")]


@cache
def stack_hubs(name: str) -> dict[str, ChartHub]:
    """{hub namespace: its ChartHub}, from the stack's rendered releases (tests/render/stack.py)."""
    return {r.namespace: chart_hub(r.manifests, r.namespace) for r in _releases(name, "jupyterhub")}


@cache
def stack_gateways(name: str) -> dict[str, Gateway]:
    return {r.namespace: chart_gateway(r.manifests, r.namespace) for r in _releases(name, "dask-gateway")}


@cache
def _example_config() -> dict:
    return yaml.safe_load((REPO / EXAMPLE / "Pulumi.dev.yaml").read_text())["config"]


@cache
def hub_configs(name: str) -> dict[str, DaskHubConfig]:
    """Each hub's own config, by namespace (a hub's namespace is its name; the example's is its stack's)."""
    if name == EXAMPLE:
        return {"dev": DaskHubConfig.model_validate(_example_config()["my-daskhub:hub"])}
    return dict(parse_stack_config(read_stack_file(REPO / f"Pulumi.{name}.yaml")).hubs)


@cache
def stack_pools(name: str) -> list[Pool]:
    if name == EXAMPLE:
        return existing_pools(_example_config()["my-daskhub:cluster"])
    return plan_pools(stack(name).plan, PROVIDERS[name])
