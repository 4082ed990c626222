"""Binder as a hub feature: the image option the real KubeSpawner enforces, and the hub wiring."""

import asyncio
import json
import re
from pathlib import Path
from unittest.mock import Mock

import pytest
import yaml
from kubespawner import KubeSpawner

from jupyterhub.services.auth import HubOAuth
from traitlets.config import Config

from components.nfs_home.volumes import singleuser_home_values
from components.binder_hub import BinderService
from components.binder_hub import push_credentials as push
from components.cluster.aws_policies import ecr_lifecycle_policy, ecr_push_policy
from components.binder_hub.values import PUSH_SECRET_CONFIG, binderhub_values, hub_service, launchable_images
from components.dask_hub.charts import HubReleases
from components.dask_hub.jupyterhub_values import HubSecrets, jupyterhub_values
from infra.config import ConfigError, parse_stack_config, read_stack_file, set_key
from infra.config.hubs import PublicBinder

REPO = Path(__file__).resolve().parents[2]
PREFIX = "us-central1-docker.pkg.dev/pangeo-hubs-gcp/staging-binder/"
DOMAIN = "staging.us-central1-b.gcp.pangeo.io"


def staging_values(*edits: str) -> dict:
    values = read_stack_file(REPO / "Pulumi.gcp.yaml")
    for edit in edits:
        values = set_key(values, edit)
    config = parse_stack_config(values)
    selectors = {pool: {"cloud.google.com/gke-nodepool": pool} for pool in config.cluster.node_pools}
    binder = BinderService(name="binder", hub_service=hub_service(domain=DOMAIN, api_token="binder-token"),
                           image_pattern=launchable_images(PREFIX), hub_values={},
                           builders=tuple(config.hubs["staging"].binder.builders))
    return jupyterhub_values(
        config.hubs["staging"], releases=HubReleases("staging"), secrets=HubSecrets(*"abcdef"), pool_selectors=selectors,
        home=singleuser_home_values("home-nfs"), scratch_prefix=None, service_account="user", proxy_service={}, binder=binder,
    )


@pytest.fixture(scope="module")
def staging():
    return staging_values()


def launched_image(profiles, **user_options):
    async def load():
        user = Mock(url="/user/alice/", id=1, groups=[], admin=False)
        user.name = "alice"  # Mock(name=...) would name the mock, not the user
        spawner = KubeSpawner(_mock=True, user=user)
        spawner.profile_list = profiles
        spawner.user_options = user_options
        await spawner.load_user_options()
        return spawner.image
    return asyncio.run(load())


def test_users_can_launch_an_image_their_binder_built(staging, kubeconfig):
    profiles = staging["singleuser"]["profileList"]
    built = f"{PREFIX}binder-2dexamples-2drequirements:50533eb"
    assert launched_image(profiles, profile="small", **{"image--unlisted-choice": built}) == built
    assert launched_image(profiles, profile="small", image="default") == "pangeo/pangeo-notebook:2024.06.21"


def test_images_from_anywhere_else_are_refused(staging, kubeconfig):
    with pytest.raises(ValueError, match="failed validation regex"):
        launched_image(staging["singleuser"]["profileList"], profile="small",
                       **{"image--unlisted-choice": "docker.io/someone/miner:latest"})


def test_images_that_only_look_like_the_registry_are_refused(staging, kubeconfig):
    """The registry's dots are literal: `pkgXdev` is somebody else's host."""
    lookalike = PREFIX.replace("pkg.dev", "pkgXdev") + "miner:1"
    with pytest.raises(ValueError, match="failed validation regex"):
        launched_image(staging["singleuser"]["profileList"], profile="small", **{"image--unlisted-choice": lookalike})


def test_binder_is_a_hub_service_and_oauth_client_every_user_may_reach(staging):
    service = staging["hub"]["services"]["binder"]
    # the binderhub-service chart's Service is `binderhub` (port 80) with its default fullname
    assert service["url"] == "http://binderhub"
    assert service["oauth_client_id"] == "service-binder"
    assert service["oauth_redirect_uri"] == f"https://{DOMAIN}/services/binder/oauth_callback"
    assert service["apiToken"] == "binder-token"
    assert "access:services!service=binder" in staging["hub"]["loadRoles"]["user"]["scopes"]
    assert "access:services!service=binder" in staging["hub"]["config"]["Spawner"]["server_token_scopes"]


