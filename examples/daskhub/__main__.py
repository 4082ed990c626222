"""A DaskHub of your own: JupyterHub and Dask Gateway with NFS homes, on a Kubernetes cluster you run, watched by
Prometheus (and with `monitoring.alerts`, its alerts e-mailed to `alert_emails`).

Everything comes from this project's config (Pulumi.dev.yaml); the stack's name
names the hub and its namespace. docs/daskhub.md walks through it.
"""

import sys
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
from pydantic import Field, ValidationError, model_validator

# The components are imported from the pangeo-hubs checkout this example sits in.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from components.cluster.existing import ExistingCluster, ExistingClusterArgs, ExistingClusterConfig  # noqa: E402
from components.dask_hub import DaskHub, DaskHubArgs  # noqa: E402
from components.dask_hub.args import DaskHubConfig, fit_problems  # noqa: E402
from components.fields import Base, Email, problem_lines, reject  # noqa: E402
from components.monitoring import HOME_USAGE_SCRAPER, HUB_SCRAPER, Monitoring, MonitoringArgs  # noqa: E402
from components.monitoring.args import MonitoringConfig  # noqa: E402
from components.nfs_home.server import NfsExport, NfsServerHome, NfsServerHomeArgs  # noqa: E402


class Config(Base):
    """The stack's config: the cluster, the NFS export and the hub, and the rules that join them."""

    cluster: ExistingClusterConfig
    home: NfsExport
    hub: DaskHubConfig
    monitoring: MonitoringConfig = MonitoringConfig()
    alert_emails: list[Email] = Field(default_factory=list, description="Who monitoring.alerts e-mails.")

    @model_validator(mode="after")
    def _fits_the_cluster(self):
        """Each profile names a user pool and fits on it; the hub asks nothing the cluster can't give."""
        pools, problems = self.cluster.user_pools, []
        for key, profile in self.hub.profiles.items():
            where = f"hub.profiles.{key}"
            if profile.node_pool not in pools:
                problems.append((f"{where}.node_pool", f"must be one of cluster.user_pools ({', '.join(pools)})"))
            else:
                room = pools[profile.node_pool].room.allocatable
                problems += [(f"{where}.{field}", problem)
                             for field, problem in fit_problems(profile, room, f"pool {profile.node_pool!r}")]
        # The cluster is yours, not a cloud's: nothing here makes buckets or DNS records.
        if self.hub.scratch.enabled:
            problems.append(("hub.scratch.enabled", "must be false: an existing cluster has no bucket to offer"))
        if self.hub.dns.mode == "cloud":
            problems.append(("hub.dns.mode", "must be external: an existing cluster has no DNS zone to write to"))
        if self.monitoring.grafana:  # it needs the stack's dashboards and an HTTPS entry (infra/monitoring.py)
            problems.append(("monitoring.grafana", "is not offered by this example: use the pangeo-hubs stacks"))
        if self.monitoring.alerts and not self.alert_emails:
            problems.append(("alert_emails", "must name at least one address when monitoring.alerts is set"))
        reject(problems)
        return self


def read_config() -> Config:
    config, raw = pulumi.Config(), {}
    for key in Config.model_fields:
        try:
            raw[key] = config.get_object(key)
        except pulumi.ConfigTypeError:  # not JSON: the model says what it should be
            raw[key] = config.get(key)
    try:
        validated = Config.model_validate({key: value for key, value in raw.items() if value is not None})
    except ValidationError as error:  # one line per problem, no traceback
        raise pulumi.RunError("\n".join(problem_lines(error, pulumi.get_project()))) from None
    unset = []  # the command that sets each names this stack
    if validated.hub.auth.github.client_secret is None:
        unset.append("hub.auth.github.client_secret")
    if validated.monitoring.alerts and validated.monitoring.alerts.smtp.password is None:
        unset.append("monitoring.alerts.smtp.password")
    if unset:
        raise pulumi.RunError("\n".join(f"{pulumi.get_project()}:{path}: secret is not set; "
                                        f"run: pulumi config set --secret --path {path} -s {pulumi.get_stack()}"
                                        for path in unset))
    return validated


config = read_config()
name = pulumi.get_stack()
cluster = ExistingCluster(name, ExistingClusterArgs(config=config.cluster))
namespace = k8s.core.v1.Namespace(name, metadata={"name": name}, opts=pulumi.ResourceOptions(provider=cluster.provider))
home = NfsServerHome(name, NfsServerHomeArgs(export=config.home, namespace=namespace.metadata.name,
                                             k8s_provider=cluster.provider, usage_scraper=HOME_USAGE_SCRAPER))
hub = DaskHub(name, DaskHubArgs(
    hub=config.hub,
    namespace=namespace.metadata.name,
    cluster=cluster,
    home_values=home.singleuser_values,
    worker_room=config.cluster.worker_room.allocatable,
    client_secret=config.hub.auth.github.client_secret.get_secret_value(),
    pool_names=list(config.cluster.user_pools),
    metrics_scraper=HUB_SCRAPER,
))
alerts = config.monitoring.alerts
Monitoring(name, MonitoringArgs(
    config=config.monitoring, cluster=cluster, hub_metrics_tokens={name: hub.metrics_token},
    alert_emails=config.alert_emails,
    smtp_password=alerts.smtp.password.get_secret_value() if alerts else "",
))
pulumi.export("url", hub.url)
pulumi.export("load_balancer_address", hub.load_balancer_address)
