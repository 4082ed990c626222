"""Constrained types shared by the stack config models."""

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError


class Base(BaseModel):
    """Every config model: unknown keys are errors and values never change after load."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def reject(problems: list[tuple[str, str]]) -> None:
    """Raise one validation error carrying (relative key path, message) pairs.

    Cross-field rules live on the model that owns the fields; this lets them name
    the exact key (`home.capacity_gb`) instead of the model that checked it.
    """
    if problems:
        raise PydanticCustomError(
            "cross_field", "{summary}", {"summary": "; ".join(m for _, m in problems), "problems": problems}
        )


_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})+$")


def _domain(value: str) -> str:
    if not _DOMAIN.match(value) or value.split(".")[-1].isdigit():
        raise PydanticCustomError(
            "domain", "must be a lowercase DNS name such as hub.example.org"
        )
    return value


Domain = Annotated[str, AfterValidator(_domain)]

def _name(max_length: int):
    pattern = re.compile(rf"^[a-z]([-a-z0-9]{{0,{max_length - 2}}}[a-z0-9])?$")

    def check(value: str) -> str:
        if not pattern.match(value):
            raise PydanticCustomError(
                "name", f"must be a name of 1 to {max_length} lowercase letters, digits and dashes"
            )
        return value

    return AfterValidator(check)


# Keys of node pools and profiles become Kubernetes and cloud resource names, so
# they follow the strictest rule among them (a short DNS-1123 label).
Key = Annotated[str, _name(30)]
# Hub names also feed cloud names with tight limits (GCP service account ids: 30).
HubKey = Annotated[str, _name(20)]

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]

# Cost-attribution labels must be valid on GCP (the stricter cloud) and on AWS.
LabelKey = Annotated[str, StringConstraints(pattern=r"^[a-z][-_a-z0-9]{0,62}$")]
LabelValue = Annotated[str, StringConstraints(pattern=r"^[-_a-z0-9]{0,63}$")]
