"""The health-check Job as rendered for the cluster."""

from components.dask_hub.health_job import render_health_job


def job():
    return render_health_job(name="health-check-2", namespace="prod", image="pangeo/pangeo-notebook:2024.06.21",
                             configmap="health-check", token_secret="health-check", user="pangeo-health-check",
                             labels={"app.kubernetes.io/component": "health-check"},
                             gateway_proxy="traefik-prod-dask-gateway")


def test_runs_the_check_in_the_users_image_against_the_in_cluster_proxy():
    (container,) = job()["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "pangeo/pangeo-notebook:2024.06.21"
    command = container["command"]
    assert command[:2] == ["python", "/opt/healthcheck/healthcheck.py"]
    assert command[command.index("--hub-url") + 1] == "http://proxy-http:8000"
    assert command[command.index("--gateway-proxy-address") + 1] == "gateway://traefik-prod-dask-gateway:80"
    assert command[command.index("--workers") + 1] == "2"


def test_token_comes_from_a_secret_never_the_command_line():
    (container,) = job()["spec"]["template"]["spec"]["containers"]
    (env,) = container["env"]
    assert env == {"name": "JUPYTERHUB_API_TOKEN",
                   "valueFrom": {"secretKeyRef": {"name": "health-check", "key": "token"}}}


def test_fails_fast_and_is_admitted_by_the_proxy_policy():
    spec = job()["spec"]
    assert spec["backoffLimit"] == 0 and spec["activeDeadlineSeconds"] > 0
    assert spec["template"]["metadata"]["labels"]["hub.jupyter.org/network-access-proxy-http"] == "true"
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
