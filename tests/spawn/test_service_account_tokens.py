"""No user or Dask pod of any hub carries a Kubernetes API token: nothing in them calls the API, and a
token is the first thing code that broke out of a notebook reaches for."""

import copy

import pytest

from tests.render.conflicts import pod_specs
from tests.render.stack import STACKS

from .hubs import stack_hubs
from .test_user_env import default_spawn
from .user_pods import ChartHub, user_pods

HUBS = ("prod", "staging", "binder")


def server_pod(hub: ChartHub) -> dict:
    [pod] = user_pods(hub, [default_spawn(hub)])
    return pod


@pytest.mark.parametrize("stack_name", STACKS)
@pytest.mark.parametrize("hub", HUBS)
def test_servers_mount_no_service_account_token(stack_name, hub, rendered_stack):
    rendered_stack(stack_name)
    spec = server_pod(stack_hubs(stack_name)[hub])["spec"]
    assert spec["serviceAccountName"] == "user" and spec["automountServiceAccountToken"] is False


def test_the_check_sees_kubespawners_default_mount_a_token(rendered_stack):
    rendered_stack("gcp")
    hub = stack_hubs("gcp")["prod"]
    config = copy.deepcopy(hub.config)
    config.KubeSpawner.automount_service_account_token = None  # KubeSpawner's default: mount when an account is named
    assert server_pod(ChartHub(config, hub.env))["spec"].get("automountServiceAccountToken") is not False


@pytest.mark.parametrize("stack_name", STACKS)
def test_the_user_service_account_mounts_no_token_in_any_pod_that_names_it(stack_name, rendered_stack):
    stack = rendered_stack(stack_name)
    for hub in HUBS:
        [account] = [o.manifest for o in stack.objects if o.namespace == hub and o.kind == "ServiceAccount"
                     and o.name == "user"]
        assert account["automountServiceAccountToken"] is False
        for obj in (o for o in stack.objects if o.namespace == hub):
            for pod in pod_specs(obj.manifest):
                if pod.get("serviceAccountName") == "user":
                    assert pod.get("automountServiceAccountToken") is not True, obj.name


@pytest.mark.parametrize("stack_name", STACKS)
@pytest.mark.parametrize("hub", HUBS)
def test_dask_pods_mount_no_token(stack_name, hub, rendered_stack):
    """dask-gateway's own make_pod, with the worker and scheduler pod config the hub's gateway Release carries."""
    from dask_gateway_server.backends.kubernetes.backend import KubeClusterConfig
    from dask_gateway_server.backends.kubernetes.controller import KubeController

    [release] = [r for r in rendered_stack(stack_name).plan.resources
                 if r["type"] == "kubernetes:helm.sh/v3:Release" and r["name"] == f"{hub}-dask-gateway"]
    backend = release["inputs"]["values"]["gateway"]["backend"]
    config = KubeClusterConfig(worker_extra_pod_config=backend["worker"]["extraPodConfig"],
                               scheduler_extra_pod_config=backend["scheduler"]["extraPodConfig"])
    controller = KubeController(gateway_instance=f"{hub}-dask-gateway")
    for is_worker in (True, False):
        spec = controller.make_pod(hub, "c1", config, is_worker=is_worker)["spec"]
        assert spec["automountServiceAccountToken"] is False and spec["serviceAccountName"] == "user"
