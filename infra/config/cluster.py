"""Where the hubs run: the cloud, the Kubernetes cluster and its node pools."""

import ipaddress
from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from .types import Base, Key, reject

GCP_REGION = r"^[a-z]+-[a-z]+[0-9]$"
AWS_REGION = r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$"


class GcpCloud(Base):
    """A GCP region, and the zone when the cluster is zonal."""

    provider: Literal["gcp"]
    region: str = Field(pattern=GCP_REGION, description="GCP region, e.g. us-central1.")
    zone: str = Field(description="Zone of zonal resources (a zonal cluster, Filestore), e.g. us-central1-b.")

    @model_validator(mode="after")
    def _zone_in_region(self):
        if not self.zone.startswith(f"{self.region}-"):
            reject([("zone", f"must be a zone of region {self.region}, got {self.zone!r}")])
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
        bad = [z for z in self.availability_zones if z[:-1] != self.region or not z[-1].isalpha()]
        problems = [("availability_zones", f"{z!r} is not an availability zone of {self.region}") for z in bad]
        if len(set(self.availability_zones)) != len(self.availability_zones):
            problems.append(("availability_zones", "must not repeat a zone"))
        reject(problems)
        return self


Cloud = Annotated[Union[GcpCloud, AwsCloud], Field(discriminator="provider")]


class NodePool(Base):
    """One autoscaling group of identical nodes with one purpose."""

    purpose: Literal["core", "user", "worker"] = Field(
        description="core runs the hub and proxy; user runs notebook servers and dask "
        "schedulers; worker runs dask workers. Sets the node labels and taints."
    )
    machine_type: str = Field(description="GCE machine type or EC2 instance type.")
    fallback_machine_types: list[str] = Field(
        default_factory=list,
        description="Further instance types of the same shape for spot capacity (AWS only).",
    )
    min_nodes: int = Field(ge=0, le=1000, description="Autoscaler lower bound.")
    max_nodes: int = Field(ge=1, le=1000, description="Autoscaler upper bound.")
    spot: bool = Field(False, description="Spot (preemptible) capacity; for dask workers.")
    disk_size_gb: int = Field(100, ge=20, le=2000, description="Boot disk size of each node.")

    @model_validator(mode="after")
    def _bounds(self):
        if self.min_nodes > self.max_nodes:
            reject([("min_nodes", f"must be <= max_nodes ({self.max_nodes}), got {self.min_nodes}")])
        return self


class Network(Base):
    """Address ranges of the cluster network; pods and services are GKE secondary ranges."""

    cidr: ipaddress.IPv4Network = Field(description="Primary (node) range of the VPC or subnet.")
    pods_cidr: ipaddress.IPv4Network | None = Field(None, description="GKE pod secondary range.")
    services_cidr: ipaddress.IPv4Network | None = Field(None, description="GKE service secondary range.")

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

    @model_validator(mode="after")
    def _pools_cover_purposes(self):
        purposes = {p.purpose for p in self.node_pools.values()}
        reject([
            ("node_pools", f"needs at least one pool with purpose {need!r}")
            for need in ("core", "user", "worker")
            if need not in purposes
        ])
        return self
