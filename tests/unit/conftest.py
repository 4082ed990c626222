"""Fixtures for the unit tests that create the hub's real classes."""

import kubernetes_asyncio.config
import kubernetes_asyncio.config.kube_config
import pytest
import yaml


@pytest.fixture
def kubeconfig(tmp_path, monkeypatch):
    """KubeSpawner loads a kubeconfig when it is created; nothing here talks to its server."""
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "test", "user": {"token": "unused"}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
    }))
    # kubernetes_asyncio reads $KUBECONFIG once, at import.
    monkeypatch.setattr(kubernetes_asyncio.config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))
    monkeypatch.setattr(kubernetes_asyncio.config.kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))
