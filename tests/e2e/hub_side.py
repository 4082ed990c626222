"""Imported by the hub's wrapper config (inside the JupyterHub process).

boot() runs the chart's own jupyterhub_config.py (rendered ConfigMap, as the
hub pod mounts it) and then overrides only what cannot work off-cluster:

- z2jh reads the pod paths /usr/local/etc/jupyterhub/{config,secret}/...; the
  chart's z2jh module is imported unchanged and only its `open` and
  `os.path.exists` see those paths redirected to the temp "pod root";
- the spawner class: LocalKubeSpawner runs jupyterhub-singleuser as a local
  process, with the generic Spawner settings the chart puts under KubeSpawner
  (environment, start_timeout, ...) and the image env KubeSpawner adds;
- bind addresses (127.0.0.1), the proxy (started by the hub, from npm;
  on the cluster it is its own pod), in-cluster URLs (-> local ports), and the
  GitHub URLs (-> the fake GitHub).
Everything else (roles, services and tokens, authenticator, server_token_scopes,
extraConfig) is the chart's and the stack's.
"""

import importlib.util
import json
import os
import sys
import types
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import default

from localize import localizer

POD_ETC = "/usr/local/etc/jupyterhub/"
SETTINGS = json.loads(os.environ["E2E_HUB_SETTINGS"]) if "E2E_HUB_SETTINGS" in os.environ else {}


def _local(path):
    """A pod path under /usr/local/etc/jupyterhub/ -> the same path under the temp root."""
    path = str(path)
    return SETTINGS["root"] + path if path.startswith(POD_ETC) else path


def _redirect_z2jh():
    """Import the chart's z2jh.py as `z2jh`, reading pod paths from under the temp root."""
    local = _local
    real_open = open
    shim_path = types.SimpleNamespace(**{k: getattr(os.path, k) for k in dir(os.path) if not k.startswith("__")})
    shim_path.exists = lambda p: os.path.exists(local(p))
    shim_os = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")})
    shim_os.path = shim_path
    spec = importlib.util.spec_from_file_location("z2jh", local(POD_ETC + "z2jh.py"))
    z2jh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(z2jh)
    z2jh.open = lambda path, *a, **kw: real_open(local(path), *a, **kw)
    z2jh.os = shim_os
    sys.modules["z2jh"] = z2jh  # the chart config's `from z2jh import ...` gets this one


_localize = localizer(SETTINGS["localize"]) if SETTINGS else None


class LocalKubeSpawner(SimpleLocalProcessSpawner):
    """jupyterhub-singleuser as a local process, configured like the chart's KubeSpawner.

    Records the exact environment each server gets in <env_dir>/<user>.json.
    """

    @default("env_keep")
    def _env_keep(self):  # + the teardown marker, so leftover servers can be found
        return ["PATH", "PYTHONPATH", "LANG", "LC_ALL", "JUPYTERHUB_SINGLEUSER_APP", "HC_TEST_MARKER"]

    def get_args(self):
        return super().get_args() + (["--allow-root"] if os.geteuid() == 0 else [])

    def get_env(self):
        env = super().get_env()
        image = self.config.KubeSpawner.get("image")
        if image:  # KubeSpawner.get_env sets these in every user pod
            env["JUPYTER_IMAGE_SPEC"] = env["JUPYTER_IMAGE"] = image
        out = Path(SETTINGS["env_dir"]) / f"{self.user.name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(env))
        return env


def _curl_client_or_fallback():
    """The chart config selects tornado's curl client; the hub image has pycurl (7.46.0)."""
    try:
        import pycurl  # noqa: F401
    except ImportError:
        print("e2e: pycurl is missing (the hub image pins pycurl==7.46.0; add it to requirements-hub.txt);"
              " tornado's simple HTTP client stands in", file=sys.stderr)
        from tornado.simple_httpclient import SimpleAsyncHTTPClient
        shim = types.ModuleType("tornado.curl_httpclient")
        shim.CurlAsyncHTTPClient = SimpleAsyncHTTPClient
        sys.modules["tornado.curl_httpclient"] = shim


def boot(c, load_subconfig):
    root = Path(SETTINGS["root"])
    chart_config = str(root) + SETTINGS["config"]
    assert os.path.exists(chart_config), chart_config  # load_subconfig ignores a missing file
    _curl_client_or_fallback()
    _redirect_z2jh()
    load_subconfig(chart_config)

    # The spawner: only its class changes; generic Spawner traits set under KubeSpawner carry over.
    c.JupyterHub.spawner_class = LocalKubeSpawner
    generic = set(SimpleLocalProcessSpawner.class_trait_names(config=True))
    for name, value in c.KubeSpawner.items():
        if name in generic and name not in c.LocalKubeSpawner:
            c.LocalKubeSpawner[name] = value
    c.LocalKubeSpawner.home_dir_template = SETTINGS["home"] + "/{username}"

    # Addresses: everything on 127.0.0.1; the proxy is ours, from npm.
    c.JupyterHub.ip, c.JupyterHub.port = "127.0.0.1", SETTINGS["proxy_port"]
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{SETTINGS['hub_port']}"
    c.JupyterHub.hub_connect_url = _localize(c.JupyterHub.hub_connect_url)
    c.ConfigurableHTTPProxy.api_url = _localize(c.ConfigurableHTTPProxy.api_url)
    c.ConfigurableHTTPProxy.should_start = True
    c.ConfigurableHTTPProxy.command = [SETTINGS["chp"]]
    for service in c.JupyterHub.services:
        if "url" in service:
            service["url"] = _localize(service["url"])
        if "command" in service:  # the idle culler: not part of what this test checks
            service["command"] = [sys.executable, "-c", "import time; time.sleep(10**6)"]
            service["environment"] = {"HC_TEST_MARKER": os.environ.get("HC_TEST_MARKER", "")}

    # Files the chart mounts for the hub itself (e.g. hub.extraFiles templates)
    if "template_paths" in c.JupyterHub:
        c.JupyterHub.template_paths = [_local(p) for p in c.JupyterHub.template_paths]

    # GitHub is the fake one; its callback is the local proxy.
    c.GitHubOAuthenticator.github_url = SETTINGS["github_url"]
    callback = c.GitHubOAuthenticator.get("oauth_callback_url")
    if callback:
        c.GitHubOAuthenticator.oauth_callback_url = _localize(callback)
