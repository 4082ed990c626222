"""Post-deploy health check for a Pangeo JupyterHub + dask-gateway.

Run by a Kubernetes Job against a freshly deployed hub *before* DNS is switched
to it.  Standard library only for the hub API, so it runs in the hub's own user
image; ``dask_gateway`` is imported only by the gateway step.

    JUPYTERHUB_API_TOKEN=... python healthcheck.py --hub-url URL \\
        --gateway-url URL --user NAME [--timeout S] [--workers 2] [--skip-gateway]

Prints one ``ok: ...`` line per step; on the first failure prints
``FAIL: <step>: <why>`` and exits 1 (never a traceback).
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# Minimal scopes for the service token; without any one of them the hub
# refuses (or hides) what a step needs.  health_check_role(user=...) narrows
# each to the one test user.  No access:* scopes: the proxy route and the
# gateway are exercised with a short-lived token *of the test user*.
# Scope names are JupyterHub 5.5.0's (the hub image's pin): there is no
# "start:servers" there -- the hub refuses to start with a role naming it.
REQUIRED_SCOPES = (
    "admin:users",  # POST /users/{name}: create the test user (no narrower scope can)
    # POST and DELETE /users/{name}/server; includes read:servers (the server's
    # ready/pending state, the spawn progress) and delete:servers
    "servers",
    "tokens",  # mint and revoke the test user's short-lived token
)


_CLOSED_GATEWAY_OBJECTS = []  # see check_gateway


class CheckFailed(Exception):
    """A step failed; the message is what the operator reads."""

    def __init__(self, message, detail=None):
        super().__init__(message)
        self.detail = detail or message


def health_check_role(service_name, user=None):
    """JupyterHub role (z2jh ``hub.loadRoles`` entry) for the check's service.

    With ``user`` every scope is filtered to that one test user, so the
    service cannot touch real users' servers or tokens.
    """
    scopes = [f"{s}!user={user}" if user else s for s in REQUIRED_SCOPES]
    if user:
        # JupyterHub (5.5.0 included) checks POST /users/{name}/tokens from a
        # *service* against the scope's service filter -- it passes the
        # requester's kind -- so `tokens!user=NAME` alone is refused (403).
        # `tokens!service=NAME` (NAME is the test user; no such service exists)
        # is what that check matches: still this one name only.
        scopes.append(f"tokens!service={user}")
    return {
        "name": f"{service_name}-role",
        "description": f"Post-deploy health check of the hub, as user {user or '(any)'}",
        "scopes": scopes,
        "services": [service_name],
    }


def api(hub_url, method, path, token=None, body=None, timeout=30):
    """Call the hub REST API; returns (status, parsed JSON or None).

    HTTP errors become CheckFailed with the status and the hub's message,
    network errors with the reason (e.g. 'connection refused').
    """
    url = hub_url.rstrip("/") + path
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"token {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw.strip() else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            message = json.loads(raw).get("message") or e.reason
        except (ValueError, AttributeError):
            message = raw.decode(errors="replace")[:200] or e.reason
        detail = f"answered HTTP {e.code}: {message}"
        raise CheckFailed(f"{method} {url} {detail}", detail) from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        reason = getattr(reason, "strerror", None) or str(reason)
        detail = f"did not answer: {reason.lower()}"
        raise CheckFailed(f"{method} {url} {detail}", detail) from None


def wait_for(what, predicate, timeout, interval=1.0):
    """Poll predicate() until truthy; CheckFailed after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def check_hub_up(args, token):
    """Step 1: the hub API answers at all (no token needed)."""
    try:
        _, info = api(args.hub_url, "GET", "/hub/api/")
    except CheckFailed as e:
        raise CheckFailed(f"hub API at {args.hub_url} {e.detail}") from None
    return f"hub API answers, JupyterHub {info.get('version')}"


def check_scopes(args, token):
    """Step 2: the token is valid and holds REQUIRED_SCOPES (maybe user-filtered)."""
    _, me = api(args.hub_url, "GET", "/hub/api/user", token)
    held = set(me.get("scopes", []))
    missing = [
        s for s in REQUIRED_SCOPES if s not in held and f"{s}!user={args.user}" not in held
    ]
    who = f"{me.get('kind')} {me.get('name')}"
    if missing:
        raise CheckFailed(f"token of {who} is missing scopes: {', '.join(missing)}")
    return f"token of {who} has the required scopes"


def server_state(args, token):
    """The user's default server model ({} when stopped)."""
    _, model = api(args.hub_url, "GET", f"/hub/api/users/{args.quser}", token)
    if "servers" not in model:  # hidden, not empty: we would see "stopped" forever
        raise CheckFailed(f"the hub hides {args.user}'s servers from this token (read:servers)")
    return (model["servers"] or {}).get("", {})


def spawn_failure(args, token):
    """The hub's reason for a failed background spawn (its progress stream)."""
    url = f"{args.hub_url.rstrip('/')}/hub/api/users/{args.quser}/server/progress"
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            for line in resp:
                if line.startswith(b"data:"):
                    event = json.loads(line[5:])
                    if event.get("failed"):
                        return event.get("message", "spawn failed")
    except (OSError, ValueError):
        pass
    return "spawn failed (no reason given; see the hub log)"


