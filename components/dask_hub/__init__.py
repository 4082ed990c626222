"""DaskHub: the jupyterhub and dask-gateway charts wired as the daskhub chart wires them."""

from .component import DaskHub, DaskHubArgs

__all__ = ["DaskHub", "DaskHubArgs"]
