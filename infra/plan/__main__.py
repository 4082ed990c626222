"""python -m infra.plan STACK [--json] [--stack-file FILE] [--set KEY=VALUE ...]"""

import argparse
import sys
from pathlib import Path

from infra.config import ConfigError

from .render import to_json, to_tree
from .run import plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.plan", description="Plan a stack offline, under mocks.")
    parser.add_argument("stack", help="gcp or aws-us-west-2; reads Pulumi.<stack>.yaml")
    parser.add_argument("--json", action="store_true", help="machine-readable plan")
    parser.add_argument("--stack-file", type=Path, help="read this file instead of Pulumi.<stack>.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a pangeo-hubs: key by dotted path; VALUE is YAML")
    args = parser.parse_args(argv)
    try:
        result = plan(args.stack, stack_file=args.stack_file, overrides=tuple(args.overrides))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    sys.stdout.write(to_json(result) if args.json else to_tree(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
