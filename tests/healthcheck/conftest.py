"""Fixtures live in hc_support.py (a unique module name, importable by tests)."""

from hc_support import chp, gateway, hub, run_check  # noqa: F401
