"""The Pulumi program: validate the whole stack config, then declare the stack for its cloud."""

import copy
import importlib
import json

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime.sync_await import _sync_await

from infra.config import NAMESPACE, ConfigError, StackConfig, parse_stack_config
from infra.config.migration import Previous
from infra.config.placeholders import placeholder_problems
from infra.config.secrets import plaintext_secrets

from .cost import monthly_cost
from .dashboards import stack_dashboards

# Imported on use: each cloud's provider SDK takes seconds to import.
COMPOSITIONS = {"gcp": "infra.gcp", "aws": "infra.aws"}


def build(config: StackConfig, *, offline: bool = False) -> None:
    """Declare every resource of the stack and export its outputs. On aws the update's caller
    must be a cluster admin by config (infra/config/caller.py); offline, the caller is the mocks'."""
    composition = importlib.import_module(COMPOSITIONS[config.provider])
    outputs = composition.build(config, **({"check_caller": not offline} if config.provider == "aws" else {}))
    outputs["monthly_cost_estimate"] = monthly_cost(config)
    for key, value in sorted(outputs.items()):
        pulumi.export(key, value)


def engine_config() -> dict[str, str]:
    """The stack config the engine handed this run (PULUMI_CONFIG and the run request)."""
    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def engine_secret_keys(values: dict) -> set[str]:
    """The keys the engine marks secret: PULUMI_CONFIG_SECRET_KEYS from the language host,
    and those the SDK was told of directly (the Automation API's inline programs)."""
    return set(runtime_config.get_config_secret_keys_env()) | {k for k in values if runtime_config.is_config_secret(k)}


def load_config(values: dict, stack: str) -> StackConfig:
    """The validated config; an unset secret names the command that sets it on this stack."""
    config = parse_stack_config(values)
    missing = config.secrets_missing()
    if missing:
        raise ConfigError([
            f"{NAMESPACE}:{path}: secret is not set; run: pulumi config set --secret --path '{path}' -s {stack}"
            for path in missing
        ])
    if config.monitoring.grafana:
        stack_dashboards(config.monitoring.grafana)  # a source that is missing or broken is a config error
    return config


def completed_migrations() -> dict:
    """The `migration` output of this stack's last update, read through a StackReference to itself."""
    name = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    details = _sync_await(pulumi.StackReference(f"{name}-self", stack_name=name).get_output_details("migration"))
    return details.value or details.secret_value or {}


def with_previous(values: dict, completed: dict) -> dict:
    """Config with each hub's `migration.previous` from the last update, unless set explicitly."""
    hubs = copy.deepcopy(_hubs(values))
    if not isinstance(hubs, dict):
        return values
    for name, hub in hubs.items():
        migration = hub.setdefault("migration", {}) if isinstance(hub, dict) else None
        if isinstance(migration, dict) and "previous" not in migration and name in completed:
            last = completed[name]
            migration["previous"] = {k: last[k] for k in Previous.model_fields if k in last}
    return {**values, f"{NAMESPACE}:hubs": hubs}


def _hubs(values: dict):
    """`hubs` as the engine hands it (JSON text) or as given; text that is not JSON is left
    for validation to report at its key path, not raised here as a traceback."""
    hubs = values.get(f"{NAMESPACE}:hubs")
    if isinstance(hubs, str):
        try:
            return json.loads(hubs)
        except json.JSONDecodeError:
            return hubs
    return hubs


def own_phases(values: dict) -> dict:
    """Each hub's own `migration.phase`, shaped like the `migration` output: what the last
    update completed if it applied this same config. A re-run of it passes every phase guard."""
    hubs = _hubs(values)
    if not isinstance(hubs, dict):
        return {}
    return {name: {"phase": hub["migration"].get("phase", "none")} for name, hub in hubs.items()
            if isinstance(hub, dict) and isinstance(hub.get("migration"), dict)}


def placeholders(config: StackConfig) -> list[str]:
    """The config's stand-ins for identities the stack can't know (infra/config/placeholders.py)."""
    return [f"{NAMESPACE}:{path}: {problem}" for path, problem in placeholder_problems(config.model_dump())]


def main(*, offline: bool = False) -> None:
    """The program as the engine runs it; `offline` (the offline plan alone) lets placeholders through."""
    try:
        values = engine_config()
        # The engine names the keys that hold an encrypted value; a secret under any other was plain text.
        plain = plaintext_secrets(values, pulumi.get_stack(), engine_secret_keys(values))
        if plain:
            raise ConfigError(plain)
        # Every other problem is reported before anything is read or declared; the phase
        # guards need the last update, so this first check assumes a re-run of this config.
        load_config(with_previous(values, own_phases(values)), pulumi.get_stack())
        config = load_config(with_previous(values, completed_migrations()), pulumi.get_stack())
        if not offline and (problems := placeholders(config)):
            raise ConfigError(problems)
        build(config, offline=offline)
    except ConfigError as error:
        # RunError is reported as its message alone: one line per problem, no traceback.
        raise pulumi.RunError(str(error)) from None
