"""Each check of the full-stack tests, shown to fail on a crafted input with the problem it exists for.

A check that never fails proves nothing; these keep every one honest without
needing the real stacks to be broken.
"""

from types import SimpleNamespace

import pytest

from components.dask_hub.charts import DASK_GATEWAY, JUPYTERHUB

from . import conflicts, urls, validate
from .helm import Rendered, parse_manifests, render_release
from .objects import Obj, api_version, stack_objects


def obj(kind, name, origin, namespace=None, api="v1", cluster="c", **fields):
    return Obj({"apiVersion": api, "kind": kind, "metadata": {"name": name}, **fields}, origin, namespace, cluster)


PRIORITY = dict(kind="PriorityClass", name="jupyterhub-default-priority", api="scheduling.k8s.io/v1")
CRD = dict(kind="CustomResourceDefinition", name="daskclusters.gateway.dask.org", api="apiextensions.k8s.io/v1")


def test_type_tokens_become_api_versions():
    assert api_version("kubernetes:core/v1:Namespace") == ("v1", "Namespace")
    assert api_version("kubernetes:storage.k8s.io/v1:StorageClass") == ("storage.k8s.io/v1", "StorageClass")
    assert api_version("kubernetes:batch/v1:Job") == ("batch/v1", "Job")
    assert api_version("kubernetes:helm.sh/v3:Release") is None


def test_duplicate_yaml_keys_are_reported():
    text = "---\n# Source: c/templates/d.yaml\nkind: Deployment\nmetadata:\n  name: d\n  labels:\n    a: 1\n    a: 1\n"
    manifests, problems = parse_manifests(text)
    assert manifests[0]["metadata"]["labels"] == {"a": 1}
    assert problems == ["Deployment d (c/templates/d.yaml, line 8 of the output): duplicate key 'a'"]


def test_an_unknown_field_of_a_builtin_kind_fails():
    good = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}}
    assert validate.errors(good, {}) == []
    [error] = validate.errors({**good, "dataa": {}}, {})
    assert error.startswith("ConfigMap x: <root>: Additional properties") and "dataa" in error


