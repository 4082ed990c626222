"""The gcp stack as the engine would receive it, from the real program under mocks."""

import copy
import dataclasses
import json

from infra.plan.diff import diff_plans
from infra.plan.mocks import _digest
from infra.plan.run import PLACEHOLDER

from .graph import of_type, one, waits_on


def test_cluster_is_hardened_and_drops_the_default_pool(gcp_plan):
    cluster = one(gcp_plan, "gcp:container/cluster:Cluster", "pangeo-hubs-cluster")["inputs"]
    assert cluster["location"] == "us-central1-b"
    assert cluster["removeDefaultNodePool"] is True
    assert cluster["workloadIdentityConfig"]["workloadPool"] == "pangeo-hubs-gcp.svc.id.goog"
    assert cluster["networkPolicy"] == {"enabled": True, "provider": "CALICO"}
    assert cluster["enableShieldedNodes"] is True
    assert cluster["releaseChannel"] == {"channel": "REGULAR"}
    assert cluster["nodeConfig"]["metadata"]["disable-legacy-endpoints"] == "true"
    assert cluster["ipAllocationPolicy"] == {"clusterSecondaryRangeName": "pods", "servicesSecondaryRangeName": "services"}


def test_the_cluster_is_protected_and_no_node_change_replaces_it(gcp_plan):
    cluster = one(gcp_plan, "gcp:container/cluster:Cluster", "pangeo-hubs-cluster")
    assert cluster["protect"] is True and cluster["inputs"]["deletionProtection"] is True
    assert "nodeConfig" in cluster["ignore_changes"]


def test_gke_upgrades_only_at_weekends_in_new_york(gcp_plan):
    policy = one(gcp_plan, "gcp:container/cluster:Cluster", "pangeo-hubs-cluster")["inputs"]["maintenancePolicy"]
    # Saturday 00:00 EST is 05:00 UTC; 24 hours each on Saturday and Sunday
    assert policy["recurringWindow"] == {"startTime": "2024-01-06T05:00:00Z", "endTime": "2024-01-07T05:00:00Z",
                                         "recurrence": "FREQ=WEEKLY;BYDAY=SA,SU"}


def test_a_window_that_crosses_midnight_in_utc_moves_its_days():
    from components.cluster.maintenance import Maintenance

    window = Maintenance(time_zone="America/Los_Angeles", days=["FR"], start_hour=20, hours=12).recurring_window()
    assert window == {"start_time": "2024-01-06T04:00:00Z", "end_time": "2024-01-06T16:00:00Z",
                      "recurrence": "FREQ=WEEKLY;BYDAY=SA"}


def test_a_machine_type_change_creates_a_new_pool_and_draining_keeps_the_old_one_in_place(gcp_plan):
    from infra.plan import plan
    from infra.plan.diff import diff_plans

    urn = one(gcp_plan, "gcp:container/nodePool:NodePool", "pangeo-hubs-pool-user-n2-highmem-4")["urn"]
    changed = {c.resource["urn"]: c for c in diff_plans(gcp_plan, plan(
        "gcp", overrides=("cluster.node_pools.user-n2-highmem-4.machine_type=n2-highmem-8",)))}
    assert changed[urn].label == "replace" and changed[urn].replaced_by == ["name"]
    assert not any(c.resource["type"] == "gcp:container/cluster:Cluster" for c in changed.values())
    # the runbook: a new key for the new shape, the old pool draining beside it
    draining = diff_plans(gcp_plan, plan("gcp", overrides=(
        "cluster.node_pools.user-n2-highmem-4.draining=true",
        "cluster.node_pools.user-n2-highmem-8={purpose: user, machine_type: n2-highmem-8, min_nodes: 0, max_nodes: 100}",
        "hub_defaults.profiles.small.node_pool=user-n2-highmem-8",
    )))
    old = next(c for c in draining if c.resource["urn"] == urn)
    assert old.label == "update" and old.resource["inputs"]["nodeConfig"]["taints"][-1] == {
        "key": "pangeo-hubs/draining", "value": "true", "effect": "NO_SCHEDULE"}
    assert old.resource["inputs"]["autoscaling"]["minNodeCount"] == 0
    assert any(c.label == "create" and c.resource["type"] == "gcp:container/nodePool:NodePool" for c in draining)


