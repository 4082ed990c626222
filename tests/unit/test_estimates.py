"""The critical-path estimate over a dependency graph."""

from infra.plan.estimates import critical_path, estimate


def node(urn, type_, deps=(), provider=None, custom=True):
    return {"urn": urn, "name": urn, "type": type_, "dependencies": list(deps), "provider": provider, "custom": custom}


def test_longest_chain_wins_and_parallel_work_is_free():
    graph = [
        node("net", "gcp:compute/network:Network"),
        node("cluster", "gcp:container/cluster:Cluster", ["net"]),
        node("filestore", "gcp:filestore/instance:Instance", ["net"]),
        node("release", "kubernetes:helm.sh/v3:Release", ["cluster"]),
    ]
    total, path = critical_path(graph)
    assert (total, path) == (9.5, ["net", "cluster", "release"])


def test_a_provider_is_waited_for_like_an_input():
    graph = [
        node("api", "gcp:projects/service:Service"),
        node("p", "pulumi:providers:gcp", ["api"]),
        node("net", "gcp:compute/network:Network", provider="p"),
    ]
    assert critical_path(graph) == (1.5, ["api", "net"])


def test_components_take_no_time():
    assert critical_path([node("c", "pangeo:index:DaskHub", custom=False)]) == (0.0, [])


def test_the_chain_is_the_declared_clusters_or_an_existing_ones():
    from infra.plan.estimates import estimate

    gke = [node("net", "gcp:compute/network:Network"), node("c", "gcp:container/cluster:Cluster", ["net"])]
    eks = [node("vpc", "aws:ec2/vpc:Vpc"), node("c", "aws:eks/cluster:Cluster", ["vpc"])]
    release = [node("hub", "kubernetes:helm.sh/v3:Release")]
    assert estimate(gke + release)["unavoidable_chain"] == "gcp"
    assert estimate(eks + release)["unavoidable_chain"] == "aws"
    existing = estimate(release)
    assert existing["unavoidable_chain"] == "existing cluster"
    assert existing["unavoidable_chain_minutes"] == 3.0 and existing["critical_path_ratio"] == 1.0


def test_a_release_waiting_for_another_ones_crds_adds_a_release_to_the_unavoidable_chain():
    first = {**node("gw-a", "kubernetes:helm.sh/v3:Release"), "inputs": {}}
    second = {**node("gw-b", "kubernetes:helm.sh/v3:Release", ["gw-a"]), "inputs": {"skipCrds": True}}
    assert estimate([first])["unavoidable_chain_minutes"] == 3.0
    assert estimate([first, second])["unavoidable_chain_minutes"] == 6.0
