"""The config fuzzer (issue 19): mutations of both shipped stack files never end in a traceback.

Each case is planned as `python -m infra.plan STACK --stack-file FILE [--set ...]` plans it,
through infra.plan's main in this process: the file read, `--set` applied, the config
validated by the plan and again by the program under the SDK's mocks, from PULUMI_CONFIG as
the engine hands it. Either the case is valid (exit 0) or it exits 2 with only one-line
problems, each `pangeo-hubs:<key path>: <problem>`, or naming the file (malformed YAML, not
UTF-8), the `--set` or the namespace at fault.

A valid case whose mutation changed a value in place (a type, an edge value, a `--set`),
which is what could reach the resources, is then planned whole, program.build included
(`.inf` as a budget once got this far and failed in round()). Declaring costs a third of a
second a stack, so those cases are planned together, a few changes at a time, and one by one
only when their group fails. A valid case that only lost a key or had its text edited is
checked up to build. The cases come from one seed (config_fuzz.py), so a failure repeats;
conftest.py prints their count at the end of the run.
"""

import contextlib
import io
import re
import traceback
from pathlib import Path

from infra import program
from infra.plan.__main__ import main

from .config_fuzz import Case, cases

REPO = Path(__file__).resolve().parents[2]
SEED = 19
STACKS = ["gcp", "aws-us-west-2"]
# `myhub:hubs` and the like: the key as written, then what to write instead.
_NAMESPACE = re.compile(r"^[^\n]*: namespace '[^\n]*' is not read; write it as pangeo-hubs:\w+$")


def _clean(line: str, stack_file: Path) -> bool:
    prefixes = ("pangeo-hubs:", f"{stack_file}: ", "--set '", '--set "')
    return (line.startswith(prefixes) and ": " in line) or bool(_NAMESPACE.match(line))


def _plan(argv: list[str]) -> tuple[int | str, str]:
    """infra.plan's exit status and stderr, or 'traceback' and the traceback."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main(argv), err.getvalue()
    except BaseException:  # noqa: BLE001 - SystemExit and every other escape is what the fuzzer looks for
        return "traceback", traceback.format_exc()


def _run(stack: str, case: Case, stack_file: Path) -> tuple[int | str, str]:
    stack_file.write_bytes(case.text)
    return _plan([stack, "--stack-file", str(stack_file), *[a for o in case.overrides for a in ("--set", o)]])


def _refused(status: int | str, stderr: str, stack_file: Path) -> bool:
    lines = stderr.splitlines()
    return status == 2 and bool(lines) and all(_clean(line, stack_file) for line in lines)


def test_every_mutation_of_both_stack_files_plans_or_names_its_key_paths(tmp_path, monkeypatch, record_property):
    build, stack_file = program.build, tmp_path / "Pulumi.fuzz.yaml"
    outcomes: dict[str, int] = {}
    failures = []

    def record(outcome: str, stack: str, case: Case, status, stderr: str) -> None:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome == "failed":
            failures.append(f"{stack} {case.name}: exit {status}\n{stderr}")

    for stack in STACKS:
        mutator, stack_cases = cases((REPO / f"Pulumi.{stack}.yaml").read_text(), SEED)
        monkeypatch.setattr(program, "build", lambda config, **_: None)
        to_declare = []
        for case in stack_cases:
            status, stderr = _run(stack, case, stack_file)
            if status == 0 and case.path is not None:
                to_declare.append(case)
            else:
                outcome = "valid up to build" if status == 0 else "refused" if _refused(status, stderr, stack_file) else "failed"
                record(outcome, stack, case, status, stderr)
        monkeypatch.setattr(program, "build", build)
        for group, together in mutator.together(to_declare):
            status, stderr = _run(stack, together, stack_file)
            if status != 0 and len(group) > 1:
                # Changes valid alone may not be together (a rule across keys), and a failure is one
                # case's: each is planned alone.
                results = [_run(stack, case, stack_file) for case in group]
            else:
                results = [(status, stderr)] * len(group)
            for case, (status, stderr) in zip(group, results):
                outcome = "planned" if status == 0 else "refused" if _refused(status, stderr, stack_file) else "failed"
                record(outcome, stack, case, status, stderr)
    total = sum(outcomes.values())
    record_property("config_fuzz", f"{total} cases ({', '.join(f'{n} {k}' for k, n in sorted(outcomes.items()))})")
    assert total >= 500
    assert outcomes.get("planned") and outcomes.get("refused")  # the mutations reach both ends
    assert not failures, f"{len(failures)} of {total} cases:\n" + "\n".join(failures[:10])
