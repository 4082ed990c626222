"""Who may reach whom in a hub's namespace, from every NetworkPolicy the stack sends there.

The policies are the charts' own (rendered by helm with the stack's values) and
the plain ones the program declares; pod labels are the ones the charts'
Deployments and dask-gateway's controller give their pods.
"""

import pytest

from components.dask_hub.charts import HubReleases
from components.dask_hub.network_policies import public_addresses

from .netpol import Address, Pod, allowed, matches

HUB, OTHER_HUB, PUBLIC_BINDER = "prod", "staging", "binder"
INTERNET = Address("142.250.72.14")
METADATA = Address("169.254.169.254")
# GKE's metadata server where network policy is enforced (network_policies.METADATA).
METADATA_GKE = Address("169.254.169.252")
# Stratum, the mining pools' protocol, is commonly served on 3333.
MINING_POOL_PORT = 3333
# Where each stack's pods and NFS servers live (Pulumi.<stack>.yaml network ranges).
POD_IPS = {"gcp": "10.16.3.{}", "aws-us-west-2": "10.0.7.{}"}


def _policies(stack) -> list[dict]:
    found = []
    for obj in stack.objects:
        if obj.kind == "NetworkPolicy":
            manifest = {**obj.manifest, "metadata": {**obj.manifest["metadata"], "namespace": obj.namespace}}
            found.append(manifest)
    return found


def _template_labels(stack, namespace: str, component_key: str, component: str) -> dict:
    (labels,) = [o.manifest["spec"]["template"]["metadata"]["labels"] for o in stack.objects
                 if o.kind == "Deployment" and o.namespace == namespace
                 and o.manifest["spec"]["template"]["metadata"]["labels"].get(component_key) == component]
    return labels


def _nfs_server(stack, hub: str) -> Address:
    for r in stack.plan.resources:
        if r["type"] == "kubernetes:core/v1:PersistentVolume" and r["name"] == f"{hub}-home-pv":
            server = r["inputs"]["spec"]["nfs"]["server"]
            # EFS answers at a mount target in a private subnet of the VPC.
            return Address(server if server[0].isdigit() else "10.0.0.10")
    if hub == HUB:
        raise AssertionError("no home volume")
    # A public binder has no home; its pods must not reach the prod hub's.
    return _nfs_server(stack, HUB)


class Namespace:
    def __init__(self, stack, name: str = HUB):
        self.policies = _policies(stack)
        ip = POD_IPS[stack.name]
        releases = HubReleases(name)
        hub = _template_labels(stack, name, "component", "hub")
        self.hub = Pod(name, hub, ip.format(2), ports={"http": 8081})
        self.gateway_api = Pod(name, _template_labels(stack, name, "app.kubernetes.io/component", "gateway"), ip.format(3))
        self.traefik = Pod(name, _template_labels(stack, name, "app.kubernetes.io/component", "traefik"), ip.format(4))
        self.other_traefik = Pod(OTHER_HUB, _template_labels(stack, OTHER_HUB, "app.kubernetes.io/component", "traefik"),
                                 ip.format(5))
        # KubeSpawner's labels for a server, plus z2jh's default singleuser.extraLabels.
        self.notebook = Pod(name, {"app": "jupyterhub", "component": "singleuser-server", "release": hub["release"],
                                  "heritage": "jupyterhub", "hub.jupyter.org/network-access-hub": "true",
                                  "hub.jupyter.org/username": "alice"}, ip.format(6))

        def dask(component: str, cluster: str, n: int) -> Pod:
            return Pod(name, {"app.kubernetes.io/name": "dask-gateway", "app.kubernetes.io/version": "2026.3.0",
                             "gateway.dask.org/instance": releases.gateway, "gateway.dask.org/cluster": cluster,
                             "app.kubernetes.io/component": component}, ip.format(n))

        self.scheduler, self.worker = dask("dask-scheduler", "alice", 7), dask("dask-worker", "alice", 8)
        self.other_scheduler = dask("dask-scheduler", "bob", 9)
        self.nfs = _nfs_server(stack, name)

    def may(self, source, destination, port: int, protocol: str = "TCP") -> bool:
        return allowed(self.policies, source, destination, port, protocol)


@pytest.fixture(scope="module", params=["gcp", "aws-us-west-2"])
def ns(request, rendered_stack):
    return Namespace(rendered_stack(request.param))


def test_every_pod_here_is_isolated_both_ways_so_the_checks_below_mean_something(ns):
    for pod in (ns.notebook, ns.scheduler, ns.worker):
        for direction in ("Ingress", "Egress"):
            assert any(direction in p["spec"].get("policyTypes", []) and p["metadata"]["namespace"] == pod.namespace
                       and matches(p["spec"]["podSelector"], pod.labels) for p in ns.policies), (pod.labels, direction)


