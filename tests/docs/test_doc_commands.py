"""Every `python -m infra...` and `make ...` command shown in README.md and docs/*.md runs as written.

Commands are taken from fenced code blocks (lines starting with the command, or with
`$ ` before it) and from inline code spans. Each runs in bash from the repository root
with the virtualenv's bin first on PATH, and must exit 0, or fail the way the docs say
(EXPECTED_FAILURES). A command that cannot run here is in EXCLUDED, with the reason.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_START = r"(?:\.venv/bin/)?python -m infra|make "
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
_INLINE = re.compile(rf"`((?:{_START})[^`]*)`")

EXCLUDED = {
    "make test": "the whole test suite, this test included",
    "make bench": "minutes of benchmarks, and it rewrites docs/benchmarks.md",
    "python -m infra.plan diff": "names the subcommand in prose (docs/migration.md), not a command: no stack",
    "python -m infra.plan": "names the tool (\"`make plan` (`python -m infra.plan`)\"), not a command: no stack",
    ".venv/bin/python -m infra.bootstrap aws --region us-west-2 --bucket pangeo-hubs-pulumi-state":
        "creates a bucket and a KMS key in a real AWS account (tests/aws covers it under moto)",
    "make plan STACK=myhub": "docs/daskhub.md tutorial: needs the reader's own Pulumi.myhub.yaml",
    "python -m infra.plan myhub --set hubs.prod.idle_timeout_minutes=120":
        "docs/daskhub.md tutorial: needs the reader's own Pulumi.myhub.yaml",
    "python -m infra.plan STACK --json": "placeholder STACK (docs/estimates.md); `python -m infra.plan gcp --json` runs",
    "python -m infra.plan gcp --set KEY.PATH=VALUE": "placeholder KEY.PATH=VALUE (docs/config.md)",
    'python -m infra.plan diff STACK --base "$BASE_SHA"': "placeholders STACK and $BASE_SHA (docs/review.md, a CI job)",
    "python -m infra.bootstrap aws": "names the tool (docs/aws.md); it creates resources in a real AWS account",
    "python -m infra.migrate map-usernames old-homes.txt --users old-users.txt > migration/prod.map.tsv":
        "needs the old hub's listing and user list (docs/migration.md); tests/unit/test_migrate.py runs the command",
}

# Commands the docs show failing: the exit status and a line of the output they show.
EXPECTED_FAILURES = {
    "python -m infra.plan gcp --set hubs.prod.home.capacity_gb=512":
        (2, "pangeo-hubs:hubs.prod.home.capacity_gb: must be 1024 to 63900 for BASIC_HDD, got 512"),
    "python -m infra.plan gcp --set monitoring.alerts.smtp.port=25":
        (2, "pangeo-hubs:monitoring.alerts.smtp.port: must not be 25: gcp blocks outbound SMTP there"),
    "python -m infra.plan dev --project examples/daskhub":
        (2, "my-daskhub:hub.auth.github.client_secret: secret is not set; "
            "run: pulumi config set --secret --path hub.auth.github.client_secret -s dev"),
}


def _documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def doc_commands() -> dict[str, str]:
    """command -> the first document that shows it."""
    found: dict[str, str] = {}
    for doc in _documents():
        text = doc.read_text()
        name = doc.relative_to(REPO).as_posix()
        for block in _FENCE.findall(text):
            for line in block.splitlines():
                line = line.strip().removeprefix("$ ")
                if re.match(_START, line):
                    found.setdefault(re.split(r"\s+#", line, maxsplit=1)[0].strip(), name)
        for command in _INLINE.findall(_FENCE.sub("", text)):
            found.setdefault(command.strip(), name)
    return found


COMMANDS = doc_commands()


def test_commands_are_found():
    assert "make plan" in COMMANDS and "python -m infra.plan gcp --json" in COMMANDS
    assert any(c.startswith("python -m infra.plan diff") for c in COMMANDS)


def test_each_exclusion_is_a_command_the_docs_still_show():
    """An exclusion outliving its command would hide the next command written the same way."""
    assert sorted(set(EXCLUDED) - set(COMMANDS)) == []


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - set(EXCLUDED)), ids=lambda c: c[:80])
def test_documented_command_runs(command):
    env = {k: v for k, v in os.environ.items() if k not in ("PULUMI_CONFIG",)}
    env["PATH"] = f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.path.dirname(sys.executable)}{os.pathsep}{env['PATH']}"
    done = subprocess.run(["bash", "-c", command], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    status, line = EXPECTED_FAILURES.get(command, (0, ""))
    assert done.returncode == status, f"{COMMANDS[command]}: `{command}` exited {done.returncode}\n{done.stderr[-3000:]}"
    assert line in done.stdout + done.stderr
