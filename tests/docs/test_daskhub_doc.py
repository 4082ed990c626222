"""docs/daskhub.md's node commands give existing clusters exactly the labels and taints the charts rely on."""

import re
from pathlib import Path

import pytest

from components.cluster.node_roles import node_labels, node_taints

DOC = Path(__file__).resolve().parents[2] / "docs" / "daskhub.md"
NODES = {"CORE_NODE": "core", "USER_NODE": "user", "WORKER_NODE": "worker"}


def documented(verb: str, text: str) -> dict[str, list[str]]:
    """`kubectl <verb> nodes NODE a=b ...` lines of the doc: node placeholder -> its arguments."""
    found: dict[str, list[str]] = {}
    for node, args in re.findall(rf"^kubectl {verb} nodes (\S+) (.+)$", text, re.M):
        found.setdefault(node, []).extend(args.split())
    return found


def test_the_parser_reads_labels_and_taints():
    text = "kubectl label nodes N a=b c=d\nkubectl taint nodes N e=f:NoSchedule\n"
    assert documented("label", text) == {"N": ["a=b", "c=d"]}
    assert documented("taint", text) == {"N": ["e=f:NoSchedule"]}


@pytest.mark.parametrize("node, purpose", NODES.items())
def test_each_purpose_gets_the_labels_and_taints_of_node_roles(node, purpose):
    text = DOC.read_text()
    assert sorted(documented("label", text).get(node, [])) == sorted(f"{k}={v}" for k, v in node_labels(purpose).items())
    assert sorted(documented("taint", text).get(node, [])) == sorted(
        f"{t['key']}={t['value']}:{t['effect']}" for t in node_taints(purpose))
