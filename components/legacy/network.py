"""The path from the new cluster's pods to the rsync export: a VPC peering and one firewall rule.

infra/migrate/check.py models exactly these (both peering halves, TCP 873 from
the new pod range) and refuses the config at plan time when they cannot work.
"""

import pulumi
import pulumi_gcp as gcp

from .export import PORT


def declare_path(name: str, *, new_network: pulumi.Input[str], old_project: str, old_network: str,
                 pods_cidr: str, old_provider: gcp.Provider, parent: pulumi.Resource) -> list[pulumi.Resource]:
    old = f"projects/{old_project}/global/networks/{old_network}"
    opts = pulumi.ResourceOptions(parent=parent)
    on_old = pulumi.ResourceOptions(parent=parent, provider=old_provider)
    # A peering is active only once both networks have created their half.
    new_half = gcp.compute.NetworkPeering(f"{name}-peering-new-old", network=new_network, peer_network=old,
                                          opts=opts)
    old_half = gcp.compute.NetworkPeering(
        f"{name}-peering-old-new", network=old, peer_network=new_network,
        # GCP refuses concurrent peering operations on one network pair.
        opts=pulumi.ResourceOptions.merge(on_old, pulumi.ResourceOptions(depends_on=[new_half])),
    )
    firewall = gcp.compute.Firewall(
        f"{name}-allow-rsync", name=f"{name}-allow-rsync-from-new-pods", project=old_project, network=old_network,
        direction="INGRESS", source_ranges=[pods_cidr], allows=[{"protocol": "tcp", "ports": [str(PORT)]}],
        description="pangeo-hubs: the new cluster's pods read the old homes (rsync, read only)",
        opts=on_old,
    )
    return [new_half, old_half, firewall]
