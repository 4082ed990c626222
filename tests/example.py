"""examples/daskhub as the tests and the benchmark plan it: its own stack file, and a stand-in for its secret."""

from infra.plan.project import plan_project
from infra.plan.run import REPO

EXAMPLE = "examples/daskhub"
# On a real stack `pulumi config set --secret` puts it in the stack file; offline, a stand-in.
SECRET = "hub.auth.github.client_secret=offline-placeholder"


def plan_example(*overrides: str):
    """The example's `dev` stack planned offline, with `--set` overrides in its own namespace."""
    return plan_project(REPO / EXAMPLE, "dev", (SECRET, *overrides))
