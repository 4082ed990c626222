"""A Cluster's arguments: the cloud region, the Kubernetes cluster and its node pools."""

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from components.fields import Base, Cidr, Int, Key, reject

from .maintenance import Maintenance

# Region names: GCP's have one or two digits (europe-west10, me-central2;
# https://cloud.google.com/compute/docs/regions-zones), AWS's one.
GCP_REGION = r"^[a-z]+-[a-z]+[0-9]{1,2}$"
AWS_REGION = r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$"
# The EKS subnets are placed by the zone's letter, in eighths of the VPC range
# (eks.py), so zones a to f.
AWS_ZONE_LETTERS = "abcdef"
# Six zone subnets and the public eighth, each needing room for pods (the VPC CNI
# gives pods VPC addresses): /22 is the smallest VPC that holds them.
AWS_MIN_VPC_PREFIX = 22


class GcpCloud(Base):
    """A GCP region, and the zone when the cluster is zonal."""

    provider: Literal["gcp"]
    region: str = Field(pattern=GCP_REGION, description="GCP region, e.g. us-central1.")
    zone: str = Field(description="Zone of zonal resources (a zonal cluster, Filestore), e.g. us-central1-b.")

    @model_validator(mode="after")
    def _zone_in_region(self):
        # A GCP zone is its region plus a dash and one lowercase letter (us-central1-b).
        if self.zone[:-2] != self.region or self.zone[-2:-1] != "-" or self.zone[-1] not in "abcdefghijklmnopqrstuvwxyz":
            reject([("zone", f"must be a zone of region {self.region}, such as {self.region}-b, got {self.zone!r}")])
        return self


class AwsCloud(Base):
    """An AWS region and the availability zones the cluster spans."""

    provider: Literal["aws"]
    region: str = Field(pattern=AWS_REGION, description="AWS region, e.g. us-west-2.")
    availability_zones: list[str] = Field(
        min_length=2, max_length=6, description="AZs for subnets, EFS mount targets and node groups."
    )

    @model_validator(mode="after")
    def _zones_in_region(self):
        bad = [z for z in self.availability_zones if z[:-1] != self.region or z[-1:] not in AWS_ZONE_LETTERS]
        problems = [
            ("availability_zones", f"{z!r} is not an availability zone of {self.region} "
                                   f"({self.region} followed by one of {', '.join(AWS_ZONE_LETTERS)})")
            for z in bad
        ]
        if len(set(self.availability_zones)) != len(self.availability_zones):
            problems.append(("availability_zones", "must not repeat a zone"))
        reject(problems)
        return self


Cloud = Annotated[Union[GcpCloud, AwsCloud], Field(discriminator="provider")]


class NodePool(Base):
    """One autoscaling group of identical nodes with one purpose."""

    purpose: Literal["core", "user", "worker", "binder", "build"] = Field(
        description="core runs the hub and proxy; user runs notebook servers and dask "
        "schedulers; worker runs dask workers; binder runs a public binder's servers and Dask pods, "
        "build its image builds, apart from every other hub's pods. Sets the node labels and taints."
    )
    machine_type: str = Field(description="GCE machine type or EC2 instance type.")
    fallback_machine_types: list[str] = Field(
        default_factory=list,
        description="Further instance types of the same shape for spot capacity (AWS only).",
    )
    min_nodes: Int = Field(ge=0, le=1000, description="Autoscaler lower bound.")
    max_nodes: Int = Field(ge=1, le=1000, description="Autoscaler upper bound.")
    spot: bool = Field(False, description="Spot (preemptible) capacity; for dask workers.")
    disk_size_gb: Int = Field(100, ge=20, le=2000, description="Boot disk size of each node.")
    draining: bool = Field(
        False,
        description="Retiring this pool: no new pod lands on it (taint pangeo-hubs/draining) and it "
        "scales down to zero as its pods end; remove it once empty (docs/config.md).",
    )

    @model_validator(mode="after")
    def _bounds(self):
        if self.min_nodes > self.max_nodes:
            reject([("min_nodes", f"must be <= max_nodes ({self.max_nodes}), got {self.min_nodes}")])
        return self


class Network(Base):
    """Address ranges of the cluster network; pods and services are GKE secondary ranges."""

    cidr: Cidr = Field(description="Primary (node) range of the VPC or subnet.")
    pods_cidr: Cidr | None = Field(None, description="GKE pod secondary range.")
    services_cidr: Cidr | None = Field(None, description="GKE service secondary range.")

    @model_validator(mode="after")
    def _disjoint(self):
        named = [(k, getattr(self, k)) for k in ("cidr", "pods_cidr", "services_cidr") if getattr(self, k)]
        problems = []
        for i, (key, net) in enumerate(named):
            if not net.is_private:
                problems.append((key, f"must be a private range, got {net}"))
            for other, other_net in named[:i]:
                if net.overlaps(other_net):
                    problems.append((key, f"{net} overlaps {other} ({other_net})"))
        reject(problems)
        return self


class ClusterConfig(Base):
    """The Kubernetes cluster every hub of the stack shares."""

    name: Key = Field(description="Cluster name; feeds cloud resource names, so never change it.")
    location: Literal["zonal", "regional"] = Field(
        "zonal", description="GKE: one zone (cheaper, one control plane zone) or the whole region."
    )
    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = Field(
        "REGULAR", description="GKE release channel that picks and upgrades the version."
    )
    kubernetes_version: str | None = Field(
        None, pattern=r"^1\.[0-9]{2}$", description="EKS control-plane version, e.g. 1.33."
    )
    network: Network
    node_pools: dict[Key, NodePool] = Field(min_length=1, description="Node pools by stable name.")
    maintenance: Maintenance | None = Field(
        None, description="GKE: when upgrades may happen; unset means weekends in America/New_York.")
    admins: list[str] = Field(
        default_factory=list,
        description="EKS: IAM role or user ARNs given cluster admin (AmazonEKSClusterAdminPolicy) by access entry.",
    )

    @model_validator(mode="after")
    def _pools_cover_purposes(self):
        # A draining pool takes no new pods, so each purpose needs another pool to go to.
        purposes = {p.purpose for p in self.node_pools.values() if not p.draining}
        reject([
            ("node_pools", f"needs at least one pool with purpose {need!r} that is not draining")
            for need in ("core", "user", "worker")
            if need not in purposes
        ])
        return self
