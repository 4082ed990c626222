"""A public binder's hard cap, from each shipped stack's rendered objects and pods built by upstream code.

The servers are KubeSpawner's pods (tests/spawn/user_pods.py), the Dask pods dask-gateway's
controller's (tests/spawn/dask_pods.py), BinderHub's launch quota is binderhub's own
KubernetesLaunchQuota, and the API server's admission is tests/binder/admission.py.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import cache

import pytest
from kubernetes.utils.quantity import parse_quantity

from infra.config import parse_stack_config, read_stack_file
from infra.plan.run import REPO
from tests.charts import skip_unless_ci
from tests.render.conflicts import pod_specs
from tests.render.stack import STACKS, stack
from tests.spawn.build_pods import chart_binder
from tests.spawn.dask_pods import dask_cluster, option_bounds
from tests.spawn.every_pod import binder_builds, dask_pods, user_server_pods
from tests.spawn.hubs import stack_gateways
from tests.spawn.matrix import dask_requests

from .admission import Namespace, in_scope, usage
from .conftest import MISSING

PUBLIC = "binder"


@pytest.fixture(scope="module", params=STACKS)
def name(request):
    return request.param


def _objects(name: str, kind: str) -> list[dict]:
    return [o.manifest for o in stack(name).objects if o.namespace == PUBLIC and o.kind == kind]


@cache
def cap(name: str) -> tuple[dict, dict]:
    """(ResourceQuota spec, LimitRange spec) of the stack's public binder, as rendered."""
    [quota], [limits] = _objects(name, "ResourceQuota"), _objects(name, "LimitRange")
    return quota["spec"], limits["spec"]


@cache
def binder_config(name: str):
    [release] = [r for r in stack(name).rendered.values()
                 if r.chart.startswith("binderhub-service-") and r.namespace == PUBLIC]
    config, _ = chart_binder(release.manifests, PUBLIC)
    return config


def server_pod(name: str) -> dict:
    return next(pod for namespace, _, pod in user_server_pods(name) if namespace == PUBLIC)


class PodList:
    """The CoreV1Api call KubernetesLaunchQuota makes, answered from the namespace's pods."""

    def __init__(self, namespace: Namespace):
        self.namespace = namespace

    def list_namespaced_pod(self, namespace, label_selector, **_):
        wanted = dict(term.split("=") for term in label_selector.split(","))
        items = [p for p in self.namespace.pods if wanted.items() <= p["metadata"].get("labels", {}).items()]
        return type("Response", (), {"read": lambda self: json.dumps({"items": items}).encode()})()


def launch_quota(name: str, namespace: Namespace):
    """binderhub's KubernetesLaunchQuota with the rendered BinderHub config, reading `namespace`."""
    try:
        from binderhub.quota import KubernetesLaunchQuota
    except ImportError:
        skip_unless_ci(MISSING)
    return KubernetesLaunchQuota(config=binder_config(name), api=PodList(namespace), executor=ThreadPoolExecutor(1),
                                 namespace=PUBLIC)


def abuse_walk(name: str, users: int, request: dict, *, capped: bool = True) -> dict[str, Decimal]:
    """Each of `users` anonymous users launches a repository of their own (so per_repo_quota never
    binds), then starts a Dask cluster with `request` and scales it to its most workers. Returns
    what the namespace's anonymous pods hold once all have tried; `capped` False: with no
    ResourceQuota and no launch quota, the same walk for comparison."""
    import asyncio

    from binderhub.quota import LaunchQuotaExceeded

    quota, limits = cap(name)
    namespace = Namespace(limit_range=limits, quota=quota if capped else None)
    launcher = launch_quota(name, namespace)
    if not capped:
        launcher.total_quota = None
    per_repo = binder_config(name).BinderHub.per_repo_quota
    server, cluster = server_pod(name), dask_cluster(stack_gateways(name)[PUBLIC], "anonymous", request)
    for user in range(users):
        image = f"{server['spec']['containers'][0]['image'].rsplit(':', 1)[0]}-{user}:abc"
        try:
            asyncio.run(launcher.check_repo_quota(image, {"quota": per_repo}, f"https://github.com/u{user}/repo"))
        except LaunchQuotaExceeded:
            continue
        pod = json.loads(json.dumps(server))
        pod["spec"]["containers"][0]["image"] = image
        if not namespace.create(pod) or not namespace.create(cluster.scheduler):
            continue
        for _ in range(cluster.max_workers):
            namespace.create(cluster.worker)
    # Without the quota nothing is counted: sum what was created instead.
    return namespace.used if capped else _total(namespace.pods)


