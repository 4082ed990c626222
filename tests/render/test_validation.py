"""Every object each stack (and the example program) sends to a cluster validates strictly on the cluster's Kubernetes version."""

from functools import cache
from pathlib import Path

import yaml

from .helm import KUBE_VERSION
from .stack import PLAIN, RENDERED, planned, sources, stack, validation_report


def pytest_generate_tests(metafunc):
    """One case per Release of each stack, plus one for the stack's plain objects."""
    if "source" in metafunc.fixturenames:
        cases = [(name, urn, f"{name}:{label}") for name in RENDERED for urn, label in sources(planned(name)).items()]
        metafunc.parametrize("stack_name,source", [c[:2] for c in cases], ids=[c[2] for c in cases])


@cache
def _report(name: str) -> dict[str, list[str]]:
    return validation_report(stack(name))


def test_every_manifest_validates(stack_name, source, rendered_stack):
    rendered = rendered_stack(stack_name)  # skips or fails first when charts or helm are missing
    errors = _report(stack_name)[source]
    label = PLAIN if source == PLAIN else rendered.rendered[source].label
    assert errors == [], f"{stack_name} {label}: {len(errors)} error(s) on Kubernetes {KUBE_VERSION}:\n" + \
        "\n".join(errors)


def test_kube_version_matches_the_aws_pin():
    """KUBE_VERSION stands for both clusters; if AWS moves, so must the constant."""
    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "Pulumi.aws-us-west-2.yaml").read_text())
    assert config["config"]["pangeo-hubs:cluster"]["kubernetes_version"] == KUBE_VERSION
