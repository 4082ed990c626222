"""The hub's own spawner class, with only the calls that reach the Kubernetes API replaced.

Everything else is KubeSpawner 7.0.0's (and, on a public binder, binderhub's mixin and our
image check): start() runs load_user_options() (profile, profile options,
kubespawner_override), get_env() and get_pod_manifest(). What replaces the API:

- the pod and event reflectors (watches) are not started;
- `_start`, after building the pod, hands it to `run_pod` instead of creating it.

`offline(cls, run_pod)` is used by the pod tests (run_pod keeps the manifest) and by
the e2e hub (run_pod starts the manifest's command as a local process).
"""

from pathlib import Path

from kubernetes_asyncio.client import ApiClient
from kubespawner import KubeSpawner
from traitlets.utils.importstring import import_item

# KubeSpawner loads a kubeconfig when it is created. Nothing listens on this one's
# server (the discard port), so a call that would reach an API fails instead of passing.
_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""


def write_kubeconfig(path: Path) -> Path:
    path.write_text(_KUBECONFIG)
    return path


def hub_spawner_class(config) -> type:
    """The spawner class the hub's config names (the chart names KubeSpawner by string)."""
    cls = config.JupyterHub.get("spawner_class", KubeSpawner)
    cls = import_item(cls) if isinstance(cls, str) else cls
    assert issubclass(cls, KubeSpawner), f"the hub's spawner {cls} is not a KubeSpawner"
    return cls


async def pod_dict(pod) -> dict:
    """A V1Pod as the JSON the API server would receive."""
    async with ApiClient() as api:
        return api.sanitize_for_serialization(pod)


class OfflineMixin:
    """Put before the hub's spawner class; subclasses implement run_pod(pod) -> the server's URL or None."""

    async def _start_watching_pods(self, replace=False):
        return None

    async def _start_watching_events(self, replace=False):
        return None

    async def _start(self):
        await self.load_user_options()
        return await self.run_pod(await pod_dict(await self.get_pod_manifest()))

    async def run_pod(self, pod: dict):
        raise NotImplementedError


def offline(cls: type, mixin: type) -> type:
    """`mixin` (an OfflineMixin) over the hub's spawner class, keeping the class's config sections."""
    return type(f"Offline{cls.__name__}", (mixin, cls), {})
