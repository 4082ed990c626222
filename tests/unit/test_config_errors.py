"""Bad stack config: one line per problem naming the full key path, and nothing declared."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.config import ConfigError, parse_stack_config, read_stack_file, set_key
from infra.plan import run

REPO = Path(__file__).resolve().parents[2]


def gcp_values(*assignments: str, delete: str | None = None) -> dict:
    values = read_stack_file(REPO / "Pulumi.gcp.yaml")
    for assignment in assignments:
        values = set_key(values, assignment)
    if delete:
        top, *path = delete.split(".")
        node = values[f"pangeo-hubs:{top}"]
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
    return values


CASES = [
    ("unknown key", gcp_values("cluster.node_pools.core.colour=blue"),
     "pangeo-hubs:cluster.node_pools.core.colour: unknown key"),
    ("unknown top-level key", gcp_values("hub={}"), "pangeo-hubs:hub: unknown key"),
    ("wrong type", gcp_values("cluster.node_pools.core.max_nodes=lots"),
     "pangeo-hubs:cluster.node_pools.core.max_nodes: input should be a valid integer, unable to parse string as an integer, got 'lots'"),
    ("missing field", gcp_values(delete="hubs.prod.domain"), "pangeo-hubs:hubs.prod.domain: required key is missing"),
    ("min above max", gcp_values("cluster.node_pools.core.min_nodes=5"),
     "pangeo-hubs:cluster.node_pools.core.min_nodes: must be <= max_nodes (3), got 5"),
    ("filestore below tier minimum", gcp_values("hubs.prod.home.capacity_gb=512"),
     "pangeo-hubs:hubs.prod.home.capacity_gb: must be 1024 to 63900 for BASIC_HDD, got 512"),
    ("ssd tier minimum", gcp_values("hubs.prod.home.tier=BASIC_SSD"),
     "pangeo-hubs:hubs.prod.home.capacity_gb: must be 2560 to 63900 for BASIC_SSD, got 2048"),
    ("efs tier on gcp", gcp_values("hubs.prod.home.tier=elastic"),
     "pangeo-hubs:hubs.prod.home.tier: must be one of BASIC_HDD, BASIC_SSD, ZONAL, REGIONAL on gcp, got 'elastic'"),
    ("invalid domain", gcp_values("hubs.prod.domain=Not_A_Domain"),
     "pangeo-hubs:hubs.prod.domain: must be a lowercase DNS name such as hub.example.org, got 'Not_A_Domain'"),
    ("duplicate domain", gcp_values("hubs.staging.domain=us-central1-b.gcp.pangeo.io"),
     "pangeo-hubs:hubs.prod.domain: 'us-central1-b.gcp.pangeo.io' is already the domain of hub 'staging'"),
    ("unknown phase", gcp_values("hubs.prod.migration.phase=later"),
     "pangeo-hubs:hubs.prod.migration.phase: input should be 'none', 'sync', 'cutover' or 'decommission', got 'later'"),
    ("phase without source", gcp_values("hubs.prod.migration.phase=sync"),
     "pangeo-hubs:hubs.prod.migration.source: phase 'sync' needs the legacy NFS source"),
    ("unknown cloud", gcp_values("cloud.provider=azure"),
     "pangeo-hubs:cloud.provider: must be one of 'gcp', 'aws', got 'azure'"),
    ("zone outside region", gcp_values("cloud.zone=europe-west1-b"),
     "pangeo-hubs:cloud.zone: must be a zone of region us-central1, such as us-central1-b, got 'europe-west1-b'"),
    ("machine type of another cloud", gcp_values("cluster.node_pools.core.machine_type=r5.xlarge"),
     "pangeo-hubs:cluster.node_pools.core.machine_type: unknown gcp machine type 'r5.xlarge'"),
    ("profile too big for its pool", gcp_values("hubs.staging.profiles.small.memory_gb=28"),
     "pangeo-hubs:hubs.staging.profiles.small.memory_gb: 28 GiB does not fit on n2-highmem-4 "
     "(room for one pod on an empty node: 26.9 GiB)"),
    ("profile with more cpu than its pool has left", gcp_values("hubs.prod.profiles.small.cpu=4"),
     "pangeo-hubs:hubs.prod.profiles.small.cpu: 4 CPU does not fit on n2-highmem-4 "
     "(room for one pod on an empty node: 3.43 CPU)"),
    ("profile on a worker pool", gcp_values("hubs.prod.profiles.small.node_pool=dask-n2-highmem-16"),
     "pangeo-hubs:hubs.prod.profiles.small.node_pool: must name a user node pool"),
    ("overlapping ranges", gcp_values("cluster.network.pods_cidr=10.0.0.0/12"),
     "pangeo-hubs:cluster.network.pods_cidr: 10.0.0.0/12 overlaps cidr (10.0.0.0/20)"),
    ("image tag latest", gcp_values("hubs.prod.image.tag=latest"),
     "pangeo-hubs:hubs.prod.image.tag: must pin a version, not 'latest'"),
    ("hub name too long for cloud ids", gcp_values("hubs.a-very-long-hub-name-indeed={}"),
     "pangeo-hubs:hubs.a-very-long-hub-name-indeed: must be a name of 1 to 20 lowercase letters, digits and dashes"),
    ("pool name with capitals", gcp_values("cluster.node_pools.Core={}"),
     "pangeo-hubs:cluster.node_pools.Core: must be a name of 1 to 30 lowercase letters, digits and dashes"),
]


@pytest.mark.parametrize("values, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_names_the_key_path_and_the_problem(values, expected):
    with pytest.raises(ConfigError) as error:
        parse_stack_config(values)
    assert any(line.startswith(expected) for line in error.value.problems), error.value.problems
    assert all(line.startswith("pangeo-hubs:") for line in error.value.problems)


def test_every_problem_gets_its_own_line():
    values = gcp_values("cluster.node_pools.core.colour=blue", "hubs.prod.migration.phase=later")
    with pytest.raises(ConfigError) as error:
        parse_stack_config(values)
    assert len(error.value.problems) == 2


def test_the_shipped_stack_is_valid():
    config = parse_stack_config(gcp_values())
    assert set(config.hubs) == {"staging", "prod", "binder"}


def test_invalid_config_stops_the_plan_before_anything_is_declared(monkeypatch):
    monkeypatch.setattr(run, "_run", lambda *a: pytest.fail("the program ran on invalid config"))
    with pytest.raises(ConfigError):
        run.plan("gcp", overrides=("hubs.prod.home.capacity_gb=10",))


def test_the_program_refuses_invalid_config_with_a_run_error_and_declares_nothing():
    import pulumi

    values = {f"pangeo-hubs:{k}": v for k, v in {"cloud": {"provider": "gcp"}}.items()}
    with pytest.raises(pulumi.RunError) as error:
        run._run("gcp", values)
    assert "pangeo-hubs:cloud.region: required key is missing" in str(error.value)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infra.plan", *args], cwd=REPO, capture_output=True, text=True)


def test_cli_exits_2_with_one_line_per_problem_and_no_traceback():
    result = _cli("gcp", "--set", "hubs.prod.home.capacity_gb=100", "--set", "hubs.staging.migration.phase=nope")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "pangeo-hubs:hubs.staging.migration.phase: input should be 'none', 'sync', 'cutover' or 'decommission', got 'nope'",
    ]
    assert "Traceback" not in result.stderr


def test_malformed_yaml_is_reported_with_its_position(tmp_path):
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text("config:\n  pangeo-hubs:cloud: {provider: gcp\n  other: 1\n")
    result = _cli("gcp", "--stack-file", str(broken))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{broken}: malformed YAML at line ")
    assert "Traceback" not in result.stderr


def test_a_key_holding_a_newline_keeps_each_problem_on_one_line():
    values = gcp_values('hubs.prod.groups={"ops\\nteam": {github_teams: [x]}}')
    with pytest.raises(ConfigError) as error:
        parse_stack_config(values)
    lines = str(error.value).splitlines()
    assert lines == error.value.problems and len(lines) == 2, lines
    assert all(line.startswith("pangeo-hubs:hubs.prod.groups.ops\\nteam") for line in lines)


def test_set_refuses_a_value_that_contains_itself():
    """PyYAML builds `&a [*a]` as a list holding itself; copying or validating it recursed forever."""
    with pytest.raises(ConfigError) as error:
        set_key(gcp_values(), "hubs.prod.domain=&a [*a]")
    assert error.value.problems == ["pangeo-hubs:hubs.prod.domain: contains itself (a YAML alias inside its own "
                                    "anchor, `&a [*a]`); write the value out"]


def test_an_alias_used_twice_is_not_a_loop():
    values = set_key(gcp_values(), "hubs.prod.page.links={A: &u 'https://a.org', B: *u}")
    assert values["pangeo-hubs:hubs"]["prod"]["page"]["links"] == {"A": "https://a.org", "B": "https://a.org"}


def test_set_rejects_a_path_through_a_scalar():
    with pytest.raises(ConfigError, match="cloud.provider is not a mapping"):
        set_key(gcp_values(), "cloud.provider.name=x")


def test_unset_secret_names_the_stack_to_set_it_on():
    from infra import program
    values = gcp_values()
    with pytest.raises(ConfigError) as error:
        program.load_config(values, "gcp")
    assert "pangeo-hubs:hubs.prod.auth.github.client_secret: secret is not set; run: pulumi config set --secret " \
           "--path 'hubs.prod.auth.github.client_secret' -s gcp" in error.value.problems


def test_hubs_as_plain_text_is_a_key_path_error_not_a_traceback():
    from infra import program
    values = gcp_values()
    values["pangeo-hubs:hubs"] = "just-a-string"
    with pytest.raises(ConfigError) as error:
        program.load_config(program.with_previous(values, program.own_phases(values)), "gcp")
    assert all(line.startswith("pangeo-hubs:hubs") for line in error.value.problems), error.value.problems


@pytest.mark.parametrize("content, problem", [
    (b"config:\n  pangeo-hubs:provider: gcp\xff\n", "not UTF-8 text"),
    (b"config:\n  1: x\n", "config key 1 must be text"),
    (b"config:\n  ? [a, b]\n  : x\n", "a key must be plain text, not a list or mapping"),
    (b"config:\n  pangeo-hubs:hubs:\n    prod: {domain: &a [1, *a]}\n",
     "pangeo-hubs:hubs.prod.domain: contains itself (a YAML alias inside its own anchor"),
])
def test_unreadable_stack_file_is_one_line_not_a_traceback(tmp_path, content, problem):
    stack_file = tmp_path / "Pulumi.bad.yaml"
    stack_file.write_bytes(content)
    with pytest.raises(ConfigError) as error:
        read_stack_file(stack_file)
    assert len(error.value.problems) == 1 and problem in error.value.problems[0]


# A secret set without `--secret` (issue 21 item 5). Pulumi writes `--secret` values as
# `{secure: v1:...}` inside the stack file; plain text there is committed for anyone to read.
ENCRYPTED = {"secure": "v1:8wJqC2bZ0iM=:v1:Zm9vYmFy:cGxhY2Vob2xkZXI="}


def _stack_file(tmp_path, stack: str, *assignments: str) -> Path:
    """The shipped stack file with prod's client secret encrypted and `assignments` (plain) on top."""
    values = set_key(read_stack_file(REPO / f"Pulumi.{stack}.yaml"), "hubs.prod.auth.github.client_secret=x")
    values["pangeo-hubs:hubs"]["prod"]["auth"]["github"]["client_secret"] = ENCRYPTED
    for assignment in assignments:
        values = set_key(values, assignment)
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": values}))
    return path


