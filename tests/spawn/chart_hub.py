"""The chart's own hub config, read from a rendered jupyterhub Release the way the hub pod reads it.

Used twice: the e2e hub process boots it (tests/e2e/hub_side.py), and the pod tests
exec it in-process into a traitlets Config to build user pods with KubeSpawner
(tests/spawn/user_pods.py), without a hub. Either way the chart's jupyterhub_config.py
and z2jh.py run unchanged; only the pod paths they read are redirected to a temp root.
"""

import base64
import importlib.util
import os
import sys
import types
from contextlib import contextmanager
from pathlib import Path

from traitlets.config import Config

POD_ETC = "/usr/local/etc/jupyterhub/"


def object_data(manifest: dict) -> dict[str, str]:
    """A ConfigMap's or Secret's keys as a pod sees them in its files."""
    data = dict(manifest.get("data") or {})
    if manifest["kind"] == "Secret":
        data = {k: base64.b64decode(v).decode() for k, v in data.items()}
    return data | (manifest.get("stringData") or {})


def mount_files(pod_spec: dict, container: dict, find, root: Path) -> None:
    """Write the container's ConfigMap and Secret volumes under root + their mountPath.

    `find(kind, name)` returns the rendered object; other volumes (claims, emptyDirs)
    have no files to write."""
    volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            source, data = volume["configMap"], object_data(find("ConfigMap", volume["configMap"]["name"]))
        elif "secret" in volume:
            source, data = volume["secret"], object_data(find("Secret", volume["secret"]["secretName"]))
        else:
            continue
        if "items" in source:  # only these keys, at these paths
            data = {item["path"]: data[item["key"]] for item in source["items"]}
        target = root / mount["mountPath"].lstrip("/")
        files = {target: data[mount["subPath"]]} if mount.get("subPath") else {target / k: v for k, v in data.items()}
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)


def local_path(root: str, path) -> str:
    """A pod path under /usr/local/etc/jupyterhub/ -> the same path under root."""
    path = str(path)
    return root + path if path.startswith(POD_ETC) else path


def redirect_z2jh(root: str) -> None:
    """Import the chart's z2jh.py afresh as `z2jh`, reading pod paths from under root.

    Afresh: z2jh memoizes the values it reads, so each hub needs its own module."""
    def local(path):
        return local_path(root, path)

    real_open = open
    shim_path = types.SimpleNamespace(**{k: getattr(os.path, k) for k in dir(os.path) if not k.startswith("__")})
    shim_path.exists = lambda p: os.path.exists(local(p))
    shim_os = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")})
    shim_os.path = shim_path
    spec = importlib.util.spec_from_file_location("z2jh", local(POD_ETC + "z2jh.py"))
    z2jh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(z2jh)
    z2jh.open = lambda path, *a, **kw: real_open(local(path), *a, **kw)
    z2jh.os = shim_os
    sys.modules["z2jh"] = z2jh  # the chart config's `from z2jh import ...` gets this one


@contextmanager
def environment(env: dict[str, str]):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def chart_config(root: Path, config_path: str, env: dict[str, str]) -> Config:
    """Exec the chart's jupyterhub_config.py (mounted under root) with the hub pod's env; its Config.

    What it changes beyond `c` is put back: the tornado HTTP client class, sys.path, os.environ."""
    from tornado.httpclient import AsyncHTTPClient

    c = Config()
    client_class, path = AsyncHTTPClient.configured_class(), list(sys.path)
    redirect_z2jh(str(root))
    source = Path(str(root) + config_path)
    try:
        with environment(env):
            exec(compile(source.read_text(), str(source), "exec"), {"get_config": lambda: c, "__file__": str(source)})
    finally:
        AsyncHTTPClient.configure(client_class)
        sys.path[:] = path
        sys.modules.pop("z2jh", None)
    return c
