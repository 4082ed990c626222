"""Both full stacks and the example, checked for what only shows when all hubs share one cluster."""

from functools import cache

import pytest

from .stack import RENDERED, conflict_report, stack

CHECKS = ["cluster-scoped objects", "namespaced objects", "dask-gateway instances", "user-scheduler names",
          "in-cluster URLs", "CRDs installed first"]


@cache
def _report(name: str) -> dict[str, list[str]]:
    return conflict_report(stack(name))


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("stack_name", RENDERED)
def test_no_cluster_conflicts(stack_name, check, rendered_stack):
    s = rendered_stack(stack_name)
    unrendered = [f"{r.label}: {r.problems}" for r in s.rendered.values() if not r.manifests]
    assert not unrendered, "releases that did not render, so the check would be incomplete:\n" + "\n".join(unrendered)
    problems = _report(stack_name)[check]
    assert problems == [], f"{stack_name}, {check}: {len(problems)} problem(s):\n" + "\n".join(problems)
