"""The Helm charts a DaskHub installs, pinned; the daskhub meta-chart is these two side by side."""

from components.helm import Chart

JUPYTERHUB = Chart("jupyterhub", "4.4.0", "https://jupyterhub.github.io/helm-chart/")
DASK_GATEWAY = Chart("dask-gateway", "2026.3.0", "https://helm.dask.org/")

# Release names are fixed so the in-cluster service names the two charts use to
# find each other are fixed too (the gateway chart names its proxy traefik-<release>).
GATEWAY_RELEASE = "dask-gateway"
GATEWAY_SERVICE = f"traefik-{GATEWAY_RELEASE}"
GATEWAY_SERVICE_NAME = "dask-gateway"
GATEWAY_PREFIX = f"/services/{GATEWAY_SERVICE_NAME}"
HUB_API = "http://hub:8081/hub/api"
