"""The clouds' own naming and size rules, checked when the config is parsed: each with a failing input."""

import copy
from pathlib import Path

import pytest

from components.credit_project.gcp import channel_aliases, channel_name
from infra.config import ConfigError, parse_stack_config, read_stack_file, set_key

REPO = Path(__file__).resolve().parents[2]


def values(stack: str, *assignments: str, rename_hub: tuple[str, str] | None = None) -> dict:
    result = read_stack_file(REPO / f"Pulumi.{stack}.yaml")
    if rename_hub:
        old, new = rename_hub
        hubs = copy.deepcopy(result["pangeo-hubs:hubs"])
        hubs[new] = hubs.pop(old)
        result["pangeo-hubs:hubs"] = hubs
    for assignment in assignments:
        result = set_key(result, assignment)
    return result


def problems(config: dict) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_stack_config(config)
    return error.value.problems


@pytest.mark.parametrize("config, expected", [
    (values("gcp", "cluster.name=abcdefghijklmnopqrstuvwxyz012"),
     "pangeo-hubs:cluster.name: makes the service account id 'abcdefghijklmnopqrstuvwxyz012-nodes' (35 characters)"),
    # 20 characters is a valid hub key, but its binder's pusher account would be cut before
    (values("gcp", rename_hub=("staging", "abcdefghijklmnopqrst")),
     "pangeo-hubs:hubs.abcdefghijklmnopqrst: makes the service account id 'abcdefghijklmnopqrst-binder-push' (32"),
    (values("gcp", rename_hub=("prod", "google-hub")),
     "pangeo-hubs:hubs.google-hub: makes the bucket name 'pangeo-hubs-gcp-google-hub-scratch'"),
    (values("gcp", "credits.alert_emails=[a@x.org, b@x.org, c@x.org, d@x.org, e@x.org, f@x.org]"),
     "pangeo-hubs:credits.alert_emails: GCP budgets alert at most 5 e-mail channels, got 6"),
    (values("gcp", "credits.alert_emails=[ops@x.org, OPS@x.org]"), "pangeo-hubs:credits.alert_emails: lists 'ops@x.org' twice"),
    (values("gcp", "hubs.prod.home.capacity_gb=102400"),
     "pangeo-hubs:hubs.prod.home.capacity_gb: must be 1024 to 63900 for BASIC_HDD, got 102400"),
    (values("gcp", "cloud.zone=us-central1-bb"), "pangeo-hubs:cloud.zone: must be a zone of region us-central1"),
    (values("aws-us-west-2", "cloud.availability_zones=[us-west-2A, us-west-2B]"),
     "pangeo-hubs:cloud.availability_zones: 'us-west-2A' is not an availability zone of us-west-2"),
    (values("aws-us-west-2", "cluster.network.cidr=10.0.0.0/24"),
     "pangeo-hubs:cluster.network.cidr: must be /22 or larger on aws"),
], ids=["sa-id", "derived-sa-id", "bucket", "budget-channels", "duplicate-email", "filestore-max", "zone",
        "az-case", "vpc-size"])
def test_a_name_or_size_the_cloud_refuses_is_a_key_path_error(config, expected):
    found = problems(config)
    assert any(line.startswith(expected) for line in found), found


def test_the_largest_valid_names_and_sizes_are_accepted():
    parse_stack_config(values("gcp", "hubs.prod.home.capacity_gb=63900", "hubs.prod.home.tier=ZONAL",
                              "hubs.prod.home.capacity_gb=102400"))
    parse_stack_config(values("gcp", "cloud.region=europe-west10", "cloud.zone=europe-west10-a"))  # two digits
    parse_stack_config(values("gcp", "cluster.name=abcdefghijklmnopqrstuvw"))  # 23 + "-nodes" = 29


def test_duplicate_yaml_keys_are_a_config_error(tmp_path):
    stack = tmp_path / "Pulumi.gcp.yaml"
    stack.write_text("config:\n  pangeo-hubs:cloud:\n    provider: gcp\n    region: us-central1\n    region: us-east1\n")
    with pytest.raises(ConfigError, match=r"malformed YAML at line 5, column 5: duplicate key 'region' \(first at line 4\)"):
        read_stack_file(stack)


def test_budget_channels_are_one_per_address_even_when_their_slugs_collide():
    emails = ["a.b@example.org", "a-b@example.org", "ops@2i2c.org"]
    assert len({channel_name("pangeo", e) for e in emails}) == 3
    # the earlier slug-only name stays an alias where it named one address, so nothing is replaced
    assert [a.name for a in channel_aliases("pangeo", "ops@2i2c.org", emails)] == ["pangeo-alert-ops-2i2c-org"]
    assert channel_aliases("pangeo", "a.b@example.org", emails) == []


def test_hubs_share_defaults_and_override_them_key_by_key():
    base = read_stack_file(REPO / "Pulumi.gcp.yaml")
    config = parse_stack_config(base)
    assert config.hubs["prod"].profiles == config.hubs["staging"].profiles  # from hub_defaults
    assert config.hubs["prod"].auth.admins == config.hubs["staging"].auth.admins
    assert config.hubs["prod"].auth.github.client_id != config.hubs["staging"].auth.github.client_id
    for assignment in ("hubs.prod.groups={}", "hubs.prod.profiles.large.groups=[]", "hubs.prod.profiles.huge.groups=[]",
                       "hubs.prod.sharing.groups=[]", "hubs.prod.shared_directory.writers=[]"):
        base = set_key(base, assignment)
    changed = parse_stack_config(base)
    assert changed.hubs["prod"].groups == {} and changed.hubs["staging"].groups  # `{}` clears, for prod only
    assert changed.hubs["prod"].profiles["large"].cpu == 14  # the rest of the default profile stays
    with pytest.raises(ConfigError, match=r"pangeo-hubs:hub_defaults: must be a mapping"):
        parse_stack_config(set_key(read_stack_file(REPO / "Pulumi.gcp.yaml"), "hub_defaults=[1]"))
