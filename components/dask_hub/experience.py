"""What users see on a hub: environments to choose, sharing, the hub's page, a shared folder."""

import re

from pydantic import Field, field_validator, model_validator

from components.fields import Base, Key, reject


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


class Image(Base):
    """A container image pinned by tag; `latest` would make rebuilds unreviewable."""

    name: str = Field(pattern=r"^[a-z0-9][-a-z0-9./_]*[a-z0-9]$", description="Image repository.")
    tag: str = Field(pattern=r"^[A-Za-z0-9_][-A-Za-z0-9_.]{0,127}$", description="Pinned tag.")

    @field_validator("tag", mode="before")
    @classmethod
    def _text(cls, value):
        """YAML reads an unquoted `tag: 2024.10` as the number 2024.1, losing what was written."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(f"must be text, but YAML read the number {value!r}: quote it as written, as in tag: \"2024.10\"")
        return value

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
    """The hub's own wording on every page it serves (login, home, errors; a public binder's
    launch page), rendered by JupyterHub's and BinderHub's own templates."""

    title: str = Field("", max_length=120, description="The hub's name: tab title, navbar, headings.")
    subtitle: str = Field("", max_length=200, description="Line under the heading.")
    welcome: str = Field("", max_length=2000, description="Welcome text (plain text) on the login page.")
    links: dict[str, str] = Field(
        default_factory=dict, description="Link text to https URL, shown under the welcome text."
    )
    help_url: str | None = Field(None, description="Where users get help (https): the navbar's Help link.")
    contact: str | None = Field(
        None, max_length=200,
        description="Who grants access, named on the 403 page: an e-mail address or an https URL.")

    @model_validator(mode="after")
    def _https_links(self):
        urls = {f"links.{text}": url for text, url in self.links.items()}
        if self.help_url is not None:
            urls["help_url"] = self.help_url
        problems = [(key, f"must be an https:// URL, got {url!r}") for key, url in urls.items()
                    if not url.startswith("https://")]
        if self.contact is not None and not (self.contact.startswith("https://") or EMAIL.match(self.contact)):
            problems.append(("contact", f"must be an e-mail address or an https:// URL, got {self.contact!r}"))
        reject(problems)
        return self

    @property
    def contact_url(self) -> str | None:
        if self.contact is None:
            return None
        return self.contact if self.contact.startswith("https://") else f"mailto:{self.contact}"


class SharedDirectory(Base):
    """A folder of the home share every user sees read-only at /home/jovyan/shared."""

    enabled: bool = False
    writers: list[Key] = Field(
        default_factory=list, description="Groups whose members may write it; admins of the hub always may."
    )
