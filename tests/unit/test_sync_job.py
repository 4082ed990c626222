"""Unit tests for components/nfs_home/sync_job.py (the homesync Job renderer)."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "components" / "nfs_home" / "sync_job.py"
_spec = importlib.util.spec_from_file_location("homesync_sync_job", _PATH)
sync_job = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sync_job)

LABELS = {"app.kubernetes.io/part-of": "pangeo-hubs", "hub": "us-central1-b"}


def job(**over):
    kw = dict(name="home-sync-bulk-3", namespace="staging", mode="bulk",
              legacy_server="10.0.0.2", legacy_path="/homes", home_claim="home-nfs",
              configmap_name="homesync-script", image=sync_job.RSYNC_IMAGE, parallel=4,
              deadline_seconds=6 * 3600, cpu="2", memory="2Gi", labels=LABELS)
    kw.update(over)
    return sync_job.render_sync_job(**kw)


def pod(j):
    return j["spec"]["template"]["spec"]


def all_containers(j):
    return pod(j).get("initContainers", []) + pod(j)["containers"]


def test_image_constant_is_pinned_by_digest():
    assert re.fullmatch(r"[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}", sync_job.RSYNC_IMAGE)
    assert "rsync" in sync_job.RSYNC_IMAGE.split("@")[0]
    for c in all_containers(job()) + all_containers(job(mode="final")):
        assert c["image"] == sync_job.RSYNC_IMAGE


@pytest.mark.parametrize("image", [
    "instrumentisto/rsync-ssh:latest",
    "instrumentisto/rsync-ssh@sha256:abc",
    "instrumentisto/rsync-ssh@sha256:" + "G" * 64,
    "",
])
def test_unpinned_image_rejected(image):
    with pytest.raises(ValueError, match="pinned by digest"):
        job(image=image)


def test_legacy_nfs_is_mounted_read_only():
    j = job()
    vols = {v["name"]: v for v in pod(j)["volumes"]}
    nfs = [v for v in vols.values() if "nfs" in v]
    assert len(nfs) == 1
    assert nfs[0]["nfs"] == {"server": "10.0.0.2", "path": "/homes", "readOnly": True}
    for c in all_containers(j):
        mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
        legacy = mounts["/mnt/legacy"]
        assert legacy["name"] == nfs[0]["name"] and legacy["readOnly"] is True
        home = mounts["/mnt/home"]
        assert vols[home["name"]]["persistentVolumeClaim"] == {"claimName": "home-nfs"}
        assert not home.get("readOnly", False)


def test_script_configmap_mounted_executable():
    j = job(configmap_name="homesync-script-2")
    cm = [v for v in pod(j)["volumes"] if "configMap" in v][0]["configMap"]
    assert cm["name"] == "homesync-script-2" and cm["defaultMode"] == 0o555
    for c in all_containers(j):
        cmd = " ".join(c["command"])
        assert "/opt/homesync/homesync.sh" in cmd
        assert any(m["mountPath"] == "/opt/homesync" and m["readOnly"] for m in c["volumeMounts"])


def test_bulk_runs_bulk_only_and_prints_report():
    j = job(parallel=6)
    assert "initContainers" not in pod(j)
    (c,) = pod(j)["containers"]
    cmd = c["command"][-1]
    assert "--mode bulk" in cmd and "--parallel 6" in cmd
    assert "--source /mnt/legacy" in cmd and "--dest /mnt/home" in cmd
    m = re.search(r"--report ([^\s;]+)", cmd)
    assert m and f"cat {m.group(1)}" in cmd
    assert cmd.rstrip().endswith("exit $rc")  # the Job fails when homesync fails


def test_final_runs_final_then_verify():
    j = job(mode="final", name="home-sync-final-4")
    (init,) = pod(j)["initContainers"]
    (main,) = pod(j)["containers"]
    assert "--mode final" in init["command"][-1] and "--mode verify" in main["command"][-1]
    assert "--report" in init["command"][-1] and "--report" in main["command"][-1]


def test_resources_deadline_backoff_restart():
    j = job(cpu="1500m", memory="3Gi", deadline_seconds=7200)
    assert j["spec"]["activeDeadlineSeconds"] == 7200
    assert j["spec"]["backoffLimit"] == 2
    assert "ttlSecondsAfterFinished" not in j["spec"]
    assert pod(j)["restartPolicy"] == "Never"
    for c in all_containers(j):
        assert c["resources"] == {"requests": {"cpu": "1500m", "memory": "3Gi"},
                                  "limits": {"cpu": "1500m", "memory": "3Gi"}}


def test_security_context_root_with_minimal_capabilities():
    for c in all_containers(job(mode="final")):
        sc = c["securityContext"]
        assert sc["runAsUser"] == 0
        assert sc["allowPrivilegeEscalation"] is False and sc["privileged"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert set(sc["capabilities"]["add"]) == {"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH",
                                                  "FOWNER", "FSETID"}
        assert sc["readOnlyRootFilesystem"] is True
        env = {e["name"]: e["value"] for e in c["env"]}
        scratch = [m for m in c["volumeMounts"] if m["mountPath"] == env["TMPDIR"]]
        assert scratch, "TMPDIR must be a writable mount when the root filesystem is read-only"


def test_metadata_and_labels():
    j = job()
    assert j["apiVersion"] == "batch/v1" and j["kind"] == "Job"
    assert j["metadata"] == {"name": "home-sync-bulk-3", "namespace": "staging", "labels": LABELS}
    assert j["spec"]["template"]["metadata"]["labels"]["hub"] == "us-central1-b"


def test_deterministic_and_does_not_alias_inputs():
    labels = dict(LABELS)
    a = job(labels=labels)
    b = job(labels=labels)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    before = copy.deepcopy(a)
    pod(a)["containers"][0]["volumeMounts"].append({"x": 1})
    a["metadata"]["labels"]["new"] = "x"
    assert labels == LABELS
    assert job(labels=labels) == before
    f = job(mode="final")
    assert pod(f)["initContainers"][0]["volumeMounts"] is not pod(f)["containers"][0]["volumeMounts"]


@pytest.mark.parametrize("field,value,message", [
    ("name", "Home-Sync", "Job name 'Home-Sync' is not a DNS-1123 label"),
    ("name", "home_sync", "not a DNS-1123 label"),
    ("name", "-home-sync", "not a DNS-1123 label"),
    ("name", "home-sync-", "not a DNS-1123 label"),
    ("name", "", "Job name must not be empty"),
    ("name", "a" * 64, "is 64 characters long; a DNS-1123 label has at most 63"),
    ("name", "home.sync", "not a DNS-1123 label"),
    ("namespace", "Staging", "namespace 'Staging' is not a DNS-1123 label"),
    ("configmap_name", "cm_1", "ConfigMap name 'cm_1'"),
    ("home_claim", "Home", "PersistentVolumeClaim name 'Home'"),
    ("mode", "verify", "mode must be one of bulk, final, got 'verify'"),
    ("mode", "BULK", "mode must be one of"),
    ("parallel", 0, "parallel must be an integer >= 1, got 0"),
    ("parallel", -2, "parallel must be an integer >= 1"),
    ("parallel", 2.5, "parallel must be an integer >= 1"),
    ("parallel", True, "parallel must be an integer >= 1"),
    ("deadline_seconds", 0, "deadline_seconds must be an integer > 0, got 0"),
    ("deadline_seconds", -1, "deadline_seconds must be an integer > 0"),
    ("legacy_path", "homes", "legacy_path must be an absolute path"),
    ("legacy_server", "", "legacy_server must be a host name or IP"),
    ("cpu", "two", "cpu must be a Kubernetes quantity"),
    ("memory", 2, "memory must be a Kubernetes quantity"),
])
def test_invalid_arguments(field, value, message):
    with pytest.raises(ValueError) as e:
        job(**{field: value})
    assert message in str(e.value)


def test_max_length_name_accepted():
    assert job(name="a" * 63)["metadata"]["name"] == "a" * 63


def test_script_configmap():
    scripts = sync_job.read_scripts()
    assert scripts["homesync.sh"].startswith("#!/bin/sh")
    cm = sync_job.render_script_configmap("homesync-script", "staging", scripts, LABELS)
    assert cm == {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "homesync-script", "namespace": "staging", "labels": LABELS},
        "data": scripts,
    }
    assert cm == sync_job.render_script_configmap("homesync-script", "staging", scripts, LABELS)
    with pytest.raises(ValueError, match="DNS-1123"):
        sync_job.render_script_configmap("HomeSync", "staging", scripts, LABELS)
    with pytest.raises(ValueError, match="homesync.sh"):
        sync_job.render_script_configmap("homesync-script", "staging", {**scripts, "homesync.sh": "echo hi"}, LABELS)
    with pytest.raises(ValueError, match="homesync_worker.sh"):
        sync_job.render_script_configmap("homesync-script", "staging",
                                         {k: v for k, v in scripts.items() if k != "homesync_worker.sh"}, LABELS)


def test_every_part_homesync_sources_is_in_the_configmap():
    """The Job mounts the ConfigMap's keys; a part homesync.sh sources but the map lacks fails at run time."""
    sourced = set(re.findall(r'\. "\$HS_PARTS/([a-z_]+\.sh)"', sync_job.read_scripts()["homesync.sh"]))
    assert sourced == set(sync_job.PART_KEYS)
    items = job(mapped=True)["spec"]["template"]["spec"]["volumes"]
    keys = {i["key"] for v in items if "configMap" in v for i in v["configMap"]["items"]}
    assert set(sync_job.PART_KEYS) <= keys


def test_module_is_pure():
    src = _PATH.read_text()
    assert "import pulumi" not in src and "from pulumi" not in src
