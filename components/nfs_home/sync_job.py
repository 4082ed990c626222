"""Kubernetes manifests (plain dicts) for the Job that runs homesync.sh.

Pure functions: no Pulumi import and no I/O except `read_scripts()`, which
reads homesync.sh and the parts it sources when called.  The caller chooses the names (for example
``home-sync-bulk-3`` from a sync_generation counter) and passes the dicts to
Pulumi.  See docs/migration.md, "Copying home directories".
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from components.images import RSYNC_IMAGE

SCRIPT_KEY = "homesync.sh"
# The parts homesync.sh sources from its own directory (the ConfigMap's mount).
PART_KEYS = ("homesync_lib.sh", "homesync_changes.sh", "homesync_source.sh", "homesync_worker.sh",
             "homesync_report.sh", "homesync_batch.sh")
MAP_KEY = "map.tsv"          # old-dir<TAB>new-dir (python -m infra.migrate map-usernames)
EXPECT_KEY = "expect.txt"    # homes the old hub's users must find; verify fails without one
SCRIPT_DIR = "/opt/homesync"
LEGACY_MOUNT = "/mnt/legacy"
HOME_MOUNT = "/mnt/home"
SCRATCH_MOUNT = "/scratch"  # emptyDir: rsync logs, per-user stats, report
MODES = ("bulk", "final")
BACKOFF_LIMIT = 2

# rsync runs as root (uid 0) because only root may chown files to other
# users (every home belongs to its user, jovyan is 1000, some are root) and
# read files whose mode denies the owner-less caller (0600 keys, 0700 .ssh).
# Instead of full root we keep just the capabilities that job needs:
#   CHOWN           lchown() to the numeric uid/gid of the source
#   FOWNER          chmod/utimes/set xattrs on files we do not own
#   DAC_OVERRIDE    write into directories and files whatever their mode
#   DAC_READ_SEARCH read and traverse everything on the legacy volume
#   FSETID          keep setgid bits on chmod of group-owned dirs (not ours)
# Not kept: SETFCAP (security.capability xattrs; home directories carry no
# file capabilities -- such xattrs fail to copy and are reported), MKNOD
# (device files do not belong in homes), SYS_ADMIN (trusted.* xattrs).
CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID"]

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_IMAGE_DIGEST = re.compile(r"^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$")
_RSYNC_URL = re.compile(r"^rsync://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._-]+(/[A-Za-z0-9._/-]*)?$")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$")


def read_scripts(directory: str | Path | None = None) -> dict[str, str]:
    """Text of homesync.sh and of its parts, by file name (next to this module unless `directory` is given)."""
    d = Path(directory) if directory is not None else Path(__file__).parent
    return {key: (d / key).read_text(encoding="utf-8") for key in (SCRIPT_KEY, *PART_KEYS)}


def validate_dns_label(value: str, what: str) -> None:
    """Raise ValueError unless `value` is an RFC 1123 label (Kubernetes names
    of Jobs, ConfigMaps, namespaces, claims): 1-63 chars, lower-case
    alphanumerics or '-', starting and ending alphanumeric."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{what} must not be empty")
    if len(value) > 63:
        raise ValueError(f"{what} {value!r} is {len(value)} characters long; a DNS-1123 label has at most 63")
    if not _DNS1123_LABEL.match(value):
        raise ValueError(
            f"{what} {value!r} is not a DNS-1123 label: use only lower-case letters, digits and '-', "
            "starting and ending with a letter or digit")


def _validate_labels(labels: dict | None) -> dict:
    labels = dict(labels or {})
    for k, v in labels.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise ValueError(f"label {k!r}: keys and values must be strings")
    return labels


def render_script_configmap(name: str, namespace: str, scripts: dict[str, str], labels: dict | None,
                            user_map: str | None = None, expect: str | None = None) -> dict:
    validate_dns_label(name, "ConfigMap name")
    validate_dns_label(namespace, "namespace")
    if sorted(scripts) != sorted((SCRIPT_KEY, *PART_KEYS)):
        raise ValueError(f"scripts must be homesync.sh and its parts {', '.join(PART_KEYS)}, got {sorted(scripts)}")
    if not scripts[SCRIPT_KEY].startswith("#!"):
        raise ValueError("scripts['homesync.sh'] must be the text of homesync.sh (starting with '#!')")
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": _validate_labels(labels)},
        "data": {**scripts,
                 **({MAP_KEY: user_map} if user_map is not None else {}),
                 **({EXPECT_KEY: expect} if expect is not None else {})},
    }


def _cmd(mode: str, parallel: int, source: str, mapped: bool, expect: bool) -> str:
    report = f"{SCRATCH_MOUNT}/report-{mode}.json"
    run = (f"sh {SCRIPT_DIR}/{SCRIPT_KEY} --source {source} --dest {HOME_MOUNT} "
           f"--mode {mode} --parallel {parallel} --report {report}")
    if mapped:
        run += f" --map {SCRIPT_DIR}/{MAP_KEY}"
    if expect and mode == "verify":
        run += f" --expect {SCRIPT_DIR}/{EXPECT_KEY}"
    # print the report to the log whatever the outcome, keep the exit status
    return (f"{run}; rc=$?; echo '--- homesync report ({mode}) ---'; "
            f"cat {report} 2>/dev/null; exit $rc")


