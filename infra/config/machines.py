"""Machine shapes live with the sizing rules in components/sizing.py; re-exported for infra's importers."""

from components.sizing import MACHINES, Machine

__all__ = ["MACHINES", "Machine"]
