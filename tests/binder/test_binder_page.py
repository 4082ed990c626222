"""The public binder's page, served by binderhub's own app and templates from the rendered config.

The template comes from the ConfigMap the plan declares, written where the rendered
Deployment mounts it (only that directory is moved to a temporary one, as the pod's
mount would be); title, banner and about message are BinderHub's own traits. The
limits it states are read from the same config the hub's culler and spawner get.
"""

import asyncio
import html
import json
import re

import pytest
from components.binder_hub.args import PublicBinder
from components.binder_hub.values import PAGE_CONFIGMAP, limits_text
from infra.config import parse_stack_config
from infra.plan.run import stack_values
from tests.binder.test_binderhub_app import booted, chart_config, load, serve_and_get
from tests.binder.test_public_binder import hub_values

PUBLIC = "binder"


@pytest.fixture(scope="module", params=["gcp", "aws-us-west-2"])
def stack(rendered_stack, request):
    return rendered_stack(request.param)


def page_config(body: str) -> dict:
    """window.pageConfig, the JSON BinderHub's React front end renders the page from."""
    return json.loads(re.search(r"window\.pageConfig = (\{.*?\});\n", body, re.S).group(1))


def mounted_templates(stack, tmp_path) -> str:
    """The page ConfigMap's files, in a directory standing for the Deployment's mount of it."""
    [deployment] = [o.manifest for o in stack.objects if o.namespace == PUBLIC and o.kind == "Deployment"
                    and o.manifest["metadata"]["name"] == "binderhub"]
    pod = deployment["spec"]["template"]["spec"]
    [volume] = [v for v in pod["volumes"] if v.get("configMap", {}).get("name") == PAGE_CONFIGMAP]
    [mount] = [m for c in pod["containers"] for m in c.get("volumeMounts", []) if m["name"] == volume["name"]]
    [config_map] = [o.manifest for o in stack.objects if o.namespace == PUBLIC and o.kind == "ConfigMap"
                    and o.manifest["metadata"]["name"] == PAGE_CONFIGMAP]
    for name, text in config_map["data"].items():
        (tmp_path / name).write_text(text)
    return mount["mountPath"]


@pytest.fixture
def served(binderhub_app, stack, tmp_path, monkeypatch):
    """The binder's pages as BinderHub serves them: {path: (status, body)}, and the app."""
    config = load(chart_config(stack, PUBLIC), monkeypatch)
    assert config.BinderHub.template_path == mounted_templates(stack, tmp_path)
    config.BinderHub.template_path = str(tmp_path)
    app = booted(binderhub_app, config)
    return asyncio.run(serve_and_get(app, ["/", "/about", "/v2/gh/pangeo-data/pangeo-tutorial/HEAD"], limit=None)), app


def enforced_limits(stack, app) -> PublicBinder:
    """The limits as the hub's culler and servers get them (rendered values) and BinderHub's quota."""
    values = hub_values(stack, PUBLIC)
    return PublicBinder(cull_idle_minutes=values["cull"]["timeout"] // 60,
                        cull_max_age_hours=values["cull"]["maxAge"] / 3600,
                        cpu=values["singleuser"]["cpu"]["limit"],
                        memory_gb=float(values["singleuser"]["memory"]["limit"].removesuffix("G")),
                        per_repo_quota=app.per_repo_quota)


def test_the_public_binders_page_names_it_states_its_limits_and_links_help(stack, served):
    answers, app = served
    page = parse_stack_config({k: v for k, v in stack_values(stack.name).items()
                               if k.startswith("pangeo-hubs:")}).hubs[PUBLIC].page
    stated = html.escape(limits_text(enforced_limits(stack, app)))
    assert "10 minutes idle" in stated and "3 hours at most" in stated and "8 GiB" in stated
    for path, (code, body) in answers.items():
        assert code == 200, path
        assert f"<title>{html.escape(page.title)}</title>" in body, path
        shown = page_config(body)
        for message in (shown["bannerHtml"], shown["aboutMessage"]):
            assert f"{html.escape(page.title)}</strong>" in message or html.escape(page.title) in message
            assert stated in message, (path, message)
            assert f'<a href="{page.help_url}">Help</a>' in message
    assert f"At most {app.per_repo_quota} servers run at once" in page_config(answers["/about"][1])["aboutMessage"]
    assert "Pangeo" in page.title and page.help_url.startswith("https://")


def test_a_limit_the_page_would_misstate_is_caught(stack, served):
    """The check reads what the culler enforces: a page built from other limits fails it."""
    answers, app = served
    drifted = enforced_limits(stack, app).model_copy(update={"cull_idle_minutes": 30})
    assert html.escape(limits_text(drifted)) not in page_config(answers["/"][1])["bannerHtml"]
