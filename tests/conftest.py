import pytest

from infra.plan import plan


@pytest.fixture(scope="session")
def gcp_plan():
    return plan("gcp")


def pytest_terminal_summary(terminalreporter):
    """The config fuzzer's case count (tests/unit/test_config_fuzz.py), which it records on its
    report: print() in a test is swallowed, and under pytest-xdist the report is what reaches here."""
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", ()):
            if name == "config_fuzz" and report.when == "call":
                terminalreporter.write_line(f"config fuzzer: {value}")
