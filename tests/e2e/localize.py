"""In-cluster addresses -> the 127.0.0.1 ports of the local processes (no heavy imports:
the hub process uses it too).

A Service is matched by name (optionally .<namespace>[.svc[.cluster.local]]) and
port, and mapped through what it selects -- (component label, targetPort) -- to a
local port, so renamed releases or Services need no change here. The hub's public
domain (https://<host>, TLS ends at autohttps) maps to the local proxy over http.
"""

import re


def localizer(spec):
    """spec (JSON-able): services {name: {port: [component, targetPort]}}, namespace,
    endpoints [[component, targetPort, local_port]], public_hosts, public_port."""
    services = {name: {int(p): tuple(t) for p, t in ports.items()} for name, ports in spec["services"].items()}
    endpoints = {(comp, target): port for comp, target, port in spec["endpoints"]}
    names = "|".join(sorted(map(re.escape, services), key=len, reverse=True))
    ns = re.escape(spec["namespace"])
    pattern = re.compile(rf"(?P<scheme>[a-z]+)://(?P<name>{names})"
                         rf"(?:\.{ns}(?:\.svc(?:\.cluster\.local)?)?)?(?::(?P<port>\d+))?(?![\w.-])")

    def replace(m):
        port = int(m["port"] or {"http": 80, "https": 443}.get(m["scheme"], 0))
        target = services[m["name"]].get(port)
        if target not in endpoints:
            raise LookupError(f"no local process serves {m[0]} (Service target {target})")
        return f"{m['scheme']}://127.0.0.1:{endpoints[target]}"

    def localize(text):
        for host in spec["public_hosts"]:
            text = re.sub(rf"https://{re.escape(host)}(?![\w.-])", f"http://127.0.0.1:{spec['public_port']}", text)
        return pattern.sub(replace, text)

    return localize
