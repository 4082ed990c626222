"""Every user server's environment, as KubeSpawner 7.0.0 expands it, resolves: nothing is left unfilled.

KubeSpawner's get_env() runs str.format over every singleuser.extraEnv value, so a
template meant for someone else (the dask-gateway client's {JUPYTER_IMAGE_SPEC}) must
reach it with doubled braces; a single-braced one stops every spawn with a KeyError.
"""

import copy

import pytest

from tests.render.stack import RENDERED

from .env_check import env_problems
from .hubs import stack_hubs
from .user_pods import ChartHub, Spawn, User, user_pods

IMAGE_OPTION = "DASK_GATEWAY__CLUSTER__OPTIONS__IMAGE"


def notebook(pod: dict) -> dict:
    return next(c for c in pod["spec"]["containers"] if c["name"] == "notebook")


def default_spawn(hub: ChartHub) -> Spawn:
    """A server as a user starts it from the home page; a public binder's launches carry an image it built."""
    pattern = hub.env.get("BINDER_IMAGE_PATTERN")
    if pattern is None:
        return Spawn(User("alice"))
    return Spawn(User("binder-alice"), {"image": binder_image(pattern), "token": "launch-token"})


def binder_image(pattern: str) -> str:
    """An image under the binder's registry prefix: the pattern is ^<escaped prefix>[^:]+:[^:]+$."""
    prefix = pattern.removeprefix("^").split("[^:]", 1)[0].replace("\\", "")
    return f"{prefix}binder-2dexamples-2drequirements-5f1a2b:0123abcd"


@pytest.mark.parametrize("stack_name", RENDERED)
def test_every_hubs_server_env_is_filled(stack_name, rendered_stack):
    rendered_stack(stack_name)
    for namespace, hub in stack_hubs(stack_name).items():
        [pod] = user_pods(hub, [default_spawn(hub)])
        env = {e["name"]: e.get("value") for e in notebook(pod)["env"]}
        assert env.get(IMAGE_OPTION, "{JUPYTER_IMAGE_SPEC}") == "{JUPYTER_IMAGE_SPEC}", namespace
        assert env_problems(notebook(pod)) == [], f"{stack_name} {namespace}"


def _with_env(hub: ChartHub, **env) -> ChartHub:
    config = copy.deepcopy(hub.config)
    config.KubeSpawner.environment = {**config.KubeSpawner.environment, **env}
    return ChartHub(config, hub.env)


def test_a_single_braced_client_template_stops_the_spawn(rendered_stack):
    rendered_stack("gcp")
    hub = _with_env(stack_hubs("gcp")["staging"], **{IMAGE_OPTION: "{JUPYTER_IMAGE_SPEC}"})
    with pytest.raises(KeyError, match="JUPYTER_IMAGE_SPEC"):
        user_pods(hub, [default_spawn(hub)])


def test_a_template_nothing_fills_is_reported(rendered_stack):
    rendered_stack("gcp")
    hub = _with_env(stack_hubs("gcp")["staging"], DASK_GATEWAY__CLUSTER__OPTIONS__X="{{NOT_IN_THE_POD}}",
                    PLAIN="{{literal}}", NAMED="$(NOT_DEFINED_ANYWHERE)")
    [pod] = user_pods(hub, [default_spawn(hub)])
    problems = env_problems(notebook(pod))
    assert any(p.startswith("DASK_GATEWAY__CLUSTER__OPTIONS__X=") and "cannot fill" in p for p in problems)
    assert "PLAIN='{literal}': {literal} is left unfilled" in problems
    # KubeSpawner orders the env so references resolve; one to no variable at all stays as written
    assert "NAMED: $(NOT_DEFINED_ANYWHERE) names no variable defined before it" in problems
