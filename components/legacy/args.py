"""The old deployment's arguments: where it is, what of it is adopted, and how far the move has got.

One per stack however many hubs it served: adopted with `import`, read through
an rsync export while hubs sync, deleted after every hub using it is cut over.
"""

import ipaddress

from pydantic import Field, SecretStr

from components.fields import Base, Key, ProjectId
from components.phases import PHASES, Phase

__all__ = ["PHASES", "Phase", "LegacyCluster", "LegacyHome", "LegacyNetwork", "LegacyResources"]


class LegacyCluster(Base):
    """The old GKE cluster, adopted as it is, and where its rsync export listens."""

    name: str = Field(pattern=r"^[a-z][-a-z0-9]{0,39}$")
    location: str = Field(pattern=r"^[a-z]+-[a-z]+[0-9](-[a-z])?$")
    node_pools: list[str] = Field(default_factory=list, description="Node pools adopted with the cluster.")
    export_ip: ipaddress.IPv4Address | None = Field(
        None, description="Free address in the old nodes' subnet for the rsync export's internal load balancer.")
    kubeconfig: SecretStr | None = Field(
        None, description="Kubeconfig of the old cluster, for the rsync export; `pulumi config set --secret --path`.")


class LegacyHome(Base):
    """The old Filestore instance, as it is (its inputs are adopted, not changed)."""

    name: str = Field(pattern=r"^[a-z][-a-z0-9]{0,62}$")
    location: str = Field(pattern=r"^[a-z]+-[a-z]+[0-9](-[a-z])?$")
    share: str = Field(pattern=r"^[a-z][_a-z0-9]{0,15}$", description="File share name.")
    ip: str | None = Field(None, pattern=r"^[0-9.]+$", description="The instance's address in the old VPC.")
    reserved_ip_range: ipaddress.IPv4Network | None = Field(
        None, description="The instance's reserved range (its own peered network, reachable from the old VPC only).")
    delete_after_backup: bool = Field(
        False,
        description="Delete it at decommission, after a backup made in that same update. "
        "Must already be true in the cutover update; otherwise it is retained.",
    )


class LegacyNetwork(Base):
    """The old VPC, peered with the new one so the new cluster's pods reach the rsync export."""

    name: str = Field(pattern=r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", description="VPC name in the old project.")
    ranges: dict[Key, ipaddress.IPv4Network] = Field(
        min_length=1, description="Every subnet range of the old VPC, secondary (pod, service) ranges included.")


class LegacyResources(Base):
    """The old deployment, once per stack however many hubs it served: adopted with `import`,
    read through an rsync export while hubs sync, deleted after every hub using it is cut over."""

    project: ProjectId = Field(description="Project holding them.")
    network: LegacyNetwork | None = None
    cluster: LegacyCluster | None = None
    home: LegacyHome | None = None
