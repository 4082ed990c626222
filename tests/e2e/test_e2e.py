"""End to end, on real components configured exactly as the stack renders them.

A hub's jupyterhub and dask-gateway Releases from the plan are rendered with
`helm template`; JupyterHub 5.5.0 boots the chart's own jupyterhub_config.py
(GitHubOAuthenticator against a fake GitHub) and dask-gateway-server
2026.3.0 the chart's own dask_gateway_config.py. Servers are spawned by the chart's
KubeSpawner 7.0.0 with only its Kubernetes API calls replaced (the pod it builds runs
as a local process); the gateway backend is a local-process one (see stack.py,
hub_side.py, gateway_side.py).
"""

import pytest
from jupyterhub.roles import get_default_roles

from components.dask_hub.jupyterhub_values import HEALTH_CHECK_SERVICE, HEALTH_CHECK_USER
import requests
from journey import gateway_status, hub_api, login, notebook_env, run_notebook, start_server, token_scopes
from stack import BYSTANDER, OUTSIDER, STACK_HUBS, USERS, hub_id

ALICE, BOB = USERS


@pytest.fixture(scope="module")
def servers(stack):
    """Both users logged in through GitHub, their servers started: {user: (session, notebook env)}."""
    out = {}
    for user in USERS:
        session, callback = login(stack, user)
        assert callback.status_code == 302, f"{user} could not log in ({callback.status_code}); see {stack.hub_log}"
        out[user] = session, notebook_env(stack, start_server(session, stack, user))
    return out


@pytest.fixture(scope="module")
def alice_cluster(stack, servers):
    """The notebook's journey: a cluster of 2 workers, a computation; the cluster is kept."""
    env = servers[ALICE][1]
    status = gateway_status(env, env["JUPYTERHUB_API_TOKEN"])
    if status in (401, 403):
        pytest.fail(
            f"dask-gateway refused the notebook's own JUPYTERHUB_API_TOKEN (HTTP {status}): its scopes are "
            f"{token_scopes(stack, env['JUPYTERHUB_API_TOKEN'])}. The gateway requires "
            f"access:services!service=<its service name>; set hub.config.Spawner.server_token_scopes in the "
            f"rendered jupyterhub values (components/dask_hub/jupyterhub_values.py) to include it.")
    return run_notebook(stack, env, "journey")


def test_github_login_runs_allowed_organizations(stack):
    """The real GitHubOAuthenticator: members of the allowed org/team get in, others don't."""
    _, callback = login(stack, OUTSIDER)
    assert callback.status_code == 403, callback.text[:500]
    paths = [p for _, p in stack.github.requests]
    assert "/login/oauth/access_token" in {p.split("?")[0] for _, p in stack.github.requests}
    assert any(p.startswith("/api/v3/orgs/") for p in paths)  # allowed_organizations
    if stack.jh.values["hub"]["config"]["GitHubOAuthenticator"].get("populate_teams_in_auth_state"):
        assert "/api/v3/user/teams" in paths


def test_notebook_env_is_the_rendered_one(stack, servers):
    """As KubeSpawner 7.0.0 expanded it: the image template reaches the pod single-braced, for the client."""
    rendered = {k: v for k, v in stack.jh.values["singleuser"]["extraEnv"].items() if k.startswith("DASK_GATEWAY__")}
    assert rendered, "singleuser.extraEnv sets no DASK_GATEWAY__ variables"
    assert rendered.pop("DASK_GATEWAY__CLUSTER__OPTIONS__IMAGE") == "{{JUPYTER_IMAGE_SPEC}}"
    env = dict(servers[ALICE][1])
    assert env.pop("DASK_GATEWAY__CLUSTER__OPTIONS__IMAGE") == "{JUPYTER_IMAGE_SPEC}"
    assert {k: v for k, v in env.items() if k.startswith("DASK_GATEWAY__")} == {
        k: stack.localize(v) for k, v in rendered.items()}
    assert env["JUPYTERHUB_API_TOKEN"]


