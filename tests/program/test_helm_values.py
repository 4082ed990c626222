"""Every Helm values document the program declares validates against its pinned upstream chart."""

from components.dask_hub.charts import DASK_GATEWAY, JUPYTERHUB
from tests.charts import schema_errors

from .graph import of_type

CHARTS = {(c.name, c.version): c for c in (JUPYTERHUB, DASK_GATEWAY)}


def releases(plan):
    return of_type(plan, "kubernetes:helm.sh/v3:Release")


def test_each_hub_installs_both_pinned_charts(gcp_plan):
    pinned = sorted((r["inputs"]["chart"], r["inputs"]["version"], r["inputs"]["repositoryOpts"]["repo"])
                    for r in releases(gcp_plan))
    assert pinned == sorted([tuple(JUPYTERHUB), tuple(DASK_GATEWAY)] * 2)


def test_every_release_validates_against_its_chart_schema(gcp_plan):
    for release in releases(gcp_plan):
        chart = CHARTS[(release["inputs"]["chart"], release["inputs"]["version"])]
        assert schema_errors(chart, release["inputs"]["values"]) == [], release["name"]


def test_the_schema_check_catches_a_misspelt_key(gcp_plan):
    values = releases(gcp_plan)[0]["inputs"]["values"]
    chart = CHARTS[(releases(gcp_plan)[0]["inputs"]["chart"], releases(gcp_plan)[0]["inputs"]["version"])]
    broken = {**values, "singleuserr": {}} if chart is JUPYTERHUB else {**values, "gatewayy": {}}
    assert any("Additional properties" in e for e in schema_errors(chart, broken))
