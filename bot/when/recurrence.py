"""Recurrences ("elke eerste dinsdag", "every last friday") and their occurrences.

Recurrences are a tiny grammar of their own and are expanded with dateutil's rrule on naive
local wall-clock times, so 19:30 stays 19:30 across daylight-saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from bot.when.words import ORDINALS, WEEKDAYS, alternatives

Frequency = Literal["weekly", "monthly_weekday", "monthly_day"]

_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WD = rf"(?P<weekday>{alternatives(WEEKDAYS)})"
_EVERY = r"(?:elke|iedere|every)"
_OF_MONTH = r"(?:\s+(?:van\s+de\s+maand|of\s+the\s+month))?"
_DAY = r"(?P<day>\d{1,2})(?:ste|de|st|nd|rd|th|e)?"
_WEEKLY = re.compile(rf"(?:{_EVERY}|(?:wekelijks|weekly)\s+(?:op|on))\s+{_WD}")
_MONTHLY_WEEKDAY = re.compile(rf"{_EVERY}\s+(?P<nth>{alternatives(ORDINALS)})\s+{_WD}{_OF_MONTH}")
_MONTHLY_DAY = re.compile(
    rf"(?:(?:{_EVERY}\s+(?:maand|month)|maandelijks|monthly)"
    rf"(?:\s+(?:op\s+de|op|on\s+the|on|de|the))?|{_EVERY})\s+{_DAY}{_OF_MONTH}"
)
EVERY = re.compile(rf"\b{_EVERY}\b|\b(?:wekelijks|weekly|maandelijks|monthly)\b")


class NotARecurrence(ValueError):
    """It says "every", but not a rhythm we keep ("elke dag", "every 32nd")."""


@dataclass(frozen=True, slots=True)
class Recurrence:
    """How an event repeats; weekday 0 is Monday, nth -1 is the last one in the month."""

    frequency: Frequency
    weekday: int | None = None
    nth: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        valid = {
            "weekly": self.weekday in range(7) and self.nth is None and self.day is None,
            "monthly_weekday": self.weekday in range(7)
            and self.nth in (1, 2, 3, 4, -1)
            and self.day is None,
            "monthly_day": self.day in range(1, 32) and self.weekday is None and self.nth is None,
        }
        if not valid.get(self.frequency, False):
            raise ValueError(f"not a valid recurrence: {self!r}")

    def encode(self) -> str:
        """Compact form for the database: "weekly:1", "monthly_weekday:1:-1", "monthly_day:15"."""
        if self.frequency == "weekly":
            return f"weekly:{self.weekday}"
        if self.frequency == "monthly_weekday":
            return f"monthly_weekday:{self.weekday}:{self.nth}"
        return f"monthly_day:{self.day}"

    @classmethod
    def decode(cls, text: str) -> Recurrence:
        """The inverse of :meth:`encode`; ValueError on anything else."""
        try:
            match text.split(":"):
                case ["weekly", weekday]:
                    return cls("weekly", weekday=int(weekday))
                case ["monthly_weekday", weekday, nth]:
                    return cls("monthly_weekday", weekday=int(weekday), nth=int(nth))
                case ["monthly_day", day]:
                    return cls("monthly_day", day=int(day))
        except ValueError as exc:
            raise ValueError(f"not an encoded recurrence: {text!r}") from exc
        raise ValueError(f"not an encoded recurrence: {text!r}")

    def rrule(self) -> dict[str, list[object] | object]:
        """RFC 5545 RRULE parts, as icalendar's ``vRecur`` takes them."""
        if self.frequency == "weekly":
            return {"FREQ": "WEEKLY", "BYDAY": _ICAL_DAYS[_known(self.weekday)]}
        if self.frequency == "monthly_weekday":
            return {"FREQ": "MONTHLY", "BYDAY": f"{self.nth}{_ICAL_DAYS[_known(self.weekday)]}"}
        return {"FREQ": "MONTHLY", "BYMONTHDAY": self.day}

    def dateutil_rule(self, start_local: datetime) -> du.rrule:
        """The dateutil rule from a naive local ``start_local`` (wall clock, no zone)."""
        if self.frequency == "weekly":
            return du.rrule(du.WEEKLY, dtstart=start_local, byweekday=_known(self.weekday))
        if self.frequency == "monthly_weekday":
            byweekday = du.weekdays[_known(self.weekday)](_known(self.nth))
            return du.rrule(du.MONTHLY, dtstart=start_local, byweekday=byweekday)
        # Months without that day are skipped, as RFC 5545 says (no 31st in April).
        return du.rrule(du.MONTHLY, dtstart=start_local, bymonthday=self.day)


def _known(value: int | None) -> int:
    assert value is not None  # __post_init__ checked the fields this frequency needs
    return value


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a wall-clock time.

    A time in the spring-forward gap (02:30 on the last Sunday of March) moves forward by
    the gap (03:30 summer time); an ambiguous one in the autumn takes the first, summer-time
    instant (fold=0). The round trip through UTC makes the result a real local time.
    """
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def next_occurrences(
    start_local: datetime,
    recurrence: Recurrence | None,
    tz: ZoneInfo,
    *,
    after: datetime,
    count: int = 1,
) -> list[datetime]:
    """The next ``count`` occurrences strictly after the aware ``after``, aware in ``tz``.

    ``start_local`` is the series start as a naive wall-clock time in ``tz`` (an aware one is
    converted to that first). Every occurrence keeps its wall-clock time across DST changes.
    """
    if start_local.tzinfo is not None:
        start_local = start_local.astimezone(tz).replace(tzinfo=None)
    if count <= 0:
        return []
    if recurrence is None:
        start = localize(start_local, tz)
        return [start] if start > after else []
    # Naive and real order can differ by an hour around DST changes: start a little early.
    from_local = after.astimezone(tz).replace(tzinfo=None) - timedelta(days=2)
    found: list[datetime] = []
    for naive in recurrence.dateutil_rule(start_local).xafter(from_local, inc=True):
        moment = localize(naive, tz)
        if moment > after:
            found.append(moment)
            if len(found) == count:
                break
    return found


def parse_recurrence(text: str) -> Recurrence | None:
    """The rhythm in ``text`` (with the time already taken out), or None if it names none."""
    if found := _WEEKLY.fullmatch(text):
        return Recurrence("weekly", weekday=WEEKDAYS[found["weekday"]])
    if found := _MONTHLY_WEEKDAY.fullmatch(text):
        weekday, nth = WEEKDAYS[found["weekday"]], ORDINALS[found["nth"]]
        return Recurrence("monthly_weekday", weekday=weekday, nth=nth)
    if found := _MONTHLY_DAY.fullmatch(text):
        day = int(found["day"])
        if not 1 <= day <= 31:
            raise NotARecurrence(text)
        return Recurrence("monthly_day", day=day)
    return None