def test_a_plain_text_client_secret_in_the_stack_file_is_one_line_naming_the_command(tmp_path):
    stack_file = _stack_file(tmp_path, "gcp", "hubs.staging.auth.github.client_secret=hunter2-plain")
    result = _cli("gcp", "--stack-file", str(stack_file))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "pangeo-hubs:hubs.staging.auth.github.client_secret: is plain text in Pulumi.gcp.yaml, which is committed; "
        "encrypt it with `pulumi config set --secret --path 'pangeo-hubs:hubs.staging.auth.github.client_secret' "
        "-s gcp` (it prompts for the value); rotate the secret if the file was pushed"]
    assert "hunter2-plain" not in result.stderr  # the message doesn't copy the secret into CI logs


def test_an_encrypted_secret_beside_it_passes(tmp_path):
    """prod's `secure:` value sits in the same `pangeo-hubs:hubs` key as staging's plain one; only staging's is named."""
    from infra.plan.run import stack_values
    stack_file = _stack_file(tmp_path, "aws-us-west-2")
    assert stack_values("aws-us-west-2", stack_file)["pangeo-hubs:hubs"]["prod"]["auth"]["github"]["client_secret"] \
        == ENCRYPTED


@pytest.mark.parametrize("assignment, key", [
    ("hub_defaults.auth.github.client_secret=plain", "pangeo-hubs:hub_defaults.auth.github.client_secret"),
    ("monitoring.grafana.github.client_secret=plain", "pangeo-hubs:monitoring.grafana.github.client_secret"),
    ("monitoring.alerts.smtp.password=plain", "pangeo-hubs:monitoring.alerts.smtp.password"),
    ("hubs.prod.migration.legacy_hub={namespace: old, kubeconfig: plain}",
     "pangeo-hubs:hubs.prod.migration.legacy_hub.kubeconfig"),
    ("legacy={cluster: {kubeconfig: plain}}", "pangeo-hubs:legacy.cluster.kubeconfig"),
])
def test_every_secret_key_given_as_plain_text_is_refused(tmp_path, assignment, key):
    result = _cli("gcp", "--stack-file", str(_stack_file(tmp_path, "gcp", assignment)))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{key}: is plain text in Pulumi.gcp.yaml"), result.stderr
    assert f"pulumi config set --secret --path '{key}' -s gcp" in result.stderr


