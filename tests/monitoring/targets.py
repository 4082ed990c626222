"""What Prometheus would scrape in a rendered stack: its kubernetes service discovery over the stack's objects and
its target relabelling, as Prometheus v3 documents them (configuration.md, <kubernetes_sd_config> and
<relabel_config>).

Discovery is modelled for the two roles our jobs and the chart's annotation jobs use: `endpointslice` (one target
per Service port; the address stands in for the endpoint's) and `pod` (one target per container port of every
workload's pod template). Meta label names are sanitised as Prometheus does (every character outside
[a-zA-Z0-9_] becomes `_`). Relabelling implements the actions the configs use: keep, drop, replace, labelmap; a
regex matches the whole value; a replacement that comes out empty removes its label.
"""

import re
from dataclasses import dataclass

import yaml

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")


@dataclass(frozen=True)
class Target:
    job: dict  # the scrape config that found it
    labels: dict  # after relabelling, __address__, __metrics_path__ and __scheme__ included

    @property
    def url(self) -> str:
        return f"{self.labels['__scheme__']}://{self.labels['__address__']}{self.labels['__metrics_path__']}"


def scrape_configs(prometheus_release) -> list[dict]:
    (config,) = [m for m in prometheus_release.manifests
                 if m["kind"] == "ConfigMap" and "prometheus.yml" in (m.get("data") or {})]
    return yaml.safe_load(config["data"]["prometheus.yml"])["scrape_configs"]


def _name(key: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", key)


def _mapped(prefix: str, mapping: dict | None) -> dict:
    labels = {}
    for key, value in (mapping or {}).items():
        labels[f"{prefix}_{_name(key)}"] = str(value)
        labels[f"{prefix}present_{_name(key)}"] = "true"
    return labels


def _endpoint_targets(objects) -> list[dict]:
    found = []
    for obj in objects:
        if obj.kind != "Service":
            continue
        meta = obj.manifest["metadata"]
        for port in obj.manifest["spec"].get("ports") or []:
            found.append({
                "__address__": f"{meta['name']}.{obj.namespace}:{port['port']}",
                "__meta_kubernetes_namespace": obj.namespace,
                "__meta_kubernetes_service_name": meta["name"],
                "__meta_kubernetes_endpointslice_port_name": port.get("name", ""),
                "__meta_kubernetes_endpointslice_port": str(port["port"]),
                **_mapped("__meta_kubernetes_service_label", meta.get("labels")),
                **_mapped("__meta_kubernetes_service_annotation", meta.get("annotations")),
            })
    return found


def _pod_targets(objects) -> list[dict]:
    found = []
    for obj in objects:
        if obj.kind not in WORKLOADS:
            continue
        template = obj.manifest["spec"]["template"]
        meta = template.get("metadata") or {}
        for container in template["spec"]["containers"]:
            for port in container.get("ports") or []:
                found.append({
                    "__address__": f"{obj.name}.{obj.namespace}.pod:{port['containerPort']}",
                    "__meta_kubernetes_namespace": obj.namespace,
                    "__meta_kubernetes_pod_name": f"{obj.name}-0",
                    "__meta_kubernetes_pod_phase": "Running",
                    "__meta_kubernetes_pod_container_name": container["name"],
                    "__meta_kubernetes_pod_container_port_name": port.get("name", ""),
                    "__meta_kubernetes_pod_container_port_number": str(port["containerPort"]),
                    **_mapped("__meta_kubernetes_pod_label", meta.get("labels")),
                    **_mapped("__meta_kubernetes_pod_annotation", meta.get("annotations")),
                })
    return found


def _expand(replacement: str, match: re.Match) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: match.group(int(m[1]) if m[1].isdigit() else m[1]) or "",
                  replacement)


def relabel(labels: dict, configs: list[dict]) -> dict | None:
    """`labels` after `configs`, or None when the target is dropped."""
    labels = dict(labels)
    for config in configs:
        action = config.get("action", "replace")
        # YAML reads the chart's `regex: true` as a boolean; Prometheus reads it as the string.
        pattern = config.get("regex", "(.*)")
        regex = re.compile(str(pattern).lower() if isinstance(pattern, bool) else str(pattern))
        value = config.get("separator", ";").join(labels.get(s, "") for s in config.get("source_labels") or [])
        match = regex.fullmatch(value)
        if action == "keep" and not match or action == "drop" and match:
            return None
        if action == "replace" and match:
            result = _expand(config.get("replacement", "$1"), match)
            if result:
                labels[config["target_label"]] = result
            else:
                labels.pop(config["target_label"], None)
        elif action == "labelmap":
            for key, label_value in list(labels.items()):
                if key_match := regex.fullmatch(key):
                    labels[_expand(config.get("replacement", "$1"), key_match)] = label_value
        elif action not in ("keep", "drop", "replace"):
            raise NotImplementedError(action)
    return labels


def targets(jobs: list[dict], objects) -> list[Target]:
    """Every target the jobs' kubernetes_sd_configs find among `objects`, relabelled."""
    found = []
    discovered = {"endpointslice": _endpoint_targets(objects), "pod": _pod_targets(objects)}
    for job in jobs:
        for sd in job.get("kubernetes_sd_configs") or []:
            names = (sd.get("namespaces") or {}).get("names")
            for meta in discovered.get(sd["role"], []):
                if names and meta["__meta_kubernetes_namespace"] not in names:
                    continue
                start = {"job": job["job_name"], "__metrics_path__": job.get("metrics_path", "/metrics"),
                         "__scheme__": job.get("scheme", "http"), **meta}
                labels = relabel(start, job.get("relabel_configs") or [])
                if labels is not None:
                    found.append(Target(job, labels))
    return found
