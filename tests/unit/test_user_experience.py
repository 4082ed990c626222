"""What users see: environments to choose, sharing, the shared folder; on the hub's pinned versions."""

import asyncio
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import Mock

import pytest
from jupyterhub.scopes import _check_scopes_exist
from kubespawner import KubeSpawner

from components.dask_hub.charts import HubReleases
from components.dask_hub.jupyterhub_values import HubSecrets, jupyterhub_values
from components.dask_hub.shared_directory import MOUNT_PATH, with_shared_directory, writers_hook
from components.nfs_home.volumes import singleuser_home_values
from infra.config import ConfigError, parse_stack_config, read_stack_file, set_key

REPO = Path(__file__).resolve().parents[2]
ML = "pangeo/ml-notebook:2024.06.21"
CHOICES = [
    "hubs.prod.images={ml: {display_name: Pangeo ML, name: pangeo/ml-notebook, tag: '2024.06.21'}}",
    "hubs.prod.profiles.small.images=[]",
    "hubs.prod.profiles.large.other_image_pattern=^(docker\\.io/)?pangeo/[-a-z]+:[0-9.]+$",
]


def render(*assignments):
    values = read_stack_file(REPO / "Pulumi.gcp.yaml")
    for assignment in assignments:
        values = set_key(values, assignment)
    config = parse_stack_config(values)
    selectors = {pool: {"cloud.google.com/gke-nodepool": pool} for pool in config.cluster.node_pools}
    return jupyterhub_values(
        config.hubs["prod"], releases=HubReleases("prod"), secrets=HubSecrets(*"abcdef"), pool_selectors=selectors,
        home=singleuser_home_values("home-nfs"), scratch_prefix=None, service_account="user", proxy_service={},
    )


def launched_image(values, **user_options):
    """The image the real KubeSpawner (7.0.0, as the hub image runs) picks for these form choices."""
    async def load():
        user = Mock(url="/user/alice/", id=1, groups=[], admin=False)
        user.name = "alice"
        spawner = KubeSpawner(_mock=True, user=user)
        spawner.profile_list = values["singleuser"]["profileList"]
        spawner.user_options = user_options
        await spawner.load_user_options()
        return spawner.image
    return asyncio.run(load())


def test_users_pick_an_environment_per_profile(kubeconfig):
    values = render(*CHOICES)
    assert launched_image(values, profile="medium", image="ml") == ML
    assert launched_image(values, profile="medium", image="default") == "pangeo/pangeo-notebook:2024.06.21"
    # small offers only the hub's image: no choice is rendered at all
    small = next(p for p in values["singleuser"]["profileList"] if p["slug"] == "small")
    assert "profile_options" not in small


def test_a_profile_may_accept_typed_in_images_matching_its_pattern_only(kubeconfig):
    values = render(*CHOICES)
    typed = "pangeo/pytorch-notebook:2024.06.21"
    assert launched_image(values, profile="large", **{"image--unlisted-choice": typed}) == typed
    with pytest.raises(ValueError, match="failed validation regex"):
        launched_image(values, profile="large", **{"image--unlisted-choice": "evil.example/pangeo/x:1"})
    with pytest.raises(ValueError):
        launched_image(values, profile="medium", **{"image--unlisted-choice": typed})


