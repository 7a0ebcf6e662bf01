"""Which nights a family asks the hub home for: "zaterdag", "za 12 dec - zo 13 dec", "vrijdag
tot zondag", "12-14 december", "vanaf vrijdag 3 nachten", "dit weekend", "vannacht".

The end of a range is the day the children go home (the departure), not the last night:
"vrijdag tot zondag" is two nights. Each day is read by ``days.read_day``; this module only
finds the pieces (a count, a range, a weekend) and reads the end relative to the start.

Choices where people mean different things (shown back to the family before anything is sent):

- A weekday that is today is tonight ("zondag" on a Sunday), as is "vannacht", "nu", "now".
  One day without an end or a count is one night, "vanaf vrijdag" too.
- "t/m", "tot en met" and "through" are read like "tot": "vrijdag t/m zondag" goes home on
  Sunday. People name the days the children are away, not the last night.
- "en"/"and" lists nights: "vrijdag en zaterdag" (or "vrijdag- en zaterdagnacht") is Friday
  and Saturday night, home on Sunday. "tussen vrijdag en zondag" is a range like "tot".
- An end with "nacht"/"night" ("tot en met zondagnacht") includes that night; an end with a
  part of the day ("tot zondagmiddag", "tot zondagavond") is the departure.
- A weekend is Friday and Saturday night. "dit weekend" / "het weekend" is the coming one, or
  what is left of it on a Friday (two nights) or Saturday (one); on a Sunday it is next
  weekend, since the nights of this one have gone. "volgend weekend" is, like "volgende
  zaterdag" in ``days``, the first weekend that has not begun: the coming one on Monday to
  Thursday, the one after on Friday to Sunday.
- A day-month passed this year is next year, except one passed in the last eight weeks: "28
  dec" typed on 30 December is a slip, refused as past (``days``); the end of a stay is not.
- A bare day before a month takes the month of the end ("12-14 december"); when it is larger
  than the end's day it is the month before, if that is a stay of at most MAX_NIGHTS
  ("30 t/m 2 januari"), else the range runs backwards ("14 - 12 december").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.when.days import NEEDS_A_WEEKDAY, NotADay, read_day
from bot.when.reader import normalise
from bot.when.words import (
    DAY_PART_WORDS,
    DAY_WORDS,
    MONTH_WORDS,
    MONTHS,
    NUMBERS,
    WEEKDAYS,
    alternatives,
    number,
    suggest,
)

NightsReason = Literal["empty", "not_a_date", "past", "too_long", "backwards", "wrong_weekday"]
MAX_NIGHTS = 14
HORIZON = timedelta(days=2 * 366)  # further ahead than this is a misreading, not a booking


@dataclass(frozen=True, slots=True)
class Nights:
    """The nights asked for: the evening the children come and how many nights they stay."""

    first: date
    count: int

    @property
    def last(self) -> date:
        """The last night they sleep over."""
        return self.first + timedelta(days=self.count - 1)

    @property
    def departure(self) -> date:
        """The morning they go home."""
        return self.first + timedelta(days=self.count)

    def dates(self) -> list[date]:
        """Every night, first to last."""
        return [self.first + timedelta(days=n) for n in range(self.count)]


class NightsError(ValueError):
    """The text is not a usable stay; ``reason`` says why (for a translated reply).

    ``typed`` is the text as typed (tidied), for examples close to it; ``suggestion`` the text
    with a misspelt word put right ("zatredag" → "zaterdag"), only when that reads; ``date``
    the date of a wrong weekday ("za 13 dec" when the 13th is a Sunday) or of a past night.
    """

    def __init__(
        self,
        reason: NightsReason,
        *,
        typed: str | None = None,
        suggestion: str | None = None,
        date: date | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason: NightsReason = reason
        self.typed = typed
        self.suggestion = suggestion
        self.date = date


def parse_nights(text: str, *, today: date, longest: int = MAX_NIGHTS) -> Nights:
    """Read the nights of a sleepover; ``today`` is the local date (tonight may be the first).
    ``longest``: the most nights it may span (a stay 14; a closed period, a summer holiday).

    Raises NightsError, and nothing else.
    """
    typed = _tidy(text)
    if not typed:
        raise NightsError("empty")
    try:
        return _parse(typed, today, longest)
    except NightsError as exc:
        suggestion = _suggestion(typed, today) if exc.reason == "not_a_date" else None
        raise NightsError(exc.reason, typed=typed, suggestion=suggestion, date=exc.date) from None


# -- the pieces --------------------------------------------------------------------------------

_WD = alternatives(WEEKDAYS)
_NIGHT = r"nachtjes|nachtje|nachten|nacht|overnachtingen|overnachting|nights|night|sleeps"
_ONE_NIGHT = {"nachtje", "nacht", "overnachting", "night"}
_COUNT_WORD = rf"\d{{1,2}}|{alternatives(NUMBERS)}|a|an"
_COUNT = re.compile(
    rf"(?:\b(?:voor|for)\s+)?(?<![\w/.-])(?P<n>{_COUNT_WORD})\s+(?P<noun>{_NIGHT})\b"
    rf"|\b(?:voor|for)\s+(?P<weeks>{_COUNT_WORD})\s+(?:weken|week|weeks)\b"
)
_OPENER = re.compile(
    r"^(?:(?:van|vanaf|from|starting|beginning|tussen|between|op|on|per"
    r"|(?:in\s+)?(?:de\s+)?nacht\s+van|(?:the\s+)?night\s+of)\s+)+"
)
_SEPARATOR = re.compile(
    r"\s+(?P<until>tot\s+en\s+met|t/m|t\.m\.?|tm|t\.e\.m\.?|tot|until|till|til|through|thru"
    r"|to|up\s+to)\s+"
    r"|\s+(?P<and>en|and|&|\+)\s+"
    r"|\s+(?P<op>op)\s+"
    r"|(?P<dash>\s*-\s*)"
)
# A dash that splits: spaced, next to a letter ("vr-zo", "12 dec-13 dec"), or between two day
# numbers before a month ("12-14 december"). "12-12" alone is a date.
_STRONG_DASH = re.compile(r"\s-|-\s|(?<=[a-z.])-|-(?=[a-z])")
_DAYS_BEFORE_MONTH = re.compile(r"(?:[a-z]+\s+)?\d{1,2}\s*-\s*\d{1,2}\s*[a-z].*")
_DATE_DASH_DATE = re.compile(r"\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?-\d{1,2}[/.]\d{1,2}\S*")
_PARTS = alternatives([*DAY_PART_WORDS, "overnight"])
_PART = re.compile(rf"(?:(?<![\w'])'s\s*|\b(?:in\s+de|in\s+the|at)\s+)?\b(?P<part>{_PARTS})\b")
_NIGHT_PARTS = {"nacht", "nachts", "night", "overnight"}
_NOW = {"vandaag", "today", "nu", "now", "right now", "nu meteen", "meteen", "direct"}  # tonight
_NOW |= {"deze", "this"}  # what is left of "deze nacht" and "this night"
_BARE_DAY = re.compile(
    rf"(?:(?P<weekday>{_WD})\s+)?(?:de\s+|the\s+)?(?P<day>\d{{1,2}})(?:e|ste|de|st|nd|rd|th)?"
)
_AFTER_START = re.compile(
    rf"(?:de\s+|the\s+)?(?:following\s+)?(?P<weekday>{_WD})"
    r"(?:\s+(?:erna|daarna|daarop|after|after\s+that))?"
)
# An end read from today, not from the start: "morgen", "over 3 dagen" (and, by
# days.NEEDS_A_WEEKDAY, "volgende week zondag").
_FROM_TODAY = re.compile(
    r"^(?:vandaag|today|morgen|tomorrow|overmorgen|(?:the\s+)?day\s+after\s+tomorrow)$"
    r"|\b(?:over|in)\s+\S+\s+(?:dagen|dag|days|day)\b"
)
_WEEKEND = re.compile(
    r"(?:(?:in\s+|op\s+)?(?:dit|deze|het|this|the)\s+)?"
    r"(?:(?P<which>komend|komende|aanstaand|aanstaande|coming|volgend|volgende|next)\s+)?"
    r"weekend(?:\s+(?:van|of)\s+(?P<day>.+))?"
)
_NEXT = {"volgend", "volgende", "next"}
_MONTH = re.compile(rf"\b(?:{alternatives(MONTH_WORDS)})\b")


@dataclass(frozen=True, slots=True)
class _Range:
    start: str
    end: str
    end_is_a_night: bool  # "en"/"and", "zondagnacht": the end is the last night, not departure


def _parse(typed: str, today: date, longest: int = MAX_NIGHTS) -> Nights:
    compact = _prepare(typed)
    count, rest = _take_count(compact)
    if (weekend := _WEEKEND.fullmatch(rest)) is not None:
        first, nights = _weekend(weekend, today)
        return _checked(first, count or nights, today, longest)
    if not rest:
        raise NightsError("not_a_date")  # a number of nights, but from when?
    first, departure = _read(rest, today)
    if departure is None:
        return _checked(first, count or 1, today, longest)
    nights = (departure - first).days
    if count is not None and nights != count and nights >= 1:
        raise NightsError("not_a_date")  # "vrijdag tot zondag, 3 nachten": which is meant?
    return _checked(first, nights, today, longest)


def _tidy(text: str) -> str:
    return " ".join(text.split()).strip(" .!?,;:")


def _prepare(typed: str) -> str:
    """Normalised, commas gone, "vrijdag- en zaterdagnacht" joined, "oud en nieuw" one word."""
    text = normalise(typed.replace(",", " ").replace(";", " "))
    text = re.sub(r"(?<=[a-z])-\s+(?=(?:en|and|t/m|tot)\b)", " ", text)
    text = re.sub(r"\boud\s+en\s+nieuw\b", "oudjaar", text)
    return " ".join(text.split()).strip(" .!?")


def _take_count(text: str) -> tuple[int | None, str]:
    """The number of nights typed ("2 nachten", "for a week"), and the text without it."""
    # "za 12 nacht" is the night of the 12th: more than one night is plural.
    found = [
        match
        for match in _COUNT.finditer(text)
        if match["n"] is None or number(match["n"]) <= 1 or match["noun"] not in _ONE_NIGHT
    ]
    if not found:
        return None, text
    if len(found) > 1:
        raise NightsError("not_a_date")
    match = found[0]
    count = number(match["n"]) if match["n"] is not None else 7 * number(match["weeks"])
    rest = " ".join((text[: match.start()] + " " + text[match.end() :]).split())
    if count < 1:
        raise NightsError("backwards")  # "0 nachten": no night at all
    return count, rest


def _weekend(found: re.Match[str], today: date) -> tuple[date, int]:
    """Friday and Saturday night of the weekend meant, or what is left of it."""
    if found["day"] is not None:  # "het weekend van 12 december"
        day = _day(found["day"], today)
        friday = day + timedelta(days=4 - day.weekday())  # Friday of that calendar week
    else:
        friday = today + timedelta(days=4 - today.weekday())
        begun = today.weekday() >= 4
        if today.weekday() == 6 or (begun and found["which"] in _NEXT):
            friday += timedelta(days=7)  # its nights have gone, or the next one is asked
    if friday < today <= friday + timedelta(days=1):
        return today, (friday + timedelta(days=2) - today).days  # Saturday: one night left
    return friday, 2


def _read(text: str, today: date) -> tuple[date, date | None]:
    """The first night and the departure of a range, or one day and None."""
    refusals: list[NightsError] = []
    for split in _ranges(text):
        try:
            return _read_range(split, today)
        except NightsError as exc:
            refusals.append(exc)
    try:
        return _day(text, today), None
    except NightsError as exc:
        refusals.append(exc)
    # The most telling refusal: a wrong weekday or a backwards range says more than "unread".
    for refusal in refusals:
        if refusal.reason != "not_a_date":
            raise refusal
    raise NightsError("not_a_date")


def _ranges(text: str) -> list[_Range]:
    """The ways ``text`` splits into a start and an end, most likely first."""
    opened = _OPENER.match(text) is not None
    between = re.match(r"(?:tussen|between)\b", text) is not None
    found: list[tuple[int, _Range]] = []
    for match in _SEPARATOR.finditer(text):
        start, end = text[: match.start()].strip(), text[match.end() :].strip()
        if not start or not end:
            continue
        if match["dash"] is not None:
            around = text[max(match.start() - 1, 0) : match.end() + 1]
            strong = _STRONG_DASH.search(around) or _DAYS_BEFORE_MONTH.fullmatch(text)
            if not (strong or _DATE_DASH_DATE.fullmatch(text)):
                continue
        if match["op"] is not None and not opened:
            continue  # "op" is a range only in "van zaterdag op zondag"
        is_a_night = match["and"] is not None and not between
        rank = 2 if match["and"] is not None or match["op"] is not None else 1
        found.append((rank, _Range(start, end, is_a_night)))
    return [split for _, split in sorted(found, key=lambda pair: pair[0])]


def _read_range(split: _Range, today: date) -> tuple[date, date]:
    end_text, end_part = _without_part(_OPENER.sub("", split.end))
    end_is_a_night = split.end_is_a_night or end_part in _NIGHT_PARTS
    extra = timedelta(days=1 if end_is_a_night else 0)
    start_text = _core(split.start)
    if (bare := _BARE_DAY.fullmatch(start_text)) is not None and re.search(r"\d", end_text):
        try:
            end = _day(end_text, today)  # "12-14 december": the month comes from the end
        except NightsError as exc:
            if exc.reason == "wrong_weekday" and exc.date is not None:
                _in_month_of(bare, exc.date, extra)  # a wrong start is told first
            raise
        first = _in_month_of(bare, end, extra)
        return first, end + extra
    first = _day(start_text, today)
    end = _end(end_text, first, today)
    departure = end + extra
    if (departure - first).days > MAX_NIGHTS and _ends_before(end_text, first, today):
        raise NightsError("backwards")  # "14 dec - 12 dec": read plainly, the end comes first
    return first, departure


def _ends_before(text: str, first: date, today: date) -> bool:
    """Whether the end, read from today rather than from the start, is not after ``first``."""
    try:
        return _day(text, today) <= first
    except NightsError:
        return False


def _in_month_of(bare: re.Match[str], end: date, extra: timedelta) -> date:
    """The bare day ``bare`` in the month of ``end``, or the month before if it is larger."""
    number = int(bare["day"])
    try:
        first = end.replace(day=number)
    except ValueError:
        raise NightsError("not_a_date") from None
    if first > end:
        before = end.replace(day=1) - timedelta(days=1)
        if number <= before.day and (end + extra - before.replace(day=number)).days <= MAX_NIGHTS:
            first = before.replace(day=number)  # "30 t/m 2 januari"
    _check_weekday(bare, first)
    return first


def _end(text: str, first: date, today: date) -> date:
    """The end of a range, read from the first night: "vrijdag tot maandag" is the Monday after."""
    if (bare := _BARE_DAY.fullmatch(text)) is not None:
        day = _next_day_of_month(int(bare["day"]), first + timedelta(days=1))
        _check_weekday(bare, day)
        return day
    if (weekday := _AFTER_START.fullmatch(text)) is not None:
        text = weekday["weekday"]
    if _FROM_TODAY.search(text) or NEEDS_A_WEEKDAY.search(text):
        return _day(text, today)
    return _read_day(text, first, ahead=False, slips=False)


def _day(text: str, today: date) -> date:
    """One day as a first night: a weekday that is today means tonight."""
    text = _core(text)
    if text in _NOW:
        return today
    if (bare := _BARE_DAY.fullmatch(text)) is not None:
        day = _next_day_of_month(int(bare["day"]), today)
        _check_weekday(bare, day)
        return day
    if re.fullmatch(r"[\d\s]+", text):
        raise NightsError("not_a_date")  # "2026", "99": dateparser would make a day of it
    return _read_day(text, today, ahead=True)


def _read_day(text: str, today: date, *, ahead: bool, slips: bool = True) -> date:
    """``read_day``, with every failure a NightsError."""
    if not text or (not re.search(r"\d", text) and _MONTH.search(text)):
        raise NightsError("not_a_date")  # "december", "zaterdag januari": which day?
    try:
        return read_day(text, today=today, ahead=lambda _: ahead, slips=slips)
    except NotADay as exc:
        if exc.passed is not None:
            raise NightsError("past", date=exc.passed) from None
        if exc.wrong_weekday is not None:
            raise NightsError("wrong_weekday", date=exc.wrong_weekday) from None
        raise NightsError("not_a_date") from None
    except (OverflowError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise NightsError("not_a_date") from None  # dateparser at the edges of its tables


def _core(text: str) -> str:
    """The day in ``text``, without "van"/"from" and without the part of the day."""
    return _OPENER.sub("", _without_part(_OPENER.sub("", text))[0])


def _without_part(text: str) -> tuple[str, str | None]:
    """``text`` without its part of the day ("zaterdag nacht"), and the part, if one was typed."""
    parts = [found["part"] for found in _PART.finditer(text)]
    if not parts:
        return text.strip(), None
    return " ".join(_PART.sub(" ", text).split()), parts[-1]


def _next_day_of_month(number: int, since: date) -> date:
    """The first day numbered ``number`` on or after ``since`` ("de 12e")."""
    if not 1 <= number <= 31:
        raise NightsError("not_a_date")
    month = since.replace(day=1)
    for _ in range(3):  # a 31st is at most two months away
        try:
            day = month.replace(day=number)
        except ValueError:
            day = None
        if day is not None and day >= since:
            return day
        month = (month + timedelta(days=32)).replace(day=1)
    raise NightsError("not_a_date")


def _check_weekday(bare: re.Match[str], day: date) -> None:
    if bare["weekday"] is not None and WEEKDAYS[bare["weekday"]] != day.weekday():
        raise NightsError("wrong_weekday", date=day)


def _checked(first: date, count: int, today: date, longest: int = MAX_NIGHTS) -> Nights:
    if first < today:
        raise NightsError("past", date=first)
    if first - today > HORIZON:
        raise NightsError("not_a_date")  # "12 december 14" read as 2114
    if count < 1:
        raise NightsError("backwards")
    if count > longest:
        raise NightsError("too_long")
    return Nights(first, count)


# -- a misspelt word put right -----------------------------------------------------------------

_KNOWN_WORDS = (*DAY_WORDS, *MONTHS, "volgend", "weekend", "nachten", "nights", "until", "vanaf")


def _suggestion(typed: str, today: date) -> str | None:
    """``typed`` with each misspelt word put right, if that then names a day."""

    def reads(fixed: str) -> bool:
        try:
            _parse(fixed, today)
        except NightsError as exc:
            return exc.reason != "not_a_date"
        return True

    return suggest(typed.lower(), _KNOWN_WORDS, reads)
