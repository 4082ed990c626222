"""A hub of the stack: a DaskHub's settings, plus the home, binder and migration the stack gives it."""

from pydantic import model_validator

from components.binder_hub.args import Binder, PublicBinder
from components.dask_hub.args import DaskHubConfig, Profile
from components.fields import reject
from components.nfs_home.args import HOME_TIERS, Home

from .migration import Migration

__all__ = ["HOME_TIERS", "Home", "HubConfig", "Profile", "PublicBinder"]


class HubConfig(DaskHubConfig):
    """Everything that differs between two hubs of the same stack."""

    home: Home = Home()
    binder: Binder = Binder()
    migration: Migration = Migration()

    @model_validator(mode="after")
    def _binder(self):
        problems = [
            ("binder.builders", f"unknown group {group!r}; groups: {', '.join(self.groups) or 'none'}")
            for group in self.binder.builders
            if group not in self.groups
        ]
        if self.binder.mode == "public":
            # Anonymous users' servers get no storage and no cloud credentials.
            problems += [(f"{section}.enabled", "must be false on a public binder (its users are anonymous)")
                         for section in ("scratch", "shared_directory") if getattr(self, section).enabled]
            if self.sharing.groups:
                problems.append(("sharing.groups", "must be empty on a public binder (its users are anonymous)"))
        reject(problems)
        return self
