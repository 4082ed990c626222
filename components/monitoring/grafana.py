"""Grafana: the grafana chart with the JupyterHub dashboards, on its own domain, for the operators only."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.cluster import Cluster
from components.cluster.base import DNS_TTL, PublicAddress
from components.cluster.node_roles import hub_selector
from components.helm import Chart

from .grafana_args import GrafanaConfig
from .grafana_values import RELEASE, dashboards_configmap, grafana_policy, grafana_values

GRAFANA = Chart("grafana", "10.5.14", "https://grafana.github.io/helm-charts")


@dataclass(frozen=True, kw_only=True)
class GrafanaEntry:
    """The hub whose HTTPS entry serves Grafana's domain (DaskHubArgs.https_routes): its address, and the
    namespace and selector of its autohttps pods, the only ones Grafana's policy lets in."""

    address: PublicAddress
    namespace: str
    selector: dict


@dataclass(frozen=True, kw_only=True)
class GrafanaArgs:
    config: GrafanaConfig
    namespace: pulumi.Input[str]
    cluster: Cluster
    # Compiled at plan time from the pinned source (dashboards.compile_dashboards), by name.
    dashboards: dict[str, dict]
    client_secret: pulumi.Input[str]
    # Prometheus's server: its in-cluster URL, and the pods and port Grafana's policy lets it reach.
    prometheus_url: str
    prometheus_selector: dict
    prometheus_port: int
    entry: GrafanaEntry


class Grafana(pulumi.ComponentResource):
    """The release, its dashboards' ConfigMap, its NetworkPolicy and its DNS record."""

    def __init__(self, name: str, args: GrafanaArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:Grafana", name, None, opts)
        config, cluster, namespace, entry = args.config, args.cluster, args.namespace, args.entry
        on_cluster = pulumi.ResourceOptions(parent=self, provider=cluster.provider)
        self.admin_password = random.RandomPassword(
            f"{name}-admin-password", length=32, special=False, opts=pulumi.ResourceOptions(parent=self),
        ).result
        dashboards = k8s.core.v1.ConfigMap(
            f"{name}-dashboards", **dashboards_configmap(namespace, args.dashboards), opts=on_cluster)
        self.release = k8s.helm.v3.Release(
            f"{name}-release", name=RELEASE, namespace=namespace, chart=GRAFANA.name, version=GRAFANA.version,
            repository_opts={"repo": GRAFANA.repository},
            values=grafana_values(config, admin_password=self.admin_password,
                                  client_secret=pulumi.Output.secret(args.client_secret),
                                  prometheus_url=args.prometheus_url, node_selector=hub_selector("core")),
            timeout=600, cleanup_on_fail=True,
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[dashboards])),
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-policy", **grafana_policy(
                namespace, entry_namespace=entry.namespace, entry_selector=entry.selector,
                prometheus_selector=args.prometheus_selector, prometheus_port=args.prometheus_port),
            opts=on_cluster,
        )
        self.dns_record = None
        if config.dns.mode == "cloud":
            self.dns_record = cluster.dns_record(name, zone=config.dns.zone, domain=config.domain,
                                                 address=entry.address, opts=pulumi.ResourceOptions(parent=self))
        # The record to set by hand with dns.mode external: the serving hub's addresses.
        self.dns = {"name": config.domain, "type": entry.address.record_type, "values": entry.address.addresses,
                    "ttl": DNS_TTL, "managed": self.dns_record is not None}
        self.url = pulumi.Output.from_input(f"https://{config.domain}")
        self.register_outputs({"url": self.url, "dns": self.dns})
