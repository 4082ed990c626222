"""examples/daskhub: a program of its own built only from the components, planned as `pulumi up` runs it."""

import subprocess
import sys
from collections import Counter

import pytest

from infra.config import ConfigError
from infra.plan.mocks import EngineRefusal
from infra.plan.project import plan_project
from infra.plan.run import REPO
from tests.example import EXAMPLE as EXAMPLE_PATH
from tests.example import SECRET, plan_example

from .graph import of_type, one, waits_on

EXAMPLE = REPO / EXAMPLE_PATH


@pytest.fixture(scope="module")
def example():
    return plan_example()


def test_one_hub_and_its_home_on_the_existing_cluster_and_nothing_of_a_cloud(example):
    types = Counter(r["type"] for r in example.resources)
    assert types["pangeo:index:DaskHub"] == types["pangeo:index:NfsServerHome"] == 1
    assert types["kubernetes:helm.sh/v3:Release"] == 3  # the hub, its gateway, Prometheus
    assert not [t for t in types if t.startswith(("gcp:", "aws:"))]
    provider = one(example, "pulumi:providers:kubernetes", "dev-k8s")
    assert provider["inputs"]["context"] == "my-cluster"
    on_cluster = [r for r in example.resources if r["type"].startswith("kubernetes:") and r["custom"]]
    assert on_cluster and {r["provider"] for r in on_cluster} == {provider["urn"]}


def test_the_home_is_the_configured_export_kept_when_the_volume_goes(example):
    volume = one(example, "kubernetes:core/v1:PersistentVolume", "dev-home-pv")["inputs"]["spec"]
    assert volume["nfs"] == {"server": "10.0.0.2", "path": "/homes"}
    assert volume["persistentVolumeReclaimPolicy"] == "Retain"
    hub = one(example, "kubernetes:helm.sh/v3:Release", "dev-jupyterhub")
    assert hub["inputs"]["values"]["singleuser"]["storage"]["static"]["pvcName"] == "home-nfs"
    assert waits_on(example, hub, one(example, "kubernetes:core/v1:PersistentVolumeClaim", "dev-home-pvc"))


def test_profiles_select_the_pools_and_workers_are_bounded_by_the_worker_room(example):
    values = {r["name"]: r["inputs"]["values"] for r in of_type(example, "kubernetes:helm.sh/v3:Release")}
    [small] = values["dev-jupyterhub"]["singleuser"]["profileList"]
    assert small["kubespawner_override"]["node_selector"] == {"node.kubernetes.io/instance-type": "n2-highmem-4"}
    options = values["dev-dask-gateway"]["gateway"]["extraConfig"]["cluster-options"]
    assert "max=15.3" in options and "max=110.0" in options
    assert values["dev-jupyterhub"]["proxy"]["service"] == {"type": "LoadBalancer"}


def test_a_reserved_address_is_claimed_by_the_proxy():
    plan = plan_example("cluster.load_balancer_ip=203.0.113.7")
    values = one(plan, "kubernetes:helm.sh/v3:Release", "dev-jupyterhub")["inputs"]["values"]
    assert values["proxy"]["service"] == {"type": "LoadBalancer", "loadBalancerIP": "203.0.113.7"}
    assert plan.outputs["load_balancer_address"] == "203.0.113.7"


@pytest.mark.parametrize("overrides, problems", [
    (["hub.profiles.small.cpu=8", "hub.profiles.small.node_pool=small"],
     ["my-daskhub:hub.profiles.small.cpu: 8 CPU does not fit on pool 'small' "
      "(room for one pod on an empty node: 3.40 CPU)"]),
    (["hub.profiles.small.node_pool=huge"],
     ["my-daskhub:hub.profiles.small.node_pool: must be one of cluster.user_pools (small)"]),
    (["hub.scratch.enabled=true", "hub.dns={mode: cloud, zone: example}"],
     ["my-daskhub:hub.scratch.enabled: must be false: an existing cluster has no bucket to offer",
      "my-daskhub:hub.dns.mode: must be external: an existing cluster has no DNS zone to write to"]),
    (["monitoring.grafana={domain: grafana.example.org, hub: dev, github: {client_id: x, allowed_teams: [a:b]}}",
      "monitoring.alerts={smtp: {host: smtp.example.org, sender: hub@example.org, username: hub, password: x}}"],
     ["my-daskhub:monitoring.grafana: is not offered by this example: use the pangeo-hubs stacks",
      "my-daskhub:alert_emails: must name at least one address when monitoring.alerts is set"]),
    (["cluster=oops"],
     ["my-daskhub:cluster: input should be a valid dictionary or instance of ExistingClusterConfig, got 'oops'"]),
    (["cluster.worker_room.cpu=0", "home.path=homes", "hub.colour=blue"],
     ["my-daskhub:cluster.worker_room.cpu: input should be greater than 0",
      "my-daskhub:home.path: string should match pattern '^/', got 'homes'",
      "my-daskhub:hub.colour: unknown key"]),
])
def test_bad_config_is_one_line_per_problem(overrides, problems):
    with pytest.raises(ConfigError) as error:
        plan_example(*overrides)
    assert error.value.problems == problems