@pytest.mark.parametrize("assignment, message", [
    ("hubs.prod.profiles.small.images=[gpu]", "pangeo-hubs:hubs.prod.profiles.small.images: unknown image 'gpu'"),
    ("hubs.prod.profiles.large.other_image_pattern=pangeo/.*", "pangeo-hubs:hubs.prod.profiles.large.other_image_pattern: must be anchored"),
    ("hubs.prod.profiles.large.other_image_pattern=^pangeo/(.*$", "pangeo-hubs:hubs.prod.profiles.large.other_image_pattern: is not a regular expression"),
    ("hubs.prod.images={ml: {display_name: ML, name: pangeo/ml-notebook, tag: latest}}", "pangeo-hubs:hubs.prod.images.ml.tag: must pin a version"),
    ("hubs.prod.sharing.groups=[nobody]", "pangeo-hubs:hubs.prod.sharing.groups: unknown group 'nobody'"),
    ("hubs.prod.shared_directory.writers=[nobody]", "pangeo-hubs:hubs.prod.shared_directory.writers: unknown group 'nobody'"),
    ("hubs.prod.page.links={Docs: http://pangeo.io}", "pangeo-hubs:hubs.prod.page.links.Docs: must be an https:// URL"),
    ("hubs.prod.page.help_url=http://pangeo.io", "pangeo-hubs:hubs.prod.page.help_url: must be an https:// URL"),
    ("hubs.prod.page.contact=ops", "pangeo-hubs:hubs.prod.page.contact: must be an e-mail address or an https:// URL"),
])
def test_bad_experience_config_names_the_key(assignment, message):
    with pytest.raises(ConfigError) as error:
        parse_stack_config(set_key(read_stack_file(REPO / "Pulumi.gcp.yaml"), assignment))
    assert any(line.startswith(message) for line in error.value.problems), error.value.problems


def test_sharing_groups_may_share_their_own_servers_with_scopes_the_hub_knows():
    role = render("hubs.prod.sharing.groups=[power-users]")["hub"]["loadRoles"]["sharing"]
    assert role["groups"] == ["power-users"] and "shares!user" in role["scopes"]
    _check_scopes_exist(role["scopes"])  # JupyterHub 5.5.0's own scope table
    assert "sharing" not in render("hubs.prod.sharing.groups=[]")["hub"]["loadRoles"]


def test_every_page_template_extends_jupyterhubs_own_and_gets_the_hubs_wording():
    hub = render("hubs.prod.page={title: Pangeo, subtitle: Big data geoscience, welcome: Hello, "
                 "help_url: 'https://discourse.pangeo.io', contact: ops@example.org}")["hub"]
    [directory] = hub["config"]["JupyterHub"]["template_paths"]
    files = {f["mountPath"].removeprefix(directory + "/"): f["stringData"] for f in hub["extraFiles"].values()}
    assert set(files) == {"page.html", "login.html", "home.html", "error.html"}
    for name, text in files.items():
        assert f'{{% extends "templates/{name}" %}}' in text
    page = hub["config"]["JupyterHub"]["template_vars"]["hub_page"]
    assert (page["title"], page["help_url"], page["contact_url"]) == (
        "Pangeo", "https://discourse.pangeo.io", "mailto:ops@example.org")
    assert page["access"] == [{"name": "pangeo-data/us-central1-b-gcp",
                               "url": "https://github.com/orgs/pangeo-data/teams/us-central1-b-gcp"}]


def spawner(admin=False, groups=()):
    user = SimpleNamespace(admin=admin, groups=[SimpleNamespace(name=g) for g in groups])
    values = with_shared_directory(singleuser_home_values("home-nfs"))
    return SimpleNamespace(user=user, volume_mounts=list(values["storage"]["extraVolumeMounts"]))


@pytest.mark.parametrize("admin, groups, writable", [
    (False, (), False), (True, (), True), (False, ("operators",), True), (False, ("power-users",), False),
])
def test_the_shared_folder_is_read_only_except_for_admins_and_writers(admin, groups, writable):
    c = SimpleNamespace(KubeSpawner=SimpleNamespace())
    exec(writers_hook(["operators"]), {"c": c})
    s = spawner(admin, groups)
    c.KubeSpawner.pre_spawn_hook(s)
    (mount,) = [m for m in s.volume_mounts if m["mountPath"] == MOUNT_PATH]
    assert mount["readOnly"] is (not writable)


def test_the_shared_folder_is_created_for_jovyan_and_mounted_from_the_home_share():
    values = with_shared_directory(singleuser_home_values("home-nfs"))
    (mount,) = values["storage"]["extraVolumeMounts"]
    assert mount == {"name": "home", "mountPath": MOUNT_PATH, "subPath": "_shared", "readOnly": True}
    assert [c["name"] for c in values["initContainers"]] == ["home-ownership-fix", "shared-directory"]
