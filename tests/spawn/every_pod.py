"""Every pod a stack's software would create, built by upstream code, and what is wrong with each.

Shared by tests/spawn/test_pods.py, which asserts on the problems, and
bench/bench_render.py, which times building them all.
"""

from collections.abc import Iterator

from tests.render import validate
from tests.render.objects import Obj
from tests.render.stack import stack

from .build_pods import build_pod, chart_binder
from .dask_pods import dask_cluster, option_bounds
from .env_check import env_problems
from .fit import fit_problem
from .hubs import hub_configs, stack_gateways, stack_hubs, stack_pools
from .matrix import dask_requests, user_spawns
from .refs import missing_references
from .user_pods import Spawn, user_pods


def pod_problems(pod: dict, namespace: str, pools, objects) -> list[str]:
    """Schema errors, no pool that takes it, objects it names that do not exist, templates left unfilled."""
    name = pod["metadata"].get("name") or pod["metadata"]["generateName"]
    problems = validate.errors(pod, {}) + [p for p in [fit_problem(pod["spec"], pools)] if p]
    problems += missing_references(pod, namespace, objects)
    problems += [p for c in pod["spec"]["containers"] for p in env_problems(c)]
    return [f"{namespace} pod {name}: {p}" for p in problems]


def binder_builds(stack_name: str) -> Iterator[tuple[str, dict, dict]]:
    """(namespace, build pod, the docker-api DaemonSet's pod spec) for each binder of the stack."""
    for r in stack(stack_name).rendered.values():
        if r.chart.startswith("binderhub-service-"):
            config, env = chart_binder(r.manifests, r.namespace)
            image = f"{config.BinderHub.image_prefix}binder-2dexamples-2dpangeo-5f1a2b:0123abcd"
            pod = build_pod(config, env, r.namespace, "https://github.com/binder-examples/pangeo", "0123abcd", image)
            daemon = next(m for m in r.manifests if m["kind"] == "DaemonSet" and m["metadata"]["name"] == "docker-api")
            yield r.namespace, pod, daemon["spec"]["template"]["spec"]


def user_server_pods(stack_name: str) -> Iterator[tuple[str, Spawn, dict]]:
    """(namespace, spawn, its pod) for every user server tests/spawn/matrix.py starts on each hub."""
    configs = hub_configs(stack_name)
    for namespace, hub in stack_hubs(stack_name).items():
        config = configs[namespace]
        spawns = user_spawns(hub, config.auth.admins, config.groups)
        for spawn, pod in zip(spawns, user_pods(hub, spawns)):
            yield namespace, spawn, pod


def dask_pods(stack_name: str) -> Iterator[tuple[str, str, dict, list[Obj]]]:
    """(namespace, options label, pod, the objects it may name) for the scheduler and worker of
    each Dask cluster in the options matrix.py lists; the credentials Secret the gateway
    controller makes for the cluster counts among those objects."""
    objects = stack(stack_name).objects
    for namespace, gateway in stack_gateways(stack_name).items():
        for label, request in dask_requests(option_bounds(gateway)).items():
            cluster = dask_cluster(gateway, "alice", request)
            made = objects + [Obj(cluster.secret, "the gateway controller", namespace)]
            yield namespace, label, cluster.scheduler, made
            yield namespace, label, cluster.worker, made


def every_pod(stack_name: str) -> Iterator[tuple[str, dict, list[Obj]]]:
    """(namespace, pod, the objects it may name) for every user server, Dask pod and binder
    build pod the pod tests build for the stack."""
    objects = stack(stack_name).objects
    for namespace, _, pod in user_server_pods(stack_name):
        yield namespace, pod, objects
    for namespace, _, pod, made in dask_pods(stack_name):
        yield namespace, pod, made
    for namespace, pod, _ in binder_builds(stack_name):
        yield namespace, pod, objects


def stack_pod_problems(stack_name: str) -> tuple[int, list[str]]:
    """How many pods every_pod builds, and every problem pod_problems finds with them."""
    pools, count, problems = stack_pools(stack_name), 0, []
    for namespace, pod, objects in every_pod(stack_name):
        count += 1
        problems += pod_problems(pod, namespace, pools, objects)
    return count, problems
