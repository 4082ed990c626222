"""The binderhub-service chart: BinderHub as a JupyterHub service that builds images with repo2docker."""

from components.helm import Chart

BINDERHUB_SERVICE = Chart(
    "binderhub-service", "0.1.0-0.dev.git.336.hca79dc0", "https://2i2c.org/binderhub-service/"
)
# The release is named after the chart, so the chart's fullname, and the Service
# the hub routes /services/binder to, is exactly this.
RELEASE = "binderhub-service"
SERVICE_NAME = "binder"
SERVICE_URL = f"http://{RELEASE}"
