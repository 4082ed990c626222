"""A local stand-in for GitHub's OAuth and REST endpoints that oauthenticator 17.4.0 calls.

So the hub runs its real GitHubOAuthenticator: the OAuth code flow,
allowed_organizations (org/team membership API) and populate_teams_in_auth_state
(/user/teams, which the rendered hub.extraConfig maps to JupyterHub groups).

The "browser" picks who logs in by adding login=<name> to the authorize URL,
as a person would by signing in at github.com.
"""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGitHub:
    """users: {login: ["org" or "org:team", ...]} -- the orgs and teams each user belongs to."""

    def __init__(self, users, client_id, client_secret):
        self.users, self.client_id, self.client_secret = users, client_id, client_secret
        self.requests = []  # (method, path) seen: tests check which APIs were exercised
        handler = type("Handler", (_Handler,), {"github": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def member(self, login, org, team=None):
        groups = self.users.get(login, [])
        return (f"{org}:{team}" if team else org) in groups or (not team and any(
            g.startswith(org + ":") for g in groups))

    def teams(self, login):
        return [{"slug": g.split(":", 1)[1], "name": g.split(":", 1)[1], "organization": {"login": g.split(":", 1)[0]}}
                for g in self.users.get(login, []) if ":" in g]


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub

    def log_message(self, *args):
        pass

    def _send(self, code, body=None, headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _login(self):
        """The user a bearer token belongs to (tokens are 'token-<login>')."""
        auth = self.headers.get("Authorization", "")
        token = auth.split(" ", 1)[-1]
        return token.removeprefix("token-") if token.startswith("token-") else None

    def do_GET(self):
        gh = self.github
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        gh.requests.append(("GET", url.path))
        if url.path == "/login/oauth/authorize":  # the browser, after the hub's redirect
            assert query["client_id"] == gh.client_id, query
            back = {"code": f"code-{query['login']}", "state": query["state"]}
            return self._send(302, headers=[("Location", f"{query['redirect_uri']}?{urllib.parse.urlencode(back)}")])
        login = self._login()
        if login not in gh.users:
            return self._send(401, {"message": "Bad credentials"})
        parts = url.path.removeprefix("/api/v3").strip("/").split("/")
        if parts == ["user"]:
            return self._send(200, {"login": login, "id": abs(hash(login)) % 10**6, "name": login, "email": None})
        if parts == ["user", "teams"]:
            return self._send(200, gh.teams(login))
        if len(parts) == 6 and parts[0] == "orgs" and parts[2] == "teams" and parts[4] == "members":
            return self._send(204 if gh.member(parts[5], parts[1], parts[3]) else 404)
        if len(parts) == 4 and parts[0] == "orgs" and parts[2] == "members":
            return self._send(204 if gh.member(parts[3], parts[1]) else 404)
        return self._send(404, {"message": "Not Found"})

    def do_POST(self):
        gh = self.github
        gh.requests.append(("POST", self.path))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        form = dict(urllib.parse.parse_qsl(body)) if "=" in body and not body.startswith("{") else json.loads(body or "{}")
        form |= dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        if self.path.split("?")[0] != "/login/oauth/access_token":
            return self._send(404, {"message": "Not Found"})
        if form.get("client_id") != gh.client_id or form.get("client_secret") != gh.client_secret:
            return self._send(401, {"error": "incorrect_client_credentials"})
        login = form.get("code", "").removeprefix("code-")
        return self._send(200, {"access_token": f"token-{login}", "token_type": "bearer", "scope": "read:org"})
