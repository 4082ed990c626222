"""Kubeconfig documents that authenticate through the cloud CLI, never a static token."""

import json


def exec_kubeconfig(name: str, endpoint: str, ca_data: str, exec_spec: dict) -> str:
    """A one-context kubeconfig whose credentials come from an exec plugin.

    Exec auth keeps long-lived credentials out of the kubeconfig and the state file.
    """
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
            "users": [{"name": name, "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", **exec_spec}}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
        },
        sort_keys=True,
    )


def gke_exec() -> dict:
    return {
        "command": "gke-gcloud-auth-plugin",
        "installHint": "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
        "provideClusterInfo": True,
    }


def eks_exec(cluster_name: str, region: str) -> dict:
    return {
        "command": "aws",
        "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region, "--output", "json"],
    }
