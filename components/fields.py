"""The base model and constrained types of every component's arguments, and how their errors read.

Components validate their own arguments with these, so a stack that composes
them (infra/config) and a program of your own (examples/daskhub) report a bad
value the same way: one line per problem, naming its key path.
"""

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError


class Base(BaseModel):
    """Every argument model: unknown keys are errors and values never change after load.

    No number is infinite or NaN: `.inf` in YAML passes `gt=0` and then breaks whatever
    rounds it (a budget's units) or serializes it (protobuf refuses Infinity)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _not_a_bool(value):
    # pydantic's lax mode reads true as 1; in a number key it is a mistake, never a count.
    if isinstance(value, bool):
        raise PydanticCustomError("number", "must be a number, not true or false")
    return value


# Numbers of the config: as lax as pydantic about numbers written as text ("3.5"), but
# not about true/false. Each field keeps its own bounds (Field(ge=..., le=...)).
Int = Annotated[int, BeforeValidator(_not_a_bool)]
Number = Annotated[float, BeforeValidator(_not_a_bool)]


def _cidr_text(value):
    # ipaddress reads the integer 7 as 0.0.0.7/32, and a list as (address, prefix).
    if not isinstance(value, str):
        raise PydanticCustomError("cidr", "must be a CIDR range written as text, such as 10.0.0.0/20")
    return value


Cidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_cidr_text)]


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


# A GCP project id: 6 to 30 lower-case letters, digits and hyphens, starting with a letter and not
# ending with a hyphen (https://cloud.google.com/resource-manager/docs/creating-managing-projects#before_you_begin).
# Project ids have no upper case; the console's project *name* may, and is a different thing.
GCP_PROJECT_ID = r"[a-z][-a-z0-9]{4,28}[a-z0-9]"


def project_id_lowered(value: str) -> str | None:
    """The project id `value` probably means when only its case is wrong, or None."""
    lower = value.lower()
    return lower if lower != value and re.fullmatch(GCP_PROJECT_ID, lower) else None


def project_id_problem(value: str) -> str | None:
    """Why `value` is not a GCP project id, or None."""
    if re.fullmatch(GCP_PROJECT_ID, value):
        return None
    lower = project_id_lowered(value)
    hint = f" (ids have no upper case: probably {lower!r})" if lower else ""
    return ("must be a GCP project id, 6 to 30 lower-case letters, digits and hyphens that start with a letter "
            f"and do not end with a hyphen; got {value!r}{hint}")


def _project_id(value: str) -> str:
    if problem := project_id_problem(value):
        raise PydanticCustomError("project_id", "{problem}", {"problem": problem})
    return value


ProjectId = Annotated[str, AfterValidator(_project_id)]


def name_rule(max_length: int) -> AfterValidator:
    """A lowercase DNS-label-like name of at most `max_length` characters."""
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
Key = Annotated[str, name_rule(30)]

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]

# Cost-attribution labels must be valid on GCP (the stricter cloud) and on AWS.
LabelKey = Annotated[str, StringConstraints(pattern=r"^[a-z][-_a-z0-9]{0,62}$")]
LabelValue = Annotated[str, StringConstraints(pattern=r"^[-_a-z0-9]{0,63}$")]


def problem_lines(error: ValidationError, namespace: str, union_tags: dict[tuple, set[str]] | None = None) -> list[str]:
    """`<namespace>:<key path>: <problem>`, one line per problem, in the order pydantic found them.

    `union_tags`: where a discriminated union sits (key path prefix -> its tags), so
    the tag pydantic puts in the location is left out of the key path.
    """
    lines: list[str] = []
    for item in error.errors(include_url=False):
        # A bad mapping key is reported at the key itself.
        loc = tuple(part for part in _strip_union_tags(item["loc"], union_tags or {}) if part != "[key]")
        for rel, message in _messages(item):
            path = ".".join(str(part) for part in (*loc, *rel) if part != "")
            line = f"{namespace}:{path}: {message}"
            if line not in lines:
                lines.append(line)
    return lines


def _strip_union_tags(loc: tuple, union_tags: dict[tuple, set[str]]) -> tuple:
    for prefix, tags in union_tags.items():
        n = len(prefix)
        if loc[:n] == prefix and len(loc) > n and loc[n] in tags:
            return loc[:n] + loc[n + 1 :]
    return loc


def _messages(item: dict) -> list[tuple[tuple, str]]:
    kind = item["type"]
    if kind == "cross_field":
        return [(tuple(rel.split(".")), message) for rel, message in item["ctx"]["problems"]]
    if kind == "missing":
        return [((), "required key is missing")]
    if kind == "extra_forbidden":
        return [((), "unknown key")]
    if kind == "union_tag_not_found":
        discriminator = item["ctx"]["discriminator"].strip("'")
        return [((discriminator,), "required key is missing")]
    if kind == "union_tag_invalid":
        discriminator = item["ctx"]["discriminator"].strip("'")
        return [((discriminator,), f"must be one of {item['ctx']['expected_tags']}, got {item['ctx']['tag']!r}")]
    message = item["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    got = item.get("input")
    if not isinstance(got, (dict, list)) and repr(got) not in message:
        message += f", got {got!r}"
    return [((), message)]