def binder_values():
    return binderhub_values(domain=DOMAIN, api_token="binder-token", image_prefix=PREFIX, push_secret=push.NAME)


def test_binderhub_builds_only_for_the_hubs_logged_in_users():
    config = binder_values()["config"]
    assert config["BinderHub"] == {"base_url": "/services/binder/", "use_registry": True, "image_prefix": PREFIX,
                                   "enable_api_only_mode": True, "auth_enabled": True}
    # BinderHub's handlers build a HubOAuth from this config: it must load as real traits
    auth = HubOAuth(config=Config(config))
    assert auth.api_token == "binder-token" and auth.oauth_client_id == "service-binder"
    assert auth.api_url == "http://hub:8081/hub/api"
    assert auth.oauth_redirect_uri == f"https://{DOMAIN}/services/binder/oauth_callback"
    assert auth.access_scopes == {"access:services!service=binder"}


def test_binderhub_pushes_with_the_refreshed_secret_and_leaves_pod_labels_to_the_chart():
    values = binder_values()
    # no static credentials: the chart's extraConfig entry that names its own Secret is replaced
    assert "buildPodsRegistryCredentials" not in values
    config = Config()
    exec(values["extraConfig"][PUSH_SECRET_CONFIG], {"c": config})
    assert config.KubernetesBuildExecutor.push_secret == "binder-push-credentials"
    # the chart labels its pod for the hub's network policy itself; a second key would be a duplicate
    assert "podLabels" not in values


def test_ecr_pushes_stay_under_the_hubs_prefix_and_images_expire():
    policy = json.loads(ecr_push_policy("arn:aws:ecr:us-west-2:1:repository/pangeo-hubs-staging-binder/*"))
    login, push_ = policy["Statement"]
    assert login == {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}
    assert push_["Resource"] == "arn:aws:ecr:us-west-2:1:repository/pangeo-hubs-staging-binder/*"
    assert "ecr:PutImage" in push_["Action"] and "ecr:CreateRepository" in push_["Action"]
    assert not any(a.startswith("ecr:Delete") for a in push_["Action"])
    [rule] = json.loads(ecr_lifecycle_policy(30))["rules"]
    assert rule["selection"] == {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30}
    assert rule["action"] == {"type": "expire"}


def test_only_the_builders_groups_reach_binder_when_set():
    hub = staging_values('hubs.staging.binder.builders=["power-users"]')["hub"]
    scope = "access:services!service=binder"
    assert scope not in hub["loadRoles"]["user"]["scopes"]
    assert "access:services!service=dask-gateway" in hub["loadRoles"]["user"]["scopes"]
    assert hub["loadRoles"]["binder-builders"] == {"name": "binder-builders", "groups": ["power-users"], "scopes": [scope]}
    # server tokens keep listing it: JupyterHub gives each token only what its owner holds
    assert scope in hub["config"]["Spawner"]["server_token_scopes"]


def test_builders_must_be_groups_of_the_hub():
    values = set_key(read_stack_file(REPO / "Pulumi.gcp.yaml"), 'hubs.staging.binder.builders=["wizards"]')
    with pytest.raises(ConfigError, match=r"hubs.staging.binder.builders: unknown group 'wizards'"):
        parse_stack_config(values)


def test_enabled_true_still_means_authenticated():
    values = read_stack_file(REPO / "Pulumi.gcp.yaml")
    values = set_key(set_key(values, "hubs.prod.binder.enabled=true"), "hubs.staging.binder.mode=null")
    hubs = parse_stack_config(values).hubs
    assert hubs["prod"].binder.mode == "authenticated" and not hubs["staging"].binder.enabled


