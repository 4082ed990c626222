"""The root of the stack config: everything under the `pangeo-hubs:` namespace."""

from typing import Annotated

from pydantic import Field, model_validator

from components.binder_hub.quota import NamespaceQuota, pool_capacity, quota_problems, resolve as resolve_quota
from components.cluster import aws_names, gcp_names
from components.cluster.args import AWS_MIN_VPC_PREFIX, Cloud, ClusterConfig, GcpCloud
from components.dask_hub.args import fit_problems
from components.credit_project.args import CreditsConfig
from components.fields import Base, name_rule, reject
from components.legacy.args import LegacyResources
from components.monitoring.args import MonitoringConfig
from components.sizing import MACHINES, room as node_room

from .ci import StackCi
from .hubs import HOME_TIERS, HubConfig
from .migration import legacy_stage, transition_problems

# The most nodes a pool that runs anonymous code (a public binder's) may grow to: a bound on what
# abuse can cost (docs/binder.md), well above what the shipped binders' quotas fill.
ANONYMOUS_MAX_NODES = 20
SMTP_BLOCKED_PORT = 25
# Hub names feed cloud names with tight limits (GCP service account ids: 30 characters).
HubKey = Annotated[str, name_rule(20)]


class StackConfig(Base):
    """One stack: a cloud, its credits, one cluster and the hubs on it."""

    cloud: Cloud
    credits: CreditsConfig
    cluster: ClusterConfig
    hubs: dict[HubKey, HubConfig] = Field(min_length=1, description="Hubs by stable name.")
    legacy: LegacyResources | None = Field(
        None, description="The old deployment the hubs migrate from (gcp); one per stack, shared by its hubs.")
    monitoring: MonitoringConfig = MonitoringConfig()
    # After cloud and cluster: its checks read them.
    ci: StackCi = Field(None, description="The GitHub Actions identities that preview and deploy this stack.")

    @property
    def provider(self) -> str:
        return self.cloud.provider

    @model_validator(mode="after")
    def _fits_the_cloud(self):
        reject(self._cloud_problems() + self._pool_problems() + self._hub_problems() + self._legacy_problems()
               + self._monitoring_problems())
        return self

    def _cloud_problems(self) -> list[tuple[str, str]]:
        problems = []
        if isinstance(self.cloud, GcpCloud):
            for key in ("billing_account", "project"):
                if getattr(self.credits, key) is None:
                    problems.append((f"credits.{key}", "is required on gcp"))
            for key in ("pods_cidr", "services_cidr"):
                if getattr(self.cluster.network, key) is None:
                    problems.append((f"cluster.network.{key}", "is required on gcp (GKE secondary range)"))
            problems += self._gcp_name_problems()
            if self.cluster.admins:
                problems.append(("cluster.admins", "only applies on aws; GKE admins are IAM members of the project"))
            if self.cluster.kubernetes_version is not None:
                problems.append(("cluster.kubernetes_version", "only applies on aws; on gcp "
                                 "cluster.release_channel picks the version"))
        else:
            problems += self._gcp_only_problems()
            for key in ("billing_account", "project"):
                if getattr(self.credits, key) is not None:
                    problems.append((f"credits.{key}", "only applies on gcp"))
            if self.cluster.kubernetes_version is None:
                problems.append(("cluster.kubernetes_version", "is required on aws (EKS control plane)"))
            if self.cluster.network.cidr.prefixlen > AWS_MIN_VPC_PREFIX:
                problems.append(("cluster.network.cidr", f"must be /{AWS_MIN_VPC_PREFIX} or larger on aws, to hold "
                                 f"a subnet per zone, got {self.cluster.network.cidr}"))
            if self.cluster.maintenance is not None:
                problems.append(("cluster.maintenance", "only applies on gcp; EKS upgrades only when "
                                 "cluster.kubernetes_version changes"))
            problems += self._aws_name_problems()
        return problems

    def _gcp_only_problems(self) -> list[tuple[str, str]]:
        """Keys the aws stack never reads: written there, they would be ignored silently.
        location and release_channel have defaults, so only a key the file sets counts."""
        problems = [(f"cluster.{key}", "only applies on gcp (GKE); remove it")
                    for key in ("location", "release_channel") if key in self.cluster.model_fields_set]
        problems += [(f"cluster.network.{key}", "only applies on gcp (a GKE secondary range); EKS pods take "
                      "addresses from cluster.network.cidr") for key in ("pods_cidr", "services_cidr")
                     if getattr(self.cluster.network, key) is not None]
        problems += [(f"hubs.{name}.home.backups", "only applies on gcp; EFS homes are backed up by AWS Backup")
                     for name, hub in self.hubs.items() if "backups" in hub.home.model_fields_set]
        return problems

    def _aws_name_problems(self) -> list[tuple[str, str]]:
        """Names AWS derives from keys here (components/cluster/aws_names.py); each names the key that makes it."""
        cluster = self.cluster.name
        problems = [("cluster.name", p) for p in (
            aws_names.eks_cluster_problem(cluster),
            *map(aws_names.role_problem, aws_names.cluster_roles(cluster)),
            aws_names.security_group_problem(f"{cluster}-nodes"),
        ) if p]
        for key, pool in self.cluster.node_pools.items():
            group = aws_names.node_group(key, pool.machine_type, pool.fallback_machine_types, pool.spot,
                                         aws_names.group_zones(pool.purpose, self.cloud.availability_zones),
                                         str(self.cluster.network.cidr))
            template = aws_names.launch_template(cluster, key)
            problems += [(f"cluster.node_pools.{key}", p) for p in (
                aws_names.node_group_problem(group), aws_names.launch_template_problem(template)) if p]
        for name, hub in self.hubs.items():
            names = [aws_names.security_group_problem(f"{name}-nfs"), *map(aws_names.role_problem, aws_names.hub_roles(name))]
            if hub.scratch.enabled:
                names.append(aws_names.bucket_prefix_problem(aws_names.scratch_bucket_prefix(cluster, name)))
            problems += [(f"hubs.{name}", p) for p in names if p]
        if not self.cluster.admins:
            problems.append(("cluster.admins", "needs at least one IAM role ARN: nobody else may administer the cluster"))
        slugs: dict[str, str] = {}
        for i, arn in enumerate(self.cluster.admins):
            if problem := aws_names.principal_problem(arn):
                problems.append((f"cluster.admins.{i}", problem))
            elif (slug := aws_names.admin_slug(arn)) in slugs:
                problems.append((f"cluster.admins.{i}", f"{arn!r} repeats {slugs[slug]!r} (access entries are keyed by {slug!r})"))
            else:
                slugs[slug] = arn
        return problems

    def _gcp_name_problems(self) -> list[tuple[str, str]]:
        """Names GCP derives from keys here; each problem names the key that makes it."""
        problems = []
        if problem := gcp_names.service_account_problem(gcp_names.node_service_account(self.cluster.name)):
            problems.append(("cluster.name", problem))
        for name, hub in self.hubs.items():
            accounts = [gcp_names.users_service_account(name)] if hub.scratch.enabled else []
            accounts += [gcp_names.binder_push_service_account(name)] if hub.binder.enabled else []
            problems += [(f"hubs.{name}", p) for a in accounts if (p := gcp_names.service_account_problem(a))]
            if hub.scratch.enabled and self.credits.project is not None:
                bucket = gcp_names.scratch_bucket(self.credits.project.id, name)
                if problem := gcp_names.bucket_problem(bucket):
                    problems.append((f"hubs.{name}", problem))
        emails = self.credits.alert_emails
        if len(emails) > gcp_names.MAX_BUDGET_CHANNELS:
            problems.append(("credits.alert_emails", f"GCP budgets alert at most {gcp_names.MAX_BUDGET_CHANNELS} "
                             f"e-mail channels, got {len(emails)}; use a group address"))
        return problems

    def _pool_problems(self) -> list[tuple[str, str]]:
        known = MACHINES[self.provider]
        problems = []
        for name, pool in self.cluster.node_pools.items():
            path = f"cluster.node_pools.{name}"
            for machine in [pool.machine_type, *pool.fallback_machine_types]:
                if machine not in known:
                    problems.append(
                        (f"{path}.machine_type", f"unknown {self.provider} machine type {machine!r}; known: {', '.join(known)}")
                    )
            if pool.fallback_machine_types and self.provider != "aws":
                problems.append((f"{path}.fallback_machine_types", "only applies on aws"))
        return problems

    def _hub_problems(self) -> list[tuple[str, str]]:
        problems = []
        seen: dict[str, str] = {}
        tiers = HOME_TIERS[self.provider]
        for name, hub in self.hubs.items():
            path = f"hubs.{name}"
            if hub.domain in seen:
                problems.append((f"{path}.domain", f"{hub.domain!r} is already the domain of hub {seen[hub.domain]!r}"))
            seen.setdefault(hub.domain, name)
            # A public binder gets no home storage (infra/hubs.py), so its home keys don't apply.
            homeless = hub.binder.mode == "public"
            if not homeless and hub.home.tier not in tiers:
                problems.append((f"{path}.home.tier", f"must be one of {', '.join(tiers)} on {self.provider}, got {hub.home.tier!r}"))
            elif not homeless and (sizes := tiers[hub.home.tier]) is not None:
                minimum, maximum = sizes
                if hub.home.capacity_gb is None:
                    problems.append((f"{path}.home.capacity_gb", f"is required for {hub.home.tier}"))
                elif not minimum <= hub.home.capacity_gb <= maximum:
                    problems.append((f"{path}.home.capacity_gb",
                                     f"must be {minimum} to {maximum} for {hub.home.tier}, got {hub.home.capacity_gb}"))
            problems += self._profile_problems(path, hub)
            problems += transition_problems(path, hub.migration, hub.home.tier)
            problems += self._binder_pool_problems(path, hub)
        return problems

    def binder_pools(self, hub: HubConfig) -> tuple[str | None, str | None]:
        """A public binder's (server pool, build pool): as set, else the stack's only pool of that
        purpose; None where neither gives one (_binder_pool_problems says so)."""
        limits = hub.binder.limits
        return tuple(key if key is not None else (found[0] if len(found := self._pools_of(purpose)) == 1 else None)
                     for key, purpose in ((limits.server_pool, "binder"), (limits.build_pool, "build")))

    def _pools_of(self, purpose: str) -> list[str]:
        return sorted(k for k, p in self.cluster.node_pools.items() if p.purpose == purpose and not p.draining)

    def _binder_pool_problems(self, path: str, hub: HubConfig) -> list[tuple[str, str]]:
        """A public binder runs anonymous code: its servers and Dask pods on a pool of purpose
        binder, its builds on one of purpose build (node_roles.py taints both apart), each with at
        most ANONYMOUS_MAX_NODES nodes. Nothing of it runs on another hub's nodes, set or not."""
        if hub.binder.mode != "public":
            return []
        problems = []
        limits = hub.binder.limits
        for (key, purpose), found in zip(((limits.server_pool, "binder"), (limits.build_pool, "build")),
                                         self.binder_pools(hub)):
            where = f"{path}.binder.public.{'server' if purpose == 'binder' else 'build'}_pool"
            pool = self.cluster.node_pools.get(found) if found else None
            if key is not None and (pool is None or pool.purpose != purpose):
                problems.append((where, f"must be a node pool of purpose {purpose}, got {key!r}"))
            elif found is None:
                many = self._pools_of(purpose)
                problems.append((where, f"is required: the stack has {len(many)} pools of purpose {purpose} "
                                 f"({', '.join(many)}); name one" if many else
                                 f"a public binder needs a node pool of purpose {purpose} (cluster.node_pools), "
                                 "so that its anonymous code never runs on another hub's nodes"))
            elif pool.max_nodes > ANONYMOUS_MAX_NODES:
                problems.append((f"cluster.node_pools.{found}.max_nodes", f"at most {ANONYMOUS_MAX_NODES} on a "
                                 f"pool of purpose {purpose} (it runs anonymous code), got {pool.max_nodes}"))
            elif purpose == "binder" and pool.machine_type in MACHINES[self.provider]:
                problems += [(f"{path}.binder.public.{key}", problem) for key, problem in quota_problems(
                    limits.quota, limits, self._binder_capacity(found), hub.dask.max_clusters_per_user, found)]
        return problems

    def _binder_capacity(self, pool_key: str):
        pool = self.cluster.node_pools[pool_key]
        return pool_capacity(node_room(self.provider, pool.machine_type), pool.max_nodes)

    def binder_quota(self, hub: HubConfig) -> NamespaceQuota:
        """A public binder's cap (components/binder_hub/quota.py), its unset numbers derived from its server pool."""
        server_pool, _ = self.binder_pools(hub)
        limits = hub.binder.limits
        return resolve_quota(limits.quota, limits, self._binder_capacity(server_pool), hub.dask.max_clusters_per_user)

    def _profile_problems(self, path: str, hub: HubConfig) -> list[tuple[str, str]]:
        problems = []
        pools = self.cluster.node_pools
        user_pools = [k for k, p in pools.items() if p.purpose == "user"]
        for key, profile in hub.profiles.items():
            where = f"{path}.profiles.{key}"
            pool = pools.get(profile.node_pool)
            if pool is None or pool.purpose != "user":
                problems.append((f"{where}.node_pool", f"must name a user node pool ({', '.join(user_pools)}), got {profile.node_pool!r}"))
                continue
            if pool.draining:
                problems.append((f"{where}.node_pool", f"{profile.node_pool!r} is draining; name the pool that replaces it"))
            if pool.machine_type not in MACHINES[self.provider]:
                continue
            # The pool's machine, less what the kubelet keeps, every DaemonSet and static pod requests
            # and some headroom (components/sizing.py).
            room = node_room(self.provider, pool.machine_type)
            problems += [(f"{where}.{field}", problem) for field, problem in fit_problems(profile, room, pool.machine_type)]
        return problems

    def _monitoring_problems(self) -> list[tuple[str, str]]:
        problems = []
        grafana, alerts = self.monitoring.grafana, self.monitoring.alerts
        if grafana and grafana.hub not in self.hubs:
            problems.append(("monitoring.grafana.hub", f"must be a hub of the stack ({', '.join(sorted(self.hubs))}), "
                             f"got {grafana.hub!r}"))
        # Both clouds block outbound port 25: GCP always ("Compute Engine does not allow outbound connections on
        # port 25", https://cloud.google.com/compute/docs/tutorials/sending-mail), AWS unless a request lifts it
        # (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-resource-limits.html, "Email sending").
        if alerts and alerts.smtp.port == SMTP_BLOCKED_PORT:
            problems.append(("monitoring.alerts.smtp.port", f"must not be {SMTP_BLOCKED_PORT}: {self.provider} blocks "
                             "outbound SMTP there; use the relay's submission port, 587 (or 465)"))
        return problems

    def _legacy_problems(self) -> list[tuple[str, str]]:
        """The shared old deployment: present when a hub reads through it, reachable from the new
        pods, and not dropped while a hub still migrates (its adopted resources would be deleted)."""
        from infra.migrate.check import legacy_problems  # the route model needs the whole stack config

        from .migration import dropped_legacy_problems

        migrations = {name: hub.migration for name, hub in self.hubs.items()}
        return legacy_problems(self) + dropped_legacy_problems(self.legacy, migrations)

    def secrets_missing(self) -> list[str]:
        """Key paths of secrets the stack needs that are not set."""
        missing = []
        for name, hub in self.hubs.items():
            # A public binder's hub runs the null authenticator: its GitHub app is never used.
            if hub.auth.github.client_secret is None and hub.binder.mode != "public":
                missing.append(f"hubs.{name}.auth.github.client_secret")
            legacy = hub.migration.legacy_hub
            if hub.migration.old_hub_replicas() is not None and legacy and legacy.kubeconfig is None:
                missing.append(f"hubs.{name}.migration.legacy_hub.kubeconfig")
        grafana = self.monitoring.grafana
        if grafana and grafana.github.client_secret is None:
            missing.append("monitoring.grafana.github.client_secret")
        alerts = self.monitoring.alerts
        if alerts and alerts.smtp.password is None:
            missing.append("monitoring.alerts.smtp.password")
        cluster = self.legacy and self.legacy.cluster
        if cluster and cluster.kubeconfig is None and legacy_stage(
                {k: h.migration for k, h in self.hubs.items()}) in ("sync", "cutover"):
            missing.append("legacy.cluster.kubeconfig")
        return missing