def test_node_pools_follow_config_with_purpose_labels_and_taints(gcp_plan):
    pools = {r["name"].removeprefix("pangeo-hubs-pool-"): r["inputs"]
             for r in of_type(gcp_plan, "gcp:container/nodePool:NodePool")}
    assert all(p["name"].startswith(f"{key}-") and len(p["name"]) == len(key) + 7 for key, p in pools.items())
    assert set(pools) == {"core", "user-n2-highmem-4", "user-n2-highmem-16", "dask-n2-highmem-16", "binder", "binder-build"}
    dask = pools["dask-n2-highmem-16"]
    assert dask["nodeConfig"]["spot"] is True
    assert dask["nodeConfig"]["taints"] == [{"key": "k8s.dask.org/dedicated", "value": "worker", "effect": "NO_SCHEDULE"}]
    assert dask["nodeConfig"]["labels"] == {"k8s.dask.org/node-purpose": "worker"}
    assert dask["autoscaling"]["minNodeCount"] == 0 and dask["autoscaling"]["maxNodeCount"] == 200
    user = pools["user-n2-highmem-4"]["nodeConfig"]
    assert user["labels"]["hub.jupyter.org/node-purpose"] == "user"
    assert user["taints"][0]["key"] == "hub.jupyter.org/dedicated"
    # The public binder's: both taints on its servers' nodes, the user taint (all build pods tolerate) on its builds'.
    binder, build = pools["binder"]["nodeConfig"], pools["binder-build"]["nodeConfig"]
    assert [t["key"] for t in binder["taints"]] == ["hub.jupyter.org/dedicated", "pangeo-hubs/dedicated"]
    assert [t["key"] for t in build["taints"]] == ["hub.jupyter.org/dedicated"]
    assert "hub.jupyter.org/node-purpose" not in build["labels"]
    assert pools["binder"]["autoscaling"]["maxNodeCount"] == 6 and pools["binder-build"]["autoscaling"]["maxNodeCount"] == 2
    core = pools["core"]
    assert core["nodeConfig"]["labels"]["hub.jupyter.org/node-purpose"] == "core" and core["nodeConfig"]["taints"] == []
    assert (core["autoscaling"]["minNodeCount"], core["autoscaling"]["maxNodeCount"]) == (1, 3)
    assert all(p["nodeConfig"]["workloadMetadataConfig"] == {"mode": "GKE_METADATA"} for p in pools.values())


