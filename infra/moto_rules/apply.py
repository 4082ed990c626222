"""Create a plan's resources in moto in dependency order, swapping mocked ids for moto's real ones."""

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any, Iterator

import boto3
from botocore.exceptions import ClientError, ParamValidationError
from moto import mock_aws

from infra.plan.mocks import _computed

from .handlers import HANDLERS, NOT_MODELED, Context, LayerRule


class MotoRejection(Exception):
    """AWS (moto) or a rule checked on moto's data refused one resource of the plan."""

    def __init__(self, resource: dict, code: str, message: str):
        super().__init__(f"{resource['type']} {resource['name']}: {code}: {message}")
        self.resource, self.code, self.message = resource, code, message


@dataclass
class MotoRun:
    """What was created in moto, and what was left out because moto doesn't model it."""

    created: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    real: dict[str, dict] = field(default_factory=dict)


@contextlib.contextmanager
def moto_aws() -> Iterator[None]:
    """moto with AWS's managed IAM policies loaded, so attaching an unknown managed ARN fails."""
    env = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-west-2"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with mock_aws():
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def apply_plan(resources: list[dict], region: str = "us-west-2") -> MotoRun:
    """Create every modelled AWS resource of `resources`; raises MotoRejection on the first refusal.

    Call inside `moto_aws()`. Inputs are the plan's recorded (camelCase) inputs.
    """
    ctx = Context(session=boto3.session.Session(region_name=region), region=region)
    run = MotoRun()
    swaps: dict[str, str] = {}
    for resource in dependency_order(resources):
        kind = resource["type"]
        if kind not in HANDLERS:
            if kind.startswith("aws:"):
                run.skipped.append({**resource, "reason": NOT_MODELED.get(kind, "no handler")})
            continue
        inputs = substitute(resource["inputs"], swaps)
        mocked = {"id": f"{resource['name']}-id", **_computed(kind, resource["name"], resource["inputs"])}
        try:
            real = HANDLERS[kind](ctx, resource["name"], inputs, mocked)
        except ClientError as error:
            details = error.response.get("Error", {})
            raise MotoRejection(resource, details.get("Code", "ClientError"), details.get("Message", str(error))) from None
        except ParamValidationError as error:
            raise MotoRejection(resource, "ParamValidation", str(error).replace("\n", " ")) from None
        except LayerRule as error:
            raise MotoRejection(resource, error.code, str(error)) from None
        for key, value in real.items():
            mock = _find(mocked, key)
            if isinstance(mock, str) and isinstance(value, str) and mock != value:
                if swaps.setdefault(mock, value) != value:
                    raise ValueError(f"mocked value {mock!r} stands for two resources; give them distinct names")
        run.created.append(resource)
        run.real[resource["urn"]] = real
    return run


def dependency_order(resources: list[dict]) -> list[dict]:
    """Resources with every dependency before them; ties keep the plan's (URN) order."""
    by_urn = {r["urn"]: r for r in resources}
    done: set[str] = set()
    ordered: list[dict] = []

    def visit(urn: str, path: tuple[str, ...]) -> None:
        if urn in done or urn not in by_urn:
            return
        if urn in path:
            raise ValueError(f"dependency cycle through {urn}")
        for dependency in by_urn[urn]["dependencies"]:
            visit(dependency, (*path, urn))
        done.add(urn)
        ordered.append(by_urn[urn])

    for resource in resources:
        visit(resource["urn"], ())
    return ordered


def substitute(value: Any, swaps: dict[str, str]) -> Any:
    """Mocked ids and ARNs replaced by moto's, also inside JSON documents."""
    if isinstance(value, dict):
        return {k: substitute(v, swaps) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, swaps) for v in value]
    if isinstance(value, str):
        if value in swaps:
            return swaps[value]
        for mock in sorted(swaps, key=len, reverse=True):
            if mock in value:
                value = value.replace(mock, swaps[mock])
    return value


def _find(tree: Any, key: str) -> Any:
    if isinstance(tree, dict):
        if key in tree:
            return tree[key]
        for child in tree.values():
            if (found := _find(child, key)) is not None:
                return found
    if isinstance(tree, list):
        for child in tree:
            if (found := _find(child, key)) is not None:
                return found
    return None
