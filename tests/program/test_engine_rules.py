"""The offline plan fails where the engine fails `pulumi up`, not silently after it.

Tiny programs run under the plan's own monitor and mocks (infra.plan.run.run_program);
the rules and the engine's messages are in infra/plan/mocks.py (RecordingMonitor).
"""

import pulumi
import pulumi_gcp as gcp
import pytest
from pulumi.resource import DependencyProviderResource

from components.credit_project.gcp import _slug
from infra.plan import plan
from infra.plan.__main__ import main
from infra.plan.mocks import EngineRefusal
from infra.plan.run import run_program

STACK_URN = "urn:pulumi:test::pangeo-hubs::pulumi:pulumi:Stack"
# A provider referenced by "<urn>::<id>" only, as provider SDKs do (DependencyProviderResource).
GHOST_PROVIDER = "urn:pulumi:test::pangeo-hubs::pulumi:providers:gcp::ghost::id-1"


def test_a_program_that_registers_each_urn_once_runs():
    def program():
        parent = pulumi.ComponentResource("pangeo:index:Box", "box")
        provider = gcp.Provider("p", project="proj", opts=pulumi.ResourceOptions(parent=parent))
        gcp.compute.Network("b", opts=pulumi.ResourceOptions(parent=parent, provider=provider))

    monitor = run_program(program, stack="test")
    assert len(monitor.registrations) == 3


def test_two_resources_with_one_type_and_name_under_one_parent_fail():
    def program():
        parent = pulumi.ComponentResource("pangeo:index:Box", "box")
        for _ in range(2):
            gcp.compute.Network("same", opts=pulumi.ResourceOptions(parent=parent))

    with pytest.raises(EngineRefusal, match=r"^Duplicate resource URN '.*pangeo:index:Box\$gcp:compute/network:Network::same'"):
        run_program(program, stack="test")


def test_same_name_under_parents_of_one_type_is_the_same_urn():
    """The URN carries the parent's type, not its name: two boxes' children collide."""
    def program():
        for box in ("one", "two"):
            gcp.compute.Network("data", opts=pulumi.ResourceOptions(parent=pulumi.ComponentResource("pangeo:index:Box", box)))

    with pytest.raises(EngineRefusal, match="Duplicate resource URN"):
        run_program(program, stack="test")


def test_the_old_alert_channel_names_collide_on_addresses_that_differ_only_in_punctuation():
    """Budget channels were once named by the address's slug alone: a.b@ and a-b@ were one URN."""
    emails = ["a.b@example.org", "a-b@example.org"]

    def program():
        for email in emails:
            gcp.monitoring.NotificationChannel(f"hub-alert-{_slug(email)}", type="email",
                                               labels={"email_address": email})

    with pytest.raises(EngineRefusal, match="Duplicate resource URN '.*::hub-alert-a-b-example-org'"):
        run_program(program, stack="test")


def test_the_stack_plans_both_of_those_addresses_as_two_channels():
    result = plan("gcp", overrides=("credits.alert_emails=[a.b@example.org, a-b@example.org]",))
    channels = [r for r in result.resources if r["type"] == "gcp:monitoring/notificationChannel:NotificationChannel"]
    assert sorted(c["inputs"]["labels"]["email_address"] for c in channels) == ["a-b@example.org", "a.b@example.org"]


def test_a_parent_that_was_never_registered_fails():
    """A resource object kept from another run (another stack) is registered there, not here."""
    elsewhere = {}
    run_program(lambda: elsewhere.setdefault("box", pulumi.ComponentResource("pangeo:index:Box", "box")), stack="other")

    def program():
        gcp.compute.Network("orphan", opts=pulumi.ResourceOptions(parent=elsewhere["box"]))

    with pytest.raises(EngineRefusal, match="could not find parent resource urn:pulumi:other::pangeo-hubs::"):
        run_program(program, stack="test")


def test_a_provider_that_was_never_registered_fails():
    def program():
        gcp.compute.Network("stray", opts=pulumi.ResourceOptions(provider=DependencyProviderResource(GHOST_PROVIDER)))

    with pytest.raises(EngineRefusal, match=f"unknown provider '{GHOST_PROVIDER}'"):
        run_program(program, stack="test")


def test_a_refusal_is_one_line_and_exit_code_2(monkeypatch, capsys):
    def refused(*args, **kwargs):
        raise EngineRefusal("Duplicate resource URN 'urn:x'; try giving it a unique name")

    monkeypatch.setattr("infra.plan.__main__.plan", refused)
    assert main(["gcp"]) == 2
    err = capsys.readouterr().err
    assert err == "error: Duplicate resource URN 'urn:x'; try giving it a unique name\n"


@pytest.mark.parametrize("stack", ["gcp", "aws-us-west-2"])
def test_the_shipped_stacks_register_each_urn_once_under_known_parents_and_providers(stack):
    result = plan(stack)
    urns = {r["urn"] for r in result.resources}
    assert len(urns) == len(result.resources)
    assert all(r["parent"] in urns or r["parent"].startswith(STACK_URN.replace("test", stack)) for r in result.resources)
    assert all(r["provider"] in urns for r in result.resources if r["provider"])
