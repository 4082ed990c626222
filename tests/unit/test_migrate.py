"""The route model and the user-name map, each rule with an input that breaks it."""

import ipaddress

import pytest

from infra.migrate.__main__ import main
from infra.migrate.route import Firewall, Network, Topology, route_problems
from components.nfs_home.usernames import build_map, expected_homes, new_home, old_user

N = ipaddress.IPv4Network
PODS, OLD_NODES, FILESTORE = N("10.16.0.0/12"), N("10.128.0.0/20"), N("10.200.0.0/29")


def topology(peerings=(("new", "old"), ("old", "new")), firewalls=None, old_ranges=None):
    return Topology(
        networks={"new": Network("new", {"new.pods": PODS, "new.nodes": N("10.0.0.0/20")}),
                  "old": Network("old", old_ranges or {"old.nodes": OLD_NODES})},
        peerings=set(peerings), managed={"filestore": ("old", "old.filestore", FILESTORE)},
        firewalls=[Firewall("fw", "old", (PODS,), (873,))] if firewalls is None else firewalls,
    )


def problems(t, target=N("10.128.0.250/32")):
    return route_problems(t, client=("new.pods", PODS), target=("target", target))


def test_peered_both_ways_with_a_firewall_rule_reaches_the_export():
    assert problems(topology()) == []


@pytest.mark.parametrize("t, message", [
    (topology(peerings=[("new", "old")]), "not peered (missing: old -> new)"),
    (topology(peerings=[]), "not peered"),
    (topology(firewalls=[]), "no firewall rule of old admits TCP 873"),
    (topology(firewalls=[Firewall("fw", "old", (PODS,), (22,))]), "no firewall rule"),
    (topology(old_ranges={"old.nodes": OLD_NODES, "old.pods": N("10.20.0.0/14")}), "overlaps new.pods"),
], ids=["half-peering", "no-peering", "no-firewall", "wrong-port", "overlap"])
def test_unreachable_or_overlapping_is_refused(t, message):
    assert any(message in p for _, p in problems(t)), problems(t)


def test_the_filestore_is_never_reachable_through_the_old_vpc():
    (key, message), = problems(topology(), target=N("10.200.0.2/32"))
    assert key == "target" and "not transitive" in message


@pytest.mark.parametrize("old, user, new", [
    ("alice", "alice", "alice"),
    ("has-2dhyphen", "has-hyphen", "has-hyphen"),
    ("-41lice", "Alice", "alice"),  # upper case in the old name; the new hub lower-cases logins
    ("j-2edoe", "j.doe", "j-doe---d50cd4b1"),
    ("-c3-a9mile", "émile", "mile---a56b363c"),
])
def test_old_names_map_with_the_real_escaping_code(old, user, new):
    assert old_user(old) == user
    assert new_home(user.lower()) == new


def test_names_the_legacy_scheme_cannot_produce_and_collisions_are_problems():
    result = build_map(["alice", "-41lice", "x--y", "lost+found"])
    assert result.pairs == [("alice", "alice")]
    assert result.problems == ["'alice' and '-41lice' both map to 'alice'",
                               "'x--y': not a name the escapism-legacy scheme produces"]


def test_old_hub_users_must_land_where_the_new_hub_looks():
    homes, problems = expected_homes([("alice", "alice"), ("has-2dhyphen", "wrong")], ["alice", "has-hyphen", "bob"])
    assert homes == ["alice"]
    assert problems == ["user 'has-hyphen': 'has-2dhyphen' is mapped to 'wrong', but the new hub mounts 'has-hyphen'"]


def test_map_usernames_command(tmp_path, capsys):
    listing = tmp_path / "ls.txt"
    listing.write_text("alice\nhas-2dhyphen\n")
    assert main(["map-usernames", str(listing)]) == 0
    assert capsys.readouterr().out == "alice\talice\nhas-2dhyphen\thas-hyphen\n"
    listing.write_text("alice\n-41lice\n")
    assert main(["map-usernames", str(listing)]) == 1
    assert "both map to 'alice'" in capsys.readouterr().err
