"""Home usage per user for the dashboards: a pod that walks the hub's home share, read-only, and serves what it
finds to Prometheus (dirsize_exporter.py says what it measures and how it bounds its load).

Declared in the hub's namespace next to the home's claim, when the stack names the Prometheus that scrapes it:
- a ConfigMap with the script, a Deployment of one pod on the core pool that mounts the claim read-only and runs
  the script under `ionice -c3 nice -n19`, as uid 1000 (jovyan, who owns the homes) with no capability;
- a Service annotated for the prometheus chart's default `kubernetes-service-endpoints` job, which keeps
  Services with `prometheus.io/scrape: "true"` and names the target's namespace (the hub) in `namespace`;
- a NetworkPolicy: in, only Prometheus's server pods on the metrics port; out, nothing.

It never walks during a cutover window: while a hub's homesync Jobs run (phases `sync` and `cutover`) the
Deployment has 0 replicas, and each sync Job waits for that Deployment (migration.py), so the update that starts
a migration stops the walk before the first copy. Taking the Deployment out instead would not do: Pulumi deletes
what a program no longer declares only after the rest of the update, the Jobs' copies included.
"""

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from components.cluster.node_roles import hub_selector
from components.labels import labels
from components.phases import Phase

from .volumes import JOVYAN

NAME = "home-usage"
PORT = 8000
# python:3.12.8-slim-bookworm: Debian's util-linux gives ionice, coreutils nice. Tag and digest as public code
# pins them (the same digest in several projects' Dockerfiles, e.g. ones derived from astral-sh/uv-docker-example);
# re-check with `crane digest python:3.12.8-slim-bookworm` before bumping.
IMAGE = ("docker.io/library/python:3.12.8-slim-bookworm"
         "@sha256:2199a62885a12290dc9c5be3ca0681d367576ab7bf037da120e564723292a2f0")
SCRIPT = Path(__file__).with_name("dirsize_exporter.py")
SCRIPT_DIR = "/opt/home-usage"
SHARE_MOUNT = "/home-share"
# The phases in which homesync Jobs copy into the share (migration.py declares them from `sync` on; from
# `decommission` on they are complete and are not run again).
SYNC_PHASES: frozenset[Phase] = frozenset({"sync", "cutover"})
# A walk at most every 12 hours, at most 100 listings and lstat calls a second: about 2.8 hours for a million
# entries. The hard-link set of a home full of conda environments is what takes memory.
INTERVAL_SECONDS = 12 * 3600
MAX_RATE = 100
RESOURCES = {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}


@dataclass(frozen=True, kw_only=True)
class UsageScraper:
    """The Prometheus that scrapes the exporter: its namespace, and a LabelSelector of its server pods."""

    namespace: str
    selector: dict


def replicas(phase: Phase) -> int:
    """1, or 0 while homesync copies into the share."""
    return 0 if phase in SYNC_PHASES else 1


def _selector(hub: str) -> dict:
    return {"app.kubernetes.io/component": NAME, "pangeo.io/hub": hub}


def _metadata(namespace, hub: str) -> dict:
    return {"name": NAME, "namespace": namespace, "labels": {**labels(NAME), "pangeo.io/hub": hub}}


def configmap(namespace, *, hub: str) -> dict:
    return {"metadata": _metadata(namespace, hub),
            "data": {SCRIPT.name: SCRIPT.read_text(encoding="utf-8")}}


def command() -> list[str]:
    return ["ionice", "-c3", "nice", "-n19", "python", f"{SCRIPT_DIR}/{SCRIPT.name}", "--root", SHARE_MOUNT,
            "--port", str(PORT), "--interval", str(INTERVAL_SECONDS), "--max-rate", str(MAX_RATE)]


def deployment(namespace, *, hub: str, claim_name, phase: Phase) -> dict:
    """One pod (Recreate: never two walks at once), the claim mounted read-only at SHARE_MOUNT."""
    pod = {
        "nodeSelector": hub_selector("core"),
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {"runAsUser": JOVYAN, "runAsGroup": JOVYAN, "runAsNonRoot": True,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "exporter",
            "image": IMAGE,
            "command": command(),
            "ports": [{"name": "metrics", "containerPort": PORT, "protocol": "TCP"}],
            "resources": RESOURCES,
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]}},
            "volumeMounts": [{"name": "home", "mountPath": SHARE_MOUNT, "readOnly": True},
                             {"name": "script", "mountPath": SCRIPT_DIR, "readOnly": True}],
        }],
        "volumes": [{"name": "home", "persistentVolumeClaim": {"claimName": claim_name, "readOnly": True}},
                    {"name": "script", "configMap": {"name": NAME}}],
    }
    metadata = _metadata(namespace, hub)
    return {
        "metadata": metadata,
        "spec": {"replicas": replicas(phase), "strategy": {"type": "Recreate"},
                 "selector": {"matchLabels": _selector(hub)},
                 "template": {"metadata": {"labels": metadata["labels"]}, "spec": pod}},
    }


def service(namespace, *, hub: str) -> dict:
    return {
        "metadata": {**_metadata(namespace, hub),
                     "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": str(PORT),
                                     "prometheus.io/path": "/metrics"}},
        "spec": {"type": "ClusterIP", "selector": _selector(hub),
                 "ports": [{"name": "metrics", "port": PORT, "targetPort": "metrics", "protocol": "TCP"}]},
    }


def network_policy(namespace, *, hub: str, scraper: UsageScraper) -> dict:
    return {
        "metadata": _metadata(namespace, hub),
        "spec": {
            "podSelector": {"matchLabels": _selector(hub)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": scraper.namespace}},
                                   "podSelector": scraper.selector}],
                         "ports": [{"port": PORT, "protocol": "TCP"}]}],
            "egress": [],
        },
    }


def declare_usage_exporter(parent: pulumi.Resource, hub: str, namespace, *, claim: k8s.core.v1.PersistentVolumeClaim,
                           phase: Phase, scraper: UsageScraper, provider: k8s.Provider) -> k8s.apps.v1.Deployment:
    """The exporter's objects; returns the Deployment, which the sync Jobs wait for."""
    on_cluster = pulumi.ResourceOptions(parent=parent, provider=provider)
    script = k8s.core.v1.ConfigMap(f"{hub}-home-usage-script", **configmap(namespace, hub=hub), opts=on_cluster)
    k8s.core.v1.Service(f"{hub}-home-usage", **service(namespace, hub=hub), opts=on_cluster)
    k8s.networking.v1.NetworkPolicy(f"{hub}-home-usage", **network_policy(namespace, hub=hub, scraper=scraper),
                                    opts=on_cluster)
    return k8s.apps.v1.Deployment(
        f"{hub}-home-usage", **deployment(namespace, hub=hub, claim_name=claim.metadata.name, phase=phase),
        opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[script, claim])))
