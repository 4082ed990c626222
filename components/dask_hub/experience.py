"""What users see on a hub: environments to choose, sharing, the hub's page, a shared folder."""

import re

from pydantic import Field, model_validator

from components.fields import Base, Key, reject


class Image(Base):
    """A container image pinned by tag; `latest` would make rebuilds unreviewable."""

    name: str = Field(pattern=r"^[a-z0-9][-a-z0-9./_]*[a-z0-9]$", description="Image repository.")
    tag: str = Field(pattern=r"^[A-Za-z0-9_][-A-Za-z0-9_.]{0,127}$", description="Pinned tag.")

    @property
    def ref(self) -> str:
        return f"{self.name}:{self.tag}"

    @model_validator(mode="after")
    def _pinned(self):
        if self.tag == "latest":
            reject([("tag", "must pin a version, not 'latest'")])
        return self


class ImageChoice(Image):
    """A further environment users may pick at spawn time."""

    display_name: str = Field(min_length=1, description="What the spawn form shows.")


def anchored_regex(value: str) -> str:
    """An image pattern KubeSpawner can use whole: compiled here, and anchored at both ends
    so that `pangeo/` can't be satisfied by `evil.example/pangeo/...`."""
    try:
        re.compile(value)
    except re.error as error:
        reject([("", f"is not a regular expression: {error}")])
    if not (value.startswith("^") and value.endswith("$")):
        reject([("", f"must be anchored with ^ and $, got {value!r}")])
    return value


class Sharing(Base):
    """JupyterHub's server sharing (5.0+): members share their running servers with users or groups."""

    groups: list[Key] = Field(
        default_factory=list, description="Groups whose members may share their servers; empty: nobody."
    )


class HubPage(Base):
    """The hub's own login and home page wording, rendered by JupyterHub's templates."""

    title: str = Field("", max_length=120, description="Heading of the login page.")
    subtitle: str = Field("", max_length=200, description="Line under the heading.")
    welcome: str = Field("", max_length=2000, description="Welcome text (plain text) on the login page.")
    links: dict[str, str] = Field(
        default_factory=dict, description="Link text to https URL, shown under the welcome text."
    )

    @model_validator(mode="after")
    def _https_links(self):
        reject([(f"links.{text}", f"must be an https:// URL, got {url!r}")
                for text, url in self.links.items() if not url.startswith("https://")])
        return self


class SharedDirectory(Base):
    """A folder of the home share every user sees read-only at /home/jovyan/shared."""

    enabled: bool = False
    writers: list[Key] = Field(
        default_factory=list, description="Groups whose members may write it; admins of the hub always may."
    )
