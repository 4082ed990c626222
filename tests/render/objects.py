"""Every Kubernetes object a stack sends to each cluster: rendered by a Release or declared plainly.

The collision checks need one flat list with, for each object, the cluster it
lands on (the Kubernetes provider), its effective namespace, and where it came
from, so that a failure names the two releases or resources that disagree.
"""

import re
from dataclasses import dataclass

from infra.plan.mocks import SECRET

from .helm import Rendered

# Kinds that live outside namespaces; everything else lands in a namespace.
# CRDs of the stack with spec.scope Cluster are added by `cluster_scoped_kinds`.
CLUSTER_SCOPED = frozenset({
    "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding", "CSIDriver", "CSINode",
    "CustomResourceDefinition", "FlowSchema", "IngressClass", "MutatingWebhookConfiguration", "Namespace",
    "Node", "PersistentVolume", "PodSecurityPolicy", "PriorityClass", "PriorityLevelConfiguration",
    "RuntimeClass", "StorageClass", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration", "VolumeAttachment",
})

_TOKEN = re.compile(r"^kubernetes:(?P<group>[^/:]+)/(?P<version>[^:]+):(?P<kind>\w+)$")


@dataclass(frozen=True)
class Obj:
    """One object as the cluster receives it. `namespace` is None for cluster-scoped kinds."""

    manifest: dict
    origin: str  # "release prod/jupyterhub" or "resource prod-namespace"
    namespace: str | None
    cluster: str = "cluster"

    @property
    def kind(self) -> str:
        return self.manifest.get("kind", "")

    @property
    def group(self) -> str:
        api = self.manifest.get("apiVersion", "")
        return api.rsplit("/", 1)[0] if "/" in api else ""

    @property
    def name(self) -> str | None:
        return (self.manifest.get("metadata") or {}).get("name")

    def __str__(self) -> str:
        where = f" in {self.namespace}" if self.namespace else ""
        return f"{self.kind} {self.name}{where} ({self.origin})"


def api_version(type_token: str) -> tuple[str, str] | None:
    """`kubernetes:storage.k8s.io/v1:StorageClass` -> ("storage.k8s.io/v1", "StorageClass"); core -> "v1"."""
    match = _TOKEN.match(type_token)
    if not match or match["group"] == "helm.sh":
        return None
    group = "" if match["group"] == "core" else f"{match['group']}/"
    return f"{group}{match['version']}", match["kind"]


def plain_manifest(resource: dict) -> dict | None:
    """The object a plain Kubernetes resource of the plan declares, or None for other resources."""
    parsed = api_version(resource["type"])
    if not resource["custom"] or parsed is None:
        return None
    fields = {k: v for k, v in resource["inputs"].items() if k not in ("apiVersion", "kind")}
    if parsed[1] == "Secret":
        # pulumi_kubernetes wraps a Secret's data and stringData whole in Output.secret (core/v1/Secret.py), so
        # the plan shows neither its keys nor its values: an object of unknown keys is what the cluster gets.
        fields = {k: {} if k in ("data", "stringData") and v == SECRET else v for k, v in fields.items()}
    return {"apiVersion": parsed[0], "kind": parsed[1], **fields}


def cluster_scoped_kinds(manifests) -> frozenset[str]:
    crds = [m for m in manifests if m.get("kind") == "CustomResourceDefinition"]
    return CLUSTER_SCOPED | {c["spec"]["names"]["kind"] for c in crds if c["spec"].get("scope") == "Cluster"}


def _release_record(release: Rendered) -> dict:
    """The Secret helm keeps each release's state in: two releases of one name in one namespace clash on it."""
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"sh.helm.release.v1.{release.name}.v1"}}


def stack_objects(plan, rendered: dict[str, Rendered]) -> list[Obj]:
    """All objects of a plan: each Release's rendered manifests, then its plain resources.

    A manifest without metadata.namespace lands in its release's namespace (helm
    installs it there), or in the provider's default namespace for plain resources.
    """
    by_urn = {r["urn"]: r for r in plan.resources}
    sources = [(m, f"release {r.label}", r.namespace, by_urn[urn].get("provider"))
               for urn, r in rendered.items() for m in r.manifests + [_release_record(r)]]
    for resource in plan.resources:
        manifest = plain_manifest(resource)
        if manifest is not None:
            sources.append((manifest, f"resource {resource['name']}", "default", resource.get("provider")))
    scoped = cluster_scoped_kinds(m for m, *_ in sources)
    return [
        Obj(m, origin, None if m.get("kind") in scoped else (m.get("metadata") or {}).get("namespace") or ns,
            provider or "default provider")
        for m, origin, ns, provider in sources
    ]
