"""The root of the stack config: everything under the `pangeo-hubs:` namespace."""

from pydantic import Field, model_validator

from .cluster import Cloud, ClusterConfig, GcpCloud
from .credits import CreditsConfig
from .hubs import HOME_TIERS, HubConfig
from .machines import MACHINES, RESERVED_FRACTION
from .migration import transition_problems
from .types import Base, HubKey, reject


class StackConfig(Base):
    """One stack: a cloud, its credits, one cluster and the hubs on it."""

    cloud: Cloud
    credits: CreditsConfig
    cluster: ClusterConfig
    hubs: dict[HubKey, HubConfig] = Field(min_length=1, description="Hubs by stable name.")

    @property
    def provider(self) -> str:
        return self.cloud.provider

    @model_validator(mode="after")
    def _fits_the_cloud(self):
        reject(self._cloud_problems() + self._pool_problems() + self._hub_problems())
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
        else:
            for key in ("billing_account", "project"):
                if getattr(self.credits, key) is not None:
                    problems.append((f"credits.{key}", "only applies on gcp"))
            if self.cluster.kubernetes_version is None:
                problems.append(("cluster.kubernetes_version", "is required on aws (EKS control plane)"))
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
            if hub.home.tier not in tiers:
                problems.append((f"{path}.home.tier", f"must be one of {', '.join(tiers)} on {self.provider}, got {hub.home.tier!r}"))
            elif (minimum := tiers[hub.home.tier]) is not None:
                if hub.home.capacity_gb is None:
                    problems.append((f"{path}.home.capacity_gb", f"is required for {hub.home.tier}"))
                elif hub.home.capacity_gb < minimum:
                    problems.append((f"{path}.home.capacity_gb", f"must be at least {minimum} for {hub.home.tier}, got {hub.home.capacity_gb}"))
            problems += self._profile_problems(path, hub)
            problems += transition_problems(path, hub.migration, hub.home.tier)
            if hub.binder.enabled and self.provider != "gcp":
                problems.append((f"{path}.binder.enabled", "is only implemented on gcp (an Artifact Registry to push to)"))
            if hub.migration.legacy_resources and self.provider != "gcp":
                problems.append((f"{path}.migration.legacy_resources",
                                 "adopting old resources is only implemented on gcp"))
        return problems

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
            machine = MACHINES[self.provider].get(pool.machine_type)
            if machine is None:
                continue
            usable = 1 - RESERVED_FRACTION
            if profile.cpu > machine.vcpus * usable:
                problems.append((f"{where}.cpu", f"{profile.cpu} does not fit on {pool.machine_type} ({machine.vcpus} vCPU, {usable:.0%} allocatable)"))
            if profile.memory_gb > machine.memory_gb * usable:
                problems.append((f"{where}.memory_gb", f"{profile.memory_gb} does not fit on {pool.machine_type} ({machine.memory_gb} GB, {usable:.0%} allocatable)"))
        return problems

    def secrets_missing(self) -> list[str]:
        """Key paths of secrets the stack needs that are not set."""
        missing = []
        for name, hub in self.hubs.items():
            if hub.auth.github.client_secret is None:
                missing.append(f"hubs.{name}.auth.github.client_secret")
            legacy = hub.migration.legacy_hub
            if hub.migration.old_hub_replicas() is not None and legacy and legacy.kubeconfig is None:
                missing.append(f"hubs.{name}.migration.legacy_hub.kubeconfig")
        return missing
