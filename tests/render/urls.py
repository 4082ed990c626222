"""In-cluster URLs that point at no Service: caught before a hub fails to reach its gateway or binder.

A URL such as `http://hub:8081/hub/api` or `gateway://traefik-dask-gateway:80`
is only right if a Service of that name, in that namespace, exposes that port;
Service names derive from release names, so a rename silently breaks them.
"""

import re
from dataclasses import dataclass

from .conflicts import containers
from .objects import Obj

_URL = re.compile(
    r"\b(?P<scheme>https?|gateway|tls)://(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*)(?::(?P<port>\d+))?"
    # A host followed by anything else (`{`, `$(`, `%s`) is a template, not a URL.
    r"(?=$|[/\s\"'?#,;)\]])"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CLUSTER_SUFFIXES = (".svc.cluster.local", ".svc")


@dataclass(frozen=True)
class Text:
    """A string some pod will read: a release value, a ConfigMap entry, a container's env."""

    origin: str
    namespace: str
    where: str
    text: str


def value_texts(origin: str, namespace: str, values, where: str = "values") -> list[Text]:
    if isinstance(values, dict):
        return [t for k, v in values.items() for t in value_texts(origin, namespace, v, f"{where}.{k}")]
    if isinstance(values, list):
        return [t for i, v in enumerate(values) for t in value_texts(origin, namespace, v, f"{where}[{i}]")]
    return [Text(origin, namespace, where, values)] if isinstance(values, str) else []


def object_texts(objects: list[Obj]) -> list[Text]:
    """ConfigMap data and container env values of the objects (pods read both)."""
    texts = []
    for obj in objects:
        label = f"{obj.kind} {obj.name}"
        if obj.kind == "ConfigMap" and obj.namespace:
            texts += [Text(obj.origin, obj.namespace, f"{label} data.{key}", str(value))
                      for key, value in (obj.manifest.get("data") or {}).items()]
        for container in containers(obj.manifest):
            texts += [Text(obj.origin, obj.namespace or "default", f"{label} env {e['name']}", e["value"])
                      for e in container.get("env") or [] if isinstance(e.get("value"), str)]
    return texts


def _service_target(host: str, namespace: str, namespaces: set[str]) -> tuple[str, str] | None:
    """(service, namespace) a host resolves to inside the cluster, or None for an external host."""
    for suffix in _CLUSTER_SUFFIXES:
        if host.endswith(suffix):
            parts = host.removesuffix(suffix).split(".")
            return (parts[0], parts[1]) if len(parts) == 2 else None
    parts = host.split(".")
    if len(parts) == 1:
        return None if host == "localhost" else (host, namespace)
    # `<svc>.<ns>` only when <ns> is a namespace of the cluster: `2i2c.org` stays external.
    return (parts[0], parts[1]) if len(parts) == 2 and parts[1] in namespaces else None


def dangling_urls(texts: list[Text], objects: list[Obj]) -> list[str]:
    """URLs naming an in-cluster host that no Service of the stack provides, on the port they use."""
    ports: dict[tuple[str, str], set[int]] = {}
    for obj in objects:
        if obj.kind == "Service" and obj.namespace:
            ports[(obj.name, obj.namespace)] = {p.get("port") for p in (obj.manifest.get("spec") or {}).get("ports", [])}
    namespaces = {o.namespace for o in objects if o.namespace} | {o.name for o in objects if o.kind == "Namespace"}
    problems = set()
    for text in texts:
        for match in _URL.finditer(text.text):
            target = _service_target(match["host"], text.namespace, namespaces | {"default", "kube-system"})
            if target is None:
                continue
            port = int(match["port"]) if match["port"] else _DEFAULT_PORTS.get(match["scheme"])
            where = f"{match[0]} in {text.where} ({text.origin})"
            if target not in ports:
                problems.add(f"{where}: no Service {target[0]} in namespace {target[1]}")
            elif port is None:
                problems.add(f"{where}: no port given, and {match['scheme']}:// has no default")
            elif port not in ports[target]:
                problems.add(f"{where}: Service {target[1]}/{target[0]} exposes {sorted(ports[target])}, not {port}")
    return sorted(problems)