@pytest.mark.parametrize("stack", ["gcp", "aws-us-west-2"])
def test_the_shipped_stack_files_hold_no_plain_text_secret(stack):
    from infra.config.secrets import plaintext_secrets
    assert plaintext_secrets(read_stack_file(REPO / f"Pulumi.{stack}.yaml"), stack) == []


def test_a_set_stand_in_for_a_secret_is_not_refused():
    """`--set` values are offline stand-ins that never reach the stack file."""
    from infra.plan.run import stack_values
    assert stack_values("gcp", overrides=("hubs.prod.auth.github.client_secret=x",))


def _program_problems(values: dict, secret_keys: list[str]) -> list[str]:
    """What the program refuses when the engine hands it `values` and names `secret_keys` secret."""
    import pulumi

    from infra import program
    run.with_config({k: v for k, v in values.items() if k.startswith("pangeo-hubs:")}, secret_keys)
    with pytest.raises(pulumi.RunError) as error:
        run.run_program(program.main, stack="gcp")
    return str(error.value).splitlines()


def test_under_the_engine_a_secret_in_a_key_it_does_not_call_secret_is_refused():
    values = gcp_values("monitoring.grafana.github.client_secret=plain")
    assert _program_problems(values, secret_keys=["pangeo-hubs:hubs"]) == [
        "pangeo-hubs:monitoring.grafana.github.client_secret: is plain text in Pulumi.gcp.yaml, which is committed; "
        "encrypt it with `pulumi config set --secret --path 'pangeo-hubs:monitoring.grafana.github.client_secret' "
        "-s gcp` (it prompts for the value); rotate the secret if the file was pushed"]


