"""Replays an offline plan into moto's in-process AWS, so AWS's own rules (as moto models them) judge it."""

from .apply import MotoRejection, MotoRun, apply_plan, moto_aws
from .handlers import HANDLERS, NOT_MODELED

__all__ = ["HANDLERS", "NOT_MODELED", "MotoRejection", "MotoRun", "apply_plan", "moto_aws"]
