"""The plan of another git revision: its code and its stack file, in a temporary worktree.

The base revision's code must not share an interpreter with the working tree's
(both are the `infra` package), so it is planned in a subprocess of the same
Python, with the worktree as its working directory and PYTHONPATH, printing
`python -m infra.plan STACK --json`. The worktree is removed afterwards; the main
working tree, its index and HEAD are never touched.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.config import ConfigError
from infra.dashboards import PROJECT_ENV

from .run import REPO, Plan


def _git(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)


def _stack_path(stack: str, stack_file: Path | None) -> str:
    """The stack file's path inside the repository: the same path is read at the base revision."""
    if stack_file is None:
        return f"Pulumi.{stack}.yaml"
    try:
        return Path(stack_file).resolve().relative_to(REPO).as_posix()
    except ValueError:
        raise ConfigError([f"--stack-file {stack_file}: with --base it must be a file of this repository, "
                           "read at both revisions"]) from None


def plan_at(rev: str, stack: str, stack_file: Path | None = None) -> Plan:
    """Plan `stack` with the code and stack file of git revision `rev`."""
    relative = _stack_path(stack, stack_file)
    commit = _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if commit.returncode != 0:
        raise ConfigError([f"--base {rev}: not a commit of {REPO}"])
    tmp = Path(tempfile.mkdtemp(prefix="infra-plan-base-"))
    tree = tmp / "base"
    try:
        added = _git("worktree", "add", "--detach", "--quiet", str(tree), commit.stdout.strip())
        if added.returncode != 0:
            raise ConfigError([f"--base {rev}: git worktree add failed: {added.stderr.strip()}"])
        if not (tree / relative).is_file():
            raise ConfigError([f"--base {rev}: {relative} does not exist at that revision"])
        env = {k: v for k, v in os.environ.items() if k not in ("PULUMI_CONFIG", "PYTHONPATH")}
        env["PYTHONPATH"] = str(tree)
        # Paths in the stack config are relative to the project (the dashboards' source beside it), not to
        # the throwaway worktree (infra/dashboards.py).
        env[PROJECT_ENV] = str(REPO)
        command = [sys.executable, "-m", "infra.plan", stack, "--json"]
        if stack_file is not None:
            command += ["--stack-file", relative]
        result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            problems = result.stderr.strip().splitlines()[-20:] or [f"exit status {result.returncode}"]
            raise ConfigError([f"--base {rev}: the plan at that revision failed:", *problems])
        data = json.loads(result.stdout)
        return Plan(stack=data["stack"], resources=data["resources"], outputs=data["outputs"],
                    estimates=data.get("estimates", {}))
    finally:
        _git("worktree", "remove", "--force", str(tree))
        shutil.rmtree(tmp, ignore_errors=True)
        _git("worktree", "prune")
