"""Fixtures live in stack.py; helpers are shared with tests/healthcheck (hc_support.py)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "healthcheck")]

from hc_support import chp, run_check  # noqa: E402, F401
from stack import stack  # noqa: E402, F401
