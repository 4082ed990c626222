"""The binderhub-service chart: BinderHub as a JupyterHub service that builds images with repo2docker."""

from components.helm import Chart

BINDERHUB_SERVICE = Chart(
    "binderhub-service", "0.1.0-0.dev.git.336.hca79dc0", "https://2i2c.org/binderhub-service/"
)
# Helm release names are per namespace, and the chart renders nothing
# cluster-scoped, so every hub's binder can share this name.
RELEASE = "binderhub-service"
# With fullnameOverride "" (the chart's default) its Service is `binderhub`, port 80.
SERVICE_URL = "http://binderhub"
# The hub service binder registers as, its OAuth client, and its path on the hub's proxy.
SERVICE_NAME = "binder"
OAUTH_CLIENT_ID = f"service-{SERVICE_NAME}"
SERVICE_PREFIX = f"/services/{SERVICE_NAME}/"
