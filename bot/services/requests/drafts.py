"""What a request says before it exists, and when it is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import Category, DomainError, Visibility, WhenKind
from bot.durations import DailyWindow


class EmptyRequest(DomainError):
    """Nothing left to ask once the tags are taken out."""


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    after: timedelta
    urgent_after: timedelta
    quiet_hours: DailyWindow

    def first(self, base: datetime, urgent: bool, zone: ZoneInfo) -> datetime:
        """When a request posted (or reopened) at ``base`` is first brought to attention."""
        if urgent:
            return base + self.urgent_after
        return self.quiet_hours.defer(base + self.after, zone)

    def second(self, first: datetime, urgent: bool, zone: ZoneInfo) -> datetime:
        """The step after the first: the same wait again (after quiet hours if not urgent)."""
        step = self.urgent_after if urgent else self.after
        return first + step if urgent else self.quiet_hours.defer(first + step, zone)


@dataclass(frozen=True, slots=True)
class RequestDraft:
    """What a request says before it exists: typed in one line, or built step by step."""

    category: Category
    text: str
    when: WhenKind
    day: date | None  # only for WhenKind.DATE
    urgent: bool
    visibility: Visibility

    def deadline(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """When the request expires: after the picked day, or as its "when" says."""
        if self.when is WhenKind.DATE and self.day is not None:
            return end_of_day(self.day, zone)
        return needed_by(self.when, now, zone)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight after ``day``: a request for that day expires then."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def needed_by(when: WhenKind, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The end of the day (local) by which help is needed; the request expires after it."""
    today = now.astimezone(zone).date()
    days = {WhenKind.TODAY: 0, WhenKind.TOMORROW: 1}
    if when in days:
        day = today + timedelta(days=days[when])
    elif when is WhenKind.WEEK:
        day = today + timedelta(days=6 - today.weekday())  # through Sunday
    else:
        return None
    return end_of_day(day, zone)
