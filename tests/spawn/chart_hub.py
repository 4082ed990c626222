"""The chart's own hub config, read from a rendered jupyterhub Release the way the hub pod reads it.

Used twice: the e2e hub process boots it (tests/e2e/hub_side.py), and the pod tests
exec it in-process into a traitlets Config to build user pods with KubeSpawner
(tests/spawn/user_pods.py), without a hub. Either way the chart's jupyterhub_config.py
and z2jh.py run unchanged; only the pod paths they read are redirected to a temp root.
The dask-gateway chart's config files are read the same way (pod_config), for
tests/spawn/dask_pods.py.
"""

import base64
import importlib.util
import os
import sys
import tempfile
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


def exec_config(path: Path, env: dict[str, str]) -> Config:
    """Exec a traitlets config file as its app would (`c` and get_config() in its namespace), with
    the pod's env; what it changes beyond `c` is put back: the tornado HTTP client class, sys.path,
    os.environ."""
    from tornado.httpclient import AsyncHTTPClient

    c = Config()
    client_class, saved_path = AsyncHTTPClient.configured_class(), list(sys.path)
    try:
        with environment(env):
            exec(compile(path.read_text(), str(path), "exec"), {"c": c, "get_config": lambda: c, "__file__": str(path)})
    finally:
        AsyncHTTPClient.configure(client_class)
        sys.path[:] = saved_path
    return c


def chart_config(root: Path, config_path: str, env: dict[str, str]) -> Config:
    """Exec the chart's jupyterhub_config.py (mounted under root) with the hub pod's env; its Config."""
    redirect_z2jh(str(root))
    try:
        return exec_config(Path(str(root) + config_path), env)
    finally:
        sys.modules.pop("z2jh", None)


def finder(manifests: list[dict]):
    def find(kind, name):
        return next(m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name)
    return find


def deployment_pod(manifests: list[dict], component: str) -> dict:
    """The pod spec of the Deployment whose pods carry this component label (z2jh's or dask-gateway's)."""
    for m in manifests:
        labels = m["spec"]["template"]["metadata"]["labels"] if m["kind"] == "Deployment" else {}
        if component in (labels.get("component"), labels.get("app.kubernetes.io/component")):
            return m["spec"]["template"]["spec"]
    raise LookupError(f"no Deployment for component {component}")


def pod_env(manifests: list[dict], namespace: str, container: dict) -> dict[str, str]:
    """A container's env as Kubernetes resolves it, with the Service variables every pod gets."""
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


def pod_config(manifests: list[dict], namespace: str, component: str) -> tuple[Config, dict[str, str]]:
    """The Config a chart's pod builds from its mounted config file (`--config`/`-f` in its args), and its env."""
    spec = deployment_pod(manifests, component)
    container = spec["containers"][0]
    argv = container.get("command", []) + container.get("args", [])
    flag = next(f for f in ("--config", "-f", "--config-file") if f in argv)
    env = pod_env(manifests, namespace, container)
    with tempfile.TemporaryDirectory() as root:
        mount_files(spec, container, finder(manifests), Path(root))
        if component == "hub":
            return chart_config(Path(root), argv[argv.index(flag) + 1], env), env
        return exec_config(Path(root + argv[argv.index(flag) + 1]), env), env
