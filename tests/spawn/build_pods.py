"""Binder build pods as binderhub's own KubernetesBuildExecutor builds them (the pinned commit).

The chart's mounted-files/binderhub_config.py runs unchanged on the rendered Secret
(`config` sections, then `extraConfig` snippets), as the binderhub-service pod runs it;
only its one absolute path is redirected to the rendered data. KubernetesBuildExecutor
then builds the pod in submit(); its `api` is the Kubernetes client, so that is what
is replaced: create_namespaced_pod keeps the pod and ends the build (stop_event), and
the listing get_affinity() reads finds no build running.
"""

import io
import json
import queue

from binderhub.build import KubernetesBuildExecutor
from kubernetes import client
from traitlets.config import Config

from .chart_hub import deployment_pod, environment, finder, object_data, pod_env

MOUNTED = "/etc/binderhub/mounted-secret/"


class _Api:
    """The Kubernetes API as submit() uses it: the pod it would create is kept, and the build ends there."""

    def __init__(self):
        self.pods, self.executor = [], None

    def create_namespaced_pod(self, namespace, pod, **kwargs):
        # POSTed to /api/v1/namespaces/<ns>/pods, which names the kind and version the object leaves out
        self.pods.append({"apiVersion": "v1", "kind": "Pod", **client.ApiClient().sanitize_for_serialization(pod)})
        self.executor.stop_event.set()

    def list_namespaced_pod(self, namespace, **kwargs):  # read raw (_preload_content=False): no builds running
        return io.BytesIO(json.dumps({"items": []}).encode())


def chart_binder(manifests: list[dict], namespace: str) -> tuple[Config, dict[str, str]]:
    """The Config binderhub-service's pod loads from its mounted Secret, and the pod's env."""
    spec = deployment_pod(manifests, "binderhub")
    secret = spec["volumes"][0]["secret"]["secretName"]
    files = object_data(finder(manifests)("Secret", secret))
    env = pod_env(manifests, namespace, spec["containers"][0])

    def mounted_open(path, *args, **kwargs):
        return io.StringIO(files[path.removeprefix(MOUNTED)])

    c = Config()
    with environment(env):
        exec(compile(files["binderhub_config.py"], MOUNTED + "binderhub_config.py", "exec"),
             {"get_config": lambda: c, "open": mounted_open})
    return c, env


def build_pod(config: Config, env: dict[str, str], namespace: str, repo_url: str, ref: str, image_name: str) -> dict:
    """The pod KubernetesBuildExecutor.submit() asks the API to create for one build."""
    api = _Api()
    with environment(env):
        executor = KubernetesBuildExecutor(config=config, api=api, q=queue.Queue(), namespace=namespace,
                                           name="build-binder-2dexamples-2dpangeo-5f1a2b-8e9",
                                           repo_url=repo_url, ref=ref, image_name=image_name)
        api.executor = executor
        executor.submit()
    [pod] = api.pods
    return pod
