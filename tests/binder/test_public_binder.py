"""A public binder as each shipped stack renders it: anonymous servers with nothing to keep or write to,
and the domain's paths sent to BinderHub except the hub's own."""

import base64

import pytest
import yaml
from traitlets.config import Config

from components.binder_hub import push_credentials as push
from tests.render.conflicts import pod_specs

PUBLIC, STAGING = "binder", "staging"
IDENTITY = ("iam.gke.io/gcp-service-account", "eks.amazonaws.com/role-arn")


@pytest.fixture(scope="module", params=["gcp", "aws-us-west-2"])
def stack(rendered_stack, request):
    """Each shipped stack: both carry a public binder named `binder`."""
    return rendered_stack(request.param)


def in_namespace(stack, namespace: str):
    return [o for o in stack.objects if o.namespace == namespace]


def hub_values(stack, namespace: str) -> dict:
    """The values z2jh renders into the hub's Secret, which its jupyterhub_config.py reads."""
    [secret] = [o.manifest for o in in_namespace(stack, namespace) if o.kind == "Secret" and o.name == "hub"]
    text = (secret.get("stringData") or {}).get("values.yaml") or base64.b64decode(secret["data"]["values.yaml"]).decode()
    return yaml.safe_load(text)


def with_identity(stack, namespace: str) -> set[str]:
    return {o.name for o in in_namespace(stack, namespace) if o.kind == "ServiceAccount"
            and set(IDENTITY) & set((o.manifest["metadata"].get("annotations") or {}))}


def test_public_binder_servers_have_no_home_and_nothing_mounts_storage(stack):
    singleuser = hub_values(stack, PUBLIC)["singleuser"]
    assert singleuser["storage"]["type"] == "none"
    assert not singleuser.get("initContainers")
    # only memory-backed scratch (/dev/shm) may be added: nothing that persists or reaches a share
    assert all(v.get("emptyDir", {}).get("medium") == "Memory" for v in singleuser["storage"].get("extraVolumes", []))
    for obj in in_namespace(stack, PUBLIC):
        assert obj.kind not in ("PersistentVolume",), obj
        for pod in pod_specs(obj.manifest):
            claims = [v for v in pod.get("volumes", []) if "nfs" in v or "persistentVolumeClaim" in v]
            # the hub's own database is its only claim
            assert all(v["persistentVolumeClaim"]["claimName"] == "hub-db-dir" for v in claims), obj
    assert [o.name for o in in_namespace(stack, PUBLIC) if o.kind == "PersistentVolumeClaim"] == ["hub-db-dir"]


def test_only_the_push_refresher_carries_a_cloud_identity(stack):
    assert with_identity(stack, PUBLIC) == {push.NAME}
    # the same check sees a hub whose users do have one (their scratch bucket)
    assert "user" in with_identity(stack, STAGING)
    runs_as_pusher = {o.name for o in in_namespace(stack, PUBLIC)
                      for pod in pod_specs(o.manifest) if pod.get("serviceAccountName") == push.NAME}
    assert runs_as_pusher == {push.NAME, push.INITIAL_JOB}
    singleuser = hub_values(stack, PUBLIC)["singleuser"]
    assert singleuser["networkPolicy"]["egressAllowRules"]["cloudMetadataServer"] is False
    assert singleuser["cloudMetadata"]["blockWithIptables"] is True


def route(routes: dict[str, str], path: str) -> str:
    """configurable-http-proxy's choice: the longest matching prefix."""
    return routes[max((spec for spec in routes if path.startswith(spec)), key=len)]


def test_the_launch_urls_are_routed_to_binderhub_and_the_hub_keeps_its_own(stack):
    from jupyterhub.app import JupyterHub

    config = Config(hub_values(stack, PUBLIC)["hub"]["config"])
    hub = JupyterHub(config=config)
    routes = {hub.hub_routespec: "hub", "/user/anonymous-x/": "server", **config.Proxy.extra_routes}
    assert route(routes, "/v2/gh/pangeo-data/pangeo-tutorial/HEAD") == "http://binderhub"
    assert route(routes, "/build/gh/x/y/HEAD") == "http://binderhub"
    assert route(routes, "/") == "http://binderhub"
    assert route(routes, "/hub/api/users") == "hub"
    assert route(routes, "/user/anonymous-x/lab") == "server"
    services = {(o.name, p["port"]) for o in in_namespace(stack, PUBLIC) if o.kind == "Service"
                for p in o.manifest["spec"]["ports"]}
    assert ("binderhub", 80) in services
    assert hub.authenticator_class.__name__ == "NullAuthenticator"


def test_public_binder_culls_quickly_and_limits_servers_from_config(stack):
    values = hub_values(stack, PUBLIC)
    assert (values["cull"]["timeout"], values["cull"]["maxAge"], values["cull"]["users"]) == (600, 10800, True)
    assert values["singleuser"]["profileList"] == []
    assert values["singleuser"]["memory"]["limit"] == "8G"  # as pangeo-binder sized them
    assert values["hub"]["loadRoles"]["binder"]["scopes"] == ["servers", "admin:users"]


def test_the_public_hubs_spawner_launches_only_images_its_binder_built(stack, monkeypatch, kubeconfig):
    import asyncio
    from unittest.mock import Mock

    from tornado import web

    hub = hub_values(stack, PUBLIC)["hub"]
    monkeypatch.setenv("BINDER_IMAGE_PATTERN", hub["extraEnv"]["BINDER_IMAGE_PATTERN"])
    config = Config()
    exec(hub["extraConfig"]["binder-spawner"], {"c": config})  # as z2jh's jupyterhub_config.py runs it
    user = Mock(url="/user/anon/", id=1, groups=[], admin=False)
    user.name = "anon"

    async def start(image: str):
        spawner = config.JupyterHub.spawner_class(_mock=True, user=user)  # KubeSpawner wants a running loop
        spawner.user_options = {"image": image, "token": "t"}
        return await spawner.start()

    with pytest.raises(web.HTTPError, match="was not built by this binder"):
        asyncio.run(start("docker.io/someone/miner:latest"))
