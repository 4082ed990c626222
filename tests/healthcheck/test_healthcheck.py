"""healthcheck.py against a real JupyterHub and a real dask-gateway-server."""

import argparse
import json
import re
import urllib.request

import pytest
from hc_support import BROKEN_USERS, PROBE_USER, TEST_USER, free_port, healthcheck


def hub_get(hub, path, token_name="healthcheck-any"):
    req = urllib.request.Request(hub.api_url + path)
    req.add_header("Authorization", f"token {hub.tokens[token_name]}")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_passes_on_healthy_hub_and_gateway(hub, gateway, run_check):
    proc = run_check("--hub-url", hub.url, "--gateway-url", gateway.url, "--user", TEST_USER,
                     "--timeout", "90", "--workers", "2", token=hub.tokens["healthcheck"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert [line.split(":")[1].strip() for line in lines[:-1]] == [
        "hub API", "token scopes", "test user", "user server", "dask-gateway"]
    assert all(line.startswith("ok: ") for line in lines)
    assert "service healthcheck has the required scopes" in proc.stdout
    assert "scaled to 2 workers and back to 0" in proc.stdout
    assert lines[-1] == "ok: all checks passed"
    assert "Traceback" not in proc.stderr
    # the hub is left clean: server stopped, the minted token revoked
    user = hub_get(hub, f"/users/{TEST_USER}")
    assert not user.get("servers")
    assert hub_get(hub, f"/users/{TEST_USER}/tokens")["api_tokens"] == []
    # the gateway really ran a cluster for the test *user*, and shut it down
    name = re.search(r"dask-gateway cluster (\w+) scaled", proc.stdout).group(1)
    log = gateway.log.read_text()
    assert f"Created cluster {name} for user {TEST_USER}" in log
    assert "Created worker" in log and f"204 DELETE /api/v1/clusters/{name}" in log


def test_passes_with_unfiltered_role_skip_gateway(hub, run_check):
    proc = run_check("--hub-url", hub.url, "--user", "hc-other", "--skip-gateway",
                     "--timeout", "60", token=hub.tokens["healthcheck-any"])
    assert proc.returncode == 0, proc.stdout
    assert "dask-gateway" not in proc.stdout
    assert proc.stdout.splitlines()[-1] == "ok: all checks passed"


def test_fails_when_hub_is_down(run_check):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    proc = run_check("--hub-url", url, "--user", TEST_USER, "--skip-gateway", token="x")
    assert proc.returncode == 1
    assert proc.stdout.strip() == f"FAIL: hub API: hub API at {url} did not answer: connection refused"
    assert "Traceback" not in proc.stderr


def test_fails_without_token(hub, run_check):
    proc = run_check("--hub-url", hub.url, "--user", TEST_USER, "--skip-gateway", token="")
    assert proc.returncode == 1
    assert proc.stdout.strip() == "FAIL: setup: JUPYTERHUB_API_TOKEN is not set"


def test_fails_with_invalid_token(hub, run_check):
    proc = run_check("--hub-url", hub.url, "--user", TEST_USER, "--skip-gateway", token="bogus")
    assert proc.returncode == 1
    last = proc.stdout.splitlines()[-1]
    assert last.startswith("FAIL: token scopes: GET ") and "answered HTTP 403" in last


def test_fails_when_token_lacks_scopes(hub, run_check):
    proc = run_check("--hub-url", hub.url, "--user", TEST_USER, "--skip-gateway",
                     token=hub.tokens["healthcheck-noscope"])
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        proc.stdout.splitlines()[0],  # ok: hub API ...
        "FAIL: token scopes: token of service healthcheck-noscope is missing scopes: "
        "servers, tokens",
    ]
    assert "Traceback" not in proc.stderr


def test_fails_when_filtered_role_is_for_another_user(hub, run_check):
    proc = run_check("--hub-url", hub.url, "--user", "someone-else", "--skip-gateway",
                     token=hub.tokens["healthcheck"])
    assert proc.returncode == 1
    assert "FAIL: token scopes: token of service healthcheck is missing scopes: admin:users, " in proc.stdout


@pytest.mark.parametrize("user", sorted(BROKEN_USERS))
def test_fails_when_server_wont_start(hub, run_check, user):
    proc = run_check("--hub-url", hub.url, "--user", user, "--skip-gateway", "--timeout", "60",
                     token=hub.tokens["healthcheck-any"])
    assert proc.returncode == 1, proc.stdout
    last = proc.stdout.splitlines()[-1]
    assert last.startswith("FAIL: user server: ")
    assert "Traceback" not in proc.stderr
    # the spawn fails in the background after the hub's 202: the hub's own
    # reason (from its progress stream) is relayed
    assert last.startswith("FAIL: user server: server failed to start: Spawn failed: "), last
    if user == "broken-missing":
        assert "No such file or directory" in last, last
    else:  # /bin/false
        assert "/api didn't respond in 15 seconds" in last, last


@pytest.mark.parametrize("scope", healthcheck.REQUIRED_SCOPES)
def test_each_required_scope_is_needed(hub, scope):
    """Run the steps after the scope check with a token lacking one scope:
    the hub itself must refuse (403/404) -- or, for read:servers, hide the
    server state the check polls -- so the scope is really needed."""
    name = "minus-" + scope.replace(":", "-")
    if scope != "admin:users":  # the probe user must exist for the others
        hub_post_user(hub, PROBE_USER)
    args = argparse.Namespace(hub_url=hub.url, user=PROBE_USER, quser=PROBE_USER,
                              timeout=60, user_token=None, token_id=None)
    token = hub.tokens[name]
    try:
        with pytest.raises(healthcheck.CheckFailed) as err:
            healthcheck.prepare_user(args, token)
            healthcheck.check_server(args, token)
        msg = str(err.value)
        assert "answered HTTP 403" in msg or "answered HTTP 404" in msg or "(read:servers)" in msg
    finally:
        stop_server(hub, PROBE_USER)


def hub_post_user(hub, name):
    req = urllib.request.Request(f"{hub.api_url}/users/{name}", method="POST")
    req.add_header("Authorization", f"token {hub.tokens['healthcheck-any']}")
    try:
        urllib.request.urlopen(req, timeout=10)
    except urllib.error.HTTPError as e:
        assert e.code == 409


def stop_server(hub, name):
    """Leave no server behind, whatever the probe did."""
    args = argparse.Namespace(hub_url=hub.url, quser=name)
    token = hub.tokens["healthcheck-any"]
    try:
        if not healthcheck.server_state(args, token):
            return
    except healthcheck.CheckFailed:
        return  # user does not exist
    healthcheck.api(hub.url, "DELETE", f"/hub/api/users/{name}/server", token)
    healthcheck.wait_for("probe server to stop", lambda: not healthcheck.server_state(args, token), 60)