def test_a_custom_resource_is_checked_strictly_against_its_crd():
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "spec": {
        "group": "traefik.io", "names": {"kind": "Middleware"}, "scope": "Namespaced", "versions": [{
            "name": "v1alpha1", "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "properties": {"stripPrefix": {"type": "object"}}}}}}}]}}
    crds = validate.crd_validators([crd])
    good = {"apiVersion": "traefik.io/v1alpha1", "kind": "Middleware", "metadata": {"name": "m"},
            "spec": {"stripPrefix": {}}}
    assert validate.errors(good, crds) == []
    assert validate.errors({**good, "spec": {"stripPrefixx": {}}}, crds) == [
        "Middleware m: spec: Additional properties are not allowed ('stripPrefixx' was unexpected)"]


def test_a_custom_resource_without_a_crd_fails_unless_allowed(monkeypatch):
    manifest = {"apiVersion": "gateway.dask.org/v1alpha1", "kind": "DaskCluster", "metadata": {"name": "d"}}
    [error] = validate.errors(manifest, {})
    assert "DaskCluster d" in error and "ALLOWED_UNKNOWN" in error
    monkeypatch.setitem(validate.ALLOWED_UNKNOWN, ("gateway.dask.org/v1alpha1", "DaskCluster"), "test")
    assert validate.errors(manifest, {}) == []


def test_two_releases_rendering_one_cluster_scoped_object_collide():
    objects = [obj(**PRIORITY, origin="release prod/jupyterhub"), obj(**PRIORITY, origin="release staging/jupyterhub"),
               obj(**CRD, origin="release prod/gw"), obj(**CRD, origin="release staging/gw")]
    assert conflicts.cluster_scoped_collisions(objects) == [
        "CustomResourceDefinition (apiextensions.k8s.io) daskclusters.gateway.dask.org rendered by "
        "release prod/gw and release staging/gw",
        "PriorityClass (scheduling.k8s.io) jupyterhub-default-priority rendered by "
        "release prod/jupyterhub and release staging/jupyterhub"]


def test_a_release_and_a_plain_resource_rendering_one_storage_class_collide():
    sc = dict(kind="StorageClass", name="gp3", api="storage.k8s.io/v1")
    assert len(conflicts.cluster_scoped_collisions([obj(**sc, origin="release a/b"), obj(**sc, origin="resource gp3")])) == 1


def test_the_same_name_on_two_clusters_or_in_two_groups_is_no_collision():
    assert conflicts.cluster_scoped_collisions([obj(**PRIORITY, origin="a", cluster="one"),
                                                obj(**PRIORITY, origin="b", cluster="two")]) == []
    assert conflicts.cluster_scoped_collisions([obj(**PRIORITY, origin="a"),
                                                obj(**{**PRIORITY, "api": "other.io/v1"}, origin="b")]) == []


def test_a_namespaced_object_rendered_twice_collides_but_not_across_namespaces():
    svc = dict(kind="Service", name="hub")
    assert conflicts.namespaced_collisions([obj(**svc, origin="release prod/a", namespace="prod"),
                                            obj(**svc, origin="release prod/b", namespace="prod")]) == [
        "Service prod/hub rendered by release prod/a and release prod/b"]
    assert conflicts.namespaced_collisions([obj(**svc, origin="a", namespace="prod"),
                                            obj(**svc, origin="b", namespace="staging")]) == []


def test_stack_objects_place_plain_resources_and_catch_two_releases_of_one_name():
    """Plain resources land in their namespace (cluster-scoped kinds in none); two Releases of
    one name in one namespace clash on helm's release record even when they render nothing alike."""
    plan = SimpleNamespace(resources=[
        {"urn": u, "name": u, "type": "kubernetes:helm.sh/v3:Release", "custom": True, "provider": "p", "inputs": {}}
        for u in ("a", "b")] + [
        {"urn": "ns", "name": "prod-namespace", "type": "kubernetes:core/v1:Namespace", "custom": True,
         "provider": "p", "inputs": {"metadata": {"name": "prod"}}},
        {"urn": "sa", "name": "prod-user-sa", "type": "kubernetes:core/v1:ServiceAccount", "custom": True,
         "provider": "p", "inputs": {"metadata": {"name": "user", "namespace": "prod"}}}])
    rendered = {u: Rendered(u, "prod", "jupyterhub", "c") for u in ("a", "b")}
    objects = stack_objects(plan, rendered)
    assert [(o.kind, o.namespace, o.cluster) for o in objects[2:]] == [("Namespace", None, "p"),
                                                                        ("ServiceAccount", "prod", "p")]
    assert conflicts.namespaced_collisions(objects) == [
        "Secret prod/sh.helm.release.v1.jupyterhub.v1 rendered by release prod/jupyterhub and release prod/jupyterhub"]


def _gateway_config(instance):
    return {"dask_gateway_config.py": f"c.KubeController.gateway_instance = '{instance}'\n"}


def test_two_gateways_sharing_an_instance_id_collide():
    objects = [obj("ConfigMap", "controller", "release prod/gw", "prod", data=_gateway_config("gw")),
               obj("ConfigMap", "controller", "release staging/gw", "staging", data=_gateway_config("gw"))]
    assert conflicts.gateway_instance_collisions(objects) == [
        "dask-gateway instance 'gw' used by release prod/gw and release staging/gw"]
    objects[1] = obj("ConfigMap", "controller", "release staging/gw", "staging", data=_gateway_config("gw-2"))
    assert conflicts.gateway_instance_collisions(objects) == []


def _scheduler(name):
    return {"config.yaml": f"kind: KubeSchedulerConfiguration\nprofiles:\n  - schedulerName: {name}\n"}


def test_two_user_schedulers_sharing_a_name_collide_as_does_the_default_name():
    objects = [obj("ConfigMap", "user-scheduler", "release prod/jh", "prod", data=_scheduler("s")),
               obj("ConfigMap", "user-scheduler", "release staging/jh", "staging", data=_scheduler("s"))]
    assert conflicts.scheduler_name_collisions(objects) == [
        "schedulerName 's' used by release prod/jh and release staging/jh"]
    assert conflicts.scheduler_name_collisions([obj("ConfigMap", "u", "release a/b", "a",
                                                    data=_scheduler("default-scheduler"))]) == [
        "schedulerName 'default-scheduler' used by release a/b and the cluster's kube-scheduler"]


@pytest.mark.parametrize("url, problem", [
    ("http://binderhub-service", "no Service binderhub-service in namespace prod"),
    ("http://hub:8000/hub/api", "Service prod/hub exposes [8081], not 8000"),
    ("http://hub.staging.svc.cluster.local:8081", "no Service hub in namespace staging"),
    ("gateway://hub.prod", "no port given, and gateway:// has no default"),
    ("http://hub:8081/hub/api", None),
    ("tls://hub.prod.svc:8081", None),
    ("https://2i2c.org/binderhub-service/", None),  # external: `org` is no namespace
    ("http://hub-{namespace}:8081", None),  # a template, not a URL
])
def test_an_in_cluster_url_must_name_a_service_and_port(url, problem):
    service = obj("Service", "hub", "release prod/jh", "prod", spec={"ports": [{"port": 8081}]})
    found = urls.dangling_urls(urls.value_texts("release prod/jh", "prod", {"a": [url]}), [service])
    assert [f.split(" (release prod/jh): ") for f in found] == ([] if problem is None else [[
        f"{url.split('/hub/api')[0]} in values.a[0]", problem]])


def test_urls_in_container_env_are_checked():
    deployment = obj("Deployment", "d", "release prod/x", "prod", api="apps/v1", spec={"template": {"spec": {
        "containers": [{"name": "c", "env": [{"name": "URL", "value": "http://nowhere:80"}]}]}}})
    assert urls.dangling_urls(urls.object_texts([deployment]), [deployment]) == [
        "http://nowhere:80 in Deployment d env URL (release prod/x): no Service nowhere in namespace prod"]


def _release(chart, name, namespace):
    return {"urn": f"urn:{namespace}:{name}", "name": name, "inputs": {
        "chart": chart.name, "version": chart.version, "name": name, "namespace": namespace, "values": {}}}


def _objects(chart, name_by_namespace):
    return [Obj(m, f"release {ns}/{name}", ns, "c") for ns, name in name_by_namespace
            for m in render_release(_release(chart, name, ns)).manifests]


def test_the_real_charts_show_what_the_checks_look_for(charts):
    """The pinned charts, two releases of one name: what the checks parse is really there."""
    same = [("prod", "dask-gateway"), ("staging", "dask-gateway")]
    assert conflicts.gateway_instance_collisions(_objects(DASK_GATEWAY, same)) == [
        "dask-gateway instance 'dask-gateway' used by release prod/dask-gateway and release staging/dask-gateway"]
    assert conflicts.gateway_instance_collisions(_objects(DASK_GATEWAY, [("prod", "a"), ("staging", "b")])) == []
    hubs = _objects(JUPYTERHUB, [("prod", "jupyterhub"), ("staging", "jupyterhub")])
    assert conflicts.scheduler_name_collisions(hubs) == [
        "schedulerName 'jupyterhub-user-scheduler' used by release prod/jupyterhub and release staging/jupyterhub"]


def test_helm_refuses_values_the_chart_schema_does_not_allow(charts):
    """helm checks values against the schema packaged in the chart, so rendering covers that too."""
    release = _release(JUPYTERHUB, "jupyterhub", "prod")
    release["inputs"]["values"] = {"singleuserr": {}}
    [problem] = render_release(release).problems
    assert problem.startswith("helm template failed") and "singleuserr" in problem


def test_skip_crds_leaves_the_chart_crds_out(charts):
    """What a Release with skip_crds installs: how two gateway releases stop sharing the CRDs."""
    release = _release(DASK_GATEWAY, "gw", "prod")
    assert any(m["kind"] == "CustomResourceDefinition" for m in render_release(release).manifests)
    release["inputs"]["skipCrds"] = True
    assert not any(m["kind"] == "CustomResourceDefinition" for m in render_release(release).manifests)


def test_a_release_rendering_a_custom_resource_must_wait_for_the_release_installing_its_crd():
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "ingressroutes.traefik.io"},
           "spec": {"group": "traefik.io", "names": {"kind": "IngressRoute"}}}
    route = {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "metadata": {"name": "r"}}
    rendered = {"a": Rendered("a", "prod", "gw", "c", [crd, route]), "b": Rendered("b", "staging", "gw", "c", [route])}
    plan = SimpleNamespace(resources=[{"urn": "a", "dependencies": []}, {"urn": "b", "dependencies": ["sa"]},
                                      {"urn": "sa", "dependencies": []}])
    assert conflicts.crd_order(plan, rendered) == [
        "release staging/gw renders IngressRoute r (traefik.io) but does not wait for prod/gw, which installs its CRD"]
    plan.resources[2]["dependencies"] = ["a"]  # through another resource counts
    assert conflicts.crd_order(plan, rendered) == []


def test_a_gateway_that_stops_waiting_for_the_crd_installer_is_reported_on_the_real_stack(rendered_stack):
    """The fault on a real plan: every direct dependency on a release that installs CRDs dropped, as the
    gateways were before they waited for the one installing them."""
    s = rendered_stack("gcp")
    installers = {urn for urn, r in s.rendered.items()
                  if any(m.get("kind") == "CustomResourceDefinition" for m in r.manifests)}
    faulty = SimpleNamespace(resources=[
        {**r, "dependencies": [d for d in r["dependencies"] if r["urn"] in installers or d not in installers]}
        for r in s.plan.resources])
    assert installers and conflicts.crd_order(s.plan, s.rendered) == []
    problems = conflicts.crd_order(faulty, s.rendered)
    assert problems and all("but does not wait for" in p and "which installs its CRD" in p for p in problems)
