"""BinderHub: Binder as a feature flag on any hub (binderhub-service beside JupyterHub)."""

from .component import BinderHub, BinderHubArgs, BinderService
from .values import BinderPage

__all__ = ["BinderHub", "BinderHubArgs", "BinderPage", "BinderService"]