def render_sync_job(*, name: str, namespace: str, mode: str, legacy_server: str | None = None,
                    legacy_path: str | None = None, source_url: str | None = None, home_claim: str,
                    configmap_name: str, image: str = RSYNC_IMAGE, parallel: int, deadline_seconds: int,
                    cpu: str, memory: str, labels: dict | None, mapped: bool = False,
                    expect: bool = False) -> dict:
    """Job running homesync.sh into the new home PVC at /mnt/home, from either the
    legacy NFS export mounted read-only at /mnt/legacy or an rsync:// export
    (`source_url`, the old cluster's read-only daemon; nothing to mount, and an
    unreachable one fails each attempt within a minute).  mode 'bulk' runs bulk;
    mode 'final' runs final and then verify (verify fails the Job if anything
    differs, or, with `expect`, if a user of the old hub has no home)."""
    validate_dns_label(name, "Job name")
    validate_dns_label(namespace, "namespace")
    validate_dns_label(configmap_name, "ConfigMap name")
    validate_dns_label(home_claim, "PersistentVolumeClaim name")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
        raise ValueError(f"parallel must be an integer >= 1, got {parallel!r}")
    if isinstance(deadline_seconds, bool) or not isinstance(deadline_seconds, int) or deadline_seconds <= 0:
        raise ValueError(f"deadline_seconds must be an integer > 0, got {deadline_seconds!r}")
    if source_url is not None:
        if legacy_server is not None or not _RSYNC_URL.match(source_url):
            raise ValueError(f"source_url must be rsync://HOST/MODULE[/PATH] without legacy_server, got {source_url!r}")
        if not mapped:
            raise ValueError("an rsync:// source needs the user map (homesync.sh --map)")
    else:
        if not isinstance(legacy_server, str) or not legacy_server or any(c.isspace() for c in legacy_server):
            raise ValueError(f"legacy_server must be a host name or IP, got {legacy_server!r}")
        if not isinstance(legacy_path, str) or not legacy_path.startswith("/"):
            raise ValueError(f"legacy_path must be an absolute path on the NFS server, got {legacy_path!r}")
    if not isinstance(image, str) or not _IMAGE_DIGEST.match(image):
        raise ValueError(f"image must be pinned by digest (repo[:tag]@sha256:<64 hex>), got {image!r}")
    for what, q in (("cpu", cpu), ("memory", memory)):
        if not isinstance(q, str) or not _QUANTITY.match(q):
            raise ValueError(f"{what} must be a Kubernetes quantity string like '2' or '2Gi', got {q!r}")
    labels = _validate_labels(labels)

    container_security = {
        "runAsUser": 0,
        "runAsGroup": 0,
        "runAsNonRoot": False,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"], "add": list(CAPABILITIES)},
    }
    mounts = [
        *([] if source_url else [{"name": "legacy-home", "mountPath": LEGACY_MOUNT, "readOnly": True}]),
        {"name": "home", "mountPath": HOME_MOUNT},
        {"name": "script", "mountPath": SCRIPT_DIR, "readOnly": True},
        {"name": "scratch", "mountPath": SCRATCH_MOUNT},
    ]
    resources = {"requests": {"cpu": cpu, "memory": memory},
                 "limits": {"cpu": cpu, "memory": memory}}
    env = [{"name": "TMPDIR", "value": SCRATCH_MOUNT}, {"name": "LC_ALL", "value": "C"}]

    def container(cname: str, cmode: str) -> dict:
        return {
            "name": cname,
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "command": ["/bin/sh", "-c", _cmd(cmode, parallel, source_url or LEGACY_MOUNT, mapped, expect)],
            "env": copy.deepcopy(env),
            "resources": copy.deepcopy(resources),
            "securityContext": copy.deepcopy(container_security),
            "volumeMounts": copy.deepcopy(mounts),
        }

    if mode == "bulk":
        init, main = [], [container("homesync-bulk", "bulk")]
    else:
        # final first (initContainer); verify only runs if final succeeded
        init, main = [container("homesync-final", "final")], [container("homesync-verify", "verify")]

    pod_spec = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 150,  # homesync.sh waits up to 120 s for rsync to save partial files
        "securityContext": {"runAsUser": 0, "runAsGroup": 0, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": main,
        "volumes": [
            *([] if source_url else
              [{"name": "legacy-home", "nfs": {"server": legacy_server, "path": legacy_path, "readOnly": True}}]),
            {"name": "home", "persistentVolumeClaim": {"claimName": home_claim}},
            {"name": "script", "configMap": {"name": configmap_name, "defaultMode": 0o555,
                                             "items": [{"key": k, "path": k} for k in (
                                                 SCRIPT_KEY, *PART_KEYS, *([MAP_KEY] if mapped else []),
                                                 *([EXPECT_KEY] if expect else []))]}},
            {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}},
        ],
    }
    if init:
        pod_spec["initContainers"] = init
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            # no ttlSecondsAfterFinished: Pulumi must be able to read the Job
            "backoffLimit": BACKOFF_LIMIT,
            "activeDeadlineSeconds": deadline_seconds,
            "template": {
                "metadata": {"labels": dict(labels, **{"homesync/mode": mode})},
                "spec": pod_spec,
            },
        },
    }
