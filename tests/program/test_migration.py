"""Cutting users over as stack updates: what each phase adds, changes and removes, and the guards."""

import pytest
import yaml

from infra.config import ConfigError
from infra.plan import plan
from infra.plan.checks import first_up_problems
from infra.plan.diff import diff_plans
from infra.plan.run import REPO

from .graph import one, waits_on

LEGACY_GCP = {
    "project": "pangeo-old-project",
    "network": {"name": "default", "ranges": {"nodes": "10.128.0.0/20", "pods": "10.60.0.0/14",
                                              "services": "10.64.0.0/20"}},
    "cluster": {"name": "pangeo", "location": "us-central1-b", "node_pools": ["core", "user"],
                "export_ip": "10.128.0.250"},
    "home": {"name": "pangeo-home", "location": "us-central1-b", "share": "home", "delete_after_backup": True,
             "ip": "10.200.0.2", "reserved_ip_range": "10.200.0.0/29"},
}
# gcp: staging and prod both lived on the one old cluster and Filestore; aws: prod alone, by NFS.
HUBS = {"gcp": ("staging", "prod"), "aws-us-west-2": ("prod",)}
DNS = {"gcp": {"mode": "cloud", "zone": "pangeo-io"}, "aws-us-west-2": {"mode": "cloud", "zone": "Z0123456789ABC"}}
HOME = {"gcp": "gcp:filestore/instance:Instance", "aws-us-west-2": "aws:efs/fileSystem:FileSystem"}


@pytest.fixture(scope="module", params=["gcp", "aws-us-west-2"])
def stack(request, tmp_path_factory):
    """The shipped stack with prod migrating from an old deployment."""
    name = request.param
    document = yaml.safe_load((REPO / f"Pulumi.{name}.yaml").read_text())
    tmp = tmp_path_factory.mktemp(name)
    for hub in HUBS[name]:
        config = document["config"]["pangeo-hubs:hubs"][hub]
        config["dns"] = DNS[name]
        if name == "gcp":
            (tmp / f"{hub}.map").write_text("alice\talice\nhas-2dhyphen\thas-hyphen\n")
            (tmp / f"{hub}.users").write_text("alice\nhas-hyphen\nnever-logged-in\n")
            source = {"path": f"/homes/{hub}", "naming": "escapism-legacy", "map": str(tmp / f"{hub}.map"),
                      "old_users": str(tmp / f"{hub}.users")}
        else:
            source = {"server": "10.128.0.5", "path": "/homes"}
        config["migration"] = {"phase": "none", "source": source, "legacy_hub": {"namespace": hub}}
    if name == "gcp":
        document["config"]["pangeo-hubs:legacy"] = LEGACY_GCP
    path = tmp / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return name, path


def phase_plan(stack, phase, previous, *extra, hubs=None):
    """Every migrating hub (or just `hubs`) at `phase`, after `previous`."""
    name, path = stack
    sets = [s for hub in (hubs or HUBS[name])
            for s in (f"hubs.{hub}.migration.phase={phase}", f"hubs.{hub}.migration.previous.phase={previous}")]
    return plan(name, stack_file=path, overrides=(*sets, *extra))


@pytest.fixture(scope="module")
def phases(stack):
    return {
        "none": phase_plan(stack, "none", "none"),
        "sync": phase_plan(stack, "sync", "none"),
        "cutover": phase_plan(stack, "cutover", "sync"),
        "decommission": phase_plan(stack, "decommission", "cutover", *(
            [f"hubs.{h}.migration.previous.legacy_home_deletable=true" for h in HUBS[stack[0]]]
            if stack[0] == "gcp" else [])),
    }


def changes(before, after, action):
    return sorted((c.resource["type"], c.resource["name"]) for c in diff_plans(before, after) if c.action == action)


