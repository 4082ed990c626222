"""Config errors point where the mistake is written, and say what to write instead (issue 23 item 2)."""

from pathlib import Path

import pytest

from infra.config import ConfigError, parse_stack_config, read_stack_file, set_key

REPO = Path(__file__).resolve().parents[2]


def problems(*assignments: str, extra: dict | None = None) -> list[str]:
    values = read_stack_file(REPO / "Pulumi.gcp.yaml")
    for assignment in assignments:
        values = set_key(values, assignment)
    with pytest.raises(ConfigError) as error:
        parse_stack_config({**values, **(extra or {})})
    return error.value.problems


def test_a_bad_default_is_reported_once_at_hub_defaults_naming_the_hubs_that_inherit_it():
    # The binder sets its own idle_timeout_minutes, so only staging and prod inherit the default.
    assert problems("hub_defaults.idle_timeout_minutes=lots") == [
        "pangeo-hubs:hub_defaults.idle_timeout_minutes: input should be a valid integer, unable to parse string "
        "as an integer, got 'lots' (inherited by hubs staging, prod)"]


def test_an_oversized_default_profile_is_reported_at_hub_defaults():
    lines = problems("hub_defaults.profiles.small.memory_gb=28")
    assert len(lines) == 1, lines
    assert lines[0].startswith("pangeo-hubs:hub_defaults.profiles.small.memory_gb: 28 GiB does not fit on n2-highmem-4")
    assert "(inherited by hubs staging, prod" in lines[0]


def test_a_hub_that_overrides_a_default_keeps_its_own_path():
    assert problems("hubs.prod.idle_timeout_minutes=lots") == [
        "pangeo-hubs:hubs.prod.idle_timeout_minutes: input should be a valid integer, unable to parse string "
        "as an integer, got 'lots'"]


def test_an_unquoted_tag_says_to_quote_it(tmp_path):
    stack = (REPO / "Pulumi.gcp.yaml").read_text().replace('tag: "2024.06.21"', "tag: 2024.10", 1)
    (tmp_path / "Pulumi.gcp.yaml").write_text(stack)
    with pytest.raises(ConfigError) as error:
        parse_stack_config(read_stack_file(tmp_path / "Pulumi.gcp.yaml"))
    assert error.value.problems == [
        'pangeo-hubs:hub_defaults.image.tag: must be text, but YAML read the number 2024.1: quote it as written, '
        'as in tag: "2024.10" (inherited by hubs staging, prod, binder)']


def test_a_section_under_another_namespace_says_which_to_write():
    assert problems(extra={"myhub:hubs": {"prod": {}}}) == [
        "myhub:hubs: namespace 'myhub' is not read; write it as pangeo-hubs:hubs"]


def test_provider_keys_that_share_a_section_name_are_the_providers():
    values = {**read_stack_file(REPO / "Pulumi.gcp.yaml"), "kubernetes:cluster": "gke", "gcp:project": "p"}
    assert set(parse_stack_config(values).hubs) == {"staging", "prod", "binder"}


def test_sync_without_a_source_names_the_keys_to_write():
    (line,) = problems("hubs.prod.migration.phase=sync")
    assert line.startswith("pangeo-hubs:hubs.prod.migration.source: phase 'sync' needs the legacy NFS source: "
                           "write source.path")
    assert "source.server" in line


def test_an_own_image_without_a_tag_does_not_inherit_another_images_tag():
    assert problems("hubs.prod.image.name=pangeo/ml-notebook") == [
        "pangeo-hubs:hubs.prod.image.tag: required, since this hub names its own image 'pangeo/ml-notebook'; "
        "write its tag (hub_defaults' '2024.06.21' is for 'pangeo/pangeo-notebook')"]
