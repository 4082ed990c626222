"""python -m infra.plan STACK [--json] [--stack-file FILE] [--set KEY=VALUE ...]
python -m infra.plan diff STACK --set KEY=VALUE [--set ...] [--stack-file FILE]"""

import argparse
import sys
from pathlib import Path

from infra.config import ConfigError

from .diff import diff, to_markdown
from .render import to_json, to_tree
from .run import plan


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("stack", help="gcp or aws-us-west-2; reads Pulumi.<stack>.yaml")
    parser.add_argument("--stack-file", type=Path, help="read this file instead of Pulumi.<stack>.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a pangeo-hubs: key by dotted path; VALUE is YAML")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["diff"]:
            args = _parser("python -m infra.plan diff", "Declared-state diff of a config change.").parse_args(argv[1:])
            _, _, changes = diff(args.stack, tuple(args.overrides), args.stack_file)
            sys.stdout.write(to_markdown(args.stack, tuple(args.overrides), changes))
            return 0
        parser = _parser("python -m infra.plan", "Plan a stack offline, under mocks.")
        parser.add_argument("--json", action="store_true", help="machine-readable plan")
        args = parser.parse_args(argv)
        result = plan(args.stack, stack_file=args.stack_file, overrides=tuple(args.overrides))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    sys.stdout.write(to_json(result) if args.json else to_tree(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
