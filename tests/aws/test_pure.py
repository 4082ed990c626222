"""The pure renderers behind the AWS components: subnet math, IAM documents, tags, budget alerts."""

import ipaddress
import json

import pytest

from components.cluster.aws_policies import (
    autoscaler_policy,
    autoscaler_tags,
    irsa_trust_policy,
    scratch_bucket_policy,
    service_trust_policy,
)
from components.cluster.eks import subnet_cidrs
from components.credit_project.aws import budget_notifications, budget_topic_policy
from infra.config import NodePool

ZONES = ["us-west-2a", "us-west-2b", "us-west-2c"]


def test_subnets_are_disjoint_and_inside_the_vpc():
    vpc = ipaddress.ip_network("10.0.0.0/16")
    nets = [ipaddress.ip_network(c) for z in subnet_cidrs(vpc, ZONES).values() for c in z.values()]
    assert all(n.subnet_of(vpc) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])


def test_subnets_follow_the_zone_letter_not_the_list_order():
    vpc = ipaddress.ip_network("10.0.0.0/16")
    assert subnet_cidrs(vpc, ZONES) == subnet_cidrs(vpc, list(reversed(ZONES)))
    assert subnet_cidrs(vpc, ZONES)["us-west-2a"] == {"private": "10.0.0.0/19", "public": "10.0.224.0/22"}


def test_too_small_a_network_is_refused_with_the_key_path():
    with pytest.raises(ValueError, match="cluster.network.cidr must be /22 or larger"):
        subnet_cidrs(ipaddress.ip_network("10.0.0.0/24"), ZONES)


def test_irsa_trust_names_one_service_account_and_the_sts_audience():
    doc = json.loads(irsa_trust_policy("arn:aws:iam::1:oidc-provider/oidc.example/id/X", "https://oidc.example/id/X", "prod", "user"))
    statement = doc["Statement"][0]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"]["StringEquals"] == {
        "oidc.example/id/X:sub": "system:serviceaccount:prod:user", "oidc.example/id/X:aud": "sts.amazonaws.com"}


def test_scratch_policy_reaches_only_its_own_bucket():
    doc = json.loads(scratch_bucket_policy("arn:aws:s3:::b"))
    assert {s["Resource"] for s in doc["Statement"]} == {"arn:aws:s3:::b", "arn:aws:s3:::b/*"}
    assert not any("*" == s["Resource"] for s in doc["Statement"])


def test_autoscaler_may_resize_only_this_clusters_groups():
    mutating = json.loads(autoscaler_policy("c"))["Statement"][1]
    assert mutating["Condition"] == {"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/c": "owned"}}


def test_service_trust_names_the_service():
    assert json.loads(service_trust_policy("eks.amazonaws.com"))["Statement"][0]["Principal"] == {"Service": "eks.amazonaws.com"}


def test_core_pool_tags_have_labels_but_no_taints():
    tags = autoscaler_tags("c", NodePool(purpose="core", machine_type="r5.xlarge", min_nodes=1, max_nodes=3))
    assert not any("/taint/" in k for k in tags)
    assert tags["k8s.io/cluster-autoscaler/node-template/label/hub.jupyter.org/node-purpose"] == "core"


def test_budget_notifications_are_sorted_deduplicated_and_forecast_last():
    notes = budget_notifications([1.0, 0.5, 0.5], "arn:topic")
    assert [(n["notification_type"], n["threshold"]) for n in notes] == [("ACTUAL", 50), ("ACTUAL", 100), ("FORECASTED", 100)]


def test_topic_policy_lets_only_budgets_of_this_account_publish():
    statement = json.loads(budget_topic_policy("arn:t", "123"))["Statement"][0]
    assert statement["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123"}}