EXPORT = [  # the old cluster's rsync export and the network path to it (gcp)
    ("gcp:compute/firewall:Firewall", "pangeo-hubs-allow-rsync"),
    ("gcp:compute/networkPeering:NetworkPeering", "pangeo-hubs-peering-new-old"),
    ("gcp:compute/networkPeering:NetworkPeering", "pangeo-hubs-peering-old-new"),
    ("kubernetes:apps/v1:Deployment", "pangeo-hubs-legacy-export"),
    ("kubernetes:core/v1:ConfigMap", "pangeo-hubs-legacy-export-config"),
    ("kubernetes:core/v1:Namespace", "pangeo-hubs-legacy-export-namespace"),
    ("kubernetes:core/v1:Service", "pangeo-hubs-legacy-export-lb"),
    ("pulumi:providers:kubernetes", "pangeo-hubs-legacy-export-k8s"),
]


def test_sync_adds_only_the_bulk_jobs_their_configmaps_and_the_export(phases, stack):
    expected = [(t, f"{hub}-{n}") for hub in HUBS[stack[0]]
                for t, n in (("kubernetes:batch/v1:Job", "sync-bulk"), ("kubernetes:core/v1:ConfigMap", "sync-script"))]
    expected += EXPORT if stack[0] == "gcp" else []
    assert changes(phases["none"], phases["sync"], "create") == sorted(expected)
    # The one update: the home-usage exporter stops walking the share (see the next test).
    assert changes(phases["none"], phases["sync"], "update") == sorted(
        ("kubernetes:apps/v1:Deployment", f"{hub}-home-usage") for hub in HUBS[stack[0]])
    assert changes(phases["none"], phases["sync"], "delete") == []


def test_the_home_usage_exporter_never_walks_while_sync_jobs_run(phases, stack):
    """0 replicas in the phases whose update runs sync Jobs, and every sync Job waits for that Deployment, so the
    update that starts a migration stops the walk before the first copy. At decommission it walks again: the Jobs
    are still declared but exactly as cutover ran them, so that update runs none."""
    def sync_jobs(plan, hub):
        return {r["name"]: r for r in plan.resources
                if r["type"] == "kubernetes:batch/v1:Job" and r["name"].startswith(f"{hub}-sync-")}

    for hub in HUBS[stack[0]]:
        for phase, plan in phases.items():
            exporter = one(plan, "kubernetes:apps/v1:Deployment", f"{hub}-home-usage")
            runs = phase in ("sync", "cutover")
            assert exporter["inputs"]["spec"]["replicas"] == (0 if runs else 1), (phase, hub)
            assert bool(sync_jobs(plan, hub)) == (phase != "none"), (phase, hub)
            for job in sync_jobs(plan, hub).values():
                assert waits_on(plan, job, exporter), (phase, job["name"])
        kept, ran = sync_jobs(phases["decommission"], hub), sync_jobs(phases["cutover"], hub)
        assert {n: j["inputs"] for n, j in kept.items()} == {n: j["inputs"] for n, j in ran.items()}


@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
def test_the_sync_pulls_from_the_export_with_the_user_map(phases):
    sync = phases["sync"]
    job = one(sync, "kubernetes:batch/v1:Job", "prod-sync-bulk")["inputs"]["spec"]["template"]["spec"]
    command = job["containers"][0]["command"][-1]
    assert "--source rsync://10.128.0.250/homes/homes/prod " in command and "--map " in command
    assert not [v for v in job["volumes"] if "nfs" in v]
    script = one(sync, "kubernetes:core/v1:ConfigMap", "prod-sync-script")["inputs"]["data"]
    assert script["map.tsv"] == "alice\talice\nhas-2dhyphen\thas-hyphen\n"
    assert script["expect.txt"] == "alice\nhas-hyphen\n"
    service = one(sync, "kubernetes:core/v1:Service", "pangeo-hubs-legacy-export-lb")["inputs"]
    assert service["metadata"]["annotations"] == {"networking.gke.io/load-balancer-type": "Internal"}
    assert service["spec"]["loadBalancerIP"] == "10.128.0.250"
    firewall = one(sync, "gcp:compute/firewall:Firewall", "pangeo-hubs-allow-rsync")["inputs"]
    assert firewall["sourceRanges"] == ["10.16.0.0/12"] and firewall["allows"] == [{"protocol": "tcp", "ports": ["873"]}]
    conf = one(sync, "kubernetes:core/v1:ConfigMap", "pangeo-hubs-legacy-export-config")["inputs"]["data"]
    assert "read only = yes" in conf["rsyncd.conf"] and "hosts allow = 10.16.0.0/12" in conf["rsyncd.conf"]


