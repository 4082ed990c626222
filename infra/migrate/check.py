"""Stack-level checks of the shared old deployment, run while the config is parsed."""

from __future__ import annotations

import ipaddress

from infra.config.migration import legacy_stage

from .route import RSYNC_PORT, Firewall, Network, Topology, route_problems

NEW, OLD, FILESTORE = "new-vpc", "old-vpc", "old-filestore"


def topology(config) -> Topology:
    """The networks as the stack declares them: both halves of the new<->old peering, and
    one firewall rule in the old VPC admitting TCP 873 from the new pods only
    (components/legacy/network.py declares exactly these)."""
    net, legacy = config.cluster.network, config.legacy
    new = {f"cluster.network.{k}": getattr(net, k) for k in ("cidr", "pods_cidr", "services_cidr") if getattr(net, k)}
    old = {f"legacy.network.ranges.{k}": r for k, r in legacy.network.ranges.items()}
    managed = {}
    if legacy.home and legacy.home.reserved_ip_range:
        managed[FILESTORE] = (OLD, "legacy.home.reserved_ip_range", legacy.home.reserved_ip_range)
    return Topology(
        networks={NEW: Network(NEW, new), OLD: Network(OLD, old)},
        peerings={(NEW, OLD), (OLD, NEW)},
        managed=managed,
        firewalls=[Firewall("legacy.network", OLD, (net.pods_cidr,), (RSYNC_PORT,))],
    )


def legacy_problems(config) -> list[tuple[str, str]]:
    migrations = {name: hub.migration for name, hub in config.hubs.items()}
    legacy = config.legacy
    problems = []
    if legacy and config.provider != "gcp":
        return [("legacy", "adopting an old deployment is only implemented on gcp")]
    renamed = {name: m.source for name, m in migrations.items() if m.source is not None and m.source.map is not None}
    if renamed:
        # Imported on use: it loads KubeSpawner and JupyterHub, two seconds that only a renaming migration needs.
        from components.nfs_home.usernames import map_problems
        for name, source in renamed.items():
            problems += [(f"hubs.{name}.migration.source.{k}", p) for k, p in map_problems(source)]
    users = [name for name, m in migrations.items() if m.uses_legacy]
    if users and legacy is None:
        return problems + [(f"hubs.{name}.migration.source.server",
                 "is unset, so the homes are read through the stack's `legacy` deployment, which is not configured")
                for name in users]
    deletable_before = [n for n, m in migrations.items() if m.previous and m.previous.legacy_home_deletable]
    if deletable_before and not (legacy and legacy.home):
        problems.append(("legacy.home", "was set to be deleted after a backup; removing it now would delete it "
                                        "without one"))
    if not users or legacy_stage(migrations) == "decommission":
        return problems
    for key, value in (("legacy.network", legacy.network), ("legacy.cluster", legacy.cluster),
                       ("legacy.home", legacy.home)):
        if value is None:
            problems.append((key, f"is needed to read the old homes of {', '.join(users)}"))
    if problems:
        return problems
    ip = legacy.cluster.export_ip
    if ip is None:
        problems.append(("legacy.cluster.export_ip", "is needed: the address the new pods connect to"))
    if legacy.home.ip is None:
        problems.append(("legacy.home.ip", "is needed: the rsync export mounts the old share by address"))
    if legacy.home.reserved_ip_range is None:
        problems.append(("legacy.home.reserved_ip_range", "is needed to check it overlaps nothing of the new VPC"))
    if problems:
        return problems
    return route_problems(topology(config), client=("cluster.network.pods_cidr", config.cluster.network.pods_cidr),
                          target=("legacy.cluster.export_ip", ipaddress.IPv4Network(f"{ip}/32")))
