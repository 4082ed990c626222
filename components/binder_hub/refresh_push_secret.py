"""Writes the docker config binder's build pods push with, from the pod's short-lived cloud identity.

Run by a CronJob (push_credentials.py) as a Kubernetes ServiceAccount bound to the
hub's pusher identity (GKE Workload Identity, EKS IRSA), so no long-lived registry
key exists anywhere: the token it writes expires (1 hour on GCP, 12 on AWS) and the
next run replaces it. Standard library only, so it runs in any image with Python;
AWS needs boto3 besides (the hub's user image has it). Copied into a ConfigMap and
run as `python refresh_push_secret.py`; the configuration comes from the environment:
CLOUD (gcp | aws), REGISTRY (host), SECRET (name), AWS_REGION on AWS.
"""

import base64
import json
import os
import ssl
import urllib.request

# The GKE metadata server answers as the pod's Kubernetes ServiceAccount's GCP account.
GCP_TOKEN_URL = "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"
# Artifact Registry's username for an OAuth access token
# (https://cloud.google.com/artifact-registry/docs/docker/authentication#token).
GCP_USERNAME = "oauth2accesstoken"
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
# The key binderhub mounts into build pods as ~/.docker/config.json.
CONFIG_KEY = "config.json"


def docker_config(registry: str, username: str, password: str) -> dict:
    """A docker client config for one registry: `auth` for docker-py (repo2docker's push), the
    plain username and password for the docker CLI."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"auths": {registry: {"username": username, "password": password, "auth": auth}}}


def secret_patch(config: dict) -> dict:
    """A JSON merge patch that replaces only the Secret's docker config."""
    return {"data": {CONFIG_KEY: base64.b64encode(json.dumps(config).encode()).decode()}}


def gcp_credentials(urlopen=urllib.request.urlopen) -> tuple[str, str]:
    """An OAuth access token of the pod's GCP service account, from the metadata server."""
    request = urllib.request.Request(GCP_TOKEN_URL, headers={"Metadata-Flavor": "Google"})
    with urlopen(request, timeout=30) as response:
        return GCP_USERNAME, json.load(response)["access_token"]


def aws_credentials(region: str, client=None) -> tuple[str, str]:
    """An ECR login (`AWS:<password>`) for the pod's IRSA role."""
    if client is None:
        import boto3  # only on AWS; the user image has it
        client = boto3.client("ecr", region_name=region)
    token = client.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    username, password = base64.b64decode(token).decode().split(":", 1)
    return username, password


def patch_request(*, host: str, namespace: str, secret: str, token: str, patch: dict) -> urllib.request.Request:
    """PATCH of one Secret, authenticated as the pod's ServiceAccount (its Role allows nothing else)."""
    return urllib.request.Request(
        f"https://{host}/api/v1/namespaces/{namespace}/secrets/{secret}",
        data=json.dumps(patch).encode(),
        method="PATCH",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/merge-patch+json"},
    )


def main(environ=os.environ, urlopen=urllib.request.urlopen, sa_dir: str = SERVICE_ACCOUNT_DIR) -> None:
    cloud = environ["CLOUD"]
    if cloud == "gcp":
        username, password = gcp_credentials(urlopen)
    elif cloud == "aws":
        username, password = aws_credentials(environ["AWS_REGION"])
    else:
        raise SystemExit(f"CLOUD must be gcp or aws, got {cloud!r}")
    read = lambda name: open(os.path.join(sa_dir, name)).read().strip()  # noqa: E731
    request = patch_request(
        host=f"{environ['KUBERNETES_SERVICE_HOST']}:{environ['KUBERNETES_SERVICE_PORT']}",
        namespace=read("namespace"), secret=environ["SECRET"], token=read("token"),
        patch=secret_patch(docker_config(environ["REGISTRY"], username, password)),
    )
    context = ssl.create_default_context(cafile=os.path.join(sa_dir, "ca.crt"))
    with urlopen(request, timeout=30, context=context) as response:
        print(f"refreshed Secret {environ['SECRET']} for {environ['REGISTRY']}: HTTP {response.status}")


if __name__ == "__main__":
    main()