def test_notebook_runs_a_dask_cluster(stack, servers, alice_cluster):
    assert alice_cluster["workers"] == 2
    assert alice_cluster["total"] == sum(range(10_000))
    assert alice_cluster["squares"] == sum(x * x for x in range(10))
    # the workers' image is the notebook's own, through {JUPYTER_IMAGE_SPEC}, which KubeSpawner set
    hub_image = stack.jh.values["singleuser"]["image"]
    assert alice_cluster["image"] == servers[ALICE][1]["JUPYTER_IMAGE_SPEC"] == f"{hub_image['name']}:{hub_image['tag']}"


def test_other_user_cannot_see_connect_or_stop_it(stack, servers, alice_cluster):
    name = alice_cluster["name"]
    seen = run_notebook(stack, servers[BOB][1], "intrude", name)
    assert name not in seen["listed"]
    for step in ("report_error", "stop_error", "connect_error"):  # the gateway answers 403 to each
        assert seen[step] and "403" in seen[step], seen
    # bob's stop_cluster did nothing: alice still sees it running, then stops it
    own = run_notebook(stack, servers[ALICE][1], "shutdown", name)
    assert name in own["before"] and own["before"][name] == "RUNNING", own
    assert name not in own["after"]
    assert f"Created cluster {name} for user {ALICE}" in stack.gw_log.read_text()


def test_gateway_refuses_a_token_without_access_to_its_service(stack, servers):
    """Why server_token_scopes matters: JupyterHub's default server token may not use the gateway."""
    session, env = servers[ALICE]
    default_scopes = next(r for r in get_default_roles() if r["name"] == "server")["scopes"]
    r = session.post(f"{stack.api_url}/users/{ALICE}/tokens", json={"scopes": default_scopes, "note": "e2e"},
                     headers={"X-XSRFToken": session.cookies.get("_xsrf", path="/hub/")}, timeout=30)
    assert r.status_code == 201, r.text
    assert gateway_status(env, r.json()["token"]) in (401, 403)
    assert gateway_status(env, env["JUPYTERHUB_API_TOKEN"]) == 200, (
        "the notebook's own token must be accepted: hub.config.Spawner.server_token_scopes must grant "
        f"access:services!service=<gateway>; it holds {token_scopes(stack, env['JUPYTERHUB_API_TOKEN'])}")


def test_health_check_passes_against_the_same_hub(stack, run_check):
    """healthcheck.py as the cutover Job runs it: the rendered service token and narrowed role."""
    token = stack.jh.values["hub"]["services"][HEALTH_CHECK_SERVICE]["apiToken"]
    env = {k: stack.localize(v) for k, v in stack.jh.values["singleuser"]["extraEnv"].items()}
    proc = run_check("--hub-url", stack.url, "--gateway-url", env["DASK_GATEWAY__ADDRESS"],
                     "--gateway-proxy-address", env["DASK_GATEWAY__PROXY_ADDRESS"], "--user", HEALTH_CHECK_USER,
                     "--workers", "2", "--timeout", "90", token=token)
    hint = ""
    if "auth has expired" in proc.stdout:
        hint = (f"\nHINT: with enable_auth_state, GitHubOAuthenticator.refresh_pre_spawn (default on) refuses to "
                f"spawn for a user without auth_state -- {HEALTH_CHECK_USER} is created by the API and never logs "
                f"in. The rendered hub values need e.g. a hub.extraConfig setting c.GitHubOAuthenticator."
                f"refresh_user_hook that returns True for {HEALTH_CHECK_USER} (None for everyone else).")
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr[-2000:]}\nsee {stack.hub_log}{hint}"
    assert proc.stdout.splitlines()[-1] == "ok: all checks passed"


def server_status_as(stack, session, user, owner):
    """GET the owner's running server's API with a fresh token of `user`, as a script of theirs would."""
    token = hub_api(session, stack, "POST", f"/users/{user}/tokens", json={"note": "e2e share"}).json()["token"]
    return requests.get(f"{stack.url}/user/{owner}/api/status", headers={"Authorization": f"token {token}"},
                        timeout=30).status_code


