"""``parse_when``: one reader for every place a date and time are typed.

"zaterdag 14:00", "vanavond half acht", "volgende week dinsdag 10-12u", "eerste kerstdag 15
uur", "every first tuesday 7:30pm". The time is read first (``clock``), then the day
(``days``) or the rhythm (``recurrence``) from what is left. A time is one time: of "14:00
12.12" the date is "12.12", and "za 12.12" alone is a date still without a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.when.clock import ClockReading, NoTime, hour_of_day, read_clock, read_part
from bot.when.days import NotADay, read_day
from bot.when.recurrence import (
    EVERY,
    NotARecurrence,
    Recurrence,
    localize,
    next_occurrences,
    parse_recurrence,
)
from bot.when.words import DAY_WORDS, EVENING_NAMES, DayPart, alternatives, suggest

WhenReason = Literal["empty", "not_a_date", "no_time", "past", "bad_range", "wrong_weekday"]
LONGEST = timedelta(hours=16)  # a range longer than this is a typing slip, not an activity

_TODAY_WITH_PART = [
    (re.compile(r"\bvanochtend\b|\bvanmorgen\b"), "vandaag ochtend"),
    (re.compile(r"\bvanmiddag\b"), "vandaag middag"),
    (re.compile(r"\bvanavond\b"), "vandaag avond"),
    (re.compile(r"\bvannacht\b"), "vandaag nacht"),
    (re.compile(r"\btonight\b"), "today evening"),
    (re.compile(r"\bthis\s+(morning|afternoon|evening)\b"), r"today \1"),
]
# "woensdagmiddag", "zondagmorgen", "morgenochtend": a day joined to a part of it.
_JOINED = re.compile(
    r"\b(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|overmorgen|morgen)"
    r"\s?(ochtend|morgen|middag|avond|nacht)\b"
)
_EVENING_NAMES = re.compile(rf"\b(?:{alternatives(EVENING_NAMES)})\b")
_FILLER = re.compile(r"^(?:\s|,|\bom\b|\bat\b|\bop\b|\bon\b)+|(?:\s|,|\bom\b|\bat\b)+$")


class WhenError(ValueError):
    """The text is not a usable moment; ``reason`` says why (for a translated reply).

    ``typed_time`` and ``typed_day`` are what was read of each, so a refusal can give
    examples close to what was typed; ``suggestion`` is the text with a misspelt day put
    right ("zaterdga 14:00" → "zaterdag 14:00"), only when that reads; ``date`` is the date of
    a wrong weekday or of a day and month just passed ("21-11"); ``part`` the part of the day
    typed without a time ("morgenavond"); ``local_now`` when it was read, in the zone (for
    "it is 15:20 now", and to read the examples of a refusal before they are offered).
    """

    def __init__(
        self,
        reason: WhenReason,
        *,
        typed_time: str | None = None,
        typed_day: str | None = None,
        suggestion: str | None = None,
        date: date | None = None,
        part: DayPart | None = None,
        local_now: datetime | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason: WhenReason = reason
        self.typed_time = typed_time
        self.typed_day = typed_day
        self.suggestion = suggestion
        self.date = date
        self.part = part
        self.local_now = local_now


@dataclass(frozen=True, slots=True)
class When:
    """A parsed `<when>`: the first occurrence (aware, in the zone), how it repeats, how long
    it lasts when a range was typed, and the part of the day the reader chose, if it did."""

    start: datetime
    recurrence: Recurrence | None
    length: timedelta | None = None
    # The part of the day taken for a time typed without one: "om 2 uur" is the afternoon,
    # "half acht" typed after half past seven in the morning is this evening. Shown back.
    assumed: DayPart | None = None

    @property
    def length_minutes(self) -> int | None:
        return None if self.length is None else int(self.length.total_seconds() // 60)


def normalise(text: str) -> str:
    """Lower case, one kind of quote and dash, single spaces, joined words split."""
    text = " ".join(text.lower().replace("’", "'").replace("‘", "'").split())
    text = text.replace("—", "-").replace("–", "-")
    for pattern, replacement in _TODAY_WITH_PART:
        text = pattern.sub(replacement, text)

    def split(found: re.Match[str]) -> str:
        part = "ochtend" if found[2] == "morgen" else found[2]
        return f"{found[1]} {part}"

    return _JOINED.sub(split, text)


def parse_when(text: str, *, now: datetime, tz: ZoneInfo, on: date | None = None) -> When:
    """Read "zaterdag 14:00", "vanavond half acht", "10-12u", "every last friday 3pm" and more.

    A bare weekday that is today means today while its time is still ahead, otherwise next
    week; "volgende"/"next" with a weekday is never today. An hour from 1 to 6 with no part of
    the day is the afternoon (``assumed`` says so). A recurrence starts at its first
    occurrence strictly after ``now``. ``on`` is the day meant when only a time is typed (a
    move keeps the day); without it that is today. Raises WhenError.
    """
    try:
        return _parse(text, now=now, tz=tz, on=on)
    except WhenError as exc:
        if exc.reason == "not_a_date":
            typed = " ".join(text.lower().split())
            exc.suggestion = suggest(typed, DAY_WORDS, lambda fixed: _reads(fixed, now, tz))
        raise


def _reads(text: str, now: datetime, tz: ZoneInfo) -> bool:
    try:
        _parse(text, now=now, tz=tz, on=None)
    except WhenError:
        return False
    return True


def _parse(text: str, *, now: datetime, tz: ZoneInfo, on: date | None) -> When:
    local_now = now.astimezone(tz)
    compact = normalise(text)
    if not compact:
        raise WhenError("empty", local_now=local_now)
    evening = DayPart.EVENING if _EVENING_NAMES.search(compact) else None
    try:
        clock = read_clock(compact, evening)
    except NoTime:
        part, day_words = read_part(compact)
        day_words = _FILLER.sub("", day_words)
        raise WhenError(
            "no_time", typed_day=day_words or None, part=part or evening, local_now=local_now
        ) from None
    rest = _FILLER.sub("", clock.rest)
    if clock.maybe_a_date:  # "za 12.12": the day and the month, and no time yet
        _refuse_a_date_without_time(clock, local_now)
    hour, extra_days, assumed = hour_of_day(clock.start, clock.part)
    this_morning = datetime.combine(local_now.date(), time(hour, clock.start.minute))
    undecided_today = _undecided(clock) and not rest and clock.end is None and on is None
    if undecided_today and hour < 12 and localize(this_morning, tz) <= now:
        hour, assumed = hour + 12, DayPart.EVENING  # "half acht" at ten: tonight, not past
    at = time(hour, clock.start.minute)

    def refuse(reason: WhenReason, wrong: date | None = None) -> WhenError:
        return WhenError(
            reason, typed_time=clock.typed, typed_day=rest or None, date=wrong, local_now=local_now
        )

    if EVERY.search(rest):
        try:
            recurrence = parse_recurrence(rest)
        except NotARecurrence:
            recurrence = None
        if recurrence is None:
            raise refuse("not_a_date")
        first_local = datetime.combine(local_now.date(), at)
        start = next_occurrences(first_local, recurrence, tz, after=now)[0]
        return When(start, recurrence, _length(clock, start, tz, refuse), assumed)

    def ahead(day: date) -> bool:
        return localize(datetime.combine(day, at) + timedelta(days=extra_days), tz) > now

    try:
        day = (
            on
            if on is not None and not rest
            else read_day(rest, today=local_now.date(), ahead=ahead)
        )
        start = localize(datetime.combine(day, at) + timedelta(days=extra_days), tz)
    except NotADay as exc:
        if exc.passed is not None:
            raise refuse("past", exc.passed) from None
        if exc.wrong_weekday is not None:
            raise refuse("wrong_weekday", exc.wrong_weekday) from None
        raise refuse("not_a_date") from None
    except (OverflowError, ValueError):
        raise refuse("not_a_date") from None
    if start <= now:
        raise refuse("past")
    return When(start, None, _length(clock, start, tz, refuse), assumed)


def _refuse_a_date_without_time(clock: ClockReading, local_now: datetime) -> None:
    """ "za 12.12" and "12.12" are a day without a time (asked for); "vandaag 10.10" is a time.

    Raises WhenError when ``clock``'s only time reads better as the date it looks like.
    """
    day_text = _FILLER.sub("", f"{clock.rest} {clock.typed}")
    looks_like = tuple(int(number) for number in clock.typed.split("."))
    reason: WhenReason = "no_time"
    try:
        day: date | None = read_day(day_text, today=local_now.date(), ahead=lambda _: True)
    except NotADay as exc:
        day = exc.passed or exc.wrong_weekday
        reason = "past" if exc.passed else "wrong_weekday"
    except (OverflowError, ValueError):
        return
    if day is None or (day.day, day.month) != looks_like:
        return  # no such day with it: the time it looks like
    if reason == "no_time":
        raise WhenError(reason, typed_day=day_text, part=clock.part, local_now=local_now)
    raise WhenError(reason, date=day, local_now=local_now)


def _length(
    clock: ClockReading, start: datetime, tz: ZoneInfo, refuse: Callable[[WhenReason], WhenError]
) -> timedelta | None:
    """How long from ``start`` to the range's end, on the wall clock; None without a range."""
    if clock.end is None:
        return None
    hour, extra_days, _ = hour_of_day(clock.end, clock.part)
    begin = start.astimezone(tz).replace(tzinfo=None)
    end = datetime.combine(begin.date(), time(hour, clock.end.minute)) + timedelta(days=extra_days)
    if end <= begin and not clock.end.definite and clock.end.meridiem is None and hour < 12:
        end += timedelta(hours=12)  # "van 11 tot 1": one in the afternoon
    if end <= begin and begin.hour >= 17:
        end += timedelta(days=1)  # "22:00-01:00" ends after midnight
    length = end - begin
    if not timedelta(0) < length <= LONGEST:
        raise refuse("bad_range")
    return length


def _undecided(clock: ClockReading) -> bool:
    """Whether the time leaves morning or evening open ("half acht", "om 8 uur")."""
    start = clock.start
    return clock.part is None and start.meridiem is None and not start.definite
