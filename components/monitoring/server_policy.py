"""The NetworkPolicy of Prometheus's server: in, only Grafana; out, what it scrapes, Alertmanager, DNS and the API.

Pure. The prometheus chart ships none (its networkPolicy.enabled is false), so the server, which holds every
hub's metrics token, could reach any pod or address. Each egress rule is one kind of target the stack's scrape
jobs find (scrape.py, and the chart's annotation jobs), by the labels its chart or component gives its pods:
- hubs: z2jh 4.4.0's hub pods (`jupyterhub.matchLabels`: app jupyterhub, component hub), on the hub's API port;
- gateway proxies: dask-gateway's Traefik (scrape.py), on its metrics port;
- home usage exporters (components/nfs_home/usage_exporter.py), on their metrics port;
- kube-state-metrics and Alertmanager, beside it in its namespace;
- node-exporter, which runs in the nodes' network (hostNetwork), so at node addresses: private ranges, its port;
- the API server, for discovery and the kubelet and cAdvisor metrics it proxies (the chart's kubernetes-nodes
  jobs): on its port at any address. A policy sees the API server's own address and port, not the `kubernetes`
  Service's; the address is the cloud's (GKE's control plane endpoint, EKS's interfaces in the VPC) and known
  only once the cluster exists, so the rule holds the port, not the address: 443 on GKE and EKS, 6443 on a
  kubeadm cluster of one's own (examples/daskhub).
A target added to the scrape jobs later needs its rule here; tests/monitoring/test_server_policy.py checks that
every target the rendered stack's jobs find is reachable.
"""

from components.dask_hub.network_policies import HUB_API_PORT, PRIVATE_RANGES, dns, network_policy
from components.nfs_home import usage_exporter

from .prometheus_values import RELEASE, SERVER_PORT, SERVER_SELECTOR, SERVER_SERVICE
from .scrape import GATEWAY_METRICS_PORT

ANY_NAMESPACE = {"namespaceSelector": {}}
HUB_PODS = {"matchLabels": {"app": "jupyterhub", "component": "hub"}}
GATEWAY_PROXY_PODS = {"matchLabels": {"app.kubernetes.io/component": "traefik"},
                      "matchExpressions": [{"key": "gateway.dask.org/instance", "operator": "Exists"}]}
HOME_USAGE_PODS = {"matchLabels": {"app.kubernetes.io/component": usage_exporter.NAME}}
KUBE_STATE_METRICS = ({"matchLabels": {"app.kubernetes.io/name": "kube-state-metrics",
                                       "app.kubernetes.io/instance": RELEASE}}, 8080)
NODE_EXPORTER_PORT = 9100
NODE_RANGES = tuple(r for r in PRIVATE_RANGES if r != "169.254.0.0/16")  # link-local holds no node
API_SERVER_PORTS = (443, 6443)


def _rule(peers: list[dict], port: int) -> dict:
    return {"to": peers, "ports": [{"port": port, "protocol": "TCP"}]}


def server_policy(namespace: str, *, grafana_selector: dict | None, alertmanager: tuple[dict, int] | None) -> dict:
    """`grafana_selector`: Grafana's pods, the only ones let in (None: nothing is); `alertmanager`: its pods'
    selector and API port, when alerts are delivered."""
    beside = [KUBE_STATE_METRICS, *([alertmanager] if alertmanager else [])]
    ingress = [{"from": [{"podSelector": grafana_selector}],
                "ports": [{"port": SERVER_PORT, "protocol": "TCP"}]}] if grafana_selector else []
    return network_policy(SERVER_SERVICE, namespace, SERVER_SELECTOR, ingress, [
        dns(),
        _rule([{**ANY_NAMESPACE, "podSelector": HUB_PODS}], HUB_API_PORT),
        _rule([{**ANY_NAMESPACE, "podSelector": GATEWAY_PROXY_PODS}], GATEWAY_METRICS_PORT),
        _rule([{**ANY_NAMESPACE, "podSelector": HOME_USAGE_PODS}], usage_exporter.PORT),
        *(_rule([{"podSelector": selector}], port) for selector, port in beside),
        _rule([{"ipBlock": {"cidr": cidr}} for cidr in NODE_RANGES], NODE_EXPORTER_PORT),
        *(_rule([{"ipBlock": {"cidr": "0.0.0.0/0"}}], port) for port in API_SERVER_PORTS),
    ])
