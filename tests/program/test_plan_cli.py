"""The offline plan works on any committed stack file; the guards still refuse a skipped phase.

With no state, the previous phase is the file's own (a file committed at `phase: cutover`
plans as a re-run of cutover); `--previous` says otherwise. The real program, under
mocks, reads the last update through its StackReference and refuses none -> cutover.
"""

import os
import subprocess
import sys

import pytest
import yaml

from infra.config import ConfigError
from infra.plan import plan
from infra.plan.run import REPO

PHASES = ("none", "sync", "cutover", "decommission")
MIGRATION = {  # the least a migration needs at every phase (see tests/program/test_migration.py)
    "source": {"server": "10.128.0.5", "path": "/homes"},
    "legacy_hub": {"namespace": "prod"},
}


def committed_at(tmp_path, phase: str):
    """A copy of Pulumi.gcp.yaml with prod's migration committed at `phase`."""
    document = yaml.safe_load((REPO / "Pulumi.gcp.yaml").read_text())
    prod = document["config"]["pangeo-hubs:hubs"]["prod"]
    prod["dns"] = {"mode": "cloud", "zone": "pangeo-io"}
    prod["migration"] = {"phase": phase, **MIGRATION}
    path = tmp_path / f"{phase}" / "Pulumi.gcp.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest.mark.parametrize("phase", PHASES)
def test_make_plan_works_with_each_phase_committed(tmp_path, phase):
    result = plan("gcp", stack_file=committed_at(tmp_path, phase))
    assert result.outputs["migration"]["prod"]["phase"] == phase


def test_the_cli_plans_a_file_committed_at_cutover(tmp_path):
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-m", "infra.plan", "gcp", "--stack-file", str(committed_at(tmp_path, "cutover"))],
                          cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "prod-sync-final" in done.stdout


def test_previous_says_otherwise(tmp_path):
    cutover = committed_at(tmp_path, "cutover")
    with pytest.raises(ConfigError, match="cannot go from 'none' to 'cutover'"):
        plan("gcp", stack_file=cutover, previous=("none",))
    with pytest.raises(ConfigError, match="cannot go from 'none' to 'cutover'"):
        plan("gcp", stack_file=cutover, previous=("prod=none",))
    with pytest.raises(ConfigError, match="--previous 'later': the phase must be one of"):
        plan("gcp", stack_file=cutover, previous=("later",))
    with pytest.raises(ConfigError, match="no hub 'nope'"):
        plan("gcp", stack_file=cutover, previous=("nope=sync",))


def test_a_set_phase_is_the_change_and_the_file_is_the_state(tmp_path):
    # The file is at none; --set cutover skips sync and is refused, --set sync is fine.
    none = committed_at(tmp_path, "none")
    with pytest.raises(ConfigError, match="cannot go from 'none' to 'cutover'"):
        plan("gcp", stack_file=none, overrides=("hubs.prod.migration.phase=cutover",))
    decommissioned = committed_at(tmp_path, "decommission")
    with pytest.raises(ConfigError, match="decommission cannot be rolled back"):
        plan("gcp", stack_file=decommissioned, overrides=("hubs.prod.migration.phase=cutover",))


@pytest.mark.parametrize("state", [{"migration": {"prod": {"phase": "none"}}}, {}], ids=["last-none", "no-update-yet"])
def test_the_real_program_refuses_none_to_cutover_from_its_stack_reference(tmp_path, state):
    """The plan's own check passes (it assumes a re-run of the file's cutover); the program's RunError,
    from the state it reads, is the plan's ConfigError."""
    with pytest.raises(ConfigError, match="cannot go from 'none' to 'cutover': apply 'sync' first"):
        plan("gcp", stack_file=committed_at(tmp_path, "cutover"), state=state)


def test_the_real_program_accepts_sync_to_cutover_from_its_stack_reference(tmp_path):
    result = plan("gcp", stack_file=committed_at(tmp_path, "cutover"),
                  state={"migration": {"prod": {"phase": "sync", "home_tier": "BASIC_HDD"}}})
    assert result.outputs["migration"]["prod"]["phase"] == "cutover"
