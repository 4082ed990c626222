"""Every Helm values document the program declares validates against its pinned upstream chart.

The cluster-autoscaler chart ships no values schema; its Release is rendered with
the real helm, and the result validated, in tests/render instead.
"""

import pytest

from components.binder_hub.charts import BINDERHUB_SERVICE
from components.dask_hub.charts import DASK_GATEWAY, JUPYTERHUB
from components.monitoring.component import PROMETHEUS
from components.monitoring.grafana import GRAFANA
from infra.plan import plan
from tests.charts import schema_errors

from .graph import of_type

CHARTS = {(c.name, c.version): c for c in (JUPYTERHUB, DASK_GATEWAY, BINDERHUB_SERVICE)}


@pytest.fixture(scope="module")
def aws_plan():
    return plan("aws-us-west-2")


def releases(plan):
    return of_type(plan, "kubernetes:helm.sh/v3:Release")


def test_each_hub_installs_both_pinned_charts(gcp_plan):
    pinned = sorted((r["inputs"]["chart"], r["inputs"]["version"], r["inputs"]["repositoryOpts"]["repo"])
                    for r in releases(gcp_plan))
    # staging has binder as a flag; the public binder is a hub of its own with one; the cluster's monitoring
    assert pinned == sorted([tuple(JUPYTERHUB), tuple(DASK_GATEWAY)] * 3 + [tuple(BINDERHUB_SERVICE)] * 2
                            + [tuple(PROMETHEUS), tuple(GRAFANA)])


def validate(result, chart_names):
    checked = []
    for release in releases(result):
        if release["inputs"]["chart"] in chart_names:
            chart = CHARTS[(release["inputs"]["chart"], release["inputs"]["version"])]
            assert schema_errors(chart, release["inputs"]["values"]) == [], release["name"]
            checked.append(release["name"])
    return checked


@pytest.mark.parametrize("stack", ["gcp_plan", "aws_plan"])
def test_every_hub_release_validates_against_its_chart_schema(stack, request):
    checked = validate(request.getfixturevalue(stack), {JUPYTERHUB.name, DASK_GATEWAY.name, BINDERHUB_SERVICE.name})
    # three hubs with two charts each; binderhub-service on gcp's staging and on each public binder
    assert len(checked) == (8 if stack == "gcp_plan" else 7)


def test_the_schema_check_catches_a_misspelt_key(gcp_plan):
    values = releases(gcp_plan)[0]["inputs"]["values"]
    chart = CHARTS[(releases(gcp_plan)[0]["inputs"]["chart"], releases(gcp_plan)[0]["inputs"]["version"])]
    broken = {**values, "singleuserr": {}} if chart is JUPYTERHUB else {**values, "gatewayy": {}}
    assert any("Additional properties" in e for e in schema_errors(chart, broken))
