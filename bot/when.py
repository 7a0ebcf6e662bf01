"""The `<when>` of a command ("zaterdag 14:00", "every first tuesday 7:30pm") and recurrences.

Dateparser reads the date; the time is read here first, because dateparser gets times wrong
("19 uur" becomes 05:00, "vandaag 19.30" loses the time). Recurrences are a tiny grammar of
their own and are expanded with dateutil's rrule on naive local wall-clock times, so 19:30
stays 19:30 across daylight-saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import dateparser  # type: ignore[import-untyped]
from dateutil import rrule as du

Frequency = Literal["weekly", "monthly_weekday", "monthly_day"]
WhenReason = Literal["empty", "not_a_date", "no_time", "past"]

_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ENGLISH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = {
    **dict.fromkeys(("maandag", "ma", "monday", "mon"), 0),
    **dict.fromkeys(("dinsdag", "di", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("woensdag", "wo", "wednesday", "wed"), 2),
    **dict.fromkeys(("donderdag", "do", "thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("vrijdag", "vr", "friday", "fri"), 4),
    **dict.fromkeys(("zaterdag", "za", "saturday", "sat"), 5),
    **dict.fromkeys(("zondag", "zo", "sunday", "sun"), 6),
}
_ORDINALS = {
    **dict.fromkeys(("eerste", "1e", "1ste", "first", "1st"), 1),
    **dict.fromkeys(("tweede", "2e", "2de", "second", "2nd"), 2),
    **dict.fromkeys(("derde", "3e", "3de", "third", "3rd"), 3),
    **dict.fromkeys(("vierde", "4e", "4de", "fourth", "4th"), 4),
    **dict.fromkeys(("laatste", "last"), -1),
}


def _alternatives(words: dict[str, int]) -> str:
    # Longest first, so "tues" wins over "tue".
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_WD = rf"(?P<weekday>{_alternatives(_WEEKDAYS)})"
_EVERY = r"(?:elke|iedere|every)"
_OF_MONTH = r"(?:\s+(?:van\s+de\s+maand|of\s+the\s+month))?"
_DAY = r"(?P<day>\d{1,2})(?:ste|de|st|nd|rd|th|e)?"

_TIME = re.compile(
    r"""(?:\b(?:om|at)\s+)?                    # "om 19:30", "at 7pm"
    (?<![\d.:/-])(?P<hour>\d{1,2})
    (?:
        [:.](?P<minute>\d{2})(?:\s*(?P<ampm>[ap])\.?m\b\.?)?  # 19:30, 19.30, 7:30 pm
      | \s*(?P<ampm_only>[ap])\.?m\b\.?                      # 4pm, 4 p.m.
      | \s*(?:uur|u|h)(?P<minute_dutch>\d{2})?               # 14 uur, 19u, 14h, 14u30
    )
    (?!\w|[.:/-]\d)                            # not the start of a date like 3.12.2026
    """,
    re.VERBOSE,
)
_WEEKLY = re.compile(rf"(?:{_EVERY}|(?:wekelijks|weekly)\s+(?:op|on))\s+{_WD}")
_MONTHLY_WEEKDAY = re.compile(rf"{_EVERY}\s+(?P<nth>{_alternatives(_ORDINALS)})\s+{_WD}{_OF_MONTH}")
_MONTHLY_DAY = re.compile(
    rf"(?:(?:{_EVERY}\s+(?:maand|month)|maandelijks|monthly)\s+(?:op\s+de|op|on\s+the|on)"
    rf"|{_EVERY})\s+{_DAY}{_OF_MONTH}"
)
# Filler before a weekday that dateparser does not know: "op zaterdag", "komende zaterdag".
_BARE_WEEKDAY = re.compile(rf"(?:(?:op|on|deze|this|komende|aanstaande)\s+)?{_WD}")
_NEXT_WEEKDAY = re.compile(rf"(?:volgende|next)\s+{_WD}")
_FILLER = re.compile(r"^(?:\s|,|\bom\b|\bat\b)+|(?:\s|,|\bom\b|\bat\b)+$")


class WhenError(ValueError):
    """The text is not a usable moment; ``reason`` says why (for a translated reply)."""

    def __init__(self, reason: WhenReason) -> None:
        super().__init__(reason)
        self.reason: WhenReason = reason


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


@dataclass(frozen=True, slots=True)
class When:
    """A parsed `<when>`: the first occurrence (aware, in the zone) and how it repeats."""

    start: datetime
    recurrence: Recurrence | None


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


def parse_when(text: str, *, now: datetime, tz: ZoneInfo) -> When:
    """Read "zaterdag 14:00", "morgen om 19.30", "every last friday 3pm" and the like.

    A bare weekday that is today means today while its time is still ahead ("zaterdag 14:00"
    on Saturday morning is this afternoon), otherwise next week. "volgende"/"next" with a
    weekday means the first such day after today, never today. A day-month date that is
    today means today, even when dateparser would jump to next year. A recurrence starts at
    its first occurrence strictly after ``now``, which may be later today.
    """
    compact = " ".join(text.lower().split())
    if not compact:
        raise WhenError("empty")
    at, rest = _split_time(compact)
    rest = _FILLER.sub("", rest)
    recurrence = _parse_recurrence(rest)
    local_now = now.astimezone(tz)
    if recurrence is not None:
        first_local = datetime.combine(local_now.date(), at)
        return When(next_occurrences(first_local, recurrence, tz, after=now)[0], recurrence)
    day = _parse_day(rest, at, local_now)
    try:
        start = localize(datetime.combine(day, at), tz)
    except OverflowError as exc:  # dateparser can land at the edge of the calendar
        raise WhenError("not_a_date") from exc
    if start <= now:
        raise WhenError("past")
    return When(start, None)


def _split_time(text: str) -> tuple[time, str]:
    """The last time of day in ``text`` and the text without it."""
    matches = list(_TIME.finditer(text))
    if not matches:
        raise WhenError("no_time")
    found = matches[-1]
    hour = int(found["hour"])
    minute = int(found["minute"] or found["minute_dutch"] or 0)
    meridiem = found["ampm"] or found["ampm_only"]
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise WhenError("no_time")
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour > 23 or minute > 59:
        raise WhenError("no_time")
    return time(hour, minute), f"{text[: found.start()]} {text[found.end() :]}".strip()


def _parse_recurrence(text: str) -> Recurrence | None:
    if found := _WEEKLY.fullmatch(text):
        return Recurrence("weekly", weekday=_WEEKDAYS[found["weekday"]])
    if found := _MONTHLY_WEEKDAY.fullmatch(text):
        weekday, nth = _WEEKDAYS[found["weekday"]], _ORDINALS[found["nth"]]
        return Recurrence("monthly_weekday", weekday=weekday, nth=nth)
    if found := _MONTHLY_DAY.fullmatch(text):
        day = int(found["day"])
        if not 1 <= day <= 31:
            raise WhenError("not_a_date")
        return Recurrence("monthly_day", day=day)
    return None


def _parse_day(text: str, at: time, local_now: datetime) -> date:
    """The calendar day in ``text`` ("" is today), relative to the local ``local_now``."""
    today = local_now.date()
    if not text:
        return today
    if found := _NEXT_WEEKDAY.fullmatch(text):
        text = f"next {_ENGLISH_DAYS[_WEEKDAYS[found['weekday']]]}"
    elif (found := _BARE_WEEKDAY.fullmatch(text)) is not None:
        still_ahead = datetime.combine(today, at) > local_now.replace(tzinfo=None)
        if _WEEKDAYS[found["weekday"]] == today.weekday() and still_ahead:
            return today
        text = _ENGLISH_DAYS[_WEEKDAYS[found["weekday"]]]
    # With the time gone, "12.11" is a date; dateparser would read it as 12:11 today.
    text = re.sub(r"(?<=\d)\.(?=\d)", "-", text)
    parsed = _dateparser(text, local_now.replace(tzinfo=None))
    if parsed is None:
        raise WhenError("not_a_date")
    named_today = (parsed.month, parsed.day) == (today.month, today.day)
    if named_today and parsed.year == today.year + 1 and not re.search(r"\d{4}", text):
        return today  # "28-11" on 28 November: dateparser prefers next year
    return parsed


def _dateparser(text: str, base: datetime) -> date | None:
    """Typed wrapper around dateparser (no stubs); only the calendar day is used."""
    settings = {
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "RELATIVE_BASE": base,
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(text, languages=["nl", "en"], settings=settings)
    return parsed.date() if isinstance(parsed, datetime) else None
