"""Every pod the software creates, built by its own upstream code, validated strictly, fitted and resolved.

For each hub of both stacks and the example: user servers by KubeSpawner 7.0.0
(tests/spawn/user_pods.py), Dask schedulers and workers by dask-gateway-server's
Kubernetes backend (dask_pods.py), in the choices matrix.py lists; binder build pods
by binderhub's KubernetesBuildExecutor (build_pods.py). Each pod must pass
Kubernetes 1.33's schema strictly (tests/render/validate.py), schedule on a node pool
of the plan (fit.py), name only objects that exist (refs.py) and leave no template
unfilled (env_check.py).
"""

import base64
import copy

import pytest
import yaml

from tests.render.stack import RENDERED, STACKS, stack

from .dask_pods import dask_cluster
from .every_pod import binder_builds, dask_pods, pod_problems, user_server_pods
from .fit import fit_problem, why_not
from .hubs import hub_configs, stack_gateways, stack_hubs, stack_pools
from .matrix import user_spawns
from .refs import missing_references
from .user_pods import Spawn, User, chart_hub, user_pods


@pytest.mark.parametrize("stack_name", RENDERED)
def test_every_user_server_validates_fits_and_resolves(stack_name, rendered_stack):
    rendered_stack(stack_name)
    pools, objects = stack_pools(stack_name), stack(stack_name).objects
    problems, built = [], {}
    for namespace, spawn, pod in user_server_pods(stack_name):
        built.setdefault(namespace, set()).add(spawn.options.get("profile"))
        problems += [f"{p} ({spawn.user.name} {spawn.options})" for p in pod_problems(pod, namespace, pools, objects)]
    configs = hub_configs(stack_name)
    for namespace, hub in stack_hubs(stack_name).items():
        if "BINDER_IMAGE_PATTERN" not in hub.env:  # every profile is built (a public binder's servers have none)
            assert set(configs[namespace].profiles) <= built.get(namespace, set()), namespace
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("stack_name", RENDERED)
def test_every_dask_pod_validates_fits_and_resolves(stack_name, rendered_stack):
    rendered_stack(stack_name)
    pools, problems = stack_pools(stack_name), []
    for namespace, label, pod, made in dask_pods(stack_name):
        problems += [f"{p} ({label} options)" for p in pod_problems(pod, namespace, pools, made)]
    assert problems == [], "\n".join(problems)


def _with_hub_values(manifests: list[dict], change) -> list[dict]:
    """The release's manifests with its values (the hub Secret's values.yaml, which z2jh reads) changed."""
    manifests = copy.deepcopy(manifests)
    secret = next(m for m in manifests if m["kind"] == "Secret" and m["metadata"]["name"] == "hub")
    values = yaml.safe_load(base64.b64decode(secret["data"]["values.yaml"]))
    change(values)
    secret["data"]["values.yaml"] = base64.b64encode(yaml.safe_dump(values).encode()).decode()
    return manifests


def test_a_profile_10m_too_large_for_its_node_fails(rendered_stack):
    rendered_stack("gcp")
    release = next(r for r in stack("gcp").rendered.values() if r.chart.startswith("jupyterhub-")
                   and r.namespace == "staging")
    pools = stack_pools("gcp")
    small = next(p for p in pools if p.name.startswith("user-n2-highmem-4"))

    def too_large(values):
        profile = next(p for p in values["singleuser"]["profileList"] if p["slug"] == "small")
        profile["kubespawner_override"]["cpu_guarantee"] = round(small.room.cpu + 0.01, 3)

    [pod] = user_pods(chart_hub(_with_hub_values(release.manifests, too_large), "staging"),
                      [Spawn(User("alice"), {"profile": "small"})])
    problem = fit_problem(pod["spec"], pools)
    assert problem and "user-n2-highmem-4" in problem and "a node leaves 3.426 CPU" in problem
    [shipped] = user_pods(stack_hubs("gcp")["staging"], [Spawn(User("alice"), {"profile": "small"})])
    assert fit_problem(shipped["spec"], pools) is None


def test_a_worker_past_the_node_and_a_missing_claim_fail(rendered_stack):
    rendered_stack("gcp")
    pools, objects = stack_pools("gcp"), stack("gcp").objects
    cluster = dask_cluster(stack_gateways("gcp")["staging"], "alice", {})
    worker = copy.deepcopy(cluster.worker)
    worker["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "15.500"
    assert "fits no node pool" in fit_problem(worker["spec"], pools)
    untolerated = copy.deepcopy(cluster.worker)
    untolerated["spec"]["tolerations"] = []
    assert "are not tolerated" in fit_problem(untolerated["spec"], pools)
    [pod] = user_pods(stack_hubs("gcp")["staging"], [Spawn(User("alice"))])
    claim = next(v for v in pod["spec"]["volumes"] if "persistentVolumeClaim" in v)
    claim["persistentVolumeClaim"]["claimName"] = "no-such-claim"
    assert "PersistentVolumeClaim no-such-claim in staging does not exist" in missing_references(pod, "staging", objects)
    # the credentials Secret exists only once the controller made it
    assert any("dask-credentials-" in m for m in missing_references(cluster.worker, "staging", objects))


@pytest.mark.parametrize("stack_name", STACKS)
def test_every_binder_build_pod_validates_fits_and_finds_its_docker(stack_name, rendered_stack):
    """Built by binderhub's KubernetesBuildExecutor; its docker socket is a hostPath the chart's
    docker-api DaemonSet serves, so every pool the build may land on must run that DaemonSet."""
    rendered_stack(stack_name)
    pools, objects = stack_pools(stack_name), stack(stack_name).objects
    problems, builds = [], list(binder_builds(stack_name))
    assert builds, f"{stack_name} has no binder"
    for namespace, pod, docker in builds:
        problems += pod_problems(pod, namespace, pools, objects)
        lands = [p.name for p in pools if why_not(pod["spec"], p) is None]
        problems += [f"{namespace} build pod may land on {name}, where docker-api does not run: "
                     f"{why_not(docker, p)}" for name, p in ((p.name, p) for p in pools) if name in lands
                     and why_not(docker, p) is not None]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("stack_name", RENDERED)
def test_every_hubs_servers_get_the_nfs_runtime_hardening(stack_name, rendered_stack):
    """basehub's NFS-home defaults, as KubeSpawner puts them on the pod and the chart's config on the hub."""
    rendered_stack(stack_name)
    for namespace, hub in stack_hubs(stack_name).items():
        [pod] = user_pods(hub, user_spawns(hub, hub_configs(stack_name)[namespace].auth.admins, {})[:1])
        spec, [notebook] = pod["spec"], [c for c in pod["spec"]["containers"] if c["name"] == "notebook"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m for m in notebook["volumeMounts"]}
        assert volumes[mounts["/dev/shm"]["name"]]["emptyDir"] == {"medium": "Memory"}, namespace
        for path in ("/usr/local/etc/ipython/ipython_kernel_config.json",
                     "/usr/local/etc/jupyter/jupyter_server_config.json"):
            assert volumes[mounts[path]["name"]]["secret"]["secretName"] == "singleuser", (namespace, path)
        assert {"name": "JUPYTER_RUNTIME_DIR", "value": "/tmp/.jupyter-runtime"} in notebook["env"]
        hub_config = hub.config.JupyterHub
        assert hub_config.allow_named_servers is True and hub_config.named_server_limit_per_user == 3
        [culler] = [s for s in hub_config.services if s["name"] == "jupyterhub-idle-culler"]
        assert any(arg.startswith("--max-age=") and int(arg.split("=")[1]) > 0 for arg in culler["command"]), namespace
