"""The alert rules under real promtool: each fires on series that should fire it and stays quiet otherwise, and a
rule whose metric name is wrong fails the same tests (so the tests can tell a rule that can never fire)."""
import re
import shutil
import subprocess

import pytest
import yaml

from components.monitoring.alerts import alert_rules

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool missing (Debian package prometheus)")


def _rule(rules: dict, name: str) -> dict:
    return next(r for r in rules["groups"][0]["rules"] if r["alert"] == name)


def _fires(rules, name, labels, eval_time):
    annotations = dict(_rule(rules, name)["annotations"])
    annotations["summary"] = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m.group(1)],
                                    annotations["summary"])
    return {"eval_time": eval_time, "alertname": name,
            "exp_alerts": [{"exp_labels": {**labels, "severity": _rule(rules, name)["labels"]["severity"]},
                            "exp_annotations": annotations}]}


def _quiet(name, eval_time):
    return {"eval_time": eval_time, "alertname": name, "exp_alerts": []}


NFS = 'fstype="nfs4",server="10.0.0.2:/homes",mountpoint="/var/lib/kubelet/pods/x/volumes/home"'
HOME = {"server": "10.0.0.2:/homes", "mountpoint": "/var/lib/kubelet/pods/x/volumes/home"}


def _cases(rules):
    return [
        ([{"series": 'kube_pod_status_phase{namespace="hub",pod="jupyter-a",phase="Pending"}', "values": "1x20"},
          {"series": 'kube_pod_status_phase{namespace="hub",pod="jupyter-b",phase="Pending"}',
           "values": "1x5 0x15"}],
         [_fires(rules, "PodPendingTooLong", {"namespace": "hub", "pod": "jupyter-a"}, "12m"),
          _quiet("PodPendingTooLong", "9m")]),
        ([{"series": 'jupyterhub_server_spawn_duration_seconds_count{namespace="hub",status="failure"}',
           "values": "0 1 2 3 4 5 6 6 6"},
          {"series": 'jupyterhub_server_spawn_duration_seconds_count{namespace="ok",status="success"}',
           "values": "0 10 20 30 40 50 60 70 80"}],
         [_fires(rules, "SpawnFailures", {"namespace": "hub"}, "6m"), _quiet("SpawnFailures", "2m")]),
        ([{"series": f"node_filesystem_size_bytes{{{NFS}}}", "values": "100x40"},
          {"series": f"node_filesystem_avail_bytes{{{NFS}}}", "values": "50x10 15x30"}],
         [_fires(rules, "HomeShareFilling", HOME, "30m"), _quiet("HomeShareFilling", "10m"),
          _quiet("HomeShareNearlyFull", "30m")]),
        ([{"series": f"node_filesystem_size_bytes{{{NFS}}}", "values": "100x40"},
          {"series": f"node_filesystem_avail_bytes{{{NFS}}}", "values": "15x10 5x30"}],
         [_fires(rules, "HomeShareNearlyFull", HOME, "30m"), _quiet("HomeShareNearlyFull", "10m")]),
        ([{"series": 'up{job="jupyterhub",namespace="hub",instance="hub:8081"}', "values": "1x5 0x10"},
          {"series": 'up{job="jupyterhub",namespace="ok",instance="hub:8081"}', "values": "1x15"}],
         [_fires(rules, "HubDown", {"job": "jupyterhub", "namespace": "hub", "instance": "hub:8081"}, "12m"),
          _quiet("HubDown", "5m")]),
        ([{"series": 'kube_job_status_failed{namespace="hub",job_name="health-check-3"}', "values": "0x3 1x5"},
          {"series": 'kube_job_status_failed{namespace="hub",job_name="home-backup-1"}', "values": "0x8"}],
         [_fires(rules, "JobFailed", {"namespace": "hub", "job_name": "health-check-3"}, "5m"),
          _quiet("JobFailed", "2m")]),
    ]


def _promtool_test(tmp_path, rules) -> subprocess.CompletedProcess:
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    tests = [{"interval": "1m", "input_series": series, "alert_rule_test": checks}
             for series, checks in _cases(alert_rules())]
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(
        {"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": tests}))
    return subprocess.run([PROMTOOL, "test", "rules", "tests.yml"], cwd=tmp_path, capture_output=True, text=True)


def test_rules_pass_promtool_check(tmp_path):
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(alert_rules()))
    result = subprocess.run([PROMTOOL, "check", "rules", "rules.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_alert_fires_and_stays_quiet_as_expected(tmp_path):
    result = _promtool_test(tmp_path, alert_rules())
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_covered_and_has_severity_and_runbook():
    rules = alert_rules()["groups"][0]["rules"]
    tested = {check["alertname"] for _, checks in _cases(alert_rules()) for check in checks if check["exp_alerts"]}
    assert tested == {r["alert"] for r in rules}
    for rule in rules:
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["runbook"].startswith("docs/operations.md#")


@pytest.mark.parametrize("metric", ["kube_pod_status_phase", "jupyterhub_server_spawn_duration_seconds_count",
                                    "node_filesystem_avail_bytes", "up", "kube_job_status_failed"])
def test_a_wrong_metric_name_fails_the_tests(tmp_path, metric):
    rules = alert_rules()
    for rule in rules["groups"][0]["rules"]:
        rule["expr"] = re.sub(rf"\b{metric}\b", metric + "_typo", rule["expr"])
    result = _promtool_test(tmp_path, rules)
    assert result.returncode != 0, result.stdout
