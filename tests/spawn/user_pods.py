"""User server pods as KubeSpawner 7.0.0 builds them from a rendered jupyterhub Release.

The chart's jupyterhub_config.py runs (chart_hub.py) and the hub's spawner class does
the rest, through its own start() (offline.py): load_user_options() applies the profile,
its options and kubespawner_override, get_env() expands the environment,
get_pod_manifest() builds the pod. Nothing talks to a Kubernetes API: the client
KubeSpawner creates points at a closed loopback port, so a call that would reach one
fails instead of passing silently.
"""

import asyncio
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import kubernetes_asyncio.config
import kubernetes_asyncio.config.kube_config
from jupyterhub import orm
from traitlets.config import Config

from .chart_hub import chart_config, environment, mount_files, object_data
from .offline import OfflineMixin, hub_spawner_class, offline, write_kubeconfig

@dataclass(frozen=True)
class User:
    """What KubeSpawner and our profile filter (components/dask_hub/groups.py) read of a hub user."""

    name: str
    admin: bool = False
    groups: tuple[str, ...] = ()
    id: int = 1

    def orm(self):
        return SimpleNamespace(name=self.name, admin=self.admin, id=self.id, url=f"/user/{self.name}/",
                               groups=[SimpleNamespace(name=g) for g in self.groups])


def hub_env(manifests: list[dict], namespace: str, container: dict) -> dict[str, str]:
    """The hub container's env as Kubernetes resolves it, with the Service variables every pod gets."""
    find = finder(manifests)
    env = {}
    for name, ports in ((m["metadata"]["name"], m["spec"]["ports"]) for m in manifests if m["kind"] == "Service"):
        key = name.upper().replace("-", "_")
        env |= {f"{key}_SERVICE_HOST": name, f"{key}_SERVICE_PORT": str(ports[0]["port"])}
    for e in container.get("env", []):
        ref = e.get("valueFrom", {})
        if "value" in e:
            env[e["name"]] = str(e["value"])
        elif "secretKeyRef" in ref:
            env[e["name"]] = object_data(find("Secret", ref["secretKeyRef"]["name"]))[ref["secretKeyRef"]["key"]]
        elif ref.get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
            env[e["name"]] = namespace
    return env


def finder(manifests: list[dict]):
    def find(kind, name):
        return next(m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name)
    return find


def hub_container(manifests: list[dict]) -> tuple[dict, dict]:
    """The hub Deployment's pod spec and its container."""
    hub = next(m for m in manifests if m["kind"] == "Deployment"
               and m["spec"]["template"]["metadata"]["labels"].get("component") == "hub")
    spec = hub["spec"]["template"]["spec"]
    return spec, spec["containers"][0]


@dataclass(frozen=True)
class ChartHub:
    """A rendered hub: the Config the chart's hub pod builds, and the pod's env (hub.extraEnv
    included: the public binder's spawner reads it)."""

    config: Config
    env: dict[str, str]


def chart_hub(manifests: list[dict], namespace: str) -> ChartHub:
    spec, container = hub_container(manifests)
    argv = container.get("command", []) + container.get("args", [])
    env = hub_env(manifests, namespace, container)
    with tempfile.TemporaryDirectory() as root:
        mount_files(spec, container, finder(manifests), Path(root))
        return ChartHub(chart_config(Path(root), argv[argv.index("--config") + 1], env), env)


@dataclass
class Spawn:
    """One server to build: who, which server, what they chose on the form."""

    user: User
    options: dict = field(default_factory=dict)
    server_name: str = ""


class KeepPod(OfflineMixin):
    async def run_pod(self, pod):
        self.pod = pod


@contextmanager
def no_cluster(env: dict[str, str]):
    """The hub pod's env, and a kubeconfig whose server is closed (offline.py).
    kubernetes_asyncio reads $KUBECONFIG once, at import, so its default location is swapped."""
    modules = (kubernetes_asyncio.config, kubernetes_asyncio.config.kube_config)
    saved = [m.KUBE_CONFIG_DEFAULT_LOCATION for m in modules]
    with tempfile.TemporaryDirectory() as tmp, environment(env):
        path = write_kubeconfig(Path(tmp) / "kubeconfig")
        for m in modules:
            m.KUBE_CONFIG_DEFAULT_LOCATION = str(path)
        try:
            yield
        finally:
            for m, location in zip(modules, saved):
                m.KUBE_CONFIG_DEFAULT_LOCATION = location


async def _build(cls: type, config: Config, spawn: Spawn) -> dict:
    # What the hub hands a spawner: the server's record, which names it (JupyterHub's User.spawner_class()).
    path = f"/user/{spawn.user.name}/" + (f"{spawn.server_name}/" if spawn.server_name else "")
    server = orm.Server(proto="http", ip="", port=0, cookie_name=f"jupyterhub-user-{spawn.user.name}", base_url=path)
    spawner = cls(_mock=True, config=config, user=spawn.user.orm(),
                  orm_spawner=SimpleNamespace(name=spawn.server_name, server=server))
    spawner.user_options = spawn.options
    await spawner.start()
    return spawner.pod


def user_pods(hub: ChartHub, spawns: list[Spawn]) -> list[dict]:
    """The pod the hub's spawner builds for each spawn; a spawn it refuses raises."""
    cls = offline(hub_spawner_class(hub.config), KeepPod)

    async def build_all():
        return [await _build(cls, hub.config, s) for s in spawns]

    with no_cluster(hub.env):
        return asyncio.run(build_all())
