"""`python -m infra.plan diff STACK --base REV` on a throwaway git repository.

The repository is a copy of this project's files (tracked and untracked, not ignored),
committed; then a code-only change is committed and a config-only change is left in
the working tree. The base side is planned from a temporary `git worktree` at REV in a
subprocess; the test checks which change each diff shows and that the worktree is gone.
Each diff plans twice (about 5 s each), so the cases share one repository.
"""

import os
import shutil
import subprocess
import sys

import pytest
import yaml

from infra.plan.run import REPO
from tests.charts import SHARED

CODE_FILE = "components/dask_hub/jupyterhub_values.py"
CODE_BEFORE, CODE_AFTER = '"every": 300}', '"every": 600}'  # the culler's check interval: code only
MIGRATION = {
    "source": {"server": "10.128.0.5", "path": "/homes"},
    "legacy_hub": {"namespace": "prod"},
}


def git(repo, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
                   cwd=repo, check=True, capture_output=True)


def edit_stack(path, change):
    document = yaml.safe_load(path.read_text())
    change(document["config"]["pangeo-hubs:hubs"])
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def with_migration(phase):
    def change(hubs):
        hubs["prod"]["dns"] = {"mode": "cloud", "zone": "pangeo-io"}
        hubs["prod"]["migration"] = {"phase": phase, **MIGRATION}
    return change


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("throwaway") / "repo"
    # Beside the copy as beside the project: the shared folder the stacks' dashboards source is in.
    if SHARED.is_dir():
        (root.parent / "shared").symlink_to(SHARED)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, files):
        source = REPO / name
        if source.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    (root / "mig").mkdir()
    shutil.copy2(root / "Pulumi.gcp.yaml", root / "mig" / "Pulumi.gcp.yaml")
    edit_stack(root / "mig" / "Pulumi.gcp.yaml", with_migration("sync"))
    git(root, "init", "--quiet")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "base")
    code = root / CODE_FILE
    assert code.read_text().count(CODE_BEFORE) == 1, f"pick another code-only change: {CODE_BEFORE} not in {CODE_FILE}"
    code.write_text(code.read_text().replace(CODE_BEFORE, CODE_AFTER))
    git(root, "commit", "--quiet", "-am", "code only: cull every 10 minutes")
    # Left in the working tree: a config-only change, and the migration moving on to cutover.
    edit_stack(root / "Pulumi.gcp.yaml", lambda hubs: hubs["staging"].__setitem__("idle_timeout_minutes", 45))
    edit_stack(root / "mig" / "Pulumi.gcp.yaml", with_migration("cutover"))
    return root


def run_diff(repo, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("PULUMI_CONFIG", "PYTHONPATH")}
    env["PATH"] = f"{os.path.dirname(sys.executable)}{os.pathsep}{env['PATH']}"
    done = subprocess.run([sys.executable, "-m", "infra.plan", "diff", "gcp", *args], cwd=repo, env=env,
                          capture_output=True, text=True)
    worktrees = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=repo, capture_output=True, text=True)
    assert worktrees.stdout.count("worktree ") == 1, worktrees.stdout  # the temporary one is gone
    return done


def rows(markdown):
    """(change, name, inputs changed) of each table row."""
    out = []
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and cells[0] not in ("change",):
            out.append((cells[0], cells[2].strip("`"), cells[3]))
    return out


def test_code_and_config_changes_since_the_base_show_up(repo):
    done = run_diff(repo, "--base", "HEAD~1")
    assert done.returncode == 0, done.stderr
    changed = {name: paths for label, name, paths in rows(done.stdout) if label == "update"}
    # Code: every hub's culler interval. Config: staging's idle timeout.
    assert "`values.cull.every`" in changed["prod-jupyterhub"], changed
    assert "`values.cull.every`" in changed["staging-jupyterhub"]
    assert "`values.cull.timeout`" in changed["staging-jupyterhub"]
    assert "cull.timeout" not in changed["prod-jupyterhub"]
    assert "`gcp` at `HEAD~1` → working tree" in done.stdout


def test_base_head_shows_only_the_uncommitted_config_change_plus_set(repo):
    done = run_diff(repo, "--base", "HEAD", "--set", "hubs.prod.idle_timeout_minutes=50")
    assert done.returncode == 0, done.stderr
    changed = {name: paths for label, name, paths in rows(done.stdout)}
    assert set(changed) == {"staging-jupyterhub", "prod-jupyterhub"}, done.stdout
    assert "cull.every" not in changed["staging-jupyterhub"] + changed["prod-jupyterhub"]  # committed code: no change
    assert "cull.timeout" in changed["prod-jupyterhub"]  # from --set, applied to the working tree side


def test_the_base_plans_migration_output_is_the_previous_phase(repo):
    # mig/Pulumi.gcp.yaml: committed at sync, cutover in the working tree; the guard reads the base's output.
    done = run_diff(repo, "--base", "HEAD", "--stack-file", "mig/Pulumi.gcp.yaml")
    assert done.returncode == 0, done.stderr
    found = {(label, name) for label, name, _ in rows(done.stdout)}
    assert {("create", "prod-sync-final"), ("create", "prod-health-check"), ("create", "prod-legacy-k8s")} <= found
    assert not [r for r in found if r[0] in ("delete", "forget (retained)")], found


def test_a_bad_base_is_a_usage_error(repo):
    done = run_diff(repo, "--base", "no-such-rev")
    assert done.returncode == 2 and "--base no-such-rev: not a commit" in done.stderr
