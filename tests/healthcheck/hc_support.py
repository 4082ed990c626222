"""Shared helpers + fixtures for tests/healthcheck (re-exported by conftest.py;
uniquely named so `from hc_support import ...` cannot hit another conftest).

Fixtures: a REAL JupyterHub (+ configurable-http-proxy, local single-user
servers) and a REAL dask-gateway-server (UnsafeLocalBackend) on 127.0.0.1.

Every process we start carries HC_TEST_MARKER=<its tmp dir> in its
environment (also forwarded to spawned servers and dask processes), so
teardown can find and kill anything that survived a graceful shutdown.
"""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from components.dask_hub import metrics
from tests.charts import skip_unless_ci

REPO = Path(__file__).resolve().parents[2]
HEALTHCHECK = REPO / "components" / "dask_hub" / "healthcheck.py"
CHP = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent  # venv bin: jupyterhub, dask-scheduler, ...

sys.path.insert(0, str(HEALTHCHECK.parent))
import healthcheck  # noqa: E402

TEST_USER = "hc-user"
PROBE_USER = "scope-probe"
BROKEN_USERS = {"broken-missing": ["/nonexistent/jupyterhub-singleuser"], "broken-exits": ["/bin/false"]}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, proc, timeout=60):
    """Wait until url answers 200; fail early if proc died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}; see {proc.log}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:  # includes HTTPError: proxy up before its hub route
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout}s; see {proc.log}")


def start(cmd, cwd, log, marker, env=None):
    """env: extra variables (e.g. what a pod's spec sets), over ours."""
    base = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", HC_TEST_MARKER=marker)
    base.pop("JUPYTERHUB_API_TOKEN", None)
    env = base | (env or {})
    logf = open(log, "wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=logf, stderr=subprocess.STDOUT,
                            start_new_session=True)
    proc.log, proc.logf = log, logf
    return proc


@contextlib.contextmanager
def serving(command, tmp, marker, health_url, config="jupyterhub_config.py", log="jupyterhub.log", env=None):
    """Runs BIN/command with its config file in tmp until the block ends, once health_url answers."""
    proc = start([str(BIN / command), "-f", str(tmp / config)], tmp, tmp / log, marker, env)
    try:
        wait_http(health_url, proc)
        yield proc
    finally:
        stop(proc, marker)


def stop(proc, marker):
    """SIGTERM (graceful: hub stops servers+proxy, gateway stops clusters),
    then SIGKILL the group and any process still carrying our marker."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    proc.logf.close()
    needle = f"HC_TEST_MARKER={marker}".encode()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            if needle in (d / "environ").read_bytes().split(b"\0"):
                os.kill(int(d.name), signal.SIGKILL)
        except OSError:
            pass


class Hub:
    """Handles to the running hub: URLs and the service tokens."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


@pytest.fixture(scope="session")
def chp():
    if not CHP.exists():
        skip_unless_ci(f"configurable-http-proxy not found at {CHP}: run `npm ci` in {REPO}")
    return CHP


@pytest.fixture(scope="session")
def hub(chp, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hub")
    marker = str(tmp)
    port, hub_port, api_port = free_port(), free_port(), free_port()
    tokens = {
        "healthcheck": secrets.token_hex(16),  # role filtered to TEST_USER
        "healthcheck-any": secrets.token_hex(16),  # unfiltered role
        "healthcheck-noscope": secrets.token_hex(16),  # lacks servers, tokens
        "dask-gateway": secrets.token_hex(16),
        metrics.SERVICE: secrets.token_hex(16),  # Prometheus's, with the hubs' own metrics role
    }
    roles = [
        healthcheck.health_check_role("healthcheck", user=TEST_USER),
        healthcheck.health_check_role("healthcheck-any"),
        {
            "name": "noscope",
            "scopes": [s for s in healthcheck.REQUIRED_SCOPES if s not in ("servers", "tokens")],
            "services": ["healthcheck-noscope"],
        },
        metrics.ROLE,
        # like daskhub: users may use the dask-gateway service
        {"name": "user", "scopes": ["self", "access:services!service=dask-gateway"]},
    ]
    # one service per required scope, holding all the others (proves each is needed)
    for scope in healthcheck.REQUIRED_SCOPES:
        name = "minus-" + scope.replace(":", "-")
        tokens[name] = secrets.token_hex(16)
        role = healthcheck.health_check_role(name, user=PROBE_USER)
        role["name"] = f"{name}-role"
        role["scopes"] = [s for s in role["scopes"] if not s.startswith(scope + "!")]
        roles.append(role)
    services = [{"name": n, "api_token": t} for n, t in tokens.items()]
    args = ["--allow-root"] if os.geteuid() == 0 else []
    config = f"""
import json
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{str(chp)!r}]
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/cookie_secret"
c.JupyterHub.pid_file = "{tmp}/jupyterhub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp}/home/{{username}}"
c.Spawner.cmd = [{str(BIN / "jupyterhub-singleuser")!r}]
c.Spawner.args = {args!r}
c.Spawner.environment = {{"HC_TEST_MARKER": {marker!r}}}
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 15
# answer POST /server with 202 at once, like a real (slow) KubeSpawner spawn
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.JupyterHub.services = json.loads({json.dumps(services)!r})
c.JupyterHub.load_roles = json.loads({json.dumps(roles)!r})
c.JupyterHub.authenticate_prometheus = {metrics.HUB_VALUES["authenticatePrometheus"]!r}
BROKEN = json.loads({json.dumps(BROKEN_USERS)!r})

def pre_spawn_hook(spawner):
    # simulate a broken image for specific users
    if spawner.user.name in BROKEN:
        spawner.cmd = BROKEN[spawner.user.name]

c.Spawner.pre_spawn_hook = pre_spawn_hook
"""
    (tmp / "jupyterhub_config.py").write_text(config)
    url = f"http://127.0.0.1:{port}"
    with serving("jupyterhub", tmp, marker, f"{url}/hub/api/") as proc:
        yield Hub(url=url, api_url=f"{url}/hub/api", tokens=tokens, log=proc.log, tmp=tmp)


@pytest.fixture(scope="session")
def gateway(hub, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gateway")
    marker = str(tmp)
    port, api_port = free_port(), free_port()
    config = f"""
c = get_config()  # noqa
c.DaskGateway.address = "127.0.0.1:{api_port}"
c.Proxy.address = "127.0.0.1:{port}"
c.DaskGateway.backend_class = "dask_gateway_server.backends.local.UnsafeLocalBackend"
c.LocalBackend.clusters_directory = "{tmp}/clusters"
c.ClusterConfig.scheduler_cmd = [{str(BIN / "dask")!r}, "scheduler"]
c.ClusterConfig.worker_cmd = [{str(BIN / "dask")!r}, "worker"]
c.ClusterConfig.worker_cores = 1
c.ClusterConfig.worker_memory = "1 G"
c.ClusterConfig.idle_timeout = 600
c.ClusterConfig.environment = {{"HC_TEST_MARKER": {marker!r}}}
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"
c.JupyterHubAuthenticator.jupyterhub_api_url = "{hub.api_url}"
c.JupyterHubAuthenticator.jupyterhub_api_token = "{hub.tokens['dask-gateway']}"
c.JupyterHubAuthenticator.jupyterhub_service_name = "dask-gateway"
"""
    (tmp / "dask_gateway_config.py").write_text(config)
    url = f"http://127.0.0.1:{port}"
    with serving("dask-gateway-server", tmp, marker, f"{url}/api/health", config="dask_gateway_config.py",
                 log="dask-gateway.log") as proc:
        yield Hub(url=url, log=proc.log)


@pytest.fixture
def run_check():
    """Run healthcheck.py as a subprocess, exactly as the Kubernetes Job does."""

    def run(*args, token, timeout=180):
        env = dict(os.environ, JUPYTERHUB_API_TOKEN=token)
        proc = subprocess.run([sys.executable, str(HEALTHCHECK), *args], env=env,
                              capture_output=True, text=True, timeout=timeout)
        print(proc.stdout, proc.stderr)  # shown by pytest on failure
        return proc

    return run
