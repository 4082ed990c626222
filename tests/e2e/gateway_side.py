"""Imported by the gateway's wrapper config (inside the dask-gateway-server process).

boot() runs the chart's own dask_gateway_config.py (rendered ConfigMap, as the
gateway pod mounts it: the values embedded, auth=jupyterhub with the service
name, the token from the pod env, extraConfig's cluster options and limits) and
then overrides only what cannot work off-cluster:

- the backend: MarkedLocalBackend (UnsafeLocalBackend: scheduler and workers are
  local `dask` processes instead of pods; it adds the teardown marker, since the
  rendered cluster-options handler replaces ClusterConfig.environment);
- the addresses (127.0.0.1), and the built-in proxy serving the chart's
  gateway.prefix (on the cluster traefik routes that prefix);
- the hub API URL: its in-cluster Service mapped to the local hub.
"""

import json
import os
import sys
from pathlib import Path

from dask_gateway_server.backends.local import UnsafeLocalBackend

from localize import localizer

SETTINGS = json.loads(os.environ.get("E2E_GATEWAY_SETTINGS", "{}"))


class MarkedLocalBackend(UnsafeLocalBackend):
    def get_env(self, cluster):
        env = super().get_env(cluster)
        env["HC_TEST_MARKER"] = os.environ.get("HC_TEST_MARKER", "")
        return env


def boot(c, load_subconfig):
    chart_config = SETTINGS["root"] + SETTINGS["config"]
    assert os.path.exists(chart_config), chart_config  # load_subconfig ignores a missing file
    load_subconfig(chart_config)

    c.DaskGateway.backend_class = MarkedLocalBackend
    c.DaskGateway.address = f"127.0.0.1:{SETTINGS['api_port']}"
    c.Proxy.address = f"127.0.0.1:{SETTINGS['proxy_port']}"
    c.Proxy.prefix = SETTINGS["prefix"]
    c.LocalBackend.clusters_directory = str(Path(SETTINGS["root"]) / "clusters")
    bin_dir = Path(sys.executable).parent
    c.ClusterConfig.scheduler_cmd = [str(bin_dir / "dask"), "scheduler"]
    c.ClusterConfig.worker_cmd = [str(bin_dir / "dask"), "worker"]
    auth = c.JupyterHubAuthenticator
    auth.jupyterhub_api_url = localizer(SETTINGS["localize"])(auth.jupyterhub_api_url)
