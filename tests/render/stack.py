"""A stack planned, rendered and flattened once, and the reports the tests and the benchmark read.

Planning costs seconds and rendering a few more; the tests of one session share
one plan per stack through `planned()` (the validation test is parametrized by it
at collection) and one `Stack` through `stack()`.
"""

from dataclasses import dataclass
from functools import cache

from infra.plan import plan as run_plan
from tests.example import EXAMPLE, plan_example

from . import conflicts, urls, validate
from .helm import RELEASE, Rendered, release_label, render_releases
from .objects import Obj, plain_manifest, stack_objects

STACKS = ("gcp", "aws-us-west-2")
# A program of its own built from the components (docs/daskhub.md), rendered and checked as the stacks are.
RENDERED = (*STACKS, EXAMPLE)
PLAIN = "plain objects"


@dataclass
class Stack:
    name: str
    plan: object
    rendered: dict[str, Rendered]  # by Release URN
    objects: list[Obj]


@cache
def planned(name: str):
    if name == EXAMPLE:
        return plan_example()
    return run_plan(name)


def sources(result) -> dict[str, str]:
    """What validation is reported by: each Release's URN -> its label, then the plain objects."""
    return {**{r["urn"]: release_label(r) for r in result.resources if r["type"] == RELEASE}, PLAIN: PLAIN}


def build(name: str, result) -> Stack:
    rendered = render_releases(result)
    return Stack(name, result, rendered, stack_objects(result, rendered))


@cache
def stack(name: str) -> Stack:
    return build(name, planned(name))


def validation_report(s: Stack) -> dict[str, list[str]]:
    """Errors by source (Release URN, or PLAIN): render problems (helm failures, duplicate
    keys) and schema errors, each naming the object and the field."""
    crds = validate.crd_validators(o.manifest for o in s.objects)
    report = {urn: r.problems + [e for m in r.manifests for e in validate.errors(m, crds)]
              for urn, r in s.rendered.items()}
    plain = [m for m in map(plain_manifest, s.plan.resources) if m is not None]
    report[PLAIN] = [e for m in plain for e in validate.errors(m, crds)]
    return report


def url_texts(s: Stack) -> list[urls.Text]:
    """Every string of every release's values, plus what pods read from ConfigMaps and env."""
    texts = urls.object_texts(s.objects)
    for release in s.plan.resources:
        if release["urn"] in s.rendered:
            r = s.rendered[release["urn"]]
            texts += urls.value_texts(f"release {r.label}", r.namespace, release["inputs"].get("values") or {})
    return texts


def conflict_report(s: Stack) -> dict[str, list[str]]:
    """Every cluster-level check over the whole stack, by name."""
    return {
        "cluster-scoped objects": conflicts.cluster_scoped_collisions(s.objects),
        "namespaced objects": conflicts.namespaced_collisions(s.objects),
        "dask-gateway instances": conflicts.gateway_instance_collisions(s.objects),
        "user-scheduler names": conflicts.scheduler_name_collisions(s.objects),
        "in-cluster URLs": urls.dangling_urls(url_texts(s), s.objects),
        "CRDs installed first": conflicts.crd_order(s.plan, s.rendered),
    }
