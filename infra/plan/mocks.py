"""The SDK's mock monitor, recording every registration the engine would receive.

Mocked providers echo their inputs; the few outputs the program reads that a
cloud would compute (IPs, e-mails, URLs) get fixed, documentation-range values,
so a plan is deterministic.
"""

import base64
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
    delete_before_replace: bool


class Invoke(NamedTuple):
    """A data-source call (`get_*`): its token and the provider reference it went through ("" for the default)."""

    token: str
    provider: str


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _computed(typ: str, name: str, inputs: dict, state: dict | None = None, project: str = "mock-project") -> dict:
    """Outputs a real provider computes, for the types whose outputs the program reads;
    `project`: the one a gcp resource without its own is in (its provider's)."""
    project = inputs.get("project", project)
    if typ == "gcp:container/cluster:Cluster":
        return {"endpoint": "203.0.113.10", "masterAuth": {"clusterCaCertificate": "bW9jay1jYQ=="}}
    if typ == "gcp:filestore/instance:Instance":
        return {"networks": [{**n, "ipAddresses": ["10.200.0.2"]} for n in inputs.get("networks", [])]}
    if typ == "gcp:serviceaccount/account:Account":
        email = f"{inputs['accountId']}@{project}.iam.gserviceaccount.com"
        return {"email": email, "member": f"serviceAccount:{email}",
                "name": f"projects/{project}/serviceAccounts/{email}"}
    if typ == "gcp:serviceaccount/key:Key":
        return {"privateKey": base64.b64encode(b'{"type": "service_account", "private_key": "mock"}').decode()}
    if typ == "gcp:artifactregistry/repository:Repository":
        return {"name": inputs["repositoryId"]}
    if typ == "gcp:storage/bucket:Bucket":
        return {"url": f"gs://{inputs['name']}"}
    if typ == "gcp:compute/address:Address":
        return {"address": f"198.51.100.{int(_digest(name)[:4], 16) % 250 + 1}"}
    if typ == "gcp:organizations/project:Project":
        return {"number": PROJECT_NUMBER}
    if typ == "kubernetes:batch/v1:Job":
        return {"status": {"succeeded": 1, "completionTime": "2026-01-01T00:00:00Z"}}
    if typ == "pulumi:pulumi:StackReference":
        # The stack's own outputs of its last update: none, unless a test hands some in.
        return {"outputs": state or {}, "secretOutputNames": []}
    if typ == "random:index/randomId:RandomId":
        return {"hex": _digest(name)[: 2 * int(inputs["byteLength"])]}
    if typ == "random:index/randomBytes:RandomBytes":
        return {"hex": _digest(name)[: 2 * int(inputs["length"])], "base64": _digest(name)}
    if typ.startswith("aws:"):
        return _aws_computed(typ, name, inputs)
    return {}


def _aws_computed(typ: str, name: str, inputs: dict) -> dict:
    """AWS outputs in us-west-2 of account 123456789012; ARNs are built from the logical name."""
    account, region, short = "123456789012", "us-west-2", _digest(name)[:17]
    named = inputs.get("name") or name
    if typ == "aws:eks/cluster:Cluster":
        issuer = f"https://oidc.eks.{region}.amazonaws.com/id/{_digest(name)[:32].upper()}"
        return {"endpoint": f"https://{_digest(name)[:32].upper()}.gr7.{region}.eks.amazonaws.com",
                "certificateAuthority": {"data": "bW9jay1jYQ=="}, "identities": [{"oidcs": [{"issuer": issuer}]}],
                "arn": f"arn:aws:eks:{region}:{account}:cluster/{named}",
                "vpcConfig": {**inputs.get("vpcConfig", {}), "clusterSecurityGroupId": f"sg-{short}"}}
    if typ == "aws:iam/role:Role":
        return {"name": named, "arn": f"arn:aws:iam::{account}:role/{named}"}
    if typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        return {"arn": f"arn:aws:iam::{account}:oidc-provider/{inputs['url'].removeprefix('https://')}"}
    if typ == "aws:kms/key:Key":
        return {"arn": f"arn:aws:kms:{region}:{account}:key/{_digest(name)[:36]}"}
    if typ == "aws:ec2/eip:Eip":
        return {"allocationId": f"eipalloc-{short}", "publicIp": f"192.0.2.{int(_digest(name)[:4], 16) % 250 + 1}"}
    if typ == "aws:ec2/launchTemplate:LaunchTemplate":
        return {"latestVersion": 1}
    if typ == "aws:s3/bucket:Bucket":
        bucket = inputs.get("bucket") or f"{inputs.get('bucketPrefix', name)}{_digest(name)[:8]}"
        return {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}
    if typ == "aws:efs/fileSystem:FileSystem":
        return {"dnsName": f"fs-{short}.efs.{region}.amazonaws.com", "arn": f"arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-{short}"}
    if typ == "aws:sns/topic:Topic":
        return {"arn": f"arn:aws:sns:{region}:{account}:{named}"}
    return {}