def test_cutover_adds_the_patches_jobs_and_dns_and_deletes_nothing(phases, stack):
    created = changes(phases["sync"], phases["cutover"], "create")
    assert created == sorted(c for hub in HUBS[stack[0]] for c in [
        ("kubernetes:apps/v1:DeploymentPatch", f"{hub}-legacy-hub"),
        ("kubernetes:apps/v1:DeploymentPatch", f"{hub}-legacy-proxy"),
        ("pulumi:providers:kubernetes", f"{hub}-legacy-k8s"),
        ("kubernetes:batch/v1:Job", f"{hub}-sync-final"),
        ("kubernetes:batch/v1:Job", f"{hub}-health-check"),
        ("kubernetes:core/v1:ConfigMap", f"{hub}-health-check-script"),
        ("kubernetes:core/v1:Secret", f"{hub}-health-check-token"),
        next(c for c in created if c[1] == f"{hub}-dns"),
    ])
    assert changes(phases["sync"], phases["cutover"], "delete") == []


def test_cutover_runs_in_order_stop_old_hub_then_final_sync_then_health_check_then_dns(phases, stack):
    cutover = phases["cutover"]
    records = [r for r in cutover.resources if r["name"] == "prod-dns"]
    final = one(cutover, "kubernetes:batch/v1:Job", "prod-sync-final")
    health = one(cutover, "kubernetes:batch/v1:Job", "prod-health-check")
    for patch in ("prod-legacy-hub", "prod-legacy-proxy"):
        assert waits_on(cutover, final, one(cutover, "kubernetes:apps/v1:DeploymentPatch", patch))
    assert waits_on(cutover, final, one(cutover, "kubernetes:batch/v1:Job", "prod-sync-bulk"))
    assert waits_on(cutover, health, final)
    assert len(records) == 1 and waits_on(cutover, records[0], health)
    verify = final["inputs"]["spec"]["template"]["spec"]["containers"][0]
    assert verify["name"] == "homesync-verify"
    if stack[0] == "gcp":  # the old hub's users each have a home where the new hub looks, or no DNS
        assert "--expect /opt/homesync/expect.txt" in verify["command"][-1]


def test_the_old_hub_is_scaled_to_zero_through_its_own_cluster(phases):
    cutover = phases["cutover"]
    legacy_provider = one(cutover, "pulumi:providers:kubernetes", "prod-legacy-k8s")
    assert legacy_provider["inputs"]["kubeconfig"] == "[secret]"
    for deployment in ("hub", "proxy"):
        patch = one(cutover, "kubernetes:apps/v1:DeploymentPatch", f"prod-legacy-{deployment}")
        assert patch["inputs"]["spec"] == {"replicas": 0}
        assert patch["inputs"]["metadata"]["annotations"] == {"pulumi.com/patchForce": "true"}
        assert patch["provider"] == legacy_provider["urn"]


def test_dns_record_waits_for_cutover_and_has_a_five_minute_ttl(phases, stack):
    for phase in ("none", "sync"):
        assert not [r for r in phases[phase].resources if r["name"] == "prod-dns"]
    record = next(r for r in phases["cutover"].resources if r["name"] == "prod-dns")
    assert record["inputs"]["ttl"] == 300
    assert phases["cutover"].outputs["hubs"]["prod"]["dns"]["managed"] is True


def test_decommission_deletes_only_the_legacy_resources(phases):
    deleted = changes(phases["cutover"], phases["decommission"], "delete")
    assert deleted and all("-legacy-" in name or n in EXPORT for n in deleted for _, name in [n])
    created = changes(phases["cutover"], phases["decommission"], "create")
    assert created in ([], [("gcp:filestore/backup:Backup", "pangeo-hubs-legacy-home-backup")])