# Pangeo's stacks configure sharing groups and the page's wording; the example configures neither.
@pytest.mark.parametrize("stack", STACK_HUBS, indirect=True, ids=hub_id)
def test_a_shared_server_is_reachable_by_the_invited_user_and_nobody_else(stack, servers):
    """JupyterHub 5.5.0's sharing, enabled for the sharing groups by the rendered roles."""
    assert "power-users" in stack.jh.values["hub"]["loadRoles"]["sharing"]["groups"]
    (alice, _), (bob, _) = servers[ALICE], servers[BOB]
    assert server_status_as(stack, bob, BOB, ALICE) == 403  # not before it is shared
    shared = hub_api(alice, stack, "POST", f"/shares/{ALICE}/", json={"user": BOB})
    assert shared.status_code == 200, shared.text
    assert server_status_as(stack, bob, BOB, ALICE) == 200
    carol, callback = login(stack, BYSTANDER)
    assert callback.status_code == 302
    assert server_status_as(stack, carol, BYSTANDER, ALICE) == 403
    # bob is in no sharing group: he may not share his own server
    assert hub_api(bob, stack, "POST", f"/shares/{BOB}/", json={"user": ALICE}).status_code == 403


@pytest.mark.parametrize("stack", STACK_HUBS, indirect=True, ids=hub_id)
def test_the_login_page_carries_the_hubs_wording(stack):
    page = stack.jh.values["hub"]["config"]["JupyterHub"]["template_vars"]["hub_page"]
    html = requests.get(f"{stack.url}/hub/login", timeout=30).text
    assert page["title"] and page["title"] in html and page["subtitle"] in html
    assert all(url in html for url in page["links"].values())
    assert "Sign in with GitHub" in html  # JupyterHub's own login form is still there


def hub_page(stack) -> dict:
    return stack.jh.values["hub"]["config"]["JupyterHub"]["template_vars"]["hub_page"]


def shows_the_hub(html: str, page: dict) -> None:
    """The tab title, the navbar's hub name and Help link, as page.html renders them."""
    assert f"<title>{page['title']}</title>" in html
    assert f'class="navbar-brand hub-name" href="/hub/">{page["title"]}</a>' in html
    assert f'class="nav-link hub-help" href="{page["help_url"]}">Help</a>' in html


def page_as_alice(stack, servers, path: str, status: int) -> str:
    """A hub page as a logged-in user's browser gets it; it must name the hub."""
    response = servers[ALICE][0].get(f"{stack.url}/hub/{path}", timeout=30)
    assert response.status_code == status, path
    shows_the_hub(response.text, hub_page(stack))
    return response.text


@pytest.mark.parametrize("stack", STACK_HUBS, indirect=True, ids=hub_id)
def test_the_home_page_names_the_hub_and_links_help(stack, servers):
    page = hub_page(stack)
    home = page_as_alice(stack, servers, "home", 200)
    assert f"<h2>{page['title']}</h2>" in home and "Get help</a>" in home
    assert 'id="start"' in home  # JupyterHub's own Start/Stop is still there
    login_page = requests.get(f"{stack.url}/hub/login", timeout=30).text
    shows_the_hub(login_page, page)


@pytest.mark.parametrize("stack", STACK_HUBS, indirect=True, ids=hub_id)
def test_the_403_page_names_the_team_that_grants_access_and_whom_to_ask(stack):
    page = hub_page(stack)
    _, callback = login(stack, OUTSIDER)
    assert callback.status_code == 403
    shows_the_hub(callback.text, page)
    teams = stack.jh.values["hub"]["config"]["GitHubOAuthenticator"]["allowed_organizations"]
    for team in teams:
        org, slug = team.split(":")
        assert f'<a href="https://github.com/orgs/{org}/teams/{slug}">{org}/{slug}</a>' in callback.text
    assert f'href="mailto:{page["contact"]}">{page["contact"]}</a>' in callback.text
    assert f"Your GitHub account is not in a team that may use {page['title']}." in callback.text


@pytest.mark.parametrize("stack", STACK_HUBS, indirect=True, ids=hub_id)
def test_the_404_page_links_home(stack, servers):
    missing = page_as_alice(stack, servers, "no-such-page", 404)
    assert f'class="hub-home" href="/hub/home">Go to {hub_page(stack)["title"]}\'s home page</a>' in missing
