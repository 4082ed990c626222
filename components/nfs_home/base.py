"""The contract for a hub's home storage: an NFS export bound to a claim in the hub's namespace."""

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.labels import PART_OF

from .args import HomeMigration
from .migration import declare_sync_jobs
from .usage_exporter import UsageScraper, declare_usage_exporter
from .volumes import persistent_volume, persistent_volume_claim, singleuser_home_values

# Home storage holds users' only copy of their work: never delete it with the
# stack, never let an update replace it.
USER_DATA = pulumi.ResourceOptions(protect=True, retain_on_delete=True)


@dataclass(frozen=True, kw_only=True)
class HomeArgs:
    """What every home storage variant needs from the hub and its cluster."""

    namespace: pulumi.Input[str]
    k8s_provider: k8s.Provider
    # The copy of an old deployment's homes into this one, if the hub moves from one.
    migration: HomeMigration = HomeMigration()
    legacy_stopped: list[pulumi.Resource] = field(default_factory=list)
    # rsync:// export of the old homes (components/legacy/export.py) when they are
    # not on an NFS server this cluster can mount, and what must exist before it answers
    source_url: str | None = None
    source_ready: list[pulumi.Resource] = field(default_factory=list)
    # The Prometheus that reads home usage per user (usage_exporter.py); None: no exporter.
    usage_scraper: UsageScraper | None = None


class NFSHome(pulumi.ComponentResource):
    """A hub's home directories on a cloud NFS service, mounted per user."""

    server: pulumi.Output[str]
    claim_name: pulumi.Output[str]
    singleuser_values: dict

    def _mount(self, name: str, args: HomeArgs, *, server, path: str, mount_options: list[str], storage) -> None:
        """Binds the export to the hub's namespace, then registers the outputs. `storage`: the
        cloud resource serving it, if this program declares one."""
        labels = {**PART_OF, "pangeo.io/hub": name}
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                            depends_on=[storage] if storage is not None else [])
        volume = k8s.core.v1.PersistentVolume(
            f"{name}-home-pv", **persistent_volume(f"{name}-home-nfs", server, path, mount_options, labels), opts=on_cluster
        )
        claim = k8s.core.v1.PersistentVolumeClaim(
            f"{name}-home-pvc",
            **persistent_volume_claim(args.namespace, f"{name}-home-nfs", labels),
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=[volume]),
        )
        walks = []
        if args.usage_scraper:
            walks.append(declare_usage_exporter(self, name, args.namespace, claim=claim, phase=args.migration.phase,
                                                scraper=args.usage_scraper, provider=args.k8s_provider))
        # Jobs run in the hub's namespace, which is named after the hub.
        self.sync_jobs = declare_sync_jobs(
            self, name, name, args.migration, args.k8s_provider, claim, args.legacy_stopped,
            source_url=args.source_url if args.migration.uses_legacy else None, source_ready=args.source_ready,
            walks_stopped=walks,
        )
        self.server = pulumi.Output.from_input(server)
        self.claim_name = claim.metadata.name
        self.singleuser_values = singleuser_home_values(self.claim_name)
        self.register_outputs({"server": self.server, "claim_name": self.claim_name})
