"""The SDK's mock monitor, recording every registration the engine would receive.

Mocked providers echo their inputs; the few outputs the program reads that a
cloud would compute (IPs, e-mails, URLs) get fixed, documentation-range values,
so a plan is deterministic.
"""

import hashlib
from typing import Any, NamedTuple

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks, rpc
from pulumi.runtime.proto import resource_pb2

SECRET = "[secret]"
PROJECT_NUMBER = "123456789012"


class Registration(NamedTuple):
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict
    dependencies: list[str]
    protect: bool
    retain_on_delete: bool
    provider: str
    import_id: str
    ignore_changes: list[str]


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _computed(typ: str, name: str, inputs: dict) -> dict:
    """Outputs a real provider computes, for the types whose outputs the program reads."""
    project = inputs.get("project", "mock-project")
    if typ == "gcp:container/cluster:Cluster":
        return {"endpoint": "203.0.113.10", "masterAuth": {"clusterCaCertificate": "bW9jay1jYQ=="}}
    if typ == "gcp:filestore/instance:Instance":
        return {"networks": [{**n, "ipAddresses": ["10.200.0.2"]} for n in inputs.get("networks", [])]}
    if typ == "gcp:serviceaccount/account:Account":
        email = f"{inputs['accountId']}@{project}.iam.gserviceaccount.com"
        return {"email": email, "member": f"serviceAccount:{email}",
                "name": f"projects/{project}/serviceAccounts/{email}"}
    if typ == "gcp:storage/bucket:Bucket":
        return {"url": f"gs://{inputs['name']}"}
    if typ == "gcp:compute/address:Address":
        return {"address": f"198.51.100.{int(_digest(name)[:4], 16) % 250 + 1}"}
    if typ == "gcp:organizations/project:Project":
        return {"number": PROJECT_NUMBER}
    if typ == "random:index/randomBytes:RandomBytes":
        return {"hex": _digest(name)[: 2 * int(inputs["length"])], "base64": _digest(name)}
    return {}


class PlanMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        state = {**args.inputs, **_computed(args.typ, args.name, args.inputs)}
        return args.resource_id or f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "gcp:organizations/getProject:getProject":
            return {"number": PROJECT_NUMBER, "projectId": args.args.get("projectId")}
        return {}


def scrub_secrets(value: Any) -> Any:
    """Serialized inputs with every secret replaced by "[secret]"."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return SECRET
        return {k: scrub_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_secrets(v) for v in value]
    return value


class RecordingMonitor(mocks.MockMonitor):
    """MockMonitor that keeps each RegisterResource request and the stack's outputs."""

    def __init__(self, mock: PlanMocks):
        super().__init__(mock)
        self.registrations: dict[str, Registration] = {}
        self.stack_outputs: dict = {}

    def RegisterResource(self, request):
        if request.type == "pulumi:pulumi:Stack":
            return super().RegisterResource(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        mocks._ensure_event_loop()
        args = pulumi.runtime.MockResourceArgs(
            typ=request.type, name=request.name, inputs=rpc.deserialize_properties(request.object),
            provider=request.provider, resource_id=request.importId, custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(args)
        # The engine keeps a provider's additionalSecretOutputs secret; so must we.
        secret = set(request.additionalSecretOutputs)
        state = {k: {rpc._special_sig_key: rpc._special_secret_sig, "value": v} if k in secret else v for k, v in state.items()}
        obj = mocks._sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, id_, state)
        self.registrations[urn] = Registration(
            urn=urn, type=request.type, name=request.name, parent=request.parent, custom=request.custom,
            inputs=scrub_secrets(json_format.MessageToDict(request.object)),
            dependencies=sorted(set(request.dependencies)), protect=request.protect,
            retain_on_delete=request.retainOnDelete, provider=request.provider,
            import_id=request.importId, ignore_changes=list(request.ignoreChanges),
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=obj)

    def RegisterResourceOutputs(self, request):
        if "::pulumi:pulumi:Stack::" in request.urn:
            self.stack_outputs = scrub_secrets(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)
