"""A pinned Helm chart, as the components' Releases name it."""

from typing import NamedTuple


class Chart(NamedTuple):
    name: str
    version: str
    repository: str
