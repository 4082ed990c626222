"""Filestore homes are backed up on the schedule of `home.backups`, by a CronJob the stack declares."""

import pytest

from infra.config import ConfigError
from infra.plan import plan
from infra.plan.diff import diff_plans

from .graph import one

CRONJOB = "kubernetes:batch/v1:CronJob"


@pytest.fixture(scope="module")
def gcp():
    return plan("gcp")


def _pod(cronjob: dict) -> dict:
    return cronjob["inputs"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def test_each_filestore_home_has_a_backup_cronjob_on_the_default_schedule(gcp):
    for hub in ("prod", "staging"):
        cronjob = one(gcp, CRONJOB, f"{hub}-home-backup")
        assert cronjob["inputs"]["spec"]["schedule"] == "0 3 * * *"
        assert cronjob["inputs"]["spec"]["concurrencyPolicy"] == "Forbid"
        env = {e["name"]: e["value"] for e in _pod(cronjob)["containers"][0]["env"]}
        assert env == {"PROJECT": "pangeo-hubs-gcp", "ZONE": "us-central1-b", "INSTANCE": f"{hub}-home",
                       "SHARE": "homes", "PREFIX": f"{hub}-home-", "RETENTION_DAYS": "14"}
        assert _pod(cronjob)["serviceAccountName"] == "home-backup"


def test_the_backup_runs_as_a_service_account_that_may_only_manage_filestore(gcp):
    account = one(gcp, "gcp:serviceaccount/account:Account", "prod-home-backup")
    assert account["inputs"]["accountId"] == "prod-backup"
    role = one(gcp, "gcp:projects/iAMMember:IAMMember", "prod-home-backup-filestore")["inputs"]
    assert role["role"] == "roles/file.editor" and role["project"] == "pangeo-hubs-gcp"
    identity = one(gcp, "gcp:serviceaccount/iAMMember:IAMMember", "prod-home-backup-workload-identity")["inputs"]
    assert identity["member"] == "serviceAccount:pangeo-hubs-gcp.svc.id.goog[prod/home-backup]"
    k8s_account = one(gcp, "kubernetes:core/v1:ServiceAccount", "prod-home-backup")["inputs"]
    # The e-mail's project is the provider's, which the mocks don't know.
    assert k8s_account["metadata"]["annotations"]["iam.gke.io/gcp-service-account"].startswith("prod-backup@")
    script = one(gcp, "kubernetes:core/v1:ConfigMap", "prod-home-backup-script")["inputs"]["data"]
    assert "def expired(" in script["filestore_backup.py"]


def test_the_home_itself_stays_protected_and_retained(gcp):
    home = one(gcp, "gcp:filestore/instance:Instance", "prod-filestore")
    assert home["protect"] and home["retain_on_delete"]


def test_a_new_schedule_and_retention_update_only_the_cronjob(gcp):
    after = plan("gcp", overrides=("hubs.prod.home.backups={schedule: '30 1 * * 0', retention_days: 60}",))
    changes = diff_plans(gcp, after)
    assert [(c.action, c.resource["name"]) for c in changes] == [("update", "prod-home-backup")]
    assert changes[0].paths == ["spec.jobTemplate.spec.template.spec.containers[0].env[3].value", "spec.schedule"]
    assert one(after, CRONJOB, "prod-home-backup")["inputs"]["spec"]["schedule"] == "30 1 * * 0"


def test_turning_backups_off_deletes_the_schedule_not_the_home_or_its_backups(gcp):
    changes = diff_plans(gcp, plan("gcp", overrides=("hubs.prod.home.backups=null",)))
    assert {c.action for c in changes} == {"delete"}
    assert sorted(c.resource["type"] for c in changes) == sorted([
        CRONJOB, "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:ServiceAccount",
        "gcp:serviceaccount/account:Account", "gcp:projects/iAMMember:IAMMember",
        "gcp:serviceaccount/iAMMember:IAMMember"])


def test_a_bad_schedule_names_its_key():
    with pytest.raises(ConfigError) as error:
        plan("gcp", overrides=("hubs.prod.home.backups.schedule=0 25 * * *",))
    assert any(p.startswith("pangeo-hubs:hubs.prod.home.backups.schedule: ") and "hour '25'" in p
               for p in error.value.problems), error.value.problems


def test_efs_homes_get_no_cronjob_aws_backup_covers_them():
    aws = plan("aws-us-west-2")
    assert not [r for r in aws.resources if r["name"].endswith("-home-backup")]
    assert [r for r in aws.resources if r["type"] == "aws:efs/backupPolicy:BackupPolicy"]
