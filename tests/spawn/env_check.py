"""Whether a pod's environment resolves: every template in it is filled by whoever reads it.

Two readers fill templates after the spawner: the kubelet expands $(VAR) from variables
defined earlier in the container's env (a later or unknown one stays as written;
KubeSpawner orders the env so that references come after what they name), and
the dask-gateway client runs dask_gateway.utils.format_template (str.format over the
pod's environment) on the DASK_GATEWAY__ settings it reads. Any other `{...}` left in a
value reaches the user's programs as literal braces.
"""

import re
from unittest import mock

from dask_gateway.utils import format_template

REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
TEMPLATE = re.compile(r"\{[^{}]*\}")
# What the dask-gateway client formats: its config read from DASK_GATEWAY__* variables.
CLIENT_FORMATTED = "DASK_GATEWAY__"


def kubelet_env(env: list[dict]) -> tuple[dict[str, str], list[str]]:
    """The container's plain env as the kubelet sets it, and the $(VAR) references it leaves unexpanded."""
    out, problems = {}, []
    for e in env:
        if "value" not in e:
            continue

        def expand(m, name=e["name"]):
            if m[1] in out:
                return out[m[1]]
            problems.append(f"{name}: $({m[1]}) names no variable defined before it")
            return m[0]
        out[e["name"]] = REFERENCE.sub(expand, str(e["value"]))
    return out, problems


def env_problems(container: dict) -> list[str]:
    """Every template in the container's env that nothing fills, one line each."""
    env, problems = kubelet_env(container.get("env", []))
    for name, value in env.items():
        if name.startswith(CLIENT_FORMATTED):
            with mock.patch.dict("os.environ", env, clear=True):
                try:
                    value = format_template(value)
                except (KeyError, IndexError, ValueError) as e:
                    problems.append(f"{name}={value!r}: the dask-gateway client cannot fill it ({e!r})")
                    continue
        problems += [f"{name}={value!r}: {t} is left unfilled" for t in TEMPLATE.findall(value)]
    return problems
