"""`python -m infra.bootstrap aws --region R --bucket B`: make the state bucket and secrets key."""

import argparse
import sys

from botocore.exceptions import BotoCoreError, ClientError

import boto3

from infra.config import ConfigError
from infra.plan import plan

from .aws import DEFAULT_ALIAS, DEFAULT_STACK, BootstrapError, bootstrap_aws
from .quotas import elastic_ip_shortfall, planned_elastic_ips


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.bootstrap", description=__doc__)
    clouds = parser.add_subparsers(dest="cloud", required=True)
    aws = clouds.add_parser("aws", help="S3 state bucket and KMS secrets key")
    aws.add_argument("--region", required=True)
    aws.add_argument("--bucket", required=True)
    aws.add_argument("--alias", default=DEFAULT_ALIAS, help=f"KMS alias (default {DEFAULT_ALIAS})")
    aws.add_argument("--stack", default=DEFAULT_STACK, help=f"stack to init (default {DEFAULT_STACK})")
    args = parser.parse_args(argv)
    try:
        result = bootstrap_aws(args.region, args.bucket, alias=args.alias, stack=args.stack)
        # The stack's offline plan says how many Elastic IPs `pulumi up` will allocate.
        needed = planned_elastic_ips(plan(args.stack).resources)
        shortfall = elastic_ip_shortfall(boto3.session.Session(), args.region, needed)
    except BootstrapError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        print("\n".join(error.problems), file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as error:
        print(f"error: AWS: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    for item in result.created:
        print(f"created: {item}")
    for item in result.existing:
        print(f"already there: {item}")
    print()
    if shortfall:
        print(f"before pulumi up: {shortfall}:")
        print(shortfall.request_command)
    for command in result.commands:
        print(command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