def test_no_phase_change_touches_the_new_home_storage(phases, stack):
    order = ["none", "sync", "cutover", "decommission"]
    for before, after in zip(order, order[1:]):
        for change in diff_plans(phases[before], phases[after]):
            new_home = change.resource["type"] == HOME[stack[0]] and "-legacy-" not in change.resource["name"]
            assert not new_home, (before, after, change)
    for result in phases.values():
        homes = [r for r in result.resources if r["type"] == HOME[stack[0]] and "-legacy-" not in r["name"]]
        assert len(homes) == 2 and all(h["protect"] and h["retain_on_delete"] for h in homes)


def test_each_update_exports_what_it_completed(phases):
    assert phases["sync"].outputs["migration"]["prod"]["phase"] == "sync"
    assert "legacy" not in phases["sync"].outputs["migration"]
    cutover = phases["cutover"].outputs["migration"]["prod"]
    assert cutover["sync_generation_verified"] == 0 and cutover["completed_at"]
    assert phases["none"].outputs["migration"]["prod"]["completed_at"] is None


def test_raising_sync_generation_runs_a_new_pass(stack, phases):
    again = phase_plan(stack, "sync", "sync", "hubs.prod.migration.sync_generation=1", hubs=["prod"])
    if stack[0] == "gcp":
        again = phase_plan(stack, "sync", "sync", "hubs.prod.migration.sync_generation=1")
    updated = [c for c in diff_plans(phases["sync"], again) if c.action == "update"]
    assert [(c.resource["name"], c.paths) for c in updated] == [("prod-sync-bulk", ["metadata.name"])]


def test_rolling_back_cutover_starts_the_old_hub_again(stack):
    rollback = phase_plan(stack, "sync", "cutover", hubs=["prod"])
    patch = one(rollback, "kubernetes:apps/v1:DeploymentPatch", "prod-legacy-hub")
    assert patch["inputs"]["spec"] == {"replicas": 1}


@pytest.mark.parametrize("phase, previous, extra, message", [
    ("cutover", "none", (), "pangeo-hubs:hubs.prod.migration.phase: cannot go from 'none' to 'cutover': apply 'sync' first"),
    ("decommission", "sync", (), "pangeo-hubs:hubs.prod.migration.phase: cannot go from 'sync' to 'decommission': apply 'cutover' first"),
    ("cutover", "decommission", (), "pangeo-hubs:hubs.prod.migration.phase: the old deployment is gone"),
    ("cutover", "sync", ("hubs.prod.migration.source=null",), "pangeo-hubs:hubs.prod.migration.source: phase 'cutover' needs the legacy NFS source"),
    ("sync", "none", ("hubs.prod.migration.previous.home_tier=BASIC_SSD",), "pangeo-hubs:hubs.prod.home.tier: changes the home volume"),
], ids=["skip-sync", "decommission-without-cutover", "undo-decommission", "cutover-without-source", "home-identity-with-phase"])
def test_bad_transitions_are_refused_before_anything_is_declared(stack, phase, previous, extra, message):
    with pytest.raises(ConfigError) as error:
        phase_plan(stack, phase, previous, *extra)
    assert any(line.startswith(message) for line in error.value.problems), error.value.problems


# Only gcp adopts old resources: Pangeo's AWS hub starts fresh (config refuses `legacy` there).
@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
def test_old_gcp_resources_are_adopted_as_they_are_and_the_old_home_is_backed_up_before_deletion(stack, phases):
    sync, cutover, decommission = phases["sync"], phases["cutover"], phases["decommission"]
    cluster = one(sync, "gcp:container/cluster:Cluster", "pangeo-hubs-legacy-cluster")
    assert cluster["import_id"] == "projects/pangeo-old-project/locations/us-central1-b/clusters/pangeo"
    assert "nodeConfig" in cluster["ignore_changes"]
    home = "pangeo-hubs-legacy-home"
    assert one(sync, "gcp:filestore/instance:Instance", home)["retain_on_delete"] is True
    # The cutover update clears retain-on-delete so that dropping it at decommission deletes it.
    assert one(cutover, "gcp:filestore/instance:Instance", home)["retain_on_delete"] is False
    assert cutover.outputs["migration"]["prod"]["legacy_home_deletable"] is True
    backup = one(decommission, "gcp:filestore/backup:Backup", "pangeo-hubs-legacy-home-backup")
    assert backup["protect"] and backup["retain_on_delete"]
    assert backup["inputs"]["sourceInstance"] == "projects/pangeo-old-project/locations/us-central1-b/instances/pangeo-home"
    assert backup["inputs"]["location"] == "us-central1"


