"""python -m infra.plan STACK [--json] [--stack-file FILE] [--set KEY=VALUE ...] [--previous [HUB=]PHASE ...]
python -m infra.plan STACK --project DIR [--json] [--set KEY=VALUE ...]
python -m infra.plan diff STACK [--base REV] [--set KEY=VALUE ...] [--stack-file FILE] [--previous [HUB=]PHASE ...]

Exit status: 0; 2 for a config error or an update the engine would refuse; diff: 1 when the
change it shows would fail the update (a protected resource would have to go).
"""

import argparse
import sys
from pathlib import Path

from infra.config import ConfigError

from .diff import diff, to_markdown
from .mocks import EngineRefusal
from .project import plan_project
from .render import to_json, to_tree
from .run import plan

_PREVIOUS_HELP = (
    "the phase the last update completed, as the phase guards read it: PHASE for every hub with a "
    "migration, or HUB=PHASE; repeatable. Default: the stack file's own phases (a steady re-run){}"
)


# diff's exit status when the update it shows would fail.
UPDATE_WOULD_FAIL = 1
_SUBCOMMANDS = (
    "subcommands:\n"
    "  diff STACK   the declared-state diff of a change (--set) or of the code since --base REV;\n"
    "               python -m infra.plan diff --help"
)


def _parser(prog: str, description: str, previous_default: str, epilog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description, epilog=epilog,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stack", help="gcp or aws-us-west-2; reads Pulumi.<stack>.yaml")
    parser.add_argument("--stack-file", type=Path, help="read this file instead of Pulumi.<stack>.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a pangeo-hubs: key by dotted path; VALUE is YAML")
    parser.add_argument("--previous", action="append", default=[], metavar="[HUB=]PHASE",
                        help=_PREVIOUS_HELP.format(previous_default))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["diff"]:
            parser = _parser("python -m infra.plan diff",
                             "Declared-state diff: the stack file as it is, or at --base REV, against the "
                             "working tree with --set overrides.",
                             "; in a diff, what the before side's plan exported",
                             f"exit status: {UPDATE_WOULD_FAIL} when the diff shows that the update would fail\n"
                             "(a protected resource would have to go), 2 for a config error, else 0")
            parser.add_argument("--base", metavar="REV",
                                help="plan the code and stack file of this git revision (in a temporary worktree) "
                                     "as the before side; --set then applies to the working tree")
            args = parser.parse_args(argv[1:])
            overrides, previous = tuple(args.overrides), tuple(args.previous)
            _, _, changes = diff(args.stack, overrides, args.stack_file, base=args.base, previous=previous)
            sys.stdout.write(to_markdown(args.stack, overrides, changes, base=args.base, previous=previous))
            return UPDATE_WOULD_FAIL if any(c.blocked for c in changes) else 0
        parser = _parser("python -m infra.plan", "Plan a stack offline, under mocks.", "", _SUBCOMMANDS)
        parser.add_argument("--json", action="store_true", help="machine-readable plan")
        parser.add_argument("--project", type=Path, metavar="DIR",
                            help="plan the Pulumi program in DIR (e.g. examples/daskhub) with its Pulumi.STACK.yaml; "
                                 "--set keys are in its own namespace")
        args = parser.parse_args(argv)
        if args.project is not None:
            if args.stack_file or args.previous:
                parser.error("--project takes only --set and --json")
            result = plan_project(args.project, args.stack, tuple(args.overrides))
        else:
            result = plan(args.stack, stack_file=args.stack_file, overrides=tuple(args.overrides),
                          previous=tuple(args.previous))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except EngineRefusal as refusal:  # `pulumi up` would fail the same way: one line, no traceback
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    sys.stdout.write(to_json(result) if args.json else to_tree(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
