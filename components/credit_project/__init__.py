"""Where the credits are: budgets, alerts and cost labels, per cloud."""

from .base import CreditProject

__all__ = ["CreditProject"]
