"""Prometheus alert rules for the hubs: what tells an operator something is wrong before users do.

Pure: `alert_rules()` returns a Prometheus rule file as a dict; the Monitoring component serialises it into the
prometheus chart's server rules. Metric sources:
- `kube_pod_status_phase`, `kube_job_status_failed`: kube-state-metrics (prometheus chart).
- `jupyterhub_server_spawn_duration_seconds_count{status=...}`: JupyterHub's jupyterhub/metrics.py
  (ServerSpawnStatus: success, failure, already-pending, throttled, too-many-users).
- `up{job=HUB_SCRAPE_JOB}`: Prometheus's own per-target metric for the hub's /hub/metrics scrape job.
- `node_filesystem_avail_bytes` / `node_filesystem_size_bytes` with fstype nfs*: node-exporter, which sees the
  kubelet's NFS mounts of the home share on every node that runs a user pod.
"""

HUB_SCRAPE_JOB = "jupyterhub"
"""The scrape job name for every hub's /hub/metrics; each target carries a `namespace` label naming its hub."""

RUNBOOK = "docs/operations.md#"

PENDING_FOR = "10m"
SPAWN_FAILURES_PER_HOUR = 3
HOME_WARNING_FRACTION = 0.80
HOME_CRITICAL_FRACTION = 0.90

_HOME_USED = ('1 - max by (server, mountpoint) (node_filesystem_avail_bytes{fstype=~"nfs.*"})'
              ' / max by (server, mountpoint) (node_filesystem_size_bytes{fstype=~"nfs.*"})')


def _alert(name: str, expr: str, *, for_: str, severity: str, summary: str, anchor: str) -> dict:
    return {
        "alert": name,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity},
        "annotations": {"summary": summary, "runbook": RUNBOOK + anchor},
    }


def alert_rules() -> dict:
    """The rule file: one group, one alert per condition issue 22 names."""
    return {"groups": [{"name": "pangeo-hubs", "rules": [
        _alert("PodPendingTooLong",
               'max by (namespace, pod) (kube_pod_status_phase{phase="Pending"}) == 1',
               for_=PENDING_FOR, severity="warning",
               summary="Pod {{ $labels.namespace }}/{{ $labels.pod }} has been Pending over 10 minutes",
               anchor="podpendingtoolong"),
        _alert("SpawnFailures",
               'sum by (namespace) (increase(jupyterhub_server_spawn_duration_seconds_count{status="failure"}[1h]))'
               f" > {SPAWN_FAILURES_PER_HOUR}",
               for_="0m", severity="warning",
               summary="Hub {{ $labels.namespace }}: more than 3 failed spawns in the last hour",
               anchor="spawnfailures"),
        _alert("HomeShareFilling", f"({_HOME_USED}) > {HOME_WARNING_FRACTION}",
               for_="15m", severity="warning",
               summary="Home share {{ $labels.server }} is over 80% full", anchor="homesharefilling"),
        _alert("HomeShareNearlyFull", f"({_HOME_USED}) > {HOME_CRITICAL_FRACTION}",
               for_="15m", severity="critical",
               summary="Home share {{ $labels.server }} is over 90% full", anchor="homesharenearlyfull"),
        _alert("HubDown", f'up{{job="{HUB_SCRAPE_JOB}"}} == 0',
               for_="5m", severity="critical",
               summary="Hub {{ $labels.namespace }} is not answering its metrics scrape", anchor="hubdown"),
        # The health check is a plain Job per generation (components/dask_hub/health_job.py, backoffLimit 0) and
        # the home backup a CronJob's Jobs: any failed Job in a hub's namespace is worth a look.
        _alert("JobFailed", 'max by (namespace, job_name) (kube_job_status_failed) > 0',
               for_="0m", severity="warning",
               summary="Job {{ $labels.namespace }}/{{ $labels.job_name }} failed", anchor="jobfailed"),
    ]}]}
