"""When GKE may upgrade the cluster: a weekly window in the users' time zone, and exclusions.

GKE auto-upgrades (control plane and node pools, release channel included) only
inside the maintenance window and outside every exclusion
(https://cloud.google.com/kubernetes-engine/docs/concepts/maintenance-windows-and-exclusions).
"""

import datetime
import zoneinfo
from typing import Literal

from pydantic import Field, model_validator

from components.fields import Base, Int, Key, reject

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
Day = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
# GKE: a maintenance window allows at least 48 hours of availability in any 32-day
# rolling window, counting only contiguous stretches of at least 4 hours (same page,
# "Maintenance window availability"). A weekday occurs at least 4 times in 32 days.
MIN_AVAILABLE_HOURS = 48
MIN_STRETCH_HOURS = 4
ROLLING_DAYS = 32
# A NO_UPGRADES exclusion lasts at most 30 days (same page, "Scope of upgrades").
MAX_NO_UPGRADES_DAYS = 30


class MaintenanceExclusion(Base):
    """Dates (in the window's time zone) when GKE must not upgrade, e.g. a workshop."""

    start: datetime.date = Field(description="First day of the exclusion.")
    end: datetime.date = Field(description="Day the exclusion ends (at its start).")
    scope: Literal["NO_UPGRADES", "NO_MINOR_UPGRADES", "NO_MINOR_OR_NODE_UPGRADES"] = Field(
        "NO_MINOR_OR_NODE_UPGRADES",
        description="What GKE holds back: NO_MINOR_OR_NODE_UPGRADES keeps nodes (and users' servers) "
        "untouched and still allows control-plane patches.",
    )

    @model_validator(mode="after")
    def _ordered(self):
        problems = []
        if self.end <= self.start:
            problems.append(("end", f"must be after start ({self.start}), got {self.end}"))
        elif self.scope == "NO_UPGRADES" and (self.end - self.start).days > MAX_NO_UPGRADES_DAYS:
            problems.append(("end", f"a NO_UPGRADES exclusion lasts at most {MAX_NO_UPGRADES_DAYS} days on GKE, "
                                    f"got {(self.end - self.start).days}"))
        reject(problems)
        return self


class Maintenance(Base):
    """A weekly window, local to the hub's users, in which GKE may upgrade and repair nodes."""

    time_zone: str = Field("America/New_York", description="IANA time zone of the hubs' users.")
    days: list[Day] = Field(["SA", "SU"], min_length=1, description="Days the window opens (RRULE BYDAY codes).")
    start_hour: Int = Field(0, ge=0, le=23, description="Local hour the window opens on each of `days`.")
    hours: Int = Field(24, ge=MIN_STRETCH_HOURS, le=24, description="How long each opening lasts.")
    exclusions: dict[Key, MaintenanceExclusion] = Field(
        default_factory=dict, description="Named date ranges without upgrades.")

    @model_validator(mode="after")
    def _enough_availability(self):
        problems = []
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(("time_zone", f"must be an IANA time zone such as America/New_York, got {self.time_zone!r}"))
        if len(set(self.days)) != len(self.days):
            problems.append(("days", "must not repeat a day"))
        available = ROLLING_DAYS // 7 * len(set(self.days)) * self.hours
        if available < MIN_AVAILABLE_HOURS:
            problems.append(("hours", f"GKE needs at least {MIN_AVAILABLE_HOURS} hours of maintenance window in any "
                                      f"{ROLLING_DAYS} days; {len(set(self.days))} day(s) of {self.hours} hours give {available}"))
        reject(problems)
        return self

    def recurring_window(self) -> dict[str, str]:
        """GKE's `recurring_window` (UTC times, an RRULE) for this local window.

        GKE keeps the window in UTC, so it is fixed from the zone's January offset:
        where daylight saving applies, it opens an hour later in local summer time.
        """
        zone = zoneinfo.ZoneInfo(self.time_zone)
        first = DAYS.index(self.days[0])
        # 2024-01-01 is a Monday: the first configured day of that week, in January.
        local = datetime.datetime(2024, 1, 1 + first, self.start_hour, tzinfo=zone)
        start = local.astimezone(datetime.timezone.utc)
        shift = (start.date() - local.date()).days
        days = [DAYS[(DAYS.index(d) + shift) % 7] for d in self.days]
        end = start + datetime.timedelta(hours=self.hours)
        return {
            "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end_time": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "recurrence": f"FREQ=WEEKLY;BYDAY={','.join(days)}",
        }

    def exclusion_windows(self) -> list[dict]:
        """GKE's `maintenance_exclusions`, each from local midnight to local midnight."""
        zone = zoneinfo.ZoneInfo(self.time_zone)

        def utc(day: datetime.date) -> str:
            midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=zone)
            return midnight.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

        return [
            {"exclusion_name": name, "start_time": utc(e.start), "end_time": utc(e.end),
             "exclusion_options": {"scope": e.scope}}
            for name, e in sorted(self.exclusions.items())
        ]