def test_an_unset_secret_is_named_with_the_command_that_sets_it():
    with pytest.raises(ConfigError) as error:
        plan_project(EXAMPLE, "dev")
    assert error.value.problems == ["my-daskhub:hub.auth.github.client_secret: secret is not set; "
                                    "run: pulumi config set --secret --path hub.auth.github.client_secret -s dev"]


def test_prometheus_watches_the_hub_and_its_home(example):
    prometheus = one(example, "kubernetes:helm.sh/v3:Release", "dev-prometheus")["inputs"]
    assert prometheus["namespace"] == "monitoring" and "jupyterhub-dev" in prometheus["values"]["scrapeConfigs"]
    assert prometheus["values"]["alertmanager"] == {"enabled": False}
    hub = one(example, "kubernetes:helm.sh/v3:Release", "dev-jupyterhub")["inputs"]["values"]
    assert hub["hub"]["services"]["prometheus"]["apiToken"] == "[secret]"
    assert one(example, "kubernetes:apps/v1:Deployment", "dev-home-usage")


ALERTS = "monitoring.alerts={smtp: {host: smtp.example.org, sender: hub@example.org, username: hub}}"


def test_alerts_are_mailed_to_the_alert_emails():
    plan = plan_example(ALERTS, "monitoring.alerts.smtp.password=x", "alert_emails=[admin@example.org]")
    values = one(plan, "kubernetes:helm.sh/v3:Release", "dev-prometheus")["inputs"]["values"]["alertmanager"]
    assert values["config"]["receivers"][0]["email_configs"][0]["to"] == "admin@example.org"
    assert one(plan, "kubernetes:core/v1:Secret", "dev-alertmanager-smtp")["inputs"]["stringData"] == "[secret]"


def test_an_unset_smtp_password_is_named_too():
    with pytest.raises(ConfigError) as error:
        plan_example(ALERTS, "alert_emails=[admin@example.org]")
    assert error.value.problems == ["my-daskhub:monitoring.alerts.smtp.password: secret is not set; "
                                    "run: pulumi config set --secret --path monitoring.alerts.smtp.password -s dev"]


def test_the_engine_rules_hold_for_the_example(tmp_path):
    """A second Namespace `dev` is a duplicate URN: the plan refuses it as the engine would."""
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        (tmp_path / name).write_text((EXAMPLE / name).read_text())
    (tmp_path / "__main__.py").write_text(
        "import runpy\n"
        f"runpy.run_path({str(EXAMPLE / '__main__.py')!r}, run_name='__main__')\n"
        "import pulumi_kubernetes as k8s\n"
        "k8s.core.v1.Namespace('dev', metadata={'name': 'dev-2'})\n"
    )
    with pytest.raises(EngineRefusal, match="Duplicate resource URN .*Namespace::dev"):
        plan_project(tmp_path, "dev", (SECRET,))


def test_the_command_line_plans_it_and_exits_2_on_bad_config():
    command = [sys.executable, "-m", "infra.plan", "dev", "--project", EXAMPLE_PATH]
    good = subprocess.run([*command, "--set", SECRET], cwd=REPO, capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    assert "pangeo:index:DaskHub  dev" in good.stdout
    bad = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.startswith("my-daskhub:hub.auth.github.client_secret: secret is not set")
    assert "Traceback" not in bad.stderr


def test_it_needs_no_cloud_provider_sdk():
    """The example's requirements.txt lists no pulumi-gcp or pulumi-aws: planning it must not import them."""
    script = ("import sys; from tests.example import plan_example; plan_example(); "
              "print(sorted(m for m in sys.modules if m in ('pulumi_gcp', 'pulumi_aws')))")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
