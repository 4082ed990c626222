"""Cutting users over as stack updates: what each phase adds, changes and removes, and the guards."""

import pytest
import yaml

from infra.config import ConfigError
from infra.plan import plan
from infra.plan.diff import diff_plans
from infra.plan.run import REPO

from .graph import one, waits_on

LEGACY_GCP = {
    "project": "pangeo-old-project",
    "cluster": {"name": "pangeo", "location": "us-central1-b", "node_pools": ["core", "user"]},
    "home": {"name": "pangeo-home", "location": "us-central1-b", "share": "home", "delete_after_backup": True},
}
DNS = {"gcp": {"mode": "cloud", "zone": "pangeo-io"}, "aws-us-west-2": {"mode": "cloud", "zone": "Z0123456789ABC"}}
HOME = {"gcp": "gcp:filestore/instance:Instance", "aws-us-west-2": "aws:efs/fileSystem:FileSystem"}


@pytest.fixture(scope="module", params=["gcp", "aws-us-west-2"])
def stack(request, tmp_path_factory):
    """The shipped stack with prod migrating from an old deployment."""
    name = request.param
    document = yaml.safe_load((REPO / f"Pulumi.{name}.yaml").read_text())
    prod = document["config"]["pangeo-hubs:hubs"]["prod"]
    prod["dns"] = DNS[name]
    prod["migration"] = {
        "phase": "none",
        "source": {"server": "10.128.0.5", "path": "/homes"},
        "legacy_hub": {"namespace": "prod"},
        **({"legacy_resources": LEGACY_GCP} if name == "gcp" else {}),
    }
    path = tmp_path_factory.mktemp(name) / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return name, path


def phase_plan(stack, phase, previous, *extra):
    name, path = stack
    sets = (f"hubs.prod.migration.phase={phase}", f"hubs.prod.migration.previous.phase={previous}", *extra)
    return plan(name, stack_file=path, overrides=sets)


@pytest.fixture(scope="module")
def phases(stack):
    return {
        "none": phase_plan(stack, "none", "none"),
        "sync": phase_plan(stack, "sync", "none"),
        "cutover": phase_plan(stack, "cutover", "sync"),
        "decommission": phase_plan(stack, "decommission", "cutover", *(
            ["hubs.prod.migration.previous.legacy_home_deletable=true"] if stack[0] == "gcp" else [])),
    }


def changes(before, after, action):
    return sorted((c.resource["type"], c.resource["name"]) for c in diff_plans(before, after) if c.action == action)


def test_sync_adds_only_the_bulk_job_and_its_configmap(phases):
    assert changes(phases["none"], phases["sync"], "create") == [
        ("kubernetes:batch/v1:Job", "prod-sync-bulk"), ("kubernetes:core/v1:ConfigMap", "prod-sync-script")]
    assert changes(phases["none"], phases["sync"], "update") == []
    assert changes(phases["none"], phases["sync"], "delete") == []


def test_cutover_adds_the_patches_jobs_and_dns_and_deletes_nothing(phases):
    created = changes(phases["sync"], phases["cutover"], "create")
    assert created == sorted([
        ("kubernetes:apps/v1:DeploymentPatch", "prod-legacy-hub"),
        ("kubernetes:apps/v1:DeploymentPatch", "prod-legacy-proxy"),
        ("pulumi:providers:kubernetes", "prod-legacy-k8s"),
        ("kubernetes:batch/v1:Job", "prod-sync-final"),
        ("kubernetes:batch/v1:Job", "prod-health-check"),
        ("kubernetes:core/v1:ConfigMap", "prod-health-check-script"),
        ("kubernetes:core/v1:Secret", "prod-health-check-token"),
        next(c for c in created if c[1] == "prod-dns"),
    ])
    assert changes(phases["sync"], phases["cutover"], "delete") == []


