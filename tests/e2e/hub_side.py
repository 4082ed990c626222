"""Imported by the hub's wrapper config (inside the JupyterHub process).

boot() runs the chart's own jupyterhub_config.py (rendered ConfigMap, as the
hub pod mounts it) and then overrides only what cannot work off-cluster:

- z2jh reads the pod paths /usr/local/etc/jupyterhub/{config,secret}/...; the
  chart's z2jh module is imported unchanged and only its `open` and
  `os.path.exists` see those paths redirected to the temp "pod root";
- the spawner: the chart's KubeSpawner 7.0.0 itself, with only what calls the
  Kubernetes API replaced (tests/spawn/offline.py): KubeSpawner applies the
  profile, expands the environment and builds the pod; LocalProcess runs that
  pod's command, args and env as a local process, listening on loopback, with
  a kubeconfig (KUBECONFIG, set by stack.py) whose server is a closed port;
- bind addresses (127.0.0.1), the proxy (started by the hub, from npm;
  on the cluster it is its own pod), in-cluster URLs (-> local ports), and the
  GitHub URLs (-> the fake GitHub).
Everything else (roles, services and tokens, authenticator, server_token_scopes,
extraConfig) is the chart's and the stack's.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from localize import localizer

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # tests.spawn: the offline spawner, shared with the pod tests

from tests.spawn.chart_hub import local_path, redirect_z2jh  # noqa: E402
from tests.spawn.env_check import kubelet_env  # noqa: E402
from tests.spawn.offline import OfflineMixin, hub_spawner_class, offline  # noqa: E402

SETTINGS = json.loads(os.environ["E2E_HUB_SETTINGS"]) if "E2E_HUB_SETTINGS" in os.environ else {}
# What the user image's own ENV gives the container, beside what the pod sets; here the test's venv.
IMAGE_ENV = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "HC_TEST_MARKER")

_localize = localizer(SETTINGS["localize"]) if SETTINGS else None


class LocalProcess(OfflineMixin):
    """The user pod KubeSpawner built, run as a local process: its container's command, args and env.

    Records the pod and the environment each server gets in <env_dir>/<user>.pod.json and .json."""

    async def _start(self):
        with socket.socket() as s:  # the pod's port, on loopback (c.KubeSpawner.ip)
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        return await super()._start()

    async def run_pod(self, pod):
        container = next(c for c in pod["spec"]["containers"] if c["name"] == "notebook")
        home = Path(SETTINGS["home"]) / self.user.name
        home.mkdir(parents=True, exist_ok=True)
        env, _ = kubelet_env(container.get("env", []))  # tests/spawn checks what it leaves
        out = Path(SETTINGS["env_dir"])
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{self.user.name}.pod.json").write_text(json.dumps(pod))
        (out / f"{self.user.name}.json").write_text(json.dumps(env))
        env |= {k: os.environ[k] for k in IMAGE_ENV if k in os.environ} | {"HOME": str(home)}
        argv = container.get("command", []) + container.get("args", [])
        argv += ["--allow-root"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen(argv, env=env, cwd=home)
        return f"http://127.0.0.1:{self.port}"

    async def poll(self):
        proc = getattr(self, "proc", None)
        return 0 if proc is None else proc.poll()

    async def stop(self, now=False):
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


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
    redirect_z2jh(SETTINGS["root"])
    load_subconfig(chart_config)

    # The spawner: the hub's own class, with what would call the Kubernetes API replaced.
    c.JupyterHub.spawner_class = offline(hub_spawner_class(c), LocalProcess)
    c.KubeSpawner.ip = "127.0.0.1"

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
        c.JupyterHub.template_paths = [local_path(SETTINGS["root"], p) for p in c.JupyterHub.template_paths]

    # GitHub is the fake one; its callback is the local proxy.
    c.GitHubOAuthenticator.github_url = SETTINGS["github_url"]
    callback = c.GitHubOAuthenticator.get("oauth_callback_url")
    if callback:
        c.GitHubOAuthenticator.oauth_callback_url = _localize(callback)
