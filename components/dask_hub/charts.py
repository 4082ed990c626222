"""The Helm charts a DaskHub installs, pinned, and the names one hub's releases get.

The daskhub meta-chart is these two side by side.
"""

from dataclasses import dataclass

from components.helm import Chart

JUPYTERHUB = Chart("jupyterhub", "4.4.0", "https://jupyterhub.github.io/helm-chart/")
DASK_GATEWAY = Chart("dask-gateway", "2026.3.0", "https://helm.dask.org/")

# The hub's JupyterHub service for the gateway, and where the proxy serves it.
GATEWAY_SERVICE_NAME = "dask-gateway"
GATEWAY_PREFIX = f"/services/{GATEWAY_SERVICE_NAME}"


@dataclass(frozen=True)
class HubReleases:
    """Release names of one hub, distinct per hub so any number of hubs share a cluster.

    z2jh names its cluster-scoped objects (PriorityClasses, the user-scheduler's
    ClusterRole and scheduler name) after the release, and the dask-gateway chart
    names its ClusterRoles and its instance id (the label its controller and
    traefik watch cluster-wide) after the release's fullname.
    """

    hub: str

    @property
    def jupyterhub(self) -> str:
        return f"{self.hub}-jupyterhub"

    @property
    def gateway(self) -> str:
        # Contains the chart name, so the chart's fullname is exactly this.
        return f"{self.hub}-dask-gateway"

    @property
    def gateway_proxy(self) -> str:
        """The gateway chart's traefik Service, `traefik-<fullname>`, port 80."""
        return f"traefik-{self.gateway}"