class PlanMocks(pulumi.runtime.Mocks):
    """`state`: the outputs a StackReference to this stack reads (its last update's)."""

    def __init__(self, state: dict | None = None):
        self.state = state
        self.gcp_projects: dict[str, str] = {}  # gcp provider id -> its project

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        resource_id = args.resource_id or f"{args.name}-id"
        if args.typ == "pulumi:providers:gcp" and args.inputs.get("project"):
            self.gcp_projects[resource_id] = args.inputs["project"]
        # A provider reference is "<urn>::<id>"; a gcp resource without a project is in its provider's.
        project = self.gcp_projects.get((args.provider or "").rsplit("::", 1)[-1], "mock-project")
        state = {**args.inputs, **_computed(args.typ, args.name, args.inputs, self.state, project)}
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "gcp:organizations/getProject:getProject":
            return {"number": PROJECT_NUMBER, "projectId": args.args.get("projectId")}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": "123456789012", "id": "123456789012", "userId": "AROAEXAMPLE:deployer",
                    "arn": "arn:aws:sts::123456789012:assumed-role/pangeo-hubs-deployer/deployer"}
        if args.token == "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider":
            url = args.args.get("url", "")
            return {"arn": f"arn:aws:iam::123456789012:oidc-provider/{url.removeprefix('https://')}", "url": url,
                    "clientIdLists": ["sts.amazonaws.com"]}
        if args.token == "aws:iam/getSessionContext:getSessionContext":
            return {"arn": args.args.get("arn"), "issuerArn": "arn:aws:iam::123456789012:role/pangeo-hubs-deployer",
                    "issuerId": "AROAEXAMPLE", "issuerName": "pangeo-hubs-deployer", "sessionName": "deployer"}
        return {}


def scrub_secrets(value: Any) -> Any:
    """Serialized inputs with every secret replaced by "[secret]", and whole numbers
    (protobuf carries every number as a double) shown as integers."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return SECRET
        return {k: scrub_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_secrets(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class EngineRefusal(Exception):
    """A registration the engine fails `pulumi up` on; the message is the engine's own
    (pulumi/pulumi pkg/resource/deploy/step_generator.go and pkg/diag/errors.go)."""


class RecordingMonitor(mocks.MockMonitor):
    """MockMonitor that keeps each RegisterResource request and the stack's outputs.

    The SDK's MockMonitor accepts anything; the engine does not. Registrations it
    would refuse raise EngineRefusal here, at the same point: a URN registered twice
    (two resources of one type and name under parents of one type) and a parent or
    explicit provider that no registration made.
    """

    def __init__(self, mock: PlanMocks):
        super().__init__(mock)
        self.registrations: dict[str, Registration] = {}
        self.invokes: list[Invoke] = []
        self.stack_outputs: dict = {}
        self.known: set[str] = set()  # every URN registered or read, the stack's included
        # The first refusal, kept so the run reports it whatever the SDK does with the raise.
        self.refusal: EngineRefusal | None = None

    def _check(self, urn: str, request) -> None:
        problem = None
        # A provider reference is "<urn>::<id>".
        provider = request.provider.rsplit("::", 1)[0] if request.provider else ""
        if urn in self.known:
            problem = f"Duplicate resource URN '{urn}'; try giving it a unique name"
        elif request.parent and request.parent not in self.known:
            problem = f"could not find parent resource {request.parent} of {urn}"
        elif provider and provider not in self.known:
            problem = f"unknown provider '{request.provider}' for resource '{urn}'"
        if problem:
            self.refusal = self.refusal or EngineRefusal(problem)
            raise EngineRefusal(problem)

    def ReadResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        self._check(urn, request)
        self.known.add(urn)
        return super().ReadResource(request)

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            # set_mocks registers a root Stack and run_in_stack the program's own: the same URN.
            self.known.add(urn)
            return super().RegisterResource(request)
        self._check(urn, request)
        self.known.add(urn)
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
            delete_before_replace=request.deleteBeforeReplace,
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=obj)

    def Invoke(self, request):
        if request.tok != "pulumi:pulumi:getResource":  # the SDK's own lookup, not a provider call
            self.invokes.append(Invoke(request.tok, request.provider.rsplit("::", 1)[0] if request.provider else ""))
        return super().Invoke(request)

    def RegisterResourceOutputs(self, request):
        if "::pulumi:pulumi:Stack::" in request.urn:
            self.stack_outputs = scrub_secrets(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)
