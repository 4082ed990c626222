"""NetworkPolicies that keep one hub's dask pods to their own gateway, and off the NFS servers.

The jupyterhub chart ships policies for the hub, proxy and user servers; the
dask-gateway chart ships none, so schedulers and workers (which run users'
code) could reach any address, the home NFS servers on private addresses
included. These policies follow 2i2c's daskhub ones: ingress only from this
gateway's traefik and API pods and from this gateway's dask pods; egress to DNS,
to this gateway's dask pods and API, and to public addresses but no private
range. An anonymous hub's (a public binder's) dask pods get neither the metadata
server nor any public port but a notebook's (ANONYMOUS_PORTS), so a mining pool's
port is out of reach. Home directories are mounted by the kubelet, in the node's network
namespace, which NetworkPolicies don't govern, so mounts keep working.

Pods are picked by the labels dask-gateway gives them
(dask_gateway_server/backends/kubernetes/controller.py, get_labels:
`gateway.dask.org/instance` is the chart's fullname, `app.kubernetes.io/component`
is dask-scheduler or dask-worker) and by the chart's own labels for traefik and
the API server (templates/*/deployment.yaml). Clusters of different users of one
hub share a policy: a policy can't say "same cluster as me", and every
connection between dask pods is mutual TLS with a certificate per cluster.
"""

from components.labels import PART_OF

from .charts import HubReleases

# RFC 1918, shared address space (RFC 6598) and link-local: where the clusters'
# nodes, pods, services and NFS servers (Filestore's reserved range, EFS mount
# targets in the VPC) live. z2jh's `nonPrivateIPs` excludes the same RFC 1918 set.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16")
# GKE's metadata server hands out workload identity credentials (the scratch bucket,
# requester-pays reads): 169.254.169.254:80, and 169.254.169.252:988 where network
# policy is enforced (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity#restrictions).
# On EKS pods never reach it: IMDSv2 with hop limit 1 (eks.py), and IRSA needs only STS.
METADATA = (("169.254.169.254/32", 80), ("169.254.169.252/32", 988))
# What an anonymous user's code may reach on public addresses: HTTP, HTTPS and git's
# own protocol (git://, 9418), for data and repositories; DNS is allowed separately.
ANONYMOUS_PORTS = (80, 443, 9418)
# Ports of the chart's pods (dask-gateway 2026.3.0): traefik serves HTTP and the
# scheduler's TLS on one port (traefik.service.ports.tcp.port: web); the API server;
# a scheduler's TLS, dashboard and API (controller.py, make_pod).
TRAEFIK_PORT = 8000
GATEWAY_API_PORT = 8000
SCHEDULER_PORT, DASHBOARD_PORT, SCHEDULER_API_PORT = 8786, 8787, 8788
HUB_API_PORT = 8081


def _component(releases: HubReleases, component: str) -> dict:
    return {"matchLabels": {"gateway.dask.org/instance": releases.gateway, "app.kubernetes.io/component": component}}


def traefik_selector(releases: HubReleases) -> dict:
    """This hub's gateway proxy: the one way in to a dask cluster from a notebook."""
    return _component(releases, "traefik")


def gateway_api_selector(releases: HubReleases) -> dict:
    """This hub's gateway API server: the only gateway pod that calls the hub."""
    return _component(releases, "gateway")


def dask_selector(releases: HubReleases, *components: str) -> dict:
    return {
        "matchLabels": {"gateway.dask.org/instance": releases.gateway},
        "matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "In", "values": list(components)}],
    }


def _ports(*numbers: int) -> list[dict]:
    return [{"port": n, "protocol": "TCP"} for n in numbers]


def dns() -> dict:
    """The egress rule every policy here starts with: DNS, to whichever resolver the cluster runs."""
    return {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}


def public_addresses(ports: tuple[int, ...] = ()) -> dict:
    """An egress rule to every address outside PRIVATE_RANGES, on `ports` (empty: any port)."""
    rule = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}}]}
    return {**rule, "ports": _ports(*ports)} if ports else rule


def dask_egress(releases: HubReleases, anonymous: bool = False) -> list[dict]:
    """DNS anywhere, this gateway's dask pods and API, then for a hub with logins the metadata
    server (workload identity) and public addresses; for an anonymous hub public addresses on
    ANONYMOUS_PORTS only: its pods have no cloud identity to fetch."""
    outside = ([public_addresses(ANONYMOUS_PORTS)] if anonymous else [
        *({"to": [{"ipBlock": {"cidr": cidr}}], "ports": _ports(port)} for cidr, port in METADATA),
        public_addresses(),
    ])
    return [
        dns(),
        {"to": [{"podSelector": dask_selector(releases, "dask-scheduler", "dask-worker")}]},
        {"to": [{"podSelector": gateway_api_selector(releases)}], "ports": _ports(GATEWAY_API_PORT)},
        *outside,
    ]


def network_policy(name: str, namespace: str, selector: dict, ingress: list[dict], egress: list[dict]) -> dict:
    """A NetworkPolicy's metadata and spec, both directions denied but for `ingress` and `egress`."""
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": dict(PART_OF)},
        "spec": {"podSelector": selector, "policyTypes": ["Ingress", "Egress"], "ingress": ingress, "egress": egress},
    }


def scheduler_policy(releases: HubReleases, namespace: str, anonymous: bool = False) -> dict:
    """Schedulers: TLS and dashboard from traefik, the API from the gateway, TLS from workers."""
    ingress = [
        {"from": [{"podSelector": traefik_selector(releases)}], "ports": _ports(SCHEDULER_PORT, DASHBOARD_PORT)},
        {"from": [{"podSelector": gateway_api_selector(releases)}], "ports": _ports(SCHEDULER_API_PORT)},
        {"from": [{"podSelector": dask_selector(releases, "dask-worker")}], "ports": _ports(SCHEDULER_PORT)},
    ]
    return network_policy(f"{releases.gateway}-scheduler", namespace, dask_selector(releases, "dask-scheduler"),
                   ingress, dask_egress(releases, anonymous))


def worker_policy(releases: HubReleases, namespace: str, anonymous: bool = False) -> dict:
    """Workers: any port from this gateway's schedulers and workers (workers listen on random ports)."""
    ingress = [{"from": [{"podSelector": dask_selector(releases, "dask-scheduler", "dask-worker")}]}]
    return network_policy(f"{releases.gateway}-worker", namespace, dask_selector(releases, "dask-worker"),
                   ingress, dask_egress(releases, anonymous))
