"""A user's steps through the running stack: GitHub login, server start, notebook code.

Kept apart from the tests so each test reads as the story it checks.
"""

import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import requests

NOTEBOOK = Path(__file__).with_name("notebook.py")


def login(stack, user):
    """The browser's OAuth dance: hub -> (fake) GitHub -> hub callback. Returns (session, final response)."""
    s = requests.Session()
    r = s.get(f"{stack.url}/hub/oauth_login", allow_redirects=False, timeout=30)
    assert r.status_code == 302 and r.headers["Location"].startswith(stack.github.url), (r.status_code, r.headers)
    r = s.get(f"{r.headers['Location']}&login={user}", allow_redirects=False, timeout=30)  # "signs in" at GitHub
    r = s.get(r.headers["Location"], allow_redirects=False, timeout=30)  # the hub's oauth_callback
    s.get(f"{stack.url}/hub/home", timeout=30)  # a page: sets the _xsrf cookie API calls need
    return s, r


def hub_api(session, stack, method, path, **kw):
    headers = {"X-XSRFToken": session.cookies.get("_xsrf", path="/hub/") or ""}
    return session.request(method, f"{stack.api_url}{path}", headers=headers, timeout=30, **kw)


def start_server(session, stack, user, timeout=60):
    """POST the server through the hub as the logged-in user; wait until ready; return its env."""
    r = hub_api(session, stack, "POST", f"/users/{user}/server")
    assert r.status_code in (201, 202), (r.status_code, r.text)
    deadline = time.monotonic() + timeout
    while True:
        model = hub_api(session, stack, "GET", f"/users/{user}").json()
        server = (model.get("servers") or {}).get("", {})
        if server.get("ready"):
            break
        assert server and time.monotonic() < deadline, f"{user}'s server did not become ready: {model}; see {stack.hub_log}"
        time.sleep(0.5)
    return json.loads((stack.env_dir / f"{user}.json").read_text())


def notebook_env(stack, server_env):
    """ONLY what a notebook pod would use: its hub token, the DASK_GATEWAY__* variables
    (in-cluster hosts mapped to the local ports) and JUPYTER_IMAGE_SPEC, which KubeSpawner
    sets and DASK_GATEWAY__CLUSTER__OPTIONS__IMAGE ("{JUPYTER_IMAGE_SPEC}" once KubeSpawner expanded it) names."""
    env = {k: stack.localize(v) for k, v in server_env.items() if k.startswith("DASK_GATEWAY__")}
    env |= {k: server_env[k] for k in ("JUPYTERHUB_API_TOKEN", "JUPYTER_IMAGE_SPEC") if k in server_env}
    env["HOME"] = str(stack.tmp)
    env["HC_TEST_MARKER"] = stack.marker  # teardown sweep (see hc_support.stop)
    return env


def run_notebook(stack, env, *args, timeout=150):
    proc = subprocess.run([stack.python, str(NOTEBOOK), *args], env=env, cwd=stack.tmp,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"notebook {args} failed:\n{proc.stdout}\n{proc.stderr[-3000:]}\nsee {stack.gw_log}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def gateway_status(env, token):
    """HTTP status of the gateway's cluster list for a token, as dask_gateway's JupyterHubAuth sends it."""
    req = urllib.request.Request(f"{env['DASK_GATEWAY__ADDRESS']}/api/v1/clusters/",
                                 headers={"Authorization": f"jupyterhub {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def token_scopes(stack, token):
    req = urllib.request.Request(f"{stack.api_url}/user", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return sorted(json.loads(resp.read())["scopes"])

