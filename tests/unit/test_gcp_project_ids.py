"""GCP project ids are lower-case (components/fields.py GCP_PROJECT_ID): one written with capitals,
as a console project *name* may be, is one key-path line that says so, wherever the config names a project."""

import pytest

from infra.config import ConfigError, parse_stack_config, set_key

from .test_cloud_rules import problems, values

SHAPE = "must be a GCP project id, 6 to 30 lower-case letters, digits and hyphens that start with a letter " \
        "and do not end with a hyphen"
KEY = "projects/{}/locations/us-central1/keyRings/pulumi/cryptoKeys/pulumi-secrets"


@pytest.mark.parametrize("project, hint", [
    ("Pangeo-Hubs-Gcp", " (ids have no upper case: probably 'pangeo-hubs-gcp')"),
    ("pangeo-hubs-gcp-", ""),  # ends with a hyphen
    ("pange", ""),  # 6 is the least
    ("Pangeo Hubs", ""),  # a display name: no lower-case form of it is an id either
])
def test_a_project_id_that_gcp_refuses_is_one_line_at_its_key(project, hint):
    assert problems(values("gcp", f"credits.project.id={project}")) == [
        f"pangeo-hubs:credits.project.id: {SHAPE}; got {project!r}{hint}"]


def test_the_old_deployment_s_project_is_checked_the_same_way():
    config = values("gcp", "legacy.project=Pangeo-Old")
    found = [line for line in problems(config) if line.startswith("pangeo-hubs:legacy.project:")]
    assert found == [f"pangeo-hubs:legacy.project: {SHAPE}; got 'Pangeo-Old' (ids have no upper case: probably "
                     "'pangeo-old')"]


def test_a_secrets_key_in_a_capitalised_project_says_ids_are_lower_case():
    assert problems(values("gcp", f"ci.secrets_key={KEY.format('Pangeo-Admin')}")) == [
        "pangeo-hubs:ci.secrets_key: names project 'Pangeo-Admin', but GCP project ids are lower-case: "
        "probably 'pangeo-admin'"]


@pytest.mark.parametrize("assignment", [
    "credits.project.id=pangeo-hubs-gcp", f"ci.secrets_key={KEY.format('pangeo-admin')}",
    "credits.project.id=p" + "0" * 29,  # 30 is the most
])
def test_lower_case_ids_pass(assignment):
    parse_stack_config(values("gcp", assignment))


def test_the_upper_case_placeholder_project_is_still_left_to_the_placeholder_check():
    """ADMIN_PROJECT is the README's stand-in (infra/config/placeholders.py), listed by the offline plan."""
    parse_stack_config(values("gcp", f"ci.secrets_key={KEY.format('ADMIN_PROJECT')}"))
    with pytest.raises(ConfigError):
        parse_stack_config(set_key(values("gcp"), "credits.project.id=ADMIN_PROJECT"))
