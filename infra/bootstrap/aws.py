"""The AWS state backend: a locked-down S3 bucket for Pulumi state and a KMS key for its secrets.

Every step reads before it writes, so a second run changes nothing and says so.
"""

import json
from dataclasses import dataclass, field

import boto3
from botocore.exceptions import ClientError

from components.cluster.aws_names import bucket_name_problem

DEFAULT_ALIAS = "alias/pangeo-hubs-pulumi"
DEFAULT_STACK = "aws-us-west-2"
_BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


class BootstrapError(Exception):
    """A problem the operator must fix; the message is one line."""


@dataclass(frozen=True)
class BootstrapResult:
    """What the run found or made, and the commands that use it."""

    bucket: str
    region: str
    key_alias: str
    key_arn: str
    stack: str
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)

    @property
    def commands(self) -> list[str]:
        return [
            f"pulumi login s3://{self.bucket}",
            f"pulumi stack init {self.stack} --secrets-provider 'awskms://{self.key_alias}?region={self.region}'",
        ]


def state_bucket_policy(bucket: str) -> dict:
    """Refuse every request to the state bucket that isn't over TLS."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    }


def bootstrap_aws(
    region: str, bucket: str, *, alias: str = DEFAULT_ALIAS, stack: str = DEFAULT_STACK,
    session: boto3.session.Session | None = None,
) -> BootstrapResult:
    """Create (or confirm) the state bucket and secrets key. Raises BootstrapError."""
    session = session or boto3.session.Session()
    if region not in session.get_available_regions("s3"):
        raise BootstrapError(f"unknown AWS region {region!r}")
    if problem := bucket_name_problem(bucket):
        raise BootstrapError(problem)
    if not alias.startswith("alias/") or alias.startswith("alias/aws/"):
        raise BootstrapError(f"key alias must start with 'alias/' and not 'alias/aws/', got {alias!r}")
    created: list[str] = []
    existing: list[str] = []
    kms, s3 = session.client("kms", region_name=region), session.client("s3", region_name=region)
    # The bucket first: a name taken by another account should fail before anything is made.
    _bucket(s3, bucket, region, created, existing)
    key_arn = _key(kms, alias, created, existing)
    _bucket_settings(s3, bucket, key_arn, created, existing)
    return BootstrapResult(bucket=bucket, region=region, key_alias=alias, key_arn=key_arn, stack=stack,
                           created=created, existing=existing)


def _key(kms, alias: str, created: list[str], existing: list[str]) -> str:
    try:
        arn = kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
        existing.append(f"KMS key {alias}")
    except ClientError as error:
        if _code(error) != "NotFoundException":
            raise
        arn = kms.create_key(Description="Pulumi secrets for pangeo-hubs stacks")["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName=alias, TargetKeyId=arn)
        created.append(f"KMS key {alias}")
    if kms.get_key_rotation_status(KeyId=arn)["KeyRotationEnabled"]:
        existing.append("KMS key rotation")
    else:
        kms.enable_key_rotation(KeyId=arn)
        created.append("KMS key rotation")
    return arn


def _bucket(s3, bucket: str, region: str, created: list[str], existing: list[str]) -> None:
    config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    try:
        s3.create_bucket(Bucket=bucket, **config)
        created.append(f"bucket s3://{bucket}")
        return
    except ClientError as error:
        code = _code(error)
        if code in ("BucketAlreadyExists", "AccessDenied", "403"):
            raise BootstrapError(f"bucket {bucket!r} belongs to another AWS account; choose another name") from None
        if code != "BucketAlreadyOwnedByYou":
            raise
    where = s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] or "us-east-1"
    if where != region:
        raise BootstrapError(f"bucket {bucket!r} is yours but in {where}, not {region}")
    existing.append(f"bucket s3://{bucket}")


def _bucket_settings(s3, bucket: str, key_arn: str, created: list[str], existing: list[str]) -> None:
    def ensure(what: str, current, wanted, put) -> None:
        if current == wanted:
            existing.append(what)
        else:
            put()
            created.append(what)

    ensure("versioning", s3.get_bucket_versioning(Bucket=bucket).get("Status"), "Enabled",
           lambda: s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}))
    sse = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    ensure("encryption (SSE-KMS)", _get(s3.get_bucket_encryption, bucket, "ServerSideEncryptionConfigurationNotFoundError",
                                        lambda r: r["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]),
           sse, lambda: s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
               "Rules": [{"ApplyServerSideEncryptionByDefault": sse, "BucketKeyEnabled": True}]}))
    ensure("public access block", _get(s3.get_public_access_block, bucket, "NoSuchPublicAccessBlockConfiguration",
                                       lambda r: r["PublicAccessBlockConfiguration"]),
           _BLOCK_ALL, lambda: s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=_BLOCK_ALL))
    policy = state_bucket_policy(bucket)
    ensure("TLS-only bucket policy", _get(s3.get_bucket_policy, bucket, "NoSuchBucketPolicy", lambda r: json.loads(r["Policy"])),
           policy, lambda: s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy)))


def _get(call, bucket: str, missing: str, pick):
    try:
        return pick(call(Bucket=bucket))
    except ClientError as error:
        if _code(error) == missing:
            return None
        raise


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")