@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
def test_one_legacy_deployment_serves_both_hubs_and_goes_only_after_both_are_cut_over(stack, phases):
    for result in phases.values():
        assert len([r for r in result.resources if r["type"] == "gcp:container/cluster:Cluster"
                    and "-legacy-" in r["name"]]) == (0 if result is phases["decommission"] else 1)
    # prod decommissioned, staging still at cutover: the old deployment stays, home retained
    half = phase_plan(stack, "decommission", "cutover", "hubs.staging.migration.phase=cutover",
                      "hubs.staging.migration.previous.phase=cutover", hubs=["prod"])
    assert one(half, "gcp:container/cluster:Cluster", "pangeo-hubs-legacy-cluster")
    assert not [r for r in half.resources if r["type"] == "gcp:filestore/backup:Backup"]
    assert one(half, "gcp:filestore/instance:Instance", "pangeo-hubs-legacy-home")["retain_on_delete"] is False
    # staging still syncing: the home is kept even though prod is gone
    early = phase_plan(stack, "decommission", "cutover", "hubs.staging.migration.phase=sync",
                       "hubs.staging.migration.previous.phase=sync", hubs=["prod"])
    assert one(early, "gcp:filestore/instance:Instance", "pangeo-hubs-legacy-home")["retain_on_delete"] is True
    assert one(early, "kubernetes:apps/v1:Deployment", "pangeo-hubs-legacy-export")


@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
def test_removing_an_old_home_marked_for_deletion_without_its_backup_is_refused(stack):
    with pytest.raises(ConfigError, match="pangeo-hubs:legacy.home: was set to be deleted after a backup"):
        phase_plan(stack, "decommission", "cutover", "hubs.prod.migration.previous.legacy_home_deletable=true",
                   "legacy.home=null")


@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
@pytest.mark.parametrize("extra, message", [
    (("legacy.network.ranges.pods=10.16.0.0/14",),
     "pangeo-hubs:legacy.network.ranges.pods: 10.16.0.0/14 overlaps cluster.network.pods_cidr"),
    (("legacy.cluster.export_ip=10.200.0.3",),
     "pangeo-hubs:legacy.cluster.export_ip: 10.200.0.3/32 is in old-filestore, a Google-managed network"),
    (("legacy.cluster.export_ip=null",), "pangeo-hubs:legacy.cluster.export_ip: is needed"),
    (("legacy=null",), "pangeo-hubs:hubs.prod.migration.source.server: is unset"),
], ids=["overlap", "transitive-through-filestore", "no-export-address", "no-legacy"])
def test_an_unreachable_old_home_is_refused_at_plan_time(stack, extra, message):
    with pytest.raises(ConfigError) as error:
        phase_plan(stack, "sync", "none", *extra)
    assert any(line.startswith(message) for line in error.value.problems), error.value.problems


@pytest.mark.parametrize("stack", ["aws-us-west-2"], indirect=True)
def test_aws_points_the_domain_at_every_elastic_ip_through_route53(stack, phases):
    record = one(phases["cutover"], "aws:route53/record:Record", "prod-dns")["inputs"]
    assert record["zoneId"] == "Z0123456789ABC" and record["ttl"] == 300 and record["type"] == "A"
    assert record["records"] == phases["cutover"].outputs["hubs"]["prod"]["load_balancer_address"].split(",")


