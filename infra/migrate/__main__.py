"""`python -m infra.migrate map-usernames [LISTING] [--users FILE]`

Reads the old homes' top-level directory names (one per line, e.g. the output
of `ls /homes/<cluster-subdir>`) from LISTING or stdin and prints the map that
`homesync.sh --map` takes: `old-dir<TAB>new-dir` lines.  With `--users FILE`
(the old hub's user names, one per line) it also checks that each of them with
an old home lands where the new hub will mount it.  Exits 1, printing every
problem, when a name cannot be mapped or two old homes would land in one.
"""

import argparse
import sys

from components.nfs_home.usernames import SCHEMES, build_map, expected_homes


def _lines(stream) -> list[str]:
    return [line.rstrip("\n") for line in stream if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.migrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("map-usernames", help="build homesync.sh's --map from a listing of the old homes")
    cmd.add_argument("listing", nargs="?", type=argparse.FileType("r", encoding="utf-8"), default=sys.stdin)
    cmd.add_argument("--users", type=argparse.FileType("r", encoding="utf-8"), help="the old hub's user names")
    cmd.add_argument("--scheme", choices=SCHEMES, default=SCHEMES[0], help="how the old hub named homes")
    args = parser.parse_args(argv)
    result = build_map(_lines(args.listing), args.scheme)
    problems = list(result.problems)
    if args.users:
        problems += expected_homes(result.pairs, _lines(args.users))[1]
    for problem in problems:
        print(f"map-usernames: {problem}", file=sys.stderr)
    if problems:
        return 1
    sys.stdout.write("".join(f"{old}\t{new}\n" for old, new in result.pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
