"""The rendered BinderHub config, loaded by binderhub's own classes and served by its tornado app.

The config comes from the chart's rendered Secret (`chart-config.yaml`: our values
merged with the chart's defaults) and is loaded the way the chart's
mounted-files/binderhub_config.py does: `config` sections, then `extraConfig`
snippets in key order. Builds are off (`builder_required`), so no cluster is needed.
"""

import asyncio
import json

import pytest
import yaml
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from traitlets.config import Config

from components.binder_hub import push_credentials as push

STAGING, PUBLIC = "staging", "binder"  # an authenticated binder and the public one, in Pulumi.gcp.yaml
CHART_ENV = {"NAMESPACE": "ns", "HELM_RELEASE_NAME": "binderhub-service", "PUSH_SECRET_NAME": "chart-secret"}


def chart_config(stack, namespace: str) -> dict:
    [secret] = [m for r in stack.rendered.values() if r.namespace == namespace and r.chart.startswith("binderhub-service-")
                for m in r.manifests if m["kind"] == "Secret" and m["metadata"]["name"] == "binderhub"]
    return yaml.safe_load(secret["stringData"]["chart-config.yaml"])


def load(chart: dict, monkeypatch) -> Config:
    for name, value in CHART_ENV.items():
        monkeypatch.setenv(name, value)
    c = Config()
    for section, value in chart["config"].items():
        if value:
            c[section].update(value)
    for _, snippet in sorted(chart["extraConfig"].items()):
        exec(snippet, {"c": c})
    return c


async def serve_and_get(app, paths: list[str], limit: int | None = 400) -> dict[str, tuple[int, str]]:
    """GET each path as an EventSource would; the status and start of the body (`limit` None: all of it)."""
    sockets = bind_sockets(0, "127.0.0.1")
    server = HTTPServer(app.tornado_app)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    answers = {}
    try:
        for path in paths:
            try:
                response = await AsyncHTTPClient().fetch(
                    f"http://127.0.0.1:{port}{path}", follow_redirects=False, request_timeout=20,
                    headers={"Accept": "text/event-stream"})
                answers[path] = (response.code, response.body.decode()[:limit])
            except HTTPClientError as error:
                answers[path] = (error.code, "")
    finally:
        server.stop()
    return answers


def booted(binderhub_app, config: Config):
    config.BinderHub.builder_required = False
    app = binderhub_app(config=config)
    app.initialize([])
    return app


def first_event(body: str) -> dict:
    return json.loads(body.split("data: ", 1)[1].split("\n", 1)[0])


@pytest.fixture(scope="module")
def gcp(rendered_stack):
    return rendered_stack("gcp")


def test_builds_push_with_the_refreshed_secret_not_the_charts(gcp, monkeypatch):
    for hub in (STAGING, PUBLIC):
        assert load(chart_config(gcp, hub), monkeypatch).KubernetesBuildExecutor.push_secret == push.NAME


def test_anonymous_builds_are_refused_on_an_authenticated_binder(binderhub_app, gcp, monkeypatch):
    app = booted(binderhub_app, load(chart_config(gcp, STAGING), monkeypatch))
    assert app.auth_enabled and app.enable_api_only_mode
    build = "/services/binder/build/gh/x/y/HEAD"
    answers = asyncio.run(serve_and_get(app, [build, "/services/binder/v2/gh/x/y/HEAD"]))
    code, body = answers[build]
    # an EventSource always gets 200; the refusal is its one event
    assert code == 200 and first_event(body) == {"phase": "failed", "status_code": 403, "message": "Forbidden\n"}
    assert answers["/services/binder/v2/gh/x/y/HEAD"][0] == 404  # no launch page: API only


def test_the_public_binder_builds_for_anyone_and_serves_its_launch_page(binderhub_app, gcp, monkeypatch):
    app = booted(binderhub_app, load(chart_config(gcp, PUBLIC), monkeypatch))
    assert not app.auth_enabled and not app.enable_api_only_mode and app.per_repo_quota == 150
    answers = asyncio.run(serve_and_get(app, ["/build/gh/x/y/HEAD", "/v2/gh/x/y/HEAD", "/"]))
    code, body = answers["/build/gh/x/y/HEAD"]
    # past authentication: it goes on to resolve the ref on GitHub (which fails offline, or for x/y)
    assert code == 200 and "Error resolving ref for gh:x/y/HEAD" in first_event(body)["message"]
    for page in ("/v2/gh/x/y/HEAD", "/"):  # without the page template mounted (test_binder_page.py mounts it)
        assert answers[page][0] == 200 and "<title>Binder</title>" in answers[page][1]