ADOPTED = [("gcp:container/cluster:Cluster", "pangeo-hubs-legacy-cluster"),
           ("gcp:container/nodePool:NodePool", "pangeo-hubs-legacy-pool-core"),
           ("gcp:container/nodePool:NodePool", "pangeo-hubs-legacy-pool-user"),
           ("gcp:filestore/instance:Instance", "pangeo-hubs-legacy-home")]


@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
def test_adopted_resources_are_protected_until_the_update_before_the_one_that_deletes_them(phases):
    """Protection is read from the last update's state, so cutover lifts it for decommission."""
    for phase, protected in (("none", True), ("sync", True), ("cutover", False)):
        assert [one(phases[phase], t, n)["protect"] for t, n in ADOPTED] == [protected] * len(ADOPTED), phase
    deletes = [c for c in diff_plans(phases["cutover"], phases["decommission"]) if (c.resource["type"], c.resource["name"]) in ADOPTED]
    assert len(deletes) == len(ADOPTED) and not any(c.blocked for c in deletes)


@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
def test_dropping_the_old_cluster_during_sync_is_a_delete_the_engine_refuses(stack, phases):
    """Hubs reading the old homes over NFS don't need the cluster, so the config allows it; protect doesn't."""
    direct = [f"hubs.{h}.migration.source.server=10.128.0.5" for h in HUBS["gcp"]]
    before = phase_plan(stack, "sync", "none", *direct)
    after = phase_plan(stack, "sync", "none", *direct, "legacy.cluster=null")
    deleted = {c.resource["name"]: c for c in diff_plans(before, after) if c.action == "delete"}
    for _, name in ADOPTED[:3]:
        assert deleted[name].blocked, name


@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
@pytest.mark.parametrize("phase, previous", [("sync", "sync"), ("cutover", "sync")])
@pytest.mark.parametrize("key", ["cluster", "home"])
def test_dropping_an_adopted_old_resource_while_a_hub_migrates_is_refused(stack, phase, previous, key):
    direct = [f"hubs.{h}.migration.source.server=10.128.0.5" for h in HUBS["gcp"]]
    with pytest.raises(ConfigError) as error:
        phase_plan(stack, phase, previous, *direct, f"hubs.prod.migration.previous.legacy_{key}=true",
                   f"legacy.{key}=null")
    assert any(p.startswith(f"pangeo-hubs:legacy.{key}: was adopted by the last update and prod, staging is still "
                            "migrating") for p in error.value.problems), error.value.problems


@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
def test_dropping_an_adopted_old_resource_once_no_hub_migrates_is_allowed(stack):
    direct = [f"hubs.{h}.migration.source.server=10.128.0.5" for h in HUBS["gcp"]]
    phase_plan(stack, "none", "none", *direct, "hubs.prod.migration.previous.legacy_cluster=true", "legacy.cluster=null")


def test_every_phase_passes_the_first_up_checks(phases):
    """infra/plan/checks.py (tests/program/test_first_up.py shows each check failing)."""
    for phase, result in phases.items():
        problems = first_up_problems(result)
        assert problems == {check: [] for check in problems}, phase


def test_every_phase_installs_the_crds_before_the_releases_that_use_them(phases):
    """tests/render's 'CRDs installed first' (conflicts.crd_order, real helm) at every phase, not only
    the shipped one: a phase that adds, drops or rewires a Release must still leave every gateway
    waiting for the one that installs the CRDs. A Release identical to one already rendered is not
    rendered again."""
    import json

    from tests.render.conflicts import crd_order
    from tests.render.helm import RELEASE, render_release

    renders = {}
    for phase, result in phases.items():
        rendered = {}
        for release in (r for r in result.resources if r["type"] == RELEASE):
            key = json.dumps([release["urn"], release["inputs"]], sort_keys=True)
            if key not in renders:
                renders[key] = render_release(release)
            rendered[release["urn"]] = renders[key]
        assert all(r.manifests and not r.problems for r in rendered.values()), phase
        assert sum(any(m.get("kind") == "CustomResourceDefinition" for m in r.manifests) for r in rendered.values()), phase
        assert crd_order(result, rendered) == [], phase
