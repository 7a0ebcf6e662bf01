"""The time of day in what people type: "19:30", "half acht", "kwart voor negen", "2-4pm",
"van 14 tot 16 uur", with the part of the day ("'s avonds", "middag") that decides am or pm.

Dateparser is not used here: it gets Dutch times wrong ("19 uur" becomes 05:00, "half acht"
is not read at all), so times are read first and removed before the day is looked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.when.words import DAY_PART_WORDS, MONTH_WORDS, NUMBERS, DayPart, alternatives, number

_HOUR_WORDS = {word: n for word, n in NUMBERS.items() if 1 <= n <= 12}
_MINUTE_WORDS = {word: n for word, n in NUMBERS.items() if 1 <= n <= 29}
_HW = alternatives(_HOUR_WORDS)
_MW = alternatives(_MINUTE_WORDS)
_NOT_IN_A_DATE_BEFORE = r"(?<![\d.:/-])"
_NOT_IN_A_DATE_AFTER = r"(?!\w|[.:/-]\d)"


def _atom(p: str, before: str = _NOT_IN_A_DATE_BEFORE, after: str = _NOT_IN_A_DATE_AFTER) -> str:
    """One time of day; every group name starts with ``p`` so two can sit in one pattern.

    ``before`` and ``after`` keep a time from being read inside a date ("3.12.2026"); in a
    range the dash between the two times is allowed ("10:00-12:00").
    """
    return rf"""(?:
        (?P<{p}mins>\d{{1,2}}|{_MW})\s+(?P<{p}dir>over|voor)\s+half\s+(?P<{p}hh>\d{{1,2}}|{_HW})
      | half\s+(?P<{p}half>\d{{1,2}}|{_HW})(?:\s*uur)?
      | kwart\s+(?P<{p}qdir>over|voor)\s+(?P<{p}qh>\d{{1,2}}|{_HW})
      | (?P<{p}wmins>\d{{1,2}}|{_MW})\s+(?P<{p}wdir>over|voor)\s+(?P<{p}wh>\d{{1,2}}|{_HW})\b
      | half\s+past\s+(?P<{p}ehalf>\d{{1,2}}|{_HW})
      | (?:a\s+)?quarter\s+(?P<{p}eqdir>past|to)\s+(?P<{p}eqh>\d{{1,2}}|{_HW})
      | (?P<{p}emins>{_MW})(?:\s+minutes)?\s+(?P<{p}edir>past|to)\s+(?P<{p}eh>\d{{1,2}}|{_HW})
      | (?P<{p}noon>noon|midday|middernacht|midnight)
      | {before}(?P<{p}dh>\d{{1,2}})
        (?:
            [:.](?P<{p}dm>\d{{2}})(?:\s*(?P<{p}ampm>[ap])\.?m\b\.?)?(?:\s*(?:uur|u|h))?
          | \s*(?P<{p}ampm_only>[ap])\.?m\b\.?
          | \s*(?:uur|u|h)(?P<{p}dutch>\d{{2}})?
          | \s*o'?clock
        )
        {after}
      | (?P<{p}wordh>{_HW})\s+(?:uur|o'?clock)
    )"""


# A bare hour counts as a time only where nothing else can be meant: "om 8", "at 8", next to a
# part of the day ("zaterdagavond 8"), or in a range ("10-12u", "van 14 tot 16 uur", "2-4pm",
# "14:30-17", "za 14-16"). Never a day of a month ("vrijdag 4 december") or a count of weeks.
_NOT_A_DAY_NUMBER = (
    rf"(?!(?:e|ste|de|st|nd|rd|th)?\s+(?:{alternatives(MONTH_WORDS)}"
    r"|weken|week|weeks|dagen|dag|days|day|nachten|nights)\b)"
)


def _bare(name: str, before: str = _NOT_IN_A_DATE_BEFORE) -> str:
    return rf"{before}\b(?P<{name}>\d{{1,2}}|{_HW})(?![\w:]|\.\d){_NOT_A_DAY_NUMBER}"


_BARE = _bare("bare")
_BARE_END = _bare("bare2", before=r"(?<![\d.:/])")  # after a dash: "14:30-17"
_OPENER = r"(?:\b(?P<opener>van|vanaf|from|tussen|between)\s+)?"
_SEPARATOR = r"\s*(?:-|–|tot\s+en\s+met|tot|t/m|to|until|till|en|and)\s*"
_RANGE_START = _atom("a", after=r"(?!\w|[.:/]\d)")  # "10:00-12:00": a dash may follow
_RANGE_END = _atom("b", before=r"(?<![\d.:/])")  # ...and come before the end
_RANGE = re.compile(rf"{_OPENER}(?:{_RANGE_START}|{_BARE}){_SEPARATOR}{_RANGE_END}", re.VERBOSE)
_RANGE_TO_BARE = re.compile(
    rf"{_OPENER}{_RANGE_START}{_SEPARATOR}{_BARE_END}", re.VERBOSE
)  # "14:30-17", "half 3 tot 5"
_BARE_RANGE = re.compile(rf"{_OPENER}{_BARE}(?P<sep>{_SEPARATOR}){_BARE_END}")
_SINGLE = re.compile(rf"(?:\b(?:om|at|rond|around|vanaf|from)\s+)?{_atom('a')}", re.VERBOSE)
_OM_BARE = re.compile(rf"\b(?:om|at|rond|around)\s+{_BARE}")
_LONE_BARE = re.compile(_BARE)
_PART = re.compile(
    r"(?:(?<![\w'])(?:'s|s')\s*|\bs\s+)(?P<s>ochtends|morgens|middags|avonds|nachts)\b"
    r"|\b(?:in\s+de|in\s+the|at)\s+"
    r"(?P<in>ochtend|morgen|middag|avond|nacht|morning|afternoon|evening|night)\b"
    rf"|\b(?P<bare>{alternatives(DAY_PART_WORDS)})\b"
)
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})")


@dataclass(frozen=True, slots=True)
class Clock:
    """A time as typed, before the part of the day is applied."""

    hour: int
    minute: int
    meridiem: str | None = None  # "a" or "p"
    # Typed so that it cannot be a night-time misreading: 13:00-23:59, 00:xx, a leading zero.
    definite: bool = False

    def valid(self) -> bool:
        top = 12 if self.meridiem else 23
        return 0 <= self.hour <= top and 0 <= self.minute <= 59


@dataclass(frozen=True, slots=True)
class ClockReading:
    """What :func:`read_clock` found: start (and end) as typed, the part of the day, the rest."""

    start: Clock
    end: Clock | None
    part: DayPart | None
    rest: str
    typed: str  # the time as it was typed, for examples in a refusal
    # "12.12" and no other time: a day and a month as much as a time; the reader decides.
    maybe_a_date: bool = False


class NoTime(ValueError):
    """No time of day was found, or it is not a real one ("25:00", "13pm")."""


def _clock(found: re.Match[str], p: str) -> Clock:
    g = found.groupdict()

    def get(name: str) -> str | None:
        return g.get(p + name)

    if (hh := get("hh")) is not None:  # "tien over half drie": 30 minutes before drie, ± ten
        minutes = number(get("mins") or "0") * (1 if get("dir") == "over" else -1)
        return _from_minutes(number(hh) * 60 - 30 + minutes)
    if (half := get("half")) is not None:  # "half acht" is 7:30
        return _from_minutes(number(half) * 60 - 30)
    if (qh := get("qh")) is not None:
        return _from_minutes(number(qh) * 60 + (15 if get("qdir") == "over" else -15))
    if (wh := get("wh")) is not None:
        minutes = number(get("wmins") or "0")
        return _from_minutes(number(wh) * 60 + (minutes if get("wdir") == "over" else -minutes))
    if (ehalf := get("ehalf")) is not None:
        return Clock(number(ehalf), 30)
    if (eqh := get("eqh")) is not None:
        return _from_minutes(number(eqh) * 60 + (15 if get("eqdir") == "past" else -15))
    if (eh := get("eh")) is not None:
        minutes = number(get("emins") or "0")
        return _from_minutes(number(eh) * 60 + (minutes if get("edir") == "past" else -minutes))
    if (noon := get("noon")) is not None:
        return (
            Clock(12, 0, definite=True)
            if noon in ("noon", "midday")
            else Clock(0, 0, definite=True)
        )
    if (wordh := get("wordh")) is not None:
        return Clock(number(wordh), 0)
    digits = get("dh")
    assert digits is not None
    hour = int(digits)
    minute = int(get("dm") or get("dutch") or 0)
    meridiem = get("ampm") or get("ampm_only")
    definite = meridiem is None and (hour >= 13 or hour == 0 or digits.startswith("0"))
    return Clock(hour, minute, meridiem, definite)


def _from_minutes(total: int) -> Clock:
    """Minutes after midnight on a twelve-hour dial ("kwart voor een" is 12:45)."""
    hour, minute = divmod(total % (12 * 60), 60)
    return Clock(hour or 12, minute)


def read_part(text: str) -> tuple[DayPart | None, str]:
    """The part of the day named in ``text`` ("'s avonds", "middag") and the text without it."""
    found = _PART.search(text)
    if found is None:
        return None, text
    word = found["s"] or found["in"] or found["bare"]
    part = DayPart.MORNING if word == "morgen" else DAY_PART_WORDS[word]
    return part, f"{text[: found.start()]} {text[found.end() :]}"


def read_clock(text: str, default_part: DayPart | None = None) -> ClockReading:
    """Find the time (or time range) and the part of the day in ``text`` (lower case).

    ``default_part`` is the part of the day when none is typed: "kerstavond" is an evening.
    """
    part, text = read_part(text)
    if part is not None:  # a second mention ("vanavond 's avonds") says nothing new
        _, text = read_part(text)
    part = part or default_part
    found, start, end = _time_in(text, part)
    if not start.valid() or (end is not None and not end.valid()):
        raise NoTime(text)
    typed = text[found.start() : found.end()].strip()
    rest = " ".join(f"{text[: found.start()]} {text[found.end() :]}".split())
    return ClockReading(start, end, part, rest, typed, maybe_a_date=_maybe_a_date(typed))


def _time_in(text: str, part: DayPart | None) -> tuple[re.Match[str], Clock, Clock | None]:
    """The match of the time (or range) meant in ``text``, its start and its end."""
    if (found := _RANGE.search(text)) is not None:
        end = _clock(found, "b")
        bare = found["bare"]
        start = Clock(number(bare), 0) if bare is not None else _clock(found, "a")
        if start.meridiem is None and end.meridiem is not None:
            start = _borrow_meridiem(start, end)
        return found, start, end
    if (found := _RANGE_TO_BARE.search(text)) is not None:
        return found, _clock(found, "a"), Clock(number(found["bare2"]), 0)
    singles = list(_SINGLE.finditer(text))
    # "14:00 12.12": one of them is the date. A time is one time.
    times = [single for single in singles if not _maybe_a_date(single[0].strip())]
    if times:
        return times[-1], _clock(times[-1], "a"), None
    for found in _BARE_RANGE.finditer(text):
        if _is_a_range(found, part):
            return found, Clock(number(found["bare"]), 0), Clock(number(found["bare2"]), 0)
    if (found := _OM_BARE.search(text)) is not None:
        return found, Clock(number(found["bare"]), 0), None
    if part is not None and (lone := list(_LONE_BARE.finditer(text))):
        return lone[-1], Clock(number(lone[-1]["bare"]), 0), None  # "zaterdagavond 8"
    if singles:
        return singles[-1], _clock(singles[-1], "a"), None
    raise NoTime(text)


def _is_a_range(found: re.Match[str], part: DayPart | None) -> bool:
    """Whether two bare numbers are a time range: "van 2 tot 4", "10 tot 12", "middag 2-4",
    "14-16"; not "5-12" (a date) or "2 en 4" (a list) without more to go on."""
    if found["opener"] is not None or part is not None:
        return True
    separator = found["sep"].strip()
    if separator in ("en", "and"):
        return False
    if separator not in ("-", "–"):
        return True
    first, second = found["bare"], found["bare2"]
    return not (first.isdigit() and second.isdigit() and _a_date(int(first), int(second)))


def _maybe_a_date(typed: str) -> bool:
    """ "12.12", "5.12": a day and a month as much as a time ("14.00", "19.30" are times)."""
    found = _DOTTED.fullmatch(typed)
    return found is not None and _a_date(int(found[1]), int(found[2]))


def _a_date(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _borrow_meridiem(start: Clock, end: Clock) -> Clock:
    """ "2-4pm" is 2pm to 4pm; "11-1pm" is 11am to 1pm."""
    assert end.meridiem is not None
    if start.hour > 12:
        return start
    same = Clock(start.hour, start.minute, end.meridiem)
    if (same.hour % 12, same.minute) <= (end.hour % 12, end.minute):
        return same
    return Clock(start.hour, start.minute, "a" if end.meridiem == "p" else "p")


def hour_of_day(clock: Clock, part: DayPart | None) -> tuple[int, int, DayPart | None]:
    """(hour 0-23, days to add, the part of the day chosen) for ``clock`` in ``part``.

    An hour from 1 to 6 with no part of the day and nothing definite ("om 2 uur", "half
    drie") is taken as the afternoon: nobody plans a meetup at 02:00 by accident. The night
    after a day holds the small hours: "zaterdagnacht 1 uur" is Sunday 01:00, and so does the
    evening for a definite small hour ("zaterdagavond 22:00-01:00"). An afternoon hour from 7
    to 11 ("morgenmiddag 11:30") contradicts itself: it is taken as typed, and said (morning).
    """
    hour = clock.hour
    if clock.meridiem is not None:
        return hour % 12 + (12 if clock.meridiem == "p" else 0), 0, None
    if part is None:
        if not clock.definite and 1 <= hour <= 6:
            return hour + 12, 0, DayPart.AFTERNOON
        return hour, 0, None
    if hour >= 13 or part is DayPart.MORNING:
        return hour, 0, None
    if part is DayPart.AFTERNOON:
        if 7 <= hour <= 11:
            return hour, 0, DayPart.MORNING
        return (hour + 12 if hour < 12 else hour), 0, None
    if part is DayPart.EVENING:
        if hour in (0, 12) or (clock.definite and hour < 7):  # after midnight, that night
            return (0 if hour == 12 else hour), 1, None
        return hour + 12, 0, None
    # Night: 11 's nachts is 23:00; 12, and 1 to 6, are after midnight.
    if 7 <= hour <= 11:
        return hour + 12, 0, None
    return (0 if hour == 12 else hour), 1, None
