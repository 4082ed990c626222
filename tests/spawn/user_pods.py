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
from jupyterhub.utils import maybe_future
from traitlets.config import Config

from .chart_hub import environment, pod_config
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


@dataclass(frozen=True)
class ChartHub:
    """A rendered hub: the Config the chart's hub pod builds, and the pod's env (hub.extraEnv
    included: the public binder's spawner reads it)."""

    config: Config
    env: dict[str, str]


def chart_hub(manifests: list[dict], namespace: str) -> ChartHub:
    return ChartHub(*pod_config(manifests, namespace, "hub"))


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


def _spawner(cls: type, config: Config, spawn: Spawn):
    # What the hub hands a spawner: the server's record, which names it (JupyterHub's User.spawner_class()).
    path = f"/user/{spawn.user.name}/" + (f"{spawn.server_name}/" if spawn.server_name else "")
    server = orm.Server(proto="http", ip="", port=0, cookie_name=f"jupyterhub-user-{spawn.user.name}", base_url=path)
    spawner = cls(_mock=True, config=config, user=spawn.user.orm(),
                  orm_spawner=SimpleNamespace(name=spawn.server_name, server=server))
    spawner.user_options = spawn.options
    return spawner


async def _build(cls: type, config: Config, spawn: Spawn) -> dict:
    spawner = _spawner(cls, config, spawn)
    await spawner.start()
    return spawner.pod


def offered_profiles(hub: ChartHub, user: User) -> list[dict]:
    """The profiles the spawn form offers this user, as KubeSpawner initializes them (slugs, defaults)."""
    cls = offline(hub_spawner_class(hub.config), KeepPod)

    async def offered():
        spawner = _spawner(cls, hub.config, Spawn(user))
        profiles = spawner.profile_list
        profiles = await maybe_future(profiles(spawner)) if callable(profiles) else profiles
        return spawner._get_initialized_profile_list(profiles)

    with no_cluster(hub.env):
        return asyncio.run(offered())


def user_pods(hub: ChartHub, spawns: list[Spawn]) -> list[dict]:
    """The pod the hub's spawner builds for each spawn; a spawn it refuses raises."""
    cls = offline(hub_spawner_class(hub.config), KeepPod)

    async def build_all():
        return [await _build(cls, hub.config, s) for s in spawns]

    with no_cluster(hub.env):
        return asyncio.run(build_all())
