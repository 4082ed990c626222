"""A hub's two Helm releases as the stack declares them, rendered by the real `helm template`.

Why each piece:
- plan_releases: the plan scrubs secrets to "[secret]"; helm receives the real
  values, and the hub and gateway must agree on their shared token, so the
  plan is run with the mocks' scrubbing turned off for secrets.
- Rendered: the manifests helm produces from those values; the test takes the
  hub's and gateway's config files, env and mounts from them, never from copies,
  and the Services (for localize.py) by what they select, not by name.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from infra.plan import mocks, plan
from tests.charts import CHARTS, REPO, skip_unless_ci
from tests.example import EXAMPLE, plan_example
from tests.spawn.chart_hub import mount_files, object_data

HELM_CANDIDATES = [REPO / ".venv" / "tools" / "helm", Path(sys.executable).parent.parent / "tools" / "helm"]


def helm_binary():
    for path in HELM_CANDIDATES:
        if path.exists():
            return str(path)
    return shutil.which("helm") or skip_unless_ci(f"no helm at {HELM_CANDIDATES[0]} or on PATH (make {HELM_CANDIDATES[0]})")


def chart_package(name, version):
    path = CHARTS / "packages" / f"{name}-{version}.tgz"
    if not path.exists():
        skip_unless_ci(f"chart package {path} is absent (set PANGEO_CHARTS)")
    return path


def plan_releases(stack):
    """{(namespace, chart): Release inputs}, with secret values revealed; `stack` is a stack or the example
    program (docs/daskhub.md)."""
    scrub = mocks.scrub_secrets
    sig = mocks.rpc._special_sig_key, mocks.rpc._special_secret_sig

    def reveal(value):
        if isinstance(value, dict) and value.get(sig[0]) == sig[1]:
            return reveal(value["value"])
        if isinstance(value, dict):
            return {k: reveal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [reveal(v) for v in value]
        return scrub(value)

    mocks.scrub_secrets = reveal
    try:
        result = plan_example() if stack == EXAMPLE else plan(stack)
        resources = result.resources
    finally:
        mocks.scrub_secrets = scrub
    return {(r["inputs"]["namespace"], r["inputs"]["chart"]): r["inputs"]
            for r in resources if r["type"] == "kubernetes:helm.sh/v3:Release"}


class Rendered:
    """The manifests of one Release, rendered by `helm template`."""

    def __init__(self, release, tmp):
        chart = chart_package(release["chart"], release["version"])
        values = tmp / f"{release['name']}-values.yaml"
        values.write_text(yaml.safe_dump(release["values"]))
        cmd = [helm_binary(), "template", release["name"], str(chart), "-f", str(values),
               "--namespace", release["namespace"]]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert out.returncode == 0, f"{' '.join(cmd)} failed:\n{out.stderr}"
        self.release, self.values, self.namespace = release, release["values"], release["namespace"]
        self.docs = [d for d in yaml.safe_load_all(out.stdout) if d]

    def get(self, kind, name):
        return next(d for d in self.docs if d["kind"] == kind and d["metadata"]["name"] == name)

    def deployment(self, component):
        """The Deployment whose pods carry this component label."""
        for d in self.docs:
            labels = d["spec"]["template"]["metadata"]["labels"] if d["kind"] == "Deployment" else {}
            if component in (labels.get("component"), labels.get("app.kubernetes.io/component")):
                return d
        raise LookupError(f"no Deployment for component {component} in {self.release['name']}")

    def secret_data(self, name):
        return object_data(self.get("Secret", name))

    def mount(self, deployment, root: Path):
        """Write the pod's ConfigMap and Secret volumes under root + their mountPath."""
        spec = deployment["spec"]["template"]["spec"]
        mount_files(spec, spec["containers"][0], self.get, root)

    def env(self, deployment):
        """The container's env as Kubernetes resolves it (values, Secret keys, the namespace)."""
        env = {}
        for e in deployment["spec"]["template"]["spec"]["containers"][0].get("env", []):
            ref = e.get("valueFrom", {})
            if "value" in e:
                env[e["name"]] = str(e["value"])
            elif "secretKeyRef" in ref:
                env[e["name"]] = self.secret_data(ref["secretKeyRef"]["name"])[ref["secretKeyRef"]["key"]]
            elif ref.get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
                env[e["name"]] = self.namespace
        return env

    def config_arg(self, deployment):
        """The pod path of the config file its container is started with."""
        c = deployment["spec"]["template"]["spec"]["containers"][0]
        argv = c.get("command", []) + c.get("args", [])
        return argv[argv.index("--config") + 1]

    def services(self):
        """{service name: {port: (selected component, targetPort)}}."""
        out = {}
        for d in self.docs:
            if d["kind"] == "Service":
                sel = d["spec"].get("selector", {})
                component = sel.get("component") or sel.get("app.kubernetes.io/component")
                out[d["metadata"]["name"]] = {p["port"]: (component, p.get("targetPort", p["port"]))
                                              for p in d["spec"]["ports"]}
        return out


def service_env(services):
    """The <NAME>_SERVICE_HOST/PORT variables Kubernetes gives every pod of the namespace."""
    env = {}
    for name, ports in services.items():
        key = name.upper().replace("-", "_")
        env[f"{key}_SERVICE_HOST"] = name
        env[f"{key}_SERVICE_PORT"] = str(next(iter(ports)))
    return env