def check_server(args, token):
    """Step 3: the test user's server starts, is routed by the proxy, and stops."""
    u = args.quser
    if server_state(args, token):  # left over from an earlier run
        api(args.hub_url, "DELETE", f"/hub/api/users/{u}/server", token)
        wait_for("old server to stop", lambda: not server_state(args, token), args.timeout)
    api(args.hub_url, "POST", f"/hub/api/users/{u}/server", token)

    def ready():
        state = server_state(args, token)
        if not state:
            raise CheckFailed(f"server failed to start: {spawn_failure(args, token)}")
        return state.get("ready") and state

    try:  # 201: started; 202: still spawning -> poll (read:servers) until ready
        state = wait_for(f"{args.user}'s server to become ready", ready, args.timeout)
        url = state.get("url", f"/user/{u}/")
        api(args.hub_url, "GET", f"{url}api/status", args.user_token)  # via the proxy
    except CheckFailed:
        try:  # don't leave a half-started server behind
            api(args.hub_url, "DELETE", f"/hub/api/users/{u}/server", token)
        except CheckFailed:
            pass
        raise
    api(args.hub_url, "DELETE", f"/hub/api/users/{u}/server", token)
    wait_for(f"{args.user}'s server to stop", lambda: not server_state(args, token), args.timeout)
    return f"{args.user}'s server started, answered {url}api/status through the proxy, and stopped"


def check_gateway(args, token):
    """Step 4: a dask-gateway cluster scales to N workers and back to 0."""
    from dask_gateway import Gateway, JupyterHubAuth

    gateway = Gateway(
        address=args.gateway_url,
        proxy_address=args.gateway_proxy_address,
        auth=JupyterHubAuth(api_token=args.user_token),
    )
    cluster = client = None
    try:
        cluster = gateway.new_cluster(shutdown_on_close=True)
        cluster.scale(args.workers)
        client = cluster.get_client(set_as_default=False)
        client.wait_for_workers(args.workers, timeout=args.timeout)
        cluster.scale(0)
        wait_for("workers to scale to 0", lambda: not client.nthreads(), args.timeout)
    except CheckFailed:
        raise
    except Exception as e:  # dask_gateway / distributed errors: report, no traceback
        raise CheckFailed(f"{type(e).__name__}: {e}") from None
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.shutdown()  # also closes the cluster's own Gateway client
        gateway.close()
        # dask_gateway's __del__ closes them again and, with recent
        # distributed, prints a spurious "Exception ignored" traceback; it is
        # skipped at interpreter exit, so keep the closed objects alive.
        _CLOSED_GATEWAY_OBJECTS.extend([gateway, cluster])
    return f"dask-gateway cluster {cluster.name} scaled to {args.workers} workers and back to 0"


def prepare_user(args, token):
    """Create the test user if missing; mint a short-lived token *of that user*.

    The proxy route and dask-gateway are then exercised exactly as a real
    user's session does, and the service needs no access:* scopes itself.
    The token is revoked in main()'s finally.
    """
    created = "exists"
    try:
        api(args.hub_url, "POST", f"/hub/api/users/{args.quser}", token)
        created = "created"
    except CheckFailed as e:
        if "HTTP 409" not in e.detail:  # 409: user already exists, fine
            raise
    body = {"expires_in": int(args.timeout) * 4 + 300, "note": "pangeo health check"}
    _, model = api(args.hub_url, "POST", f"/hub/api/users/{args.quser}/tokens", token, body)
    args.user_token, args.token_id = model["token"], model["id"]
    return f"{args.user} {created}, minted a short-lived token for it"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hub-url", required=True, help="public URL of the hub (the proxy)")
    p.add_argument("--gateway-url", help="dask-gateway address")
    p.add_argument("--gateway-proxy-address", help="scheduler proxy, if not the gateway URL")
    p.add_argument("--user", required=True, help="test user (created if missing)")
    p.add_argument("--timeout", type=float, default=300, help="seconds per wait")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--skip-gateway", action="store_true")
    args = p.parse_args(argv)
    if not args.skip_gateway and not args.gateway_url:
        p.error("--gateway-url is required unless --skip-gateway")
    args.quser = urllib.parse.quote(args.user, safe="")
    token = os.environ.get("JUPYTERHUB_API_TOKEN")
    if not token:
        print("FAIL: setup: JUPYTERHUB_API_TOKEN is not set", flush=True)
        return 1

    steps = [("hub API", check_hub_up), ("token scopes", check_scopes)]
    steps += [("test user", prepare_user), ("user server", check_server)]
    if not args.skip_gateway:
        steps.append(("dask-gateway", check_gateway))
    args.token_id = None
    try:
        for name, step in steps:
            try:
                print(f"ok: {name}: {step(args, token)}", flush=True)
            except CheckFailed as e:
                print(f"FAIL: {name}: {e}", flush=True)
                return 1
            except Exception as e:  # a bug or surprise: still one clear line
                print(f"FAIL: {name}: unexpected {type(e).__name__}: {e}", flush=True)
                return 1
    finally:
        if args.token_id is not None:  # revoke the test user's token, best effort
            try:
                path = f"/hub/api/users/{args.quser}/tokens/{args.token_id}"
                api(args.hub_url, "DELETE", path, token)
            except CheckFailed as e:
                print(f"warning: could not revoke test token: {e}", flush=True)
    print("ok: all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