def _total(pods: list[dict]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for pod in pods:
        for key, amount in usage(pod).items():
            total[key] = total.get(key, Decimal(0)) + amount
    return total


def requests(name: str) -> dict[str, dict]:
    return dask_requests(option_bounds(stack_gateways(name)[PUBLIC]))


def test_the_rendered_cap_is_the_configured_one(name):
    """The ResourceQuota and BinderHub's launch quota say what StackConfig.binder_quota derives."""
    config = parse_stack_config(read_stack_file(REPO / f"Pulumi.{name}.yaml"))
    want = config.binder_quota(config.hubs[PUBLIC])
    quota, _ = cap(name)
    hard = {k: parse_quantity(v) for k, v in quota["hard"].items()}
    assert hard["pods"] == want.pods and binder_config(name).LaunchQuota.total_quota == want.servers
    assert hard["requests.cpu"] == hard["limits.cpu"] == Decimal(str(want.cpu))
    assert hard["requests.memory"] == hard["limits.memory"] == round(Decimal(str(want.memory_gib)) * 1024) * 2**20


@pytest.mark.parametrize("label", ["default", "largest", "smallest"])
def test_an_abuse_walk_stays_within_the_cap_however_many_users(name, label):
    """Many anonymous users, each asking for the most: the total is within the ResourceQuota's hard
    numbers, and twice the users hold exactly as much. Without the cap the same walk keeps growing."""
    request = requests(name)[label]
    hard = {k: parse_quantity(v) for k, v in cap(name)[0]["hard"].items()}
    servers = binder_config(name).LaunchQuota.total_quota
    walked = abuse_walk(name, 3 * servers, request)
    assert all(walked[k] <= hard[k] for k in hard), (walked, hard)
    assert abuse_walk(name, 6 * servers, request) == walked
    # Something bound it: the walk is not one whose users all fit.
    assert _total([server_pod(name)])["pods"] * 3 * servers > walked["pods"]
    uncapped = abuse_walk(name, 3 * servers, request, capped=False)
    assert abuse_walk(name, 6 * servers, request, capped=False)["limits.memory"] > uncapped["limits.memory"]
    assert any(uncapped[k] > hard[k] for k in hard)


def test_every_anonymous_pod_states_its_requests_and_limits_and_the_limit_range_admits_it(name):
    """KubeSpawner's servers and every Dask pod of the options matrix: in the quota's scope, with
    cpu and memory requests and limits of their own, within the LimitRange's maximum."""
    quota, limits = cap(name)
    pods = [pod for namespace, _, pod in user_server_pods(name) if namespace == PUBLIC]
    pods += [pod for namespace, _, pod, _ in dask_pods(name) if namespace == PUBLIC]
    assert len(pods) > 3
    for pod in pods:
        assert in_scope(pod, quota), pod["metadata"]
        for c in pod["spec"]["containers"]:
            assert {"cpu", "memory"} <= set(c["resources"]["limits"]) & set(c["resources"]["requests"]), c["name"]
        assert Namespace(limit_range=limits, quota=quota).problems(pod) == []


def test_what_must_run_beside_them_is_outside_the_quota_and_admitted(name):
    """Hub, proxy, BinderHub, dask-gateway, image pullers, docker-api, Jobs and build pods: not
    counted, and none refused by the LimitRange once it has filled in their defaults."""
    quota, limits = cap(name)
    pods = [{"metadata": {"name": o.manifest["metadata"]["name"]}, "spec": spec}
            for o in stack(name).objects if o.namespace == PUBLIC for spec in pod_specs(o.manifest)]
    pods += [pod for namespace, pod, daemon in binder_builds(name) if namespace == PUBLIC
             for pod in (pod, {"metadata": {"name": "docker-api"}, "spec": daemon})]
    kinds = {p["metadata"]["name"] for p in pods}
    assert {"hub", "proxy", "binderhub", "docker-api", "continuous-image-puller", "user-placeholder"} <= kinds
    for pod in pods:
        assert not in_scope(pod, quota), pod["metadata"]
        assert Namespace(limit_range=limits, quota=quota).problems(pod) == [], pod["metadata"]


def test_the_admission_model_refuses_what_the_api_server_refuses(name):
    """Failing inputs for admission.py: a container above the maximum, a pod in scope with no
    requests when no LimitRange fills them in, and one past the quota's hard numbers."""
    quota, limits = cap(name)
    pod = json.loads(json.dumps(server_pod(name)))
    big = pod["spec"]["containers"][0]["resources"]
    big["limits"]["memory"] = big["requests"]["memory"] = "1000Gi"
    assert any("above the maximum" in p for p in Namespace(limit_range=limits, quota=quota).problems(pod))
    bare = json.loads(json.dumps(server_pod(name)))
    bare["spec"]["containers"][0]["resources"] = {}
    assert "must specify requests.cpu" in Namespace(limit_range=None, quota=quota).problems(bare)
    assert Namespace(limit_range=limits, quota=quota).problems(bare) == []  # the LimitRange's defaults count
    full = Namespace(limit_range=limits, quota={**quota, "hard": {**quota["hard"], "pods": "1"}})
    assert full.create(server_pod(name)) and not full.create(server_pod(name))
