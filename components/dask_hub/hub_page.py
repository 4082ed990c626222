"""The hub's own login page: JupyterHub's template with the hub's wording from config.

The template is mounted through z2jh's hub.extraFiles, so no git-sync sidecar
or custom hub image is needed; the wording reaches it as template variables.
"""

from pathlib import Path

from .experience import HubPage

TEMPLATE = Path(__file__).with_name("templates") / "login.html"
TEMPLATE_DIR = "/usr/local/etc/jupyterhub/templates"


def hub_page_values(page: HubPage) -> tuple[dict, dict]:
    """(hub.extraFiles entries, hub.config.JupyterHub settings) for the login page."""
    files = {"login-template": {"mountPath": f"{TEMPLATE_DIR}/login.html", "stringData": TEMPLATE.read_text()}}
    settings = {"template_paths": [TEMPLATE_DIR], "template_vars": {"hub_page": page.model_dump()}}
    return files, settings
