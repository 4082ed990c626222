"""Back up one hub's Filestore share, then delete its backups past retention.

Run by the hub's home-backup CronJob (backups.py), because Filestore has no backup
schedule of its own. Standard library only, so a plain Python image runs it: the
token comes from the GKE metadata server, as the Kubernetes service account's
workload identity. Old backups are deleted only after the new one is READY, and
only this share's own scheduled ones (`<hub>-home-<yyyymmddhhmm>`), never the newest:
a failing schedule never leaves the share without a backup.
REST API: https://cloud.google.com/filestore/docs/reference/rest/v1/projects.locations.backups
"""

import datetime as dt
import json
import os
import re
import time
import urllib.parse
import urllib.request

API = "https://file.googleapis.com/v1"
TOKEN_URL = "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"
POLL_SECONDS = 30


def backup_id(prefix: str, when: dt.datetime) -> str:
    """Unique per run at most once a minute; the CronJob forbids concurrent runs."""
    return f"{prefix}{when.astimezone(dt.timezone.utc):%Y%m%d%H%M}"


def created(backup: dict) -> dt.datetime:
    """createTime is RFC 3339 with up to nanoseconds, which fromisoformat doesn't read."""
    return dt.datetime.fromisoformat(re.sub(r"\.\d+", "", backup["createTime"]).replace("Z", "+00:00"))


def is_ours(backup: dict, *, prefix: str, zone: str, instance: str, share: str) -> bool:
    """A scheduled backup of this share. sourceInstance names the project by number, so
    only its location and instance are compared."""
    source = backup.get("sourceInstance", "").split("/")
    return (re.fullmatch(re.escape(prefix) + r"\d{12}", backup["name"].rsplit("/", 1)[-1]) is not None
            and source[2:] == ["locations", zone, "instances", instance]
            and backup.get("sourceFileShare") == share)


def expired(backups: list[dict], *, now: dt.datetime, retention_days: int, **source: str) -> list[str]:
    """Names of this share's READY scheduled backups older than the retention, the newest excepted."""
    ready = sorted((b for b in backups if b.get("state") == "READY" and is_ours(b, **source)), key=created)
    cutoff = now - dt.timedelta(days=retention_days)
    return [b["name"] for b in ready[:-1] if created(b) < cutoff]


def _call(method: str, url: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(TOKEN_URL, headers={"Metadata-Flavor": "Google"})
    with urllib.request.urlopen(request, timeout=30) as response:
        token = json.load(response)["access_token"]
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def _wait(operation: dict) -> None:
    while not operation.get("done"):
        time.sleep(POLL_SECONDS)
        operation = _call("GET", f"{API}/{operation['name']}")
    if "error" in operation:
        raise SystemExit(f"backup failed, nothing deleted: {operation['error']}")


def _list(parent: str) -> list[dict]:
    backups, token = [], ""
    while True:
        page = _call("GET", f"{API}/{parent}/backups?" + urllib.parse.urlencode({"pageToken": token}))
        backups += page.get("backups", [])
        token = page.get("nextPageToken", "")
        if not token:
            return backups


def main(env=os.environ) -> None:
    project, zone, instance, share, prefix = (env[k] for k in ("PROJECT", "ZONE", "INSTANCE", "SHARE", "PREFIX"))
    parent = f"projects/{project}/locations/{zone.rsplit('-', 1)[0]}"  # backups are regional
    now = dt.datetime.now(dt.timezone.utc)
    name = backup_id(prefix, now)
    print(f"creating {parent}/backups/{name}", flush=True)
    _wait(_call("POST", f"{API}/{parent}/backups?backupId={name}", {
        "sourceInstance": f"projects/{project}/locations/{zone}/instances/{instance}",
        "sourceFileShare": share, "description": "Scheduled by pangeo-hubs (home-backup CronJob)"}))
    for old in expired(_list(parent), now=now, retention_days=int(env["RETENTION_DAYS"]),
                       prefix=prefix, zone=zone, instance=instance, share=share):
        print(f"deleting {old}", flush=True)
        _call("DELETE", f"{API}/{old}")


if __name__ == "__main__":
    main()
