"""/hub/metrics on the pinned JupyterHub, with the role and authentication the hubs are given (metrics.py): the
hub starts with the role, Prometheus's token reads the metrics, and no other token, nor none, does."""

import urllib.error
import urllib.request

import pytest

from components.dask_hub.metrics import SERVICE


def _get(hub, token: str | None) -> int:
    request = urllib.request.Request(f"{hub.url}/hub/metrics",
                                     headers={"Authorization": f"token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read().decode()
            assert "jupyterhub_" in body
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_prometheus_token_reads_the_metrics(hub):
    assert _get(hub, hub.tokens[SERVICE]) == 200


@pytest.mark.parametrize("service", ["dask-gateway", "healthcheck"])
def test_other_services_tokens_do_not(hub, service):
    assert _get(hub, hub.tokens[service]) == 403


def test_no_token_does_not(hub):
    assert _get(hub, None) in (302, 403)
