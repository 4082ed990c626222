"""The home-backup script's decisions and the schedule config (components/nfs_home/filestore_backup.py)."""

import datetime as dt

import pytest
from pydantic import ValidationError

from components.nfs_home.filestore_backup import backup_id, expired, is_ours
from infra.config.hubs import Home

NOW = dt.datetime(2026, 3, 20, 3, 0, tzinfo=dt.timezone.utc)
SOURCE = {"prefix": "prod-home-", "zone": "us-central1-b", "instance": "prod-home", "share": "homes"}
REGION = "projects/p/locations/us-central1/backups"


def backup(name: str, days_old: float, *, instance="prod-home", share="homes", state="READY") -> dict:
    created = NOW - dt.timedelta(days=days_old)
    return {"name": f"{REGION}/{name}", "state": state, "sourceFileShare": share,
            "sourceInstance": f"projects/123456789012/locations/us-central1-b/instances/{instance}",
            "createTime": created.strftime("%Y-%m-%dT%H:%M:%S.123456789Z")}


def test_backup_id_is_the_prefix_and_the_utc_minute():
    assert backup_id("prod-home-", dt.datetime(2026, 3, 20, 4, 5, 59, tzinfo=dt.timezone(dt.timedelta(hours=1)))) \
        == "prod-home-202603200305"


def test_only_backups_past_retention_are_deleted():
    backups = [backup("prod-home-202603190300", 1), backup("prod-home-202603050300", 15),
               backup("prod-home-202603060300", 13.9)]
    assert expired(backups, now=NOW, retention_days=14, **SOURCE) == [f"{REGION}/prod-home-202603050300"]


def test_the_newest_backup_is_kept_however_old():
    backups = [backup("prod-home-202501010300", 400), backup("prod-home-202501020300", 399)]
    assert expired(backups, now=NOW, retention_days=14, **SOURCE) == [f"{REGION}/prod-home-202501010300"]


@pytest.mark.parametrize("other", [
    backup("staging-home-202501010300", 400, instance="staging-home"),  # another hub's share
    backup("prod-home-202501010300", 400, share="other"),  # another share of the instance
    backup("prod-home-202501010300", 400, instance="pangeo-home"),  # the old deployment's home
    backup("pangeo-home-final", 400),  # not a scheduled one: the legacy final backup, a manual one
    backup("prod-home-202501010300", 400, state="CREATING"),
], ids=["other-hub", "other-share", "other-instance", "unscheduled", "not-ready"])
def test_nothing_but_this_shares_ready_scheduled_backups_is_deleted(other):
    backups = [other, backup("prod-home-202603190300", 1)]
    assert expired(backups, now=NOW, retention_days=14, **SOURCE) == []


def test_a_backup_of_a_share_with_a_longer_name_is_not_ours():
    assert not is_ours(backup("prod-home-2026031903001", 1), **SOURCE)


def test_backups_are_on_by_default():
    assert Home().backups.schedule == "0 3 * * *" and Home().backups.retention_days == 14
    assert Home(backups=None).backups is None


@pytest.mark.parametrize("backups, message", [
    ({"schedule": "0 3 * *"}, "must be a cron expression of 5 fields"),
    ({"schedule": "0 24 * * *"}, "hour '24' is outside 0-23"),
    ({"schedule": "*/0 * * * *"}, "minute step '0' is not a positive number"),
    ({"schedule": "@daily"}, "must be a cron expression of 5 fields"),
    ({"retention_days": 0}, "greater than or equal to 1"),
    ({"retention_days": 366}, "less than or equal to 365"),
])
def test_bad_backup_settings_are_refused(backups, message):
    with pytest.raises(ValidationError, match=message):
        Home(backups=backups)
