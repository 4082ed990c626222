"""The offline plan: run the real program under the SDK's mocks and record what it declares."""

import asyncio
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings
from pulumi.runtime import stack as runtime_stack

from infra import program
from infra.config import NAMESPACE, read_stack_file, set_key

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

    def to_json(self) -> dict:
        return {"stack": self.stack, "resources": self.resources, "outputs": self.outputs, "estimates": self.estimates}


def stack_values(stack: str, stack_file: Path | None = None, overrides: tuple[str, ...] = ()) -> dict[str, Any]:
    """The stack file's config with `--set` overrides applied."""
    values = read_stack_file(stack_file or REPO / f"Pulumi.{stack}.yaml")
    for assignment in overrides:
        values = set_key(values, assignment)
    return values


def _with_placeholders(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Stand-ins for secrets: encrypted ones can't be read offline, unset ones aren't there."""
    values = _replace_secure(values)
    unset = program.parse_stack_config(values).secrets_missing()
    for path in unset:
        values = set_key(values, f"{path}={PLACEHOLDER}")
    return values, unset


def _replace_secure(node: Any) -> Any:
    if isinstance(node, dict):
        if set(node) == {"secure"}:
            return PLACEHOLDER
        return {k: _replace_secure(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_secure(v) for v in node]
    return node


def plan(
    stack: str, *, stack_file: Path | None = None, overrides: tuple[str, ...] = (), completed: dict | None = None
) -> Plan:
    """Validate the config, then declare the stack under mocks. Raises ConfigError first if invalid.

    `completed` stands in for the `migration` output of a previous update.
    """
    values = stack_values(stack, stack_file, overrides)
    if completed:
        values = program.with_previous(values, completed)
    values, unset = _with_placeholders(values)
    program.load_config(values)
    namespaced = {k: v for k, v in values.items() if k.startswith(f"{NAMESPACE}:")}
    monitor = _run(stack, namespaced)
    resources = [_resource(r) for r in sorted(monitor.registrations.values(), key=lambda r: r.urn)]
    return Plan(stack=stack, resources=resources, outputs=monitor.stack_outputs,
                estimates=estimate(resources), unset_secrets=unset)


def _run(stack: str, values: dict[str, Any]) -> RecordingMonitor:
    # Config reaches the program exactly as on `pulumi up`: through PULUMI_CONFIG.
    os.environ["PULUMI_CONFIG"] = json.dumps(
        {k: v if isinstance(v, str) else json.dumps(v, sort_keys=True) for k, v in values.items()}
    )
    pulumi.runtime.config.CONFIG.set({})
    mock = PlanMocks()
    monitor = RecordingMonitor(mock)
    # set_mocks starts work on the current loop, so the loop must exist first.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        pulumi.runtime.set_mocks(mock, project=PROJECT, stack=stack, preview=False, monitor=monitor)
        settings.ROOT.set(None)  # run_in_stack makes the root Stack itself, as on `pulumi up`
        loop.run_until_complete(runtime_stack.run_in_stack(program.main))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return monitor


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
    }
