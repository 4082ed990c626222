"""Strict schema validation of every object, built-in kinds and custom resources alike.

Built-in kinds go through kubernetes-validate in strict mode (unknown fields are
errors, as with `kubectl apply --validate=strict`). Custom resources have no schema
there, so they are checked against the openAPIV3Schema of the CRD the stack itself
installs, made strict the same way: the API server would otherwise prune an unknown
field silently. A kind with neither must be named in ALLOWED_UNKNOWN, with why.
"""

import copy
import json
from functools import cache

import jsonschema
import kubernetes_validate

from .helm import KUBE_VERSION, describe

# (apiVersion, kind) -> why it may go unvalidated. Empty: every custom resource the
# stacks render today (Traefik IngressRoute and Middleware) has its CRD in the same
# chart. DaskCluster objects are created by the gateway at run time, never rendered.
ALLOWED_UNKNOWN: dict[tuple[str, str], str] = {}


def _strict(schema):
    """The schema with unknown fields refused wherever the CRD lists the known ones."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if "properties" in out and "additionalProperties" not in out \
            and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    if out.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def crd_validators(manifests) -> dict[tuple[str, str], jsonschema.Draft7Validator]:
    """(apiVersion, kind) -> validator for each version of each CRD among `manifests`."""
    validators = {}
    for crd in manifests:
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for version in spec.get("versions", []):
            schema = copy.deepcopy((version.get("schema") or {}).get("openAPIV3Schema") or {})
            # Every object carries these; CRD schemas may leave them out.
            schema.setdefault("properties", {}).update(
                {key: schema["properties"].get(key, {"type": t}) for key, t in
                 (("apiVersion", "string"), ("kind", "string"), ("metadata", "object"))})
            validators[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = \
                jsonschema.Draft7Validator(_strict(schema))
    return validators


@cache
def _builtin_verdict(manifest_json: str, version: str) -> tuple[bool, str] | None:
    """kubernetes-validate's verdict, (schema known?, message), cached: identical objects recur
    across hubs and stacks, and each call re-reads the 1.4 MB definitions file."""
    try:
        kubernetes_validate.validate(json.loads(manifest_json), version, strict=True)
    except kubernetes_validate.ValidationError as e:
        return True, f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
    except kubernetes_validate.SchemaNotFoundError as e:
        return False, e.message
    return None


def errors(manifest: dict, crds: dict, version: str = KUBE_VERSION) -> list[str]:
    """Every problem with one manifest, each naming the object and the field."""
    key = (manifest.get("apiVersion", ""), manifest.get("kind", ""))
    name = describe(manifest)
    if key in crds:
        return sorted(f"{name}: {'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                      for e in crds[key].iter_errors(manifest))
    verdict = _builtin_verdict(json.dumps(manifest, sort_keys=True), version)
    if verdict is None:
        return []
    known, message = verdict
    if not known:
        if key in ALLOWED_UNKNOWN:
            return []
        message += " (the stack installs no CRD for it: add one, or an ALLOWED_UNKNOWN entry with a reason)"
    return [f"{name}: {message}"]
