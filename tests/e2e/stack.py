"""The running hub + gateway of one stack's hub, booted from its rendered Helm releases.

Processes are started and torn down with tests/healthcheck/hc_support.py
(HC_TEST_MARKER sweep); the wrapper configs run hub_side.py / gateway_side.py.
"""

import json
import sys
from functools import cache
from pathlib import Path

import pytest
from hc_support import Hub, chp, free_port, serving  # noqa: F401  (chp: a fixture)

from fake_github import FakeGitHub
from localize import localizer
from rendered import EXAMPLE, Rendered, plan_releases, service_env
from tests.spawn.offline import write_kubeconfig

HERE = Path(__file__).resolve().parent
# One GCP and one AWS hub; each boots its own hub + gateway (~15 s).
STACK_HUBS = [("gcp", "staging"), ("aws-us-west-2", "staging")]
# And the example program's hub: a DaskHub someone else deploys takes the same path.
HUBS = [*STACK_HUBS, (EXAMPLE, "dev")]
USERS = ("e2e-alice", "e2e-bob")  # members of every allowed org/team
OUTSIDER = "e2e-mallory"  # member of none
BYSTANDER = "e2e-carol"  # may log in, is in no group
# alice's GitHub team: the shipped stacks' power-users group, which may share servers
SHARING_TEAM = "pangeo-data:hub-power-users"

WRAPPER = """\
import sys
sys.path.insert(0, {here!r})
from {module} import boot
boot(c, load_subconfig)  # noqa: F821 -- both are in the config file's namespace
"""


@cache
def releases(stack):
    return plan_releases(stack)


def _wrapper(tmp, name, module):
    (tmp / name).write_text(WRAPPER.format(here=str(HERE), module=module))


def hub_id(param) -> str:
    stack_name, hub_name = param
    return f"{stack_name.replace('/', '-')}-{hub_name}"


@pytest.fixture(scope="module", params=HUBS, ids=hub_id)
def stack(request, chp, tmp_path_factory):  # noqa: F811
    stack_name, hub_name = request.param
    tmp = tmp_path_factory.mktemp(f"e2e-{hub_id(request.param)}")
    rel = releases(stack_name)
    jh, gw = Rendered(rel[(hub_name, "jupyterhub")], tmp), Rendered(rel[(hub_name, "dask-gateway")], tmp)
    ports = {k: free_port() for k in ("proxy", "proxy_api", "hub", "gw_api", "gw_proxy")}
    services = jh.services() | gw.services()
    spec = {
        "services": services, "namespace": jh.namespace,
        "endpoints": [["hub", "http", ports["hub"]], ["proxy", "http", ports["proxy"]],
                      ["proxy", "api", ports["proxy_api"]], ["traefik", 8000, ports["gw_proxy"]],
                      ["gateway", 8000, ports["gw_api"]]],
        "public_hosts": jh.values["proxy"]["https"]["hosts"], "public_port": ports["proxy"],
    }
    localize = localizer(json.loads(json.dumps(spec)))
    k8s_env = service_env(services)
    github_cfg = jh.values["hub"]["config"]["GitHubOAuthenticator"]
    allowed = list(github_cfg["allowed_organizations"])
    members = {user: allowed for user in (*USERS, BYSTANDER)} | {OUTSIDER: []}
    members[USERS[0]] = [*allowed, SHARING_TEAM]

    hub_dir, gw_dir = tmp / "hub", tmp / "gateway"
    hub_deploy, gw_deploy = jh.deployment("hub"), gw.deployment("gateway")
    jh.mount(hub_deploy, hub_dir / "root")
    gw.mount(gw_deploy, gw_dir / "root")
    _wrapper(hub_dir, "jupyterhub_config.py", "hub_side")
    _wrapper(gw_dir, "dask_gateway_config.py", "gateway_side")
    url = f"http://127.0.0.1:{ports['proxy']}"
    prefix = gw.values["gateway"]["prefix"]

    with FakeGitHub(members, github_cfg["client_id"], github_cfg["client_secret"]) as github:
        hub_settings = {
            "root": str(hub_dir / "root"), "config": jh.config_arg(hub_deploy), "home": str(hub_dir / "home"),
            "env_dir": str(hub_dir / "env"), "proxy_port": ports["proxy"], "hub_port": ports["hub"],
            "chp": str(chp), "github_url": github.url, "localize": spec,
        }
        gw_settings = {
            "root": str(gw_dir / "root"), "config": gw.config_arg(gw_deploy), "api_port": ports["gw_api"],
            "proxy_port": ports["gw_proxy"], "prefix": prefix, "localize": spec,
        }
        kubeconfig = write_kubeconfig(hub_dir / "kubeconfig")  # a closed port: the spawner calls no API
        hub_env = jh.env(hub_deploy) | k8s_env | {"E2E_HUB_SETTINGS": json.dumps(hub_settings),
                                                  "KUBECONFIG": str(kubeconfig)}
        gw_env = gw.env(gw_deploy) | k8s_env | {"E2E_GATEWAY_SETTINGS": json.dumps(gw_settings)}
        with serving("jupyterhub", hub_dir, str(hub_dir), f"{url}/hub/api/", env=hub_env) as hub_proc, \
             serving("dask-gateway-server", gw_dir, str(gw_dir), f"http://127.0.0.1:{ports['gw_proxy']}{prefix}/api/health",
                     config="dask_gateway_config.py", log="dask-gateway.log", env=gw_env) as gw_proc:
            yield Hub(
                name=f"{stack_name}/{hub_name}", url=url, api_url=f"{url}/hub/api", tmp=tmp, jh=jh, gw=gw,
                localize=localize, github=github, hub_log=hub_proc.log, gw_log=gw_proc.log,
                env_dir=hub_dir / "env", python=sys.executable, marker=str(hub_dir),
            )