def test_a_notebook_reaches_its_gateway_proxy_and_nothing_else_of_dask(ns):
    assert ns.may(ns.notebook, ns.traefik, 8000)
    assert not ns.may(ns.notebook, ns.traefik, 9000)  # traefik's dashboard
    assert not ns.may(ns.notebook, ns.other_traefik, 8000)
    assert not ns.may(ns.notebook, ns.other_scheduler, 8786)
    assert not ns.may(ns.notebook, ns.scheduler, 8787)
    assert not ns.may(ns.notebook, ns.worker, 40000)
    assert not ns.may(ns.notebook, ns.gateway_api, 8000)


def test_a_notebook_still_reaches_its_hub_and_public_data(ns):
    assert ns.may(ns.notebook, ns.hub, 8081)
    assert ns.may(ns.notebook, INTERNET, 443)


def test_the_old_gateway_rule_would_have_let_a_notebook_reach_another_users_scheduler(ns):
    """The evaluator sees the difference the narrowed rule makes."""
    wide = [{**p, "spec": {**p["spec"], "egress": [{"to": [{"podSelector": {"matchLabels": {
        "app.kubernetes.io/name": "dask-gateway"}}}]}]}} if matches(p["spec"]["podSelector"], ns.notebook.labels) else p
        for p in ns.policies if not p["metadata"]["name"].endswith(("-scheduler", "-worker"))]
    assert allowed(wide, ns.notebook, ns.other_scheduler, 8786)


def test_no_user_or_dask_pod_reaches_the_home_nfs_server(ns):
    for pod in (ns.notebook, ns.scheduler, ns.worker):
        assert not ns.may(pod, ns.nfs, 2049)
        assert not ns.may(pod, ns.nfs, 2049, "UDP")


def test_dask_pods_reach_public_data_and_each_other(ns):
    assert ns.may(ns.worker, INTERNET, 443) and ns.may(ns.scheduler, INTERNET, 443)
    assert ns.may(ns.worker, ns.scheduler, 8786)
    assert ns.may(ns.scheduler, ns.worker, 38211)
    assert ns.may(ns.traefik, ns.scheduler, 8786) and ns.may(ns.traefik, ns.scheduler, 8787)
    assert ns.may(ns.gateway_api, ns.scheduler, 8788)
    assert not ns.may(ns.traefik, ns.scheduler, 8788)


def test_workers_get_workload_identity_credentials_from_the_metadata_server(ns):
    assert ns.may(ns.worker, METADATA, 80)


def test_only_the_gateway_api_server_of_the_dask_side_reaches_the_hub_api(ns):
    assert ns.may(ns.gateway_api, ns.hub, 8081)
    assert not ns.may(ns.traefik, ns.hub, 8081)
    assert not ns.may(ns.worker, ns.hub, 8081)
    assert not ns.may(ns.scheduler, ns.hub, 8081)


@pytest.fixture(scope="module", params=["gcp", "aws-us-west-2"])
def binder(request, rendered_stack):
    return Namespace(rendered_stack(request.param), PUBLIC_BINDER)


def test_a_public_binders_dask_pods_reach_neither_a_mining_pool_nor_the_metadata_server(binder):
    for pod in (binder.worker, binder.scheduler):
        assert not binder.may(pod, INTERNET, MINING_POOL_PORT)
        assert not binder.may(pod, METADATA, 80) and not binder.may(pod, METADATA_GKE, 988)
        assert not binder.may(pod, binder.nfs, 2049)
        for port in (80, 443, 9418):
            assert binder.may(pod, INTERNET, port)
    assert binder.may(binder.worker, binder.scheduler, 8786)


def test_a_public_binders_servers_reach_only_a_notebooks_ports_on_public_addresses(binder):
    assert not binder.may(binder.notebook, INTERNET, MINING_POOL_PORT)
    assert not binder.may(binder.notebook, METADATA, 80)
    assert binder.may(binder.notebook, INTERNET, 443) and binder.may(binder.notebook, INTERNET, 9418)
    assert binder.may(binder.notebook, binder.traefik, 8000)
    assert binder.may(binder.notebook, Address("10.0.0.53"), 53, "UDP")  # DNS


def test_while_a_prod_notebook_reaches_its_gateway_and_the_internet_on_any_port(ns):
    assert ns.may(ns.notebook, ns.traefik, 8000)
    assert ns.may(ns.notebook, INTERNET, 443) and ns.may(ns.notebook, INTERNET, MINING_POOL_PORT)
    assert ns.may(ns.worker, INTERNET, MINING_POOL_PORT)


def test_the_check_sees_a_binder_worker_policy_that_allows_any_port(binder):
    """The evaluator tells the rules apart: with the logged-in hubs' rule, the worker reaches the pool."""
    wide = [{**p, "spec": {**p["spec"], "egress": [*p["spec"]["egress"], public_addresses()]}}
            if p["metadata"]["name"].endswith("-worker") else p for p in binder.policies]
    assert allowed(wide, binder.worker, INTERNET, MINING_POOL_PORT)
