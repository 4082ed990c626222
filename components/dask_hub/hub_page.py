"""The hub's own pages: JupyterHub's templates, extended with the hub's wording from config.

The templates (templates/*.html: page.html for the tab title and navbar, login.html,
home.html, error.html) are mounted through z2jh's hub.extraFiles, so no git-sync
sidecar or custom hub image is needed; the wording reaches them as template
variables. Each extends JupyterHub's own template of the same name ("templates/<name>"),
so what JupyterHub renders stays and only our blocks are added.
"""

from pathlib import Path

from .experience import HubPage

TEMPLATES = sorted((Path(__file__).with_name("templates")).glob("*.html"))
TEMPLATE_DIR = "/usr/local/etc/jupyterhub/templates"


def team_link(team: str) -> dict[str, str]:
    """`org:team` (auth.github.allowed_teams) as its GitHub name and page."""
    org, _, slug = team.partition(":")
    return {"name": f"{org}/{slug}", "url": f"https://github.com/orgs/{org}/teams/{slug}"}


def page_vars(page: HubPage, allowed_teams: list[str]) -> dict:
    """What the templates read as `hub_page`: the wording, and the teams that grant access (the 403 page)."""
    return {**page.model_dump(), "contact_url": page.contact_url,
            "access": [team_link(t) for t in sorted(allowed_teams)]}


def refusal_message(page: HubPage) -> str:
    """OAuthenticator's 403 message for a GitHub user in none of the allowed teams; error.html
    names the teams and the contact under it."""
    return f"Your GitHub account is not in a team that may use {page.title or 'this hub'}."


def hub_page_values(page: HubPage, allowed_teams: list[str]) -> tuple[dict, dict]:
    """(hub.extraFiles entries, hub.config.JupyterHub settings) for the hub's pages."""
    files = {f"{t.stem}-template": {"mountPath": f"{TEMPLATE_DIR}/{t.name}", "stringData": t.read_text()}
             for t in TEMPLATES}
    settings = {"template_paths": [TEMPLATE_DIR], "template_vars": {"hub_page": page_vars(page, allowed_teams)}}
    return files, settings
