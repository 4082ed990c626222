"""In-cluster addresses of a z2jh hub, the same in every hub's namespace.

z2jh with fullnameOverride "" (its default) names its namespaced objects
without a prefix; services beside the hub (the gateway, binder, the cutover
health check) reach it by these.
"""

HUB_API = "http://hub:8081/hub/api"
PROXY_HTTP = "http://proxy-http:8000"
