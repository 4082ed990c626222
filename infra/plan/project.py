"""The offline plan of another Pulumi program built from the components, such as examples/daskhub.

Its Pulumi.yaml names the project (its config namespace) and the program; the
program runs as `pulumi up` would run it, under the same recording mocks, so
the same engine rules apply (a duplicate URN, a parent never registered).
"""

import runpy
from dataclasses import replace
from pathlib import Path

import pulumi
import yaml

from infra.config import ConfigError, read_stack_file, set_key

from .run import Plan, named_projects, recorded, replace_secure, run_program, with_config


def project_file(directory: Path) -> tuple[str, Path]:
    """The project's name and its program's entry file."""
    path = directory / "Pulumi.yaml"
    try:
        meta = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError([f"{path}: cannot read: {getattr(error, 'strerror', None) or error}"]) from None
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise ConfigError([f"{path}: must be a mapping with a `name:`"])
    main = directory / meta.get("main", ".")
    return meta["name"], main / "__main__.py" if main.is_dir() else main


def plan_project(directory: Path, stack: str, overrides: tuple[str, ...] = ()) -> Plan:
    """Plan the program in `directory` with its Pulumi.<stack>.yaml and `--set` overrides (its own namespace).

    Encrypted values (`secure:`) can't be read offline and stand in as a placeholder;
    the program's own config errors (a RunError, as `pulumi up` shows them) are ConfigErrors.
    """
    project, main = project_file(directory)
    values = read_stack_file(directory / f"Pulumi.{stack}.yaml")
    for assignment in overrides:
        values = set_key(values, assignment, namespace=project)
    with_config(replace_secure(values))
    try:
        monitor = run_program(lambda: runpy.run_path(str(main), run_name="__main__"), stack=stack, project=project)
    except pulumi.RunError as error:
        raise ConfigError(str(error).splitlines()) from None
    return replace(recorded(stack, monitor), config_projects=sorted(named_projects(values)))
