"""What the plan's command line says: its help, its estimate lines, its secrets hint, diff's exit status."""

import pytest

from infra.plan import __main__ as cli
from infra.plan.diff import classify
from infra.plan.render import to_tree
from infra.plan.run import Plan
from tests.unit.test_diff_labels import res

ESTIMATES = {"unavoidable_chain": "gcp", "critical_path_minutes": 14.0, "unavoidable_chain_minutes": 12.8,
             "critical_path_ratio": 1.094, "critical_path": ["net", "cluster", "staging-jupyterhub"]}


def test_help_lists_the_diff_subcommand_and_diff_help_its_exit_status(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "diff STACK" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["diff", "--help"])
    assert "exit status: 1 when the diff shows that the update would fail" in capsys.readouterr().out


def test_the_tree_prints_estimates_as_lines_and_the_secret_hint_names_the_stack():
    text = to_tree(Plan(stack="gcp", resources=[], outputs={}, estimates=ESTIMATES,
                        unset_secrets=["hubs.prod.auth.github.client_secret"]))
    assert "  unavoidable chain  12.8 (gcp: Network -> Subnetwork -> Cluster -> NodePool -> Release)" in text
    assert "  through            net -> cluster -> staging-jupyterhub" in text
    assert "{" not in text.split("estimates", 1)[1].split("outputs:", 1)[0]  # no JSON blob
    assert "pulumi config set --secret --path 'hubs.prod.auth.github.client_secret' -s gcp" in text


@pytest.mark.parametrize("blocked", [True, False])
def test_diff_exits_1_when_the_update_it_shows_would_fail(monkeypatch, capsys, blocked):
    protected = res(protect=True, inputs={"tier": "BASIC_HDD"})
    change = classify(protected, protected | {"inputs": {"tier": "BASIC_SSD" if blocked else "BASIC_HDD",
                                                         "description": "x"}})
    assert change.blocked is blocked
    monkeypatch.setattr(cli, "diff", lambda *a, **kw: (None, None, [change]))
    assert cli.main(["diff", "gcp"]) == (cli.UPDATE_WOULD_FAIL if blocked else 0)
    assert ("the update fails" in capsys.readouterr().out) is blocked
