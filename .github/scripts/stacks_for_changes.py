"""Which stacks a change touches: `python .github/scripts/stacks_for_changes.py BASE [HEAD]`.

Prints a JSON list for a job matrix (`["gcp", "aws-us-west-2"]`, or `[]`). A stack's
own file previews that stack; the program, its components, the policy pack and the
dependency pins preview both; docs and tests preview none.
"""

import json
import subprocess
import sys
from fnmatch import fnmatch

STACKS = ("gcp", "aws-us-west-2")
SHARED = ("Pulumi.yaml", "requirements.txt", "infra/*", "components/*", "policy/*")


def stacks_for(paths: list[str]) -> list[str]:
    touched = set()
    for path in paths:
        for stack in STACKS:
            if path == f"Pulumi.{stack}.yaml":
                touched.add(stack)
        if any(fnmatch(path, pattern) for pattern in SHARED):
            touched.update(STACKS)
    return [s for s in STACKS if s in touched]


def changed_files(base: str, head: str) -> list[str]:
    if not base or set(base) == {"0"}:  # a new branch: no base to compare with
        return list(SHARED)
    out = subprocess.run(["git", "diff", "--name-only", base, head], check=True, capture_output=True, text=True)
    return out.stdout.split()


if __name__ == "__main__":
    base = sys.argv[1] if len(sys.argv) > 1 else ""
    head = sys.argv[2] if len(sys.argv) > 2 else "HEAD"
    print(json.dumps(stacks_for(changed_files(base, head))))
