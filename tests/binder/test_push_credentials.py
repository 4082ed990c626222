"""The push-Secret refresher: what it asks the metadata server, ECR and the Kubernetes API, and what it writes."""

import base64
import io
import json
from unittest.mock import Mock

import pytest

from components.binder_hub import push_credentials as push
from components.binder_hub import refresh_push_secret as refresh

REGISTRY = "us-central1-docker.pkg.dev"


class Recorder:
    """Stands in for urllib's urlopen: answers the metadata server and the Kubernetes API, keeps the requests."""

    def __init__(self):
        self.requests = []

    def __call__(self, request, timeout, context=None):
        self.requests.append((request, context))
        body = {"access_token": "ya29.token", "expires_in": 3599} if "metadata" in request.full_url else {}
        response = io.BytesIO(json.dumps(body).encode())
        response.status = 200
        return response


@pytest.fixture
def sa_dir(tmp_path):
    (tmp_path / "namespace").write_text("staging\n")
    (tmp_path / "token").write_text("pod-token\n")
    return tmp_path


def written_config(request) -> dict:
    return json.loads(base64.b64decode(json.loads(request.data)["data"]["config.json"]))


def test_docker_config_has_what_docker_py_and_the_docker_cli_each_read():
    entry = refresh.docker_config(REGISTRY, "oauth2accesstoken", "ya29.token")["auths"][REGISTRY]
    assert entry["username"] == "oauth2accesstoken" and entry["password"] == "ya29.token"
    assert base64.b64decode(entry["auth"]) == b"oauth2accesstoken:ya29.token"


def test_gcp_token_comes_from_the_metadata_server_with_its_header():
    urlopen = Recorder()
    assert refresh.gcp_credentials(urlopen) == ("oauth2accesstoken", "ya29.token")
    request, _ = urlopen.requests[0]
    assert request.full_url == refresh.GCP_TOKEN_URL
    assert request.get_header("Metadata-flavor") == "Google"


def test_aws_login_is_split_into_user_and_password():
    client = Mock()
    client.get_authorization_token.return_value = {
        "authorizationData": [{"authorizationToken": base64.b64encode(b"AWS:pass:with:colons").decode()}]}
    assert refresh.aws_credentials("us-west-2", client) == ("AWS", "pass:with:colons")


def test_main_patches_only_its_secret_as_the_pod(sa_dir, monkeypatch):
    monkeypatch.setattr(refresh.ssl, "create_default_context", lambda cafile: f"ctx:{cafile}")
    urlopen = Recorder()
    env = {"CLOUD": "gcp", "REGISTRY": REGISTRY, "SECRET": push.NAME,
           "KUBERNETES_SERVICE_HOST": "10.32.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    refresh.main(env, urlopen, str(sa_dir))
    request, context = urlopen.requests[1]
    assert request.get_method() == "PATCH"
    assert request.full_url == "https://10.32.0.1:443/api/v1/namespaces/staging/secrets/binder-push-credentials"
    assert request.get_header("Authorization") == "Bearer pod-token"
    assert request.get_header("Content-type") == "application/merge-patch+json"
    assert context == f"ctx:{sa_dir / 'ca.crt'}"
    assert written_config(request)["auths"][REGISTRY]["password"] == "ya29.token"


def test_an_unknown_cloud_is_refused_before_any_request(sa_dir):
    urlopen = Recorder()
    with pytest.raises(SystemExit, match="CLOUD must be gcp or aws"):
        refresh.main({"CLOUD": "azure"}, urlopen, str(sa_dir))
    assert urlopen.requests == []


def test_the_refresher_may_touch_only_its_secret():
    assert push.role_rules() == [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": [push.NAME],
                                  "verbs": ["get", "patch", "update"]}]


def test_the_refresher_runs_twice_per_token_life_on_the_always_up_nodes():
    job = push.refresher_job_spec(image="pangeo/pangeo-notebook:2024.06.21", cloud="gcp", registry=REGISTRY,
                                  env={}, labels={})
    assert push.refresher_cron_spec(job)["schedule"] == "*/30 * * * *"
    pod = job["template"]["spec"]
    assert pod["serviceAccountName"] == push.NAME
    assert pod["nodeSelector"] == {"hub.jupyter.org/node-purpose": "core"}
    assert pod["containers"][0]["command"] == ["python", "/opt/refresh-push-secret/refresh_push_secret.py"]
    assert {"name": "SECRET", "value": push.NAME} in pod["containers"][0]["env"]


def test_the_script_uses_only_the_standard_library_outside_aws():
    source = push.SCRIPT.read_text()
    imports = {line.split()[1] for line in source.splitlines() if line.startswith("import ")}
    assert imports <= {"base64", "json", "os", "ssl", "urllib.request"}


def test_on_aws_main_writes_an_ecr_login_for_the_pods_region(sa_dir, monkeypatch):
    monkeypatch.setattr(refresh.ssl, "create_default_context", lambda cafile: None)
    monkeypatch.setattr(refresh, "aws_credentials", lambda region: ("AWS", f"login-for-{region}"))
    urlopen = Recorder()
    registry = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
    refresh.main({"CLOUD": "aws", "AWS_REGION": "us-west-2", "REGISTRY": registry, "SECRET": push.NAME,
                  "KUBERNETES_SERVICE_HOST": "10.100.0.1", "KUBERNETES_SERVICE_PORT": "443"}, urlopen, str(sa_dir))
    [(request, _)] = urlopen.requests
    assert written_config(request)["auths"][registry]["password"] == "login-for-us-west-2"
