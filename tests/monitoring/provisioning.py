"""What a fresh Grafana would provision, read from the manifests the cluster receives, the way Grafana reads them.

Grafana loads `provisioning/dashboards/*.yaml`; each file provider names a folder, and the dashboards are the
`*.json` files there. The folder is what the Deployment's grafana container mounts at that path: a ConfigMap,
whose data keys are the files. So the path from the chart's values to a dashboard on screen is followed
object by object, and a broken link anywhere (a provider path nothing is mounted at, a mount of a ConfigMap
that doesn't exist) loses the dashboards here as it would in the cluster.
"""

import json
import posixpath

import yaml

PROVISIONING = "/etc/grafana/provisioning"


def _grafana_pod(manifests: list[dict]) -> dict:
    deployment = next(m for m in manifests if m["kind"] == "Deployment"
                      and m["metadata"]["labels"].get("app.kubernetes.io/name") == "grafana")
    return deployment["spec"]["template"]["spec"]


def _mounted_files(pod: dict, configmaps: dict[str, dict], path: str) -> dict[str, str]:
    """The files the grafana container sees at `path` or under it, from the ConfigMaps mounted there."""
    container = next(c for c in pod["containers"] if c["name"] == "grafana")
    volumes = {v["name"]: v for v in pod["volumes"]}
    files = {}
    for mount in container["volumeMounts"]:
        source = volumes[mount["name"]].get("configMap")
        if source is None or source["name"] not in configmaps:
            continue
        data = configmaps[source["name"]].get("data") or {}
        if mount.get("subPath"):
            files[mount["mountPath"]] = data.get(mount["subPath"])
        else:
            files.update({posixpath.join(mount["mountPath"], key): value for key, value in data.items()})
    return {name: text for name, text in files.items() if text is not None
            and (name == path or name.startswith(path.rstrip("/") + "/"))}


def provisioned_dashboards(manifests: list[dict], extra_configmaps: list[dict] = ()) -> dict[str, dict]:
    """Dashboards by uid that Grafana would load: the rendered release's manifests plus the ConfigMaps the
    program declares beside it."""
    configmaps = {m["metadata"]["name"]: m for m in [*manifests, *extra_configmaps] if m.get("kind", "ConfigMap") == "ConfigMap"}
    pod = _grafana_pod(manifests)
    providers = _mounted_files(pod, configmaps, f"{PROVISIONING}/dashboards")
    dashboards = {}
    for text in providers.values():
        for provider in yaml.safe_load(text)["providers"]:
            assert provider["type"] == "file", provider
            folder = provider["options"]["path"]
            for name, body in _mounted_files(pod, configmaps, folder).items():
                if name.endswith(".json"):
                    dashboard = json.loads(body)
                    dashboards[dashboard["uid"]] = dashboard
    return dashboards


def provisioned_datasources(manifests: list[dict]) -> list[dict]:
    configmaps = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "ConfigMap"}
    files = _mounted_files(_grafana_pod(manifests), configmaps, f"{PROVISIONING}/datasources")
    return [d for text in files.values() for d in yaml.safe_load(text)["datasources"]]
