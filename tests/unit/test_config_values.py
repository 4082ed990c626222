"""Values at the edges of their type: each is one line at its own key path, never a plan
that fails later (a budget of `.inf` would raise in round(), `true` would count as 1)."""

import copy
import functools
import math
from pathlib import Path

import pytest

from infra.config import ConfigError, parse_stack_config, read_stack_file, set_key

REPO = Path(__file__).resolve().parents[2]
STACKS = ["gcp", "aws-us-west-2"]


def _numbers(tree, path=()):
    """Key paths of every number in a stack file's `pangeo-hubs:` config."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _numbers(value, (*path, str(key)))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from _numbers(value, (*path, str(i)))
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        yield ".".join(path)


@functools.cache
def _values(stack: str) -> dict:
    """The shipped stack file's config; callers copy it before they change it (_with, set_key)."""
    return read_stack_file(REPO / f"Pulumi.{stack}.yaml")


def _number_paths(stack: str) -> list[str]:
    return [path for key, tree in _values(stack).items() if key.startswith("pangeo-hubs:")
            for path in _numbers(tree, (key.removeprefix("pangeo-hubs:"),))]


def _with(values: dict, path: str, value) -> dict:
    """`values` with `value` at `path`, whose steps may index a list (set_key's --set does not)."""
    top, *steps = path.split(".")
    values = copy.deepcopy(values)
    node = values[f"pangeo-hubs:{top}"]
    for step in steps[:-1]:
        node = node[int(step)] if isinstance(node, list) else node[step]
    node[int(steps[-1]) if isinstance(node, list) else steps[-1]] = value
    return values


def _problems(values: dict) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_stack_config(values)
    return error.value.problems


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("edge", [True, math.inf, -math.inf, math.nan, 1e40])
def test_every_number_of_the_stack_files_refuses_an_edge_value_at_its_key(stack, edge):
    paths = _number_paths(stack)
    assert "credits.monthly_budget_usd" in paths and "credits.remaining_usd" in paths
    for path in paths:
        problems = _problems(_with(_values(stack), path, edge))
        # A list item's range rule (alert_thresholds') is reported at the list.
        parent, _, last = path.rpartition(".")
        keys = {path, parent} if last.isdigit() else {path}
        # A hub_defaults value is also reported at a hub that sets keys beside it (infra/config/load.py).
        keys |= {f"hubs.{hub}.{key.partition('.')[2]}" for key in keys if key.startswith("hub_defaults.")
                 for hub in _values(stack)["pangeo-hubs:hubs"]}
        assert problems and all(line.startswith(tuple(f"pangeo-hubs:{k}: " for k in keys)) for line in problems), \
            (path, problems)


def test_a_boolean_is_not_a_number():
    [problem] = _problems(set_key(_values("gcp"), "credits.monthly_budget_usd=true"))
    assert problem == "pangeo-hubs:credits.monthly_budget_usd: must be a number, not true or false, got True"


@pytest.mark.parametrize("key, value, limit", [
    ("credits.monthly_budget_usd", "1000001", "less than or equal to 1000000"),
    ("credits.remaining_usd", "100000001", "less than or equal to 100000000"),
    ("hubs.prod.migration.sync_generation", "10000", "less than or equal to 9999"),
])
def test_unbounded_numbers_have_a_maximum(key, value, limit):
    [problem] = _problems(set_key(_values("gcp"), f"{key}={value}"))
    assert problem.startswith(f"pangeo-hubs:{key}: input should be {limit}")


def test_numbers_written_as_text_still_read():
    config = parse_stack_config(set_key(_values("gcp"), "credits.monthly_budget_usd='6000.5'"))
    assert math.isclose(config.credits.monthly_budget_usd, 6000.5)


@pytest.mark.parametrize("value", ["7", "[10.0.0.0, 8]", "167772160"])
@pytest.mark.parametrize("key", ["cidr", "pods_cidr", "services_cidr"])
def test_a_cidr_must_be_text(key, value):
    """ipaddress reads the integer 7 as 0.0.0.7/32."""
    [problem] = _problems(set_key(_values("gcp"), f"cluster.network.{key}={value}"))
    assert problem.startswith(f"pangeo-hubs:cluster.network.{key}: must be a CIDR range written as text")