def test_filestore_homes_are_protected_and_retained(gcp_plan):
    for hub in ("staging", "prod"):
        instance = one(gcp_plan, "gcp:filestore/instance:Instance", f"{hub}-filestore")
        assert instance["protect"] is True and instance["retain_on_delete"] is True
        assert instance["inputs"]["tier"] == "BASIC_HDD"
        assert instance["inputs"]["fileShares"]["capacityGb"] >= 1024
        volume = one(gcp_plan, "kubernetes:core/v1:PersistentVolume", f"{hub}-home-pv")
        assert volume["inputs"]["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
        assert volume["inputs"]["spec"]["nfs"] == {"server": "10.200.0.2", "path": "/homes"}
        claim = one(gcp_plan, "kubernetes:core/v1:PersistentVolumeClaim", f"{hub}-home-pvc")
        assert claim["inputs"]["metadata"]["namespace"] == hub
        assert waits_on(gcp_plan, claim, volume) and waits_on(gcp_plan, volume, instance)


def test_credit_project_enables_apis_and_budgets_with_email_alerts(gcp_plan):
    apis = {r["inputs"]["service"] for r in of_type(gcp_plan, "gcp:projects/service:Service")}
    assert {"container.googleapis.com", "file.googleapis.com", "compute.googleapis.com", "iam.googleapis.com",
            "billingbudgets.googleapis.com"} <= apis
    budget = one(gcp_plan, "gcp:billing/budget:Budget", "pangeo-hubs-budget")["inputs"]
    assert budget["amount"]["specifiedAmount"] == {"currencyCode": "USD", "units": "6000"}
    assert [r["thresholdPercent"] for r in budget["thresholdRules"]] == [0.5, 0.8, 1.0, 1.2, 1.0]
    assert budget["thresholdRules"][-1]["spendBasis"] == "FORECASTED_SPEND"
    assert len(budget["allUpdatesRule"]["monitoringNotificationChannels"]) == 2
    provider = one(gcp_plan, "pulumi:providers:gcp", "pangeo-hubs-gcp")["inputs"]
    assert json.loads(provider["defaultLabels"]) == {"owner": "pangeo", "operator": "2i2c", "cost-center": "pangeo-hubs"}


def test_scratch_bucket_expires_objects_and_is_reached_through_workload_identity(gcp_plan):
    bucket = one(gcp_plan, "gcp:storage/bucket:Bucket", "prod-scratch")["inputs"]
    assert bucket["lifecycleRules"] == [{"action": {"type": "Delete"}, "condition": {"age": 7}}]
    assert bucket["publicAccessPrevention"] == "enforced"
    binding = one(gcp_plan, "gcp:serviceaccount/iAMMember:IAMMember", "prod-workload-identity")["inputs"]
    assert binding["member"] == "serviceAccount:pangeo-hubs-gcp.svc.id.goog[prod/user]"
    account = one(gcp_plan, "kubernetes:core/v1:ServiceAccount", "prod-user-sa")["inputs"]["metadata"]
    email = account["annotations"]["iam.gke.io/gcp-service-account"]
    assert email.startswith("prod-users@") and email.endswith(".iam.gserviceaccount.com")


def test_user_pods_may_read_requester_pays_data_on_the_projects_bill(gcp_plan):
    """Requester-pays buckets need serviceusage.services.use in the reading project."""
    for hub in ("staging", "prod"):
        grant = one(gcp_plan, "gcp:projects/iAMMember:IAMMember", f"{hub}-requester-pays")["inputs"]
        account = one(gcp_plan, "gcp:serviceaccount/account:Account", f"{hub}-scratch-user")
        assert grant["role"] == "roles/serviceusage.serviceUsageConsumer"
        assert grant["project"] == "pangeo-hubs-gcp"
        assert grant["member"].startswith(f"serviceAccount:{hub}-users@")
        assert account["inputs"]["accountId"] == f"{hub}-users"


def test_every_kubernetes_resource_uses_the_clusters_provider(gcp_plan):
    k8s = [r for r in gcp_plan.resources if r["type"].startswith("kubernetes:")]
    assert k8s and all(r["provider"].endswith("pulumi:providers:kubernetes::pangeo-hubs-k8s") for r in k8s)


def test_no_secret_reaches_any_input_or_output_in_plain_text(gcp_plan):
    text = json.dumps(gcp_plan.to_json())
    tokens = [_digest(f"{hub}-{role}")[:64] for hub in ("staging", "prod")
              for role in ("proxy-token", "cookie-secret", "crypt-key", "gateway-token")]
    assert not [t for t in tokens if t in text]
    assert PLACEHOLDER not in text
    hub = one(gcp_plan, "kubernetes:helm.sh/v3:Release", "prod-jupyterhub")["inputs"]["values"]
    assert hub["hub"]["config"]["GitHubOAuthenticator"]["client_secret"] == "[secret]"
    assert hub["proxy"]["secretToken"] == "[secret]" and hub["hub"]["cookieSecret"] == "[secret]"
    assert gcp_plan.outputs["kubeconfig"] == "[secret]"


def test_stack_exports_urls_addresses_homes_and_cost(gcp_plan):
    prod = gcp_plan.outputs["hubs"]["prod"]
    assert prod["url"] == "https://us-central1-b.gcp.pangeo.io"
    assert prod["home_server"] == "10.200.0.2" and prod["load_balancer_address"].startswith("198.51.100.")
    assert prod["scratch_url"] == "gs://pangeo-hubs-gcp-prod-scratch"
    cost = gcp_plan.outputs["monthly_cost_estimate"]
    assert cost["idle_monthly"] == sum(cost["lines"].values()) or abs(cost["idle_monthly"] - sum(cost["lines"].values())) < 0.01


def test_every_child_of_a_component_names_its_parent_hub_or_cluster(gcp_plan):
    components = {r["urn"]: r["name"] for r in gcp_plan.resources if not r["custom"]}
    for r in gcp_plan.resources:
        if r["parent"] in components:
            assert r["name"].startswith(components[r["parent"]] + "-"), r["urn"]


def test_nothing_races_the_apis_it_needs(gcp_plan):
    """Every GCP resource but the API switches themselves uses the provider that waits for them."""
    services = {r["urn"] for r in of_type(gcp_plan, "gcp:projects/service:Service")}
    ready = one(gcp_plan, "pulumi:providers:gcp", "pangeo-hubs-gcp")
    assert set(ready["dependencies"]) == services
    others = [r for r in gcp_plan.resources if r["type"].startswith("gcp:") and r["urn"] not in services]
    assert others and all(r["provider"] == ready["urn"] for r in others)


def test_creation_estimate_stays_within_ten_percent_of_the_unavoidable_chain(gcp_plan):
    estimates = gcp_plan.estimates
    # network, subnet, cluster, pool, then the gateway that installs the CRDs and one that waits for it
    assert estimates["unavoidable_chain_minutes"] == 15.8
    assert estimates["critical_path_minutes"] <= 1.1 * estimates["unavoidable_chain_minutes"]
    assert estimates["critical_path"][-2:] == ["prod-dask-gateway", "staging-dask-gateway"]


def test_apis_are_enabled_without_billing_them_to_the_project_they_enable(gcp_plan):
    bootstrap = one(gcp_plan, "pulumi:providers:gcp", "pangeo-hubs-gcp-bootstrap")["inputs"]
    ready = one(gcp_plan, "pulumi:providers:gcp", "pangeo-hubs-gcp")["inputs"]
    assert "userProjectOverride" not in bootstrap
    assert ready["userProjectOverride"] == "true" and ready["billingProject"] == "pangeo-hubs-gcp"


def test_filestore_homes_export_only_to_the_clusters_nodes_and_pods(gcp_plan):
    """Without nfsExportOptions the whole VPC may mount a share read-write (issue 21)."""
    [subnet] = [r["inputs"] for r in of_type(gcp_plan, "gcp:compute/subnetwork:Subnetwork")]
    pods = [r["ipCidrRange"] for r in subnet["secondaryIpRanges"] if r["rangeName"] == "pods"]
    for hub in ("staging", "prod"):
        shares = one(gcp_plan, "gcp:filestore/instance:Instance", f"{hub}-filestore")["inputs"]["fileShares"]
        [export] = shares["nfsExportOptions"]
        assert export["ipRanges"] == [subnet["ipCidrRange"], *pods] and len(pods) == 1
        assert export["accessMode"] == "READ_WRITE"


def test_adding_the_export_options_updates_a_deployed_filestore_in_place(gcp_plan):
    """The shares were deployed without export options; adding them must not replace an
    instance (labels.REPLACE_ON_CHANGES lists fileShares.name, not nfsExportOptions)."""
    before = copy.deepcopy(gcp_plan.resources)
    for r in before:
        if r["type"] == "gcp:filestore/instance:Instance":
            r["inputs"]["fileShares"].pop("nfsExportOptions", None)
    changes = diff_plans(dataclasses.replace(gcp_plan, resources=before), gcp_plan)
    homes = [c for c in changes if c.resource["type"] == "gcp:filestore/instance:Instance"]
    assert len(homes) == 2 and {c.label for c in homes} == {"update"}, [(c.label, c.replaced_by) for c in homes]
