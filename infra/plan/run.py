"""The offline plan: run the real program under the SDK's mocks and record what it declares."""

import asyncio
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import pulumi
from pulumi.runtime import settings
from pulumi.runtime import stack as runtime_stack

from infra import program
from infra.config import NAMESPACE, ConfigError, read_stack_file, set_key
from infra.config.migration import PHASES
from infra.config.secrets import keys_holding_secrets, plaintext_secrets

from .estimates import estimate
from .mocks import PlanMocks, RecordingMonitor, Registration

REPO = Path(__file__).resolve().parents[2]
PROJECT = NAMESPACE  # the project is named after its config namespace
PLACEHOLDER = "plan-placeholder"


@dataclass
class Plan:
    stack: str
    resources: list[dict]
    outputs: dict
    estimates: dict
    unset_secrets: list[str] = field(default_factory=list)
    # Config errors under the engine that the offline plan lets through (infra/config/placeholders.py).
    placeholders: list[str] = field(default_factory=list)
    # The data sources the program called (mocks.Invoke), for the checks of infra/plan/checks.py.
    invokes: list = field(default_factory=list)
    # The GCP projects the stack's config names (named_projects), for the same checks.
    config_projects: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"stack": self.stack, "resources": self.resources, "outputs": self.outputs, "estimates": self.estimates}


def stack_values(stack: str, stack_file: Path | None = None, overrides: tuple[str, ...] = ()) -> dict[str, Any]:
    """The stack file's config with `--set` overrides applied. A secret the file holds as plain
    text is refused here, where each one shows (the engine sees only whole keys, infra/config/secrets.py);
    `--set` values are offline stand-ins and never reach the file."""
    values = read_stack_file(stack_file or REPO / f"Pulumi.{stack}.yaml")
    plain = plaintext_secrets(values, stack)
    if plain:
        raise ConfigError(plain)
    for assignment in overrides:
        values = set_key(values, assignment)
    return values


def _with_placeholders(values: dict[str, Any], unset: list[str]) -> dict[str, Any]:
    """Stand-ins for secrets: encrypted ones can't be read offline, unset ones aren't there."""
    values = replace_secure(values)
    for path in unset:
        values = set_key(values, f"{path}={PLACEHOLDER}")
    return values


# The P of a GCP resource name projects/P/...
PROJECT_PATH = re.compile(r"(?:^|/)projects/([^/]+)/")


def named_projects(node: Any) -> set[str]:
    """The GCP projects a tree names, a stack's config (its keys of every namespace) or a resource's
    inputs: the value of a `project` key (`gcp:project`, `legacy.project`, an input `project`), a
    `project` mapping's `id` (`credits.project.id`), and the P of every `projects/P/...` resource
    name (`ci.secrets_key`, a KMS key's id)."""
    if isinstance(node, dict):
        found = set()
        for key, value in node.items():
            if str(key).rsplit(":", 1)[-1] == "project":
                own = value.get("id") if isinstance(value, dict) else value
                found |= {own} if isinstance(own, str) else set()
            found |= named_projects(value)
        return found
    if isinstance(node, list):
        return set().union(*map(named_projects, node)) if node else set()
    return set(PROJECT_PATH.findall(node)) if isinstance(node, str) else set()


def replace_secure(node: Any) -> Any:
    """Every encrypted value (`secure: ...`) of a stack file's config as the placeholder."""
    if isinstance(node, dict):
        if set(node) == {"secure"}:
            return PLACEHOLDER
        return {k: replace_secure(v) for k, v in node.items()}
    if isinstance(node, list):
        return [replace_secure(v) for v in node]
    return node


def plan(
    stack: str, *, stack_file: Path | None = None, overrides: tuple[str, ...] = (), completed: dict | None = None,
    previous: tuple[str, ...] = (), state: dict | None = None,
) -> Plan:
    """Validate the config, then declare the stack under mocks. Raises ConfigError first if invalid.

    What the last update completed (each hub's `migration.previous`, which the phase
    guards read) comes, in this order of precedence, from:
    - `migration.previous` in the config itself (the file or a `--set`);
    - `previous`: `PHASE` for every hub with a `migration`, or `HUB=PHASE` (`--previous`);
    - `completed`: the `migration` output of a previous update (`diff` passes the before plan's);
    - otherwise the stack file's own phases, before `overrides`: a file committed at
      `phase: cutover` plans as a re-run of cutover, and `--set ...phase=` is the change.
    With `state`, nothing is filled in: the program reads `state["migration"]` through
    its StackReference, as on `pulumi up`.
    """
    values = stack_values(stack, stack_file, overrides)
    if state is None:
        last = completed if completed is not None else program.own_phases(stack_values(stack, stack_file))
        values = program.with_previous(values, {**last, **previous_phases(values, previous)})
        checked = values
    else:  # the program reads the last update itself; check everything else first, as it does
        checked = program.with_previous(values, program.own_phases(values))
    unset = program.parse_stack_config(replace_secure(checked)).secrets_missing()
    values, checked = _with_placeholders(values, unset), _with_placeholders(checked, unset)
    placeholders = program.placeholders(program.load_config(checked, stack))
    namespaced = {k: v for k, v in values.items() if k.startswith(f"{NAMESPACE}:")}
    try:
        monitor = _run(stack, namespaced, state)
    except pulumi.RunError as error:  # the program refused what the checks above passed: its lines, as `up` shows them
        raise ConfigError(str(error).splitlines()) from None
    return replace(recorded(stack, monitor, unset), placeholders=placeholders,
                   config_projects=sorted(named_projects(values)))


