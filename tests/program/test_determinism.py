"""The same config gives byte-identical plans, and resource identities only change on purpose."""

import subprocess
import sys
from pathlib import Path

import yaml

from infra.config import read_stack_file
from infra.plan import plan
from infra.plan.render import to_json

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).parent / "snapshots" / "gcp.urns.txt"


def test_two_plans_of_the_same_config_are_byte_identical(gcp_plan):
    assert to_json(plan("gcp")) == to_json(gcp_plan)


def test_the_cli_json_matches_the_library_plan(gcp_plan):
    out = subprocess.run([sys.executable, "-m", "infra.plan", "gcp", "--json"], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout == to_json(gcp_plan)


def test_urns_match_the_reviewed_snapshot(gcp_plan):
    """A rename replaces resources; regenerate the snapshot only for an intended change (with aliases)."""
    urns = "".join(f"{r['urn']}\n" for r in gcp_plan.resources)
    assert urns == SNAPSHOT.read_text(), "resource URNs changed: add aliases, or update tests/program/snapshots"


def test_reordering_hubs_and_pools_changes_no_urn(gcp_plan, tmp_path):
    values = read_stack_file(REPO / "Pulumi.gcp.yaml")
    values["pangeo-hubs:hubs"] = dict(reversed(list(values["pangeo-hubs:hubs"].items())))
    pools = values["pangeo-hubs:cluster"]["node_pools"]
    values["pangeo-hubs:cluster"]["node_pools"] = dict(reversed(list(pools.items())))
    path = tmp_path / "Pulumi.reordered.yaml"
    path.write_text(yaml.safe_dump({"config": values}, sort_keys=False))
    reordered = plan("gcp", stack_file=path)
    assert sorted(r["urn"] for r in reordered.resources) == sorted(r["urn"] for r in gcp_plan.resources)