@pytest.mark.parametrize("edit, message", [
    ("hubs.staging.binder.enabled=true", "binder.enabled: is the old spelling of mode; set only mode"),
    ('hubs.staging.binder.public={"per_repo_quota": 5}', "binder.public: only applies in mode public"),
])
def test_binder_shapes_that_do_not_fit_the_mode_are_refused(edit, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_stack_config(set_key(read_stack_file(REPO / "Pulumi.gcp.yaml"), edit))



def test_a_public_binders_pools_must_be_its_own_purposes():
    values = read_stack_file(REPO / "Pulumi.gcp.yaml")
    with pytest.raises(ConfigError, match=re.escape(
            "hubs.binder.binder.public.build_pool: must be a node pool of purpose build, got 'user-n2-highmem-4'")):
        parse_stack_config(set_key(values, 'hubs.binder.binder.public.build_pool="user-n2-highmem-4"'))
    with pytest.raises(ConfigError, match=re.escape(
            "hubs.binder.binder.public.server_pool: must be a node pool of purpose binder, got 'binder-build'")):
        parse_stack_config(set_key(values, 'hubs.binder.binder.public.server_pool="binder-build"'))
    assert parse_stack_config(values).binder_pools(parse_stack_config(values).hubs["binder"]) == ("binder", "binder-build")


def test_a_public_binder_without_pools_of_its_own_is_refused_not_put_on_other_hubs_nodes():
    values = read_stack_file(REPO / "Pulumi.gcp.yaml")
    pools = values["pangeo-hubs:cluster"]["node_pools"]
    values = {**values, "pangeo-hubs:cluster": {**values["pangeo-hubs:cluster"], "node_pools": {
        k: v for k, v in pools.items() if v["purpose"] not in ("binder", "build")}}}
    with pytest.raises(ConfigError) as error:
        parse_stack_config(values)
    assert error.value.problems == [
        f"pangeo-hubs:hubs.binder.binder.public.{key}_pool: a public binder needs a node pool of purpose {purpose} "
        "(cluster.node_pools), so that its anonymous code never runs on another hub's nodes"
        for key, purpose in (("server", "binder"), ("build", "build"))]


def test_two_pools_of_a_binder_purpose_must_be_chosen_between_and_stay_small():
    values = set_key(read_stack_file(REPO / "Pulumi.gcp.yaml"), "cluster.node_pools.binder-2="
                     '{"purpose": "binder", "machine_type": "n2-highmem-4", "min_nodes": 0, "max_nodes": 2}')
    with pytest.raises(ConfigError, match=re.escape("hubs.binder.binder.public.server_pool: is required: the stack "
                                                    "has 2 pools of purpose binder (binder, binder-2); name one")):
        parse_stack_config(values)
    parse_stack_config(set_key(values, 'hubs.binder.binder.public.server_pool="binder-2"'))
    with pytest.raises(ConfigError, match=re.escape("cluster.node_pools.binder-build.max_nodes: at most 20 on a pool "
                                                    "of purpose build (it runs anonymous code), got 21")):
        parse_stack_config(set_key(read_stack_file(REPO / "Pulumi.gcp.yaml"),
                                   "cluster.node_pools.binder-build.max_nodes=21"))


def test_no_profile_may_put_a_logged_in_users_server_on_a_binders_pool():
    with pytest.raises(ConfigError, match=re.escape("hubs.prod.profiles.small.node_pool: must name a user node pool")):
        parse_stack_config(set_key(read_stack_file(REPO / "Pulumi.gcp.yaml"), 'hubs.prod.profiles.small.node_pool="binder"'))


def taint_problems(taints: list[dict]) -> list[str]:
    """Kubernetes' taint syntax, which GKE's node_config.taints and EKS's node group taints take as is: a
    key is a qualified name (an optional DNS-subdomain prefix and '/', then at most 63 of [-A-Za-z0-9_.],
    alphanumeric at both ends), a value a label value, the same or empty (k8s.io/apimachinery
    validation.IsQualifiedName, IsValidLabelValue). EKS: key and value up to 63 characters, at most 50
    taints per node group (https://docs.aws.amazon.com/eks/latest/userguide/node-taints-managed-node-groups.html)."""
    name = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
    subdomain = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    problems = [f"{len(taints)} taints, more than EKS's 50"] if len(taints) > 50 else []
    for taint in taints:
        prefix, _, key = taint["key"].rpartition("/")
        if not name.match(key) or (prefix and (len(prefix) > 253 or not subdomain.match(prefix))):
            problems.append(f"key {taint['key']!r}")
        if taint["value"] and not name.match(taint["value"]):
            problems.append(f"value {taint['value']!r}")
    return problems


def test_every_purposes_taints_are_ones_gke_and_eks_accept():
    from components.cluster.node_roles import node_taints

    for purpose in ("core", "user", "worker", "binder", "build"):
        assert taint_problems(node_taints(purpose, draining=True)) == []
    assert taint_problems([{"key": "pangeo/hubs/dedicated", "value": "binder"}, {"key": "Pangeo_Hubs/x", "value": ""},
                           {"key": "pangeo-hubs/dedicated", "value": "b" * 64}] + [{"key": "k", "value": ""}] * 48) == [
        "51 taints, more than EKS's 50", "key 'pangeo/hubs/dedicated'", "key 'Pangeo_Hubs/x'", f"value {'b' * 64!r}"]


def test_public_builds_and_their_docker_run_on_the_build_pool():
    pool = {"cloud.google.com/gke-nodepool": "binder-build-abc123"}
    values = binderhub_values(domain=DOMAIN, api_token="t", image_prefix=PREFIX, push_secret=push.NAME,
                              public=PublicBinder(), build_selector=pool)
    assert values["config"]["KubernetesBuildExecutor"]["node_selector"] == pool
    assert values["dockerApi"]["nodeSelector"] == pool
    assert values["config"]["BinderHub"]["auth_enabled"] is False and "HubOAuth" not in values["config"]


def test_a_public_binder_may_not_keep_anything_for_its_anonymous_users():
    values = read_stack_file(REPO / "Pulumi.gcp.yaml")
    with pytest.raises(ConfigError, match=re.escape(
            "hubs.binder.scratch.enabled: must be false on a public binder (its users are anonymous)")):
        parse_stack_config(set_key(values, "hubs.binder.scratch.enabled=true"))


@pytest.mark.parametrize("edit, problem", [
    ("hubs.binder.binder.public.quota.cpu=0.5", "quota.cpu: must hold at least one server (public.cpu 1), got 0.5"),
    ("hubs.binder.binder.public.quota.memory_gb=1000", "quota.memory_gb: at most 161.4 GiB, what the binder pool "
     "binder holds at its max_nodes, got 1000"),
    ("hubs.binder.binder.public.quota.servers=21", "quota.servers: at most 20: servers beyond what quota.cpu and "
     "quota.memory_gb hold at their limits would pass BinderHub and be refused by the ResourceQuota, got 21"),
    ("hubs.binder.binder.public.quota.pods=19", "quota.pods: must be at least quota.servers (20): each server is a "
     "pod, got 19"),
])
def test_a_public_binders_quota_that_holds_no_server_or_more_than_its_pool_is_refused(edit, problem):
    with pytest.raises(ConfigError) as error:
        parse_stack_config(set_key(read_stack_file(REPO / "Pulumi.gcp.yaml"), edit))
    assert error.value.problems == [f"pangeo-hubs:hubs.binder.binder.public.{problem}"]


def test_a_public_binders_quota_defaults_follow_its_pool_and_server_size():
    def quota(*edits):
        values = read_stack_file(REPO / "Pulumi.gcp.yaml")
        for edit in edits:
            values = set_key(values, edit)
        config = parse_stack_config(values)
        return config.binder_quota(config.hubs["binder"])

    shipped = quota()
    assert (shipped.cpu, shipped.servers, shipped.pods) == (20.5, 20, 20 * (1 + 1 * (1 + 4)))
    smaller = quota("cluster.node_pools.binder.max_nodes=3")
    assert smaller.cpu == pytest.approx(shipped.cpu / 2, abs=0.1) and smaller.servers == 10
    assert quota("hubs.binder.binder.public.memory_gb=4").servers == 20  # then bound by CPU, 20.5 of 1 each
    assert quota("hubs.binder.binder.public.quota.cpu=10").servers == 10
    assert quota("hubs.binder.binder.public.dask_max_workers=0").pods == 20 * 2


def test_the_quota_renders_its_numbers_scoped_to_the_anonymous_class():
    from components.binder_hub.quota import NamespaceQuota, limit_range_spec, resource_quota_spec
    from components.sizing import Allocatable

    spec = resource_quota_spec("binder", NamespaceQuota(servers=3, pods=7, cpu=2.5, memory_gib=12))
    assert spec["hard"] == {"pods": "7", "requests.cpu": "2500m", "limits.cpu": "2500m",
                            "requests.memory": "12288Mi", "limits.memory": "12288Mi"}
    assert spec["scopeSelector"]["matchExpressions"] == [
        {"scopeName": "PriorityClass", "operator": "In", "values": ["binder-anonymous"]}]
    [item] = limit_range_spec(Allocatable(4, 16))["limits"]
    assert item["max"] == item["default"] == {"cpu": "4000m", "memory": "16384Mi"}
    assert item["defaultRequest"] == {"cpu": "0", "memory": "0"}
