"""The home-sync Jobs of a migration: bulk while the old hub runs, final plus verify at cutover."""

from typing import NamedTuple

import pulumi
import pulumi_kubernetes as k8s

from components.labels import REPLACE_UNREADY, labels

from .args import HomeMigration
from .sync_job import read_scripts, render_script_configmap, render_sync_job
from .volumes import CLAIM_NAME

BULK_DEADLINE = 3 * 24 * 3600
FINAL_DEADLINE = 4 * 3600
# Enough for a 5 TB bulk copy to make steady progress; the Job is resumable.
RESOURCES = {"cpu": "2", "memory": "4Gi"}


class SyncJobs(NamedTuple):
    bulk: k8s.batch.v1.Job | None
    final: k8s.batch.v1.Job | None


def declare_sync_jobs(
    parent: pulumi.Resource, name: str, namespace: str, migration: HomeMigration, provider: k8s.Provider,
    claim: k8s.core.v1.PersistentVolumeClaim, legacy_stopped: list[pulumi.Resource],
    source_url: str | None = None, source_ready: list[pulumi.Resource] | None = None,
    walks_stopped: list[pulumi.Resource] | None = None,
) -> SyncJobs:
    """Jobs named by `sync_generation`, so raising it runs a new pass as a stack update.

    Pulumi waits for each Job to complete and fails the update if it fails, so
    whatever depends on a Job waits for the copy.  `source_url` is the old
    cluster's rsync export (when the homes are not on a directly mountable NFS
    server), `source_ready` what must exist before it answers, `walks_stopped` what
    must have stopped walking the share (the home-usage exporter scaled to 0).
    """
    phase, source = migration.phase, migration.source
    if phase == "none":
        return SyncJobs(None, None)
    job_labels = labels("home-sync")
    # Imported on use: it loads JupyterHub and KubeSpawner, which only a migrating hub needs.
    from .usernames import expected_homes, read_lines, read_map

    user_map = expect = None
    if source.map:
        pairs = read_map(source.map)
        user_map = "".join(f"{old}\t{new}\n" for old, new in pairs)
        if source.old_users:
            expect = "".join(f"{h}\n" for h in expected_homes(pairs, read_lines(source.old_users))[0])
    script = render_script_configmap("home-sync-script", namespace, read_scripts(), job_labels,
                                     user_map=user_map, expect=expect)
    configmap = k8s.core.v1.ConfigMap(
        f"{name}-sync-script", metadata=script["metadata"], data=script["data"],
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )

    def job(mode: str, deadline: int, after: list[pulumi.Resource]) -> k8s.batch.v1.Job:
        manifest = render_sync_job(
            name=f"home-sync-{mode}-{migration.sync_generation}", namespace=namespace, mode=mode,
            **({"source_url": f"{source_url}/{source.path.strip('/')}".rstrip("/")} if source_url else
               {"legacy_server": source.server, "legacy_path": source.path}),
            mapped=user_map is not None, expect=expect is not None, home_claim=CLAIM_NAME,
            configmap_name="home-sync-script", parallel=migration.parallel, deadline_seconds=deadline,
            labels=job_labels, **RESOURCES,
        )
        return k8s.batch.v1.Job(
            f"{name}-sync-{mode}",
            # A failed pass is run again by the next update (homesync resumes where it stopped).
            metadata={**manifest["metadata"], "annotations": REPLACE_UNREADY},
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(
                parent=parent, provider=provider, depends_on=[claim, configmap, *(source_ready or []), *(walks_stopped or []), *after],
                # Same name for a new spec: the old Job must go before the new one exists.
                delete_before_replace=True,
                custom_timeouts=pulumi.CustomTimeouts(create=f"{deadline // 60 + 10}m"),
            ),
        )

    bulk = job("bulk", BULK_DEADLINE, [])
    final = job("final", FINAL_DEADLINE, [bulk, *legacy_stopped]) if phase in ("cutover", "decommission") else None
    return SyncJobs(bulk, final)
