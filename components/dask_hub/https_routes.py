"""Further domains a hub's HTTPS entry serves: z2jh's autohttps Traefik routes each to a Service in the cluster.

Grafana (components/monitoring) gets its own domain this way, with a certificate of its own from the same
Let's Encrypt resolver as the hub's, on the hub's load balancer. z2jh 4.4.0 asks a certificate for every
`proxy.https.hosts` entry (its autohttps _configmap-dynamic.yaml, router `default`, tls.domains), and merges
`proxy.traefik.extraDynamicConfig` into Traefik's dynamic config beside its own routers. A router's priority
is the length of its rule, so `Host(...)` wins over the chart's `PathPrefix(/)` for that domain; plain HTTP
to it is redirected by the chart's `insecure` router, as for the hub.
"""


def _name(host: str) -> str:
    return "route-" + host.replace(".", "-")


def traefik_routes(routes: dict[str, str]) -> dict:
    """`proxy.traefik.extraDynamicConfig` for `routes` (domain -> in-cluster URL): each over HTTPS only,
    with the chart's HSTS header, TLS resolver and TLS options."""
    return {"http": {
        "routers": {_name(host): {
            "entryPoints": ["https"], "rule": f"Host(`{host}`)", "service": _name(host), "middlewares": ["hsts"],
            "tls": {"certResolver": "default", "domains": [{"main": host}], "options": "default"},
        } for host in sorted(routes)},
        "services": {_name(host): {"loadBalancer": {"servers": [{"url": url}]}} for host, url in sorted(routes.items())},
    }}


def entry_selector(release: str) -> dict:
    """The pods of a hub's HTTPS entry (autohttps), by z2jh's selector labels (jupyterhub.matchLabels)."""
    return {"matchLabels": {"app": "jupyterhub", "component": "autohttps", "release": release}}
