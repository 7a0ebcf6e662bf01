"""Human durations ("2h", "30m", "1h30m", "7d") and daily windows ("22:00-07:00")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_PART = re.compile(r"(\d+)\s*([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> timedelta:
    """Parse "2h", "30m", "1h30m", "7d" or "90s"; raise ValueError otherwise."""
    compact = text.strip().lower().replace(" ", "")
    if not compact or _PART.sub("", compact):
        raise ValueError(f"not a duration: {text!r} (use e.g. 2h, 30m, 1h30m, 7d)")
    total = timedelta()
    for amount, unit in _PART.findall(compact):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    if total <= timedelta():
        raise ValueError(f"duration must be positive: {text!r}")
    return total


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """A stretch of local clock time every day, possibly across midnight (quiet hours)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> DailyWindow:
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
        if match is None:
            raise ValueError(f"not a time window: {text!r} (use e.g. 22:00-07:00)")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        try:
            return cls(time(h1, m1), time(h2, m2))
        except ValueError as exc:
            raise ValueError(f"not a time window: {text!r}") from exc

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False  # an empty window: no quiet hours
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def defer(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """``moment`` itself, or the end of the window if it falls inside it (same instant type)."""
        local = moment.astimezone(zone)
        if not self.contains(local.time()):
            return moment
        end_day = local.date()
        if self.start > self.end and local.time() >= self.start:
            end_day += timedelta(days=1)
        # Built from the wall clock, so a DST change in the night still ends at 07:00 local.
        end = datetime.combine(end_day, self.end, tzinfo=zone)
        return end.astimezone(moment.tzinfo)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"
