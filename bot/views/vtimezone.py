"""The VTIMEZONE of a calendar file, written the way the big calendar services write it.

A STANDARD and (with summer time) a DAYLIGHT part, each repeating yearly from 1970, so a
series without an end is right in every year. The rules come from the zone's current POSIX TZ
rule, the line that ends its TZif file ("CET-1CEST,M3.5.0,M10.5.0/3"). Parsers that trust the
embedded VTIMEZONE rather than the zone's name (Mozilla's ical.js) read only the first value of
an RDATE, so icalendar's own form, one long RDATE list, put every summer date an hour late
there. A zone the yearly form cannot say gets its changes listed, one RDATE a line.
"""

from __future__ import annotations

import importlib.resources
import re
import zoneinfo
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil import rrule as du
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

CHECKED_YEARS = 3  # the yearly rules must give the zone's own offsets this long ahead
LISTED_FROM, LISTED_UNTIL = datetime(1970, 1, 1, tzinfo=UTC), datetime(2038, 1, 1, tzinfo=UTC)

_POSIX_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX counts from Sunday
_NAME = r"(?:[A-Za-z]{3,}|<[+\-0-9A-Za-z]+>)"
_CLOCK = r"[+-]?\d{1,3}(?::\d{1,2}){0,2}"
_POSIX = re.compile(
    rf"(?P<std>{_NAME})(?P<std_offset>{_CLOCK})"
    rf"(?:(?P<dst>{_NAME})(?P<dst_offset>{_CLOCK})?,(?P<start>[^,]+),(?P<end>[^,]+))?"
)
_ONSET = re.compile(
    rf"M(?P<month>\d{{1,2}})\.(?P<week>[1-5])\.(?P<day>[0-6])(?:/(?P<at>{_CLOCK}))?"
)


@dataclass(frozen=True, slots=True)
class ZonePart:
    """One STANDARD or DAYLIGHT part of a VTIMEZONE."""

    daylight: bool
    name: str
    offset_from: timedelta
    offset_to: timedelta
    first: datetime  # the first onset, in the local time before it
    rrule: str | None  # "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"; None: no yearly repeat
    rdates: tuple[datetime, ...] = ()  # the other onsets, where they are listed


def vtimezone(key: str, year: int) -> Timezone:
    """The VTIMEZONE of zone ``key``: yearly rules where the zone's rule gives them and they
    hold from ``year`` on; else the zone's changes from 1970 to 2038, listed."""
    parts = _yearly_parts(key, year) or _listed_parts(key)
    component = Timezone()
    component.add("tzid", key)
    for part in parts:
        sub = TimezoneDaylight() if part.daylight else TimezoneStandard()
        sub.add("tzname", part.name)
        sub.add("tzoffsetfrom", part.offset_from)
        sub.add("tzoffsetto", part.offset_to)
        sub.add("dtstart", part.first)
        if part.rrule is not None:
            sub.add("rrule", vRecur.from_ical(part.rrule))
        for onset in part.rdates:
            sub.add("rdate", onset)  # a line each: ical.js reads one value per RDATE
        component.add_component(sub)
    return component


@lru_cache(maxsize=64)
def _yearly_parts(key: str, year: int) -> tuple[ZonePart, ...] | None:
    rule = posix_rule(key)
    parts = zone_parts(rule) if rule else None
    if parts is None or not agrees(parts, ZoneInfo(key), year):
        return None
    return tuple(parts)


# -- the yearly form, from the POSIX TZ rule ---------------------------------------------------


def zone_parts(posix: str) -> list[ZonePart] | None:
    """The parts of a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"); None for a rule they
    cannot say (days of the year, a change that moves out of its month)."""
    found = _POSIX.fullmatch(posix)
    if found is None:
        return None
    std_name, std = found["std"].strip("<>"), -_span(found["std_offset"])
    if found["dst"] is None:
        return [ZonePart(False, std_name, std, std, datetime(1970, 1, 1), None)]
    dst_name = found["dst"].strip("<>")
    dst = -_span(found["dst_offset"]) if found["dst_offset"] else std + timedelta(hours=1)
    begin, end = _yearly(found["start"]), _yearly(found["end"])
    if begin is None or end is None:
        return None
    # Summer is the part with the larger offset (Dublin's POSIX rule calls its winter DST).
    return [
        ZonePart(dst > std, dst_name, std, dst, _first_onset(*begin), begin[0]),
        ZonePart(std > dst, std_name, dst, std, _first_onset(*end), end[0]),
    ]


def _span(clock: str) -> timedelta:
    """ "-1", "5", "2:45", "+26" (hours, minutes, seconds) as a span."""
    sign = -1 if clock.startswith("-") else 1
    hours, minutes, seconds = ([int(n) for n in clock.lstrip("+-").split(":")] + [0, 0])[:3]
    return sign * timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _yearly(onset: str) -> tuple[str, time] | None:
    """ "M3.5.0/3" as a yearly RRULE and the time of day it fires. POSIX allows a time below
    zero or past 24 hours ("M3.4.4/26": the Friday after the fourth Thursday, 02:00)."""
    found = _ONSET.fullmatch(onset)
    if found is None or not 1 <= int(found["month"]) <= 12:
        return None
    at = _span(found["at"]) if found["at"] else timedelta(hours=2)
    days, clock = divmod(at, timedelta(days=1))
    month, week = int(found["month"]), int(found["week"])
    weekday = _POSIX_DAYS[(int(found["day"]) + days) % 7]
    parts = ["FREQ=YEARLY", f"BYMONTH={month}"]
    if days == 0:
        parts.append(f"BYDAY={-1 if week == 5 else week}{weekday}")
    else:
        # The week's seven days, moved along; counted from the month's start, as ical.js
        # reads no negative BYMONTHDAY in a yearly rule. February's last week moves with
        # leap years, and no week may move out of its month.
        length = 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31
        first = (length - 6 if week == 5 else 7 * week - 6) + days
        last = first + 6
        if (week == 5 and month == 2) or first < 1 or last > length:
            return None
        parts += [f"BYDAY={weekday}", "BYMONTHDAY=" + ",".join(map(str, range(first, last + 1)))]
    return ";".join(parts), (datetime.min + clock).time()