def test_cutover_runs_in_order_stop_old_hub_then_final_sync_then_health_check_then_dns(phases):
    cutover = phases["cutover"]
    records = [r for r in cutover.resources if r["name"] == "prod-dns"]
    final = one(cutover, "kubernetes:batch/v1:Job", "prod-sync-final")
    health = one(cutover, "kubernetes:batch/v1:Job", "prod-health-check")
    for patch in ("prod-legacy-hub", "prod-legacy-proxy"):
        assert waits_on(cutover, final, one(cutover, "kubernetes:apps/v1:DeploymentPatch", patch))
    assert waits_on(cutover, final, one(cutover, "kubernetes:batch/v1:Job", "prod-sync-bulk"))
    assert waits_on(cutover, health, final)
    assert len(records) == 1 and waits_on(cutover, records[0], health)
    assert final["inputs"]["spec"]["template"]["spec"]["containers"][0]["name"] == "homesync-verify"


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
    assert deleted and all("-legacy-" in name for _, name in deleted)
    created = changes(phases["cutover"], phases["decommission"], "create")
    assert created in ([], [("gcp:filestore/backup:Backup", "prod-legacy-home-backup")])


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
    cutover = phases["cutover"].outputs["migration"]["prod"]
    assert cutover["sync_generation_verified"] == 0 and cutover["completed_at"]
    assert phases["none"].outputs["migration"]["prod"]["completed_at"] is None


def test_raising_sync_generation_runs_a_new_pass(stack, phases):
    again = phase_plan(stack, "sync", "sync", "hubs.prod.migration.sync_generation=1")
    updated = [c for c in diff_plans(phases["sync"], again) if c.action == "update"]
    assert [(c.resource["name"], c.paths) for c in updated] == [("prod-sync-bulk", ["metadata.name"])]


def test_rolling_back_cutover_starts_the_old_hub_again(stack):
    rollback = phase_plan(stack, "sync", "cutover")
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


# Only gcp adopts old resources: Pangeo's AWS hub starts fresh (config refuses legacy_resources there).
@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
def test_old_gcp_resources_are_adopted_as_they_are_and_the_old_home_is_backed_up_before_deletion(stack, phases):
    sync, cutover, decommission = phases["sync"], phases["cutover"], phases["decommission"]
    cluster = one(sync, "gcp:container/cluster:Cluster", "prod-legacy-cluster")
    assert cluster["import_id"] == "projects/pangeo-old-project/locations/us-central1-b/clusters/pangeo"
    assert "nodeConfig" in cluster["ignore_changes"]
    home = "prod-legacy-home"
    assert one(sync, "gcp:filestore/instance:Instance", home)["retain_on_delete"] is True
    # The cutover update clears retain-on-delete so that dropping it at decommission deletes it.
    assert one(cutover, "gcp:filestore/instance:Instance", home)["retain_on_delete"] is False
    assert cutover.outputs["migration"]["prod"]["legacy_home_deletable"] is True
    backup = one(decommission, "gcp:filestore/backup:Backup", "prod-legacy-home-backup")
    assert backup["protect"] and backup["retain_on_delete"]
    assert backup["inputs"]["sourceInstance"] == "projects/pangeo-old-project/locations/us-central1-b/instances/pangeo-home"
    assert backup["inputs"]["location"] == "us-central1"


@pytest.mark.parametrize("stack", ["gcp"], indirect=True)
def test_removing_an_old_home_marked_for_deletion_without_its_backup_is_refused(stack):
    with pytest.raises(ConfigError, match="legacy_resources.home: was set to be deleted after a backup"):
        phase_plan(stack, "decommission", "cutover", "hubs.prod.migration.previous.legacy_home_deletable=true",
                   "hubs.prod.migration.legacy_resources.home=null")


@pytest.mark.parametrize("stack", ["aws-us-west-2"], indirect=True)
def test_aws_points_the_domain_at_every_elastic_ip_through_route53(stack, phases):
    record = one(phases["cutover"], "aws:route53/record:Record", "prod-dns")["inputs"]
    assert record["zoneId"] == "Z0123456789ABC" and record["ttl"] == 300 and record["type"] == "A"
    assert record["records"] == phases["cutover"].outputs["hubs"]["prod"]["load_balancer_address"].split(",")