def _hubs(values: dict[str, Any]) -> dict:
    hubs = values.get(f"{NAMESPACE}:hubs")
    hubs = json.loads(hubs) if isinstance(hubs, str) else hubs
    return hubs if isinstance(hubs, dict) else {}


def _migrating(values: dict[str, Any]) -> dict:
    return program.own_phases(values)


def previous_phases(values: dict[str, Any], previous: tuple[str, ...]) -> dict[str, dict]:
    """`--previous PHASE` (every migrating hub) and `--previous HUB=PHASE` as completed outputs."""
    out: dict[str, dict] = {}
    for item in previous:
        hub, sep, phase = item.rpartition("=")
        if phase not in PHASES:
            raise ConfigError([f"--previous {item!r}: the phase must be one of {', '.join(PHASES)}"])
        if sep and hub not in _hubs(values):
            raise ConfigError([f"--previous {item!r}: no hub {hub!r} in the stack"])
        for name in [hub] if sep else _migrating(values):
            out[name] = {"phase": phase}
    return out


def _run(stack: str, values: dict[str, Any], state: dict | None = None) -> RecordingMonitor:
    with_config(values)
    return run_program(lambda: program.main(offline=True), stack=stack, state=state)


def with_config(values: dict[str, Any], secret_keys: list[str] | None = None) -> None:
    """Config reaches the program exactly as on `pulumi up`: through PULUMI_CONFIG, with the keys
    that hold a secret in PULUMI_CONFIG_SECRET_KEYS. By default every key holding one: the plan's
    secrets are stand-ins or `secure:` values, its stack file's plain ones already refused."""
    os.environ["PULUMI_CONFIG"] = json.dumps(
        {k: v if isinstance(v, str) else json.dumps(v, sort_keys=True) for k, v in values.items()}
    )
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(
        keys_holding_secrets(values) if secret_keys is None else secret_keys)
    pulumi.runtime.config.CONFIG.set({})


def run_program(main: Callable[[], None], *, stack: str, state: dict | None = None,
                project: str = PROJECT) -> RecordingMonitor:
    """Run `main` as the program of `stack` under the recording monitor; what it registered.

    Raises EngineRefusal where the engine would fail the update (mocks.RecordingMonitor).
    """
    mock = PlanMocks(state)
    monitor = RecordingMonitor(mock)
    # Outputs still pending from an earlier run that failed live on the SDK's global
    # settings and would be awaited on this run's loop; the SDK's mocks.test clears them too.
    settings.SETTINGS.outputs.clear()
    # set_mocks starts work on the current loop, so the loop must exist first.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        pulumi.runtime.set_mocks(mock, project=project, stack=stack, preview=False, monitor=monitor)
        settings.ROOT.set(None)  # run_in_stack makes the root Stack itself, as on `pulumi up`
        loop.run_until_complete(runtime_stack.run_in_stack(main))
    except Exception:
        if monitor.refusal:  # the SDK may wrap or follow it with errors of its own
            raise monitor.refusal from None
        raise
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    if monitor.refusal:
        raise monitor.refusal
    return monitor


def recorded(stack: str, monitor: RecordingMonitor, unset_secrets: list[str] | None = None) -> Plan:
    """The plan of what the program registered, in URN order."""
    resources = [_resource(r) for r in sorted(monitor.registrations.values(), key=lambda r: r.urn)]
    return Plan(stack=stack, resources=resources, outputs=monitor.stack_outputs,
                estimates=estimate(resources), unset_secrets=unset_secrets or [], invokes=list(monitor.invokes))


def _resource(r: Registration) -> dict:
    return {
        "urn": r.urn,
        "type": r.type,
        "name": r.name,
        "parent": r.parent or None,
        "custom": r.custom,
        "inputs": r.inputs,
        "dependencies": r.dependencies,
        "protect": r.protect,
        "retain_on_delete": r.retain_on_delete,
        # A provider reference is "<urn>::<id>"; the URN is what identifies it.
        "provider": r.provider.rsplit("::", 1)[0] if r.provider else None,
        "import_id": r.import_id or None,
        "ignore_changes": r.ignore_changes,
        "delete_before_replace": r.delete_before_replace,
    }
