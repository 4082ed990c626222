"""The Pulumi program: validate the whole stack config, then declare the stack for its cloud."""

import pulumi
from pulumi.runtime import config as runtime_config

from infra.config import ConfigError, StackConfig, parse_stack_config

from . import aws, gcp
from .cost import monthly_cost

COMPOSITIONS = {"gcp": gcp.build, "aws": aws.build}


def build(config: StackConfig) -> None:
    """Declare every resource of the stack and export its outputs."""
    outputs = COMPOSITIONS[config.provider](config)
    outputs["monthly_cost_estimate"] = monthly_cost(config)
    for key, value in sorted(outputs.items()):
        pulumi.export(key, value)


def engine_config() -> dict[str, str]:
    """The stack config the engine handed this run (PULUMI_CONFIG and the run request)."""
    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def load_config(values: dict) -> StackConfig:
    config = parse_stack_config(values)
    missing = config.secrets_missing()
    if missing:
        raise ConfigError([
            f"pangeo-hubs:{path}: secret is not set; run: pulumi config set --secret --path '{path}'" for path in missing
        ])
    return config


def main() -> None:
    try:
        config = load_config(engine_config())
    except ConfigError as error:
        # RunError is reported as its message alone: one line per problem, no traceback.
        raise pulumi.RunError(str(error)) from None
    build(config)