def _first_onset(rrule: str, at: time) -> datetime:
    onset: datetime = du.rrulestr(rrule, dtstart=datetime.combine(datetime(1970, 1, 1), at))[0]
    return onset


def posix_rule(key: str) -> str | None:
    """The POSIX TZ rule of zone ``key``, from its TZif file where zoneinfo finds it (the
    TZPATH, then the tzdata package); None for a version-1 file or one without it."""
    data = _tzif(key)
    if data is None or not data.startswith(b"TZif") or data[4:5] == b"\0":
        return None
    # A version 2+ file ends with "\n<rule>\n", and the rule holds no newline.
    if not data.endswith(b"\n"):
        return None
    rule = data[:-1].rsplit(b"\n", 1)[-1]
    return rule.decode("ascii", errors="replace") or None


def _tzif(key: str) -> bytes | None:
    names = key.split("/")
    if key.startswith("/") or any(name in ("", ".", "..") for name in names):
        return None
    for base in zoneinfo.TZPATH:
        path = Path(base, *names)
        if path.is_file():
            return path.read_bytes()
    try:
        resource = importlib.resources.files("tzdata.zoneinfo")
        for name in names:
            resource = resource.joinpath(name)
        return resource.read_bytes() if resource.is_file() else None
    except (ImportError, OSError):
        return None


def agrees(parts: Sequence[ZonePart], zone: ZoneInfo, year: int) -> bool:
    """The parts give the zone's own offset at each of their changes and every noon (UTC)
    for CHECKED_YEARS years from ``year``. A TZif rule holds only after the zone's last listed
    change: where changes are still listed ahead (Morocco's Ramadan), it is not the zone."""
    start, end = datetime(year, 1, 1), datetime(year + CHECKED_YEARS, 1, 1)
    changes = sorted(
        (onset - part.offset_from, part.offset_from, part.offset_to)
        for part in parts
        if part.rrule is not None
        for onset in du.rrulestr(part.rrule, dtstart=part.first).between(
            start - timedelta(days=366), end
        )
    )
    for at, before, after in changes:
        if at < start:
            continue  # only the offset it leaves counts (below)
        if _offset(zone, at - timedelta(seconds=1)) != before or _offset(zone, at) != after:
            return False
    instants = [at for at, _, _ in changes]
    noon = start + timedelta(hours=12)
    while noon < end:
        index = bisect_right(instants, noon)
        expected = changes[index - 1][2] if index else parts[-1].offset_to
        if _offset(zone, noon) != expected:
            return False
        noon += timedelta(days=1)
    return True


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta | None:
    """The zone's offset at ``moment`` (aware, or naive UTC)."""
    return moment.replace(tzinfo=UTC).astimezone(zone).utcoffset()


# -- the listed form, from zoneinfo -----------------------------------------------------------


@lru_cache(maxsize=8)
def _listed_parts(key: str) -> tuple[ZonePart, ...]:
    """The zone's changes from 1970 to 2038 as zoneinfo knows them. (icalendar's own list
    looks 64 days ahead at a time and misses a shorter spell, such as Morocco's Ramadan.)"""
    zone = ZoneInfo(key)
    start = LISTED_FROM.astimezone(zone)
    offset = start.utcoffset() or timedelta(0)
    onsets: dict[tuple[bool, str, timedelta, timedelta], list[datetime]] = {
        (False, start.tzname() or "", offset, offset): [datetime(1970, 1, 1)]
    }
    for moment in _changes(zone, LISTED_FROM, LISTED_UNTIL):
        before = _offset(zone, moment - timedelta(seconds=1)) or timedelta(0)
        local = moment.astimezone(zone)
        after = local.utcoffset() or timedelta(0)
        kind = (bool(local.dst()), local.tzname() or "", before, after)
        onsets.setdefault(kind, []).append((moment + before).replace(tzinfo=None))
    return tuple(
        ZonePart(daylight, name, before, after, first, None, tuple(others))
        for (daylight, name, before, after), (first, *others) in onsets.items()
    )


def _changes(zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[datetime]:
    """Each instant the zone's offset changes, looked for a day at a time, then to the second."""
    at = int(start.timestamp())
    offset = _offset(zone, start)
    while at < int(end.timestamp()):
        ahead = at + 86400
        if _offset(zone, datetime.fromtimestamp(ahead, UTC)) == offset:
            at = ahead
            continue
        while ahead - at > 1:
            middle = (at + ahead) // 2
            if _offset(zone, datetime.fromtimestamp(middle, UTC)) == offset:
                at = middle
            else:
                ahead = middle
        change = datetime.fromtimestamp(ahead, UTC)
        yield change
        at, offset = ahead, _offset(zone, change)