def test_under_the_engine_a_decrypted_secret_is_accepted():
    """The same value under a key the engine lists as secret: the program goes on to its other checks."""
    values = gcp_values("monitoring.grafana.github.client_secret=decrypted", "cloud.zone=elsewhere")
    problems = _program_problems(values, secret_keys=["pangeo-hubs:monitoring"])
    assert problems and not any("plain text" in line for line in problems)
    assert any(line.startswith("pangeo-hubs:cloud.zone:") for line in problems)


def test_docs_list_every_secret_key_of_the_config_tree():
    from infra.config.secrets import SECRET_PATHS
    section = (REPO / "docs/config.md").read_text().split("## Secrets", 1)[1].split("\n## ", 1)[0]
    for path in [p for p in SECRET_PATHS if p[0] != "hub_defaults"]:  # hubs' own keys, merged from there
        assert f"`{'.'.join(path).replace('*', '<name>')}`" in section, path


def test_secret_keys_the_sdk_was_given_directly_count_as_the_engines(monkeypatch):
    """The Automation API hands an inline program its secret keys through the SDK, not the environment."""
    from pulumi.runtime import config as runtime_config

    from infra import program
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS", raising=False)
    values = {"pangeo-hubs:hubs": "{}", "pangeo-hubs:cloud": "{}"}
    runtime_config.set_all_config({}, ["pangeo-hubs:hubs"])
    try:
        assert program.engine_secret_keys(values) == {"pangeo-hubs:hubs"}
    finally:
        runtime_config.set_all_config({}, [])


def test_what_the_program_refuses_after_the_plans_own_checks_is_a_config_error(tmp_path):
    """`ci: null` passes the plan's check (ci is optional) but reaches the program as the engine's
    text 'null'; its refusal is the plan's exit 2 with its lines, not a RunError traceback."""
    values = read_stack_file(REPO / "Pulumi.aws-us-west-2.yaml")
    stack_file = tmp_path / "Pulumi.aws-us-west-2.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {**values, "pangeo-hubs:ci": None}}))
    with pytest.raises(ConfigError) as error:
        run.plan("aws-us-west-2", stack_file=stack_file)
    assert error.value.problems == ["pangeo-hubs:ci: input should be a valid dictionary or instance of CiConfig, "
                                    "got 'null'"]
