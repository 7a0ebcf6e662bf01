"""The calendar day in what people type: "morgen", "deze zaterdag", "volgende week dinsdag",
"over twee weken vrijdag", "eerste kerstdag", "za 12 dec", "3-12".

Relative days, weekdays and named days are read here; a written date is left to dateparser,
which knows the month names and orders of both languages. Moveable feasts (Easter, Ascension,
Pentecost, King's Day on a Sunday) come from the ``holidays`` library, never from a typed table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime, timedelta
from functools import lru_cache

from bot.when.words import NAMED_DAYS, NUMBERS, WEEKDAYS, Named, alternatives, number


class NotADay(ValueError):
    """No calendar day could be read; ``wrong_weekday`` is the date when it and the weekday
    typed with it disagree ("za 13 dec" when the 13th is a Sunday); ``passed`` the date of a
    day and month that passed only weeks ago ("21-11" on 22 November: a slip)."""

    def __init__(
        self, text: str, *, wrong_weekday: date | None = None, passed: date | None = None
    ) -> None:
        super().__init__(text)
        self.wrong_weekday = wrong_weekday
        self.passed = passed


RECENTLY = timedelta(weeks=8)  # a written date passed this long ago or less is a slip


_WD = rf"(?P<weekday>{alternatives(WEEKDAYS)})"
_COUNT = rf"(?P<count>\d{{1,2}}|{alternatives(NUMBERS)}|a|an)"
_WEEKS = r"(?:weken|week|weeks)"
_NEXT_WEEK = r"(?:volgende\s+week|next\s+week|komende\s+week|de\s+week\s+erna)"
_IN_WEEKS = rf"(?:over|in)\s+{_COUNT}\s+{_WEEKS}"
_UPCOMING = r"(?:(?:op|on|deze|this|komende|aanstaande|coming|a\.s\.|as)\s+)?"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"{_NEXT_WEEK}\s+(?:op\s+|on\s+)?{_WD}"), "next_week"),
    (re.compile(rf"{_WD}\s+{_NEXT_WEEK}"), "next_week"),
    (re.compile(rf"{_IN_WEEKS}\s+(?:op\s+|on\s+)?{_WD}"), "weeks_after"),
    (re.compile(rf"{_WD}\s+{_IN_WEEKS}"), "weeks_after"),
    (re.compile(rf"{_WD}\s+(?:week)"), "week_after"),  # British "saturday week"
    (re.compile(rf"(?:volgende|next)\s+{_WD}"), "next"),
    (re.compile(rf"{_UPCOMING}{_WD}"), "upcoming"),
    (re.compile(rf"{_WD}\s+(?:aanstaande|komende|coming|a\.s\.?|as)"), "upcoming"),
    (re.compile(rf"(?:over|in)\s+{_COUNT}\s+(?P<unit>dagen|dag|days|day|{_WEEKS})"), "after"),
]
_SIMPLE = {
    **dict.fromkeys(("vandaag", "today", "vanavond", "tonight"), 0),
    **dict.fromkeys(("morgen", "tomorrow"), 1),
    **dict.fromkeys(("overmorgen", "day after tomorrow", "the day after tomorrow"), 2),
    **dict.fromkeys(("gisteren", "yesterday"), -1),
}
_NAMED = re.compile(rf"(?P<name>{alternatives(NAMED_DAYS)})(?:\s+(?P<year>\d{{4}}))?")
_WITH_DATE = re.compile(rf"{_WD},?\s+(?P<date>.*\d.*)")
# "vrijdag 4", "vrijdag de 4e": the next 4th that is a Friday.
_WITH_DAY_NUMBER = re.compile(
    rf"{_WD},?\s+(?:de\s+|the\s+)?(?P<day>\d{{1,2}})(?:e|ste|de|st|nd|rd|th)?"
)
_MONTHS_AHEAD = 3  # "vrijdag 13" looks this many 13ths ahead for a Friday
_FIXED = {
    Named.CHRISTMAS_EVE: (12, 24),
    Named.NEW_YEARS_EVE: (12, 31),
    Named.LIBERATION_DAY: (5, 5),
    Named.SINTERKLAAS: (12, 5),
}
# The holidays library's English names for the moveable (and official) days.
_HOLIDAY_NAMES = {
    Named.CHRISTMAS: "Christmas Day",
    Named.BOXING_DAY: "Second Day of Christmas",
    Named.NEW_YEAR: "New Year's Day",
    Named.KINGS_DAY: "King's Day",
    Named.GOOD_FRIDAY: "Good Friday",
    Named.EASTER: "Easter Sunday",
    Named.EASTER_MONDAY: "Easter Monday",
    Named.ASCENSION: "Ascension Day",
    Named.PENTECOST: "Pentecost",
    Named.WHIT_MONDAY: "Pentecost Monday",
}
NEEDS_A_WEEKDAY = re.compile(rf"{_NEXT_WEEK}|(?:over|in)\s+{_COUNT}\s+{_WEEKS}")


def read_day(text: str, *, today: date, ahead: Callable[[date], bool], slips: bool = True) -> date:
    """The day ``text`` names ("" is today), seen from ``today``.

    ``ahead(day)`` tells whether the time asked for is still to come on ``day``: a weekday or
    named day that is today means today only while it is, else the next one. A written day
    and month passed this year means next year, except one passed in the last eight weeks,
    a slip (NotADay with ``passed``) unless ``slips`` is False (the end of a stay).
    """
    text = text.strip(" ,.")
    if not text:
        return today
    if text in _SIMPLE:
        return today + timedelta(days=_SIMPLE[text])
    if (found := _NAMED.fullmatch(text)) is not None:
        return _named(NAMED_DAYS[found["name"]], found["year"], today, ahead)
    for pattern, kind in _PATTERNS:
        if (found := pattern.fullmatch(text)) is not None:
            return _relative(kind, found, today, ahead)
    if (found := _WITH_DAY_NUMBER.fullmatch(text)) is not None:
        return _weekday_numbered(WEEKDAYS[found["weekday"]], int(found["day"]), today, ahead)
    if (found := _WITH_DATE.fullmatch(text)) is not None:
        day = _written(found["date"], today, slips=slips)
        if day.weekday() != WEEKDAYS[found["weekday"]]:
            raise NotADay(text, wrong_weekday=day)
        return day
    if NEEDS_A_WEEKDAY.fullmatch(text):
        raise NotADay(text)  # "volgende week" alone: which day of it?
    return _written(text, today, slips=slips)


def _weekday_numbered(
    weekday: int, day_number: int, today: date, ahead: Callable[[date], bool]
) -> date:
    """The first of the next few days numbered ``day_number`` that falls on ``weekday``;
    NotADay with the nearest one when none does ("vrijdag 13")."""
    coming: list[date] = []
    month = today.replace(day=1)
    for _ in range(_MONTHS_AHEAD + 2):  # a 31st skips the shorter months
        with suppress(ValueError):  # no such day in this month
            day = month.replace(day=day_number)
            if day > today or (day == today and ahead(day)):
                coming.append(day)
        month = (month + timedelta(days=32)).replace(day=1)
    coming = coming[:_MONTHS_AHEAD]
    for day in coming:
        if day.weekday() == weekday:
            return day
    raise NotADay(str(day_number), wrong_weekday=coming[0] if coming else None)


def _relative(kind: str, found: re.Match[str], today: date, ahead: Callable[[date], bool]) -> date:
    if kind == "after":
        unit = found["unit"]
        days = number(found["count"]) * (1 if unit.startswith(("dag", "day")) else 7)
        return today + timedelta(days=days)
    weekday = WEEKDAYS[found["weekday"]]
    if kind == "next_week":  # "volgende week dinsdag": in the calendar week after this one
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=1, days=weekday)
    upcoming = today + timedelta(days=(weekday - today.weekday()) % 7)
    if kind == "weeks_after":  # "zaterdag over een week": a week after the coming Saturday
        return upcoming + timedelta(weeks=number(found["count"]))
    if kind == "next":  # "volgende zaterdag" is never today
        return upcoming if upcoming != today else today + timedelta(days=7)
    if upcoming == today and not ahead(today):
        upcoming += timedelta(days=7)
    if kind == "week_after":
        upcoming += timedelta(days=7)
    return upcoming


def _named(name: Named, year: str | None, today: date, ahead: Callable[[date], bool]) -> date:
    if year is not None:
        return _named_in(name, int(year))
    day = _named_in(name, today.year)
    if day < today or (day == today and not ahead(day)):
        day = _named_in(name, today.year + 1)
    return day


def _named_in(name: Named, year: int) -> date:
    if name in _FIXED:
        month, day = _FIXED[name]
        return date(year, month, day)
    wanted = _HOLIDAY_NAMES[name]
    for holiday, label in _holidays(year).items():
        if wanted in label.split("; "):
            return holiday
    raise NotADay(name.value)  # the library knows no such day that year


@lru_cache(maxsize=64)
def _holidays(year: int) -> dict[date, str]:
    import holidays  # here, not at start-up (bench/README.md): a named day is rare

    found = holidays.country_holidays("NL", years=year, language="en_US")
    return dict(found.items())


def _written(text: str, today: date, *, slips: bool = True) -> date:
    """A written date ("3 dec", "12-12", "3.12.2026") by dateparser, preferring the future."""
    # With the time gone, "12.11" is a date; dateparser would read it as 12:11 today.
    text = re.sub(r"(?<=\d)\.(?=\d)", "-", text)
    base = datetime.combine(today, datetime.min.time())
    settings = {
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "RELATIVE_BASE": base,
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    import dateparser  # type: ignore[import-untyped]  # here, not at start-up (bench/README.md)

    try:
        parsed = dateparser.parse(text, languages=["nl", "en"], settings=settings)
    except (OverflowError, ValueError) as exc:  # dateparser can land at the calendar's edge
        raise NotADay(text) from exc
    if not isinstance(parsed, datetime):
        raise NotADay(text)
    day = parsed.date()
    named_today = (day.month, day.day) == (today.month, today.day)
    with_year = re.search(r"\d{4}", text) is not None
    if named_today and day.year == today.year + 1 and not with_year:
        return today  # "28-11" on 28 November: dateparser prefers next year
    if slips and not with_year and day > today:
        _refuse_if_recently_past(day, today)
    return day


def _refuse_if_recently_past(day: date, today: date) -> None:
    """A day and month read as next year that passed only weeks ago was a slip: refuse it."""
    try:
        a_year_earlier = day.replace(year=day.year - 1)
    except ValueError:
        return  # 29 February
    if today - RECENTLY <= a_year_earlier < today:
        raise NotADay(str(day), passed=a_year_earlier)
