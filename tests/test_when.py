from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import vRecur

from bot.when import (
    Recurrence,
    WhenError,
    localize,
    next_occurrences,
    parse_when,
)

AMS = ZoneInfo("Europe/Amsterdam")
SUNDAY = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
SATURDAY = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)  # 09:30 in Amsterdam


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


def ical(recurrence: Recurrence) -> str:
    encoded: bytes = vRecur(recurrence.rrule()).to_ical()  # type: ignore[no-untyped-call]
    return encoded.decode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zaterdag 14:00", local(2026, 11, 28, 14, 0)),
        ("Zaterdag 14 uur", local(2026, 11, 28, 14, 0)),
        ("za 14u30", local(2026, 11, 28, 14, 30)),
        ("op zaterdag om 14:00", local(2026, 11, 28, 14, 0)),
        ("morgen 19:30", local(2026, 11, 23, 19, 30)),
        ("morgen om 19:30", local(2026, 11, 23, 19, 30)),
        ("vandaag 19.30", local(2026, 11, 22, 19, 30)),
        ("19u", local(2026, 11, 22, 19, 0)),
        ("om 20:00", local(2026, 11, 22, 20, 0)),
        ("3 dec 19:30", local(2026, 12, 3, 19, 30)),
        ("3 december 19:30", local(2026, 12, 3, 19, 30)),
        ("2026-12-03 19:30", local(2026, 12, 3, 19, 30)),
        ("3.12.2026 19:00", local(2026, 12, 3, 19, 0)),
        ("12.09 14:00", local(2027, 9, 12, 14, 0)),  # passed ten weeks ago: next year's
        ("29-11 14:00", local(2026, 11, 29, 14, 0)),
        ("29/11 14:00", local(2026, 11, 29, 14, 0)),
        ("over 3 dagen 10:00", local(2026, 11, 25, 10, 0)),
        ("volgende vrijdag 16:00", local(2026, 11, 27, 16, 0)),
        ("next friday 4pm", local(2026, 11, 27, 16, 0)),
        ("tomorrow 7:30pm", local(2026, 11, 23, 19, 30)),
        ("tomorrow at 7:30 p.m.", local(2026, 11, 23, 19, 30)),
        ("saturday 2pm", local(2026, 11, 28, 14, 0)),
        ("sat 12am", local(2026, 11, 28, 0, 0)),
    ],
)
def test_one_off_phrases(text: str, expected: datetime) -> None:
    when = parse_when(text, now=SUNDAY, tz=AMS)
    assert when.start == expected
    assert when.start.tzinfo is AMS
    assert when.recurrence is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Saturday 09:30: a bare "zaterdag" is this afternoon while the time is still ahead...
        ("zaterdag 14:00", local(2026, 11, 28, 14, 0)),
        ("saturday 2pm", local(2026, 11, 28, 14, 0)),
        # ...and next week once it has passed.
        ("zaterdag 08:00", local(2026, 12, 5, 8, 0)),
        # "volgende"/"next" is never today.
        ("volgende zaterdag 14:00", local(2026, 12, 5, 14, 0)),
        ("next saturday 2pm", local(2026, 12, 5, 14, 0)),
        # Today's date without a year is today, not next year (which dateparser prefers).
        ("28-11 14:00", local(2026, 11, 28, 14, 0)),
        ("28 nov 14:00", local(2026, 11, 28, 14, 0)),
    ],
)
def test_today_on_a_saturday(text: str, expected: datetime) -> None:
    assert parse_when(text, now=SATURDAY, tz=AMS).start == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("zaterdag", "no_time"),
        ("every tuesday", "no_time"),
        ("vandaag 25:00", "no_time"),
        ("13pm", "no_time"),
        ("blah 10:00", "not_a_date"),
        ("elke dag 10:00", "not_a_date"),
        ("elke maand op de 32e 10:00", "not_a_date"),
        ("gisteren 10:00", "past"),
        ("vandaag 08:00", "past"),
        ("28-11 08:00", "past"),
        ("21-11 14:00", "past"),  # a week ago: a slip, not next year's
        ("12.11 14:00", "past"),
        ("2026-11-28 09:30", "past"),  # exactly now
    ],
)
def test_errors(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=SATURDAY, tz=AMS)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "encoded", "first"),
    [
        ("elke dinsdag 19:30", "weekly:1", local(2026, 11, 24, 19, 30)),
        ("iedere dinsdag 19:30", "weekly:1", local(2026, 11, 24, 19, 30)),
        ("Every Tuesday 19:30", "weekly:1", local(2026, 11, 24, 19, 30)),
        ("every tuesday at 7:30pm", "weekly:1", local(2026, 11, 24, 19, 30)),
        ("elke zo 10:30", "weekly:6", local(2026, 11, 22, 10, 30)),  # today, still ahead
        ("elke zo 09:00", "weekly:6", local(2026, 11, 29, 9, 0)),
        ("elke eerste dinsdag 19:30", "monthly_weekday:1:1", local(2026, 12, 1, 19, 30)),
        ("every first tuesday 19:30", "monthly_weekday:1:1", local(2026, 12, 1, 19, 30)),
        ("elke 1e di 19:30", "monthly_weekday:1:1", local(2026, 12, 1, 19, 30)),
        ("every 2nd wed 19:30", "monthly_weekday:2:2", local(2026, 12, 9, 19, 30)),
        ("elke derde donderdag 20:00", "monthly_weekday:3:3", local(2026, 12, 17, 20, 0)),
        ("elke laatste vrijdag 15:00", "monthly_weekday:4:-1", local(2026, 11, 27, 15, 0)),
        ("every last friday 3pm", "monthly_weekday:4:-1", local(2026, 11, 27, 15, 0)),
        ("elke maand op de 15e 19:30", "monthly_day:15", local(2026, 12, 15, 19, 30)),
        ("elke maand 15e 19:30", "monthly_day:15", local(2026, 12, 15, 19, 30)),
        ("elke maand de 15e 19:30", "monthly_day:15", local(2026, 12, 15, 19, 30)),
        ("maandelijks op de 15e 19:30", "monthly_day:15", local(2026, 12, 15, 19, 30)),
        ("monthly on the 15th 19:30", "monthly_day:15", local(2026, 12, 15, 19, 30)),
        ("every month on the 15th at 19:30", "monthly_day:15", local(2026, 12, 15, 19, 30)),
        ("elke 30e van de maand 19:30", "monthly_day:30", local(2026, 11, 30, 19, 30)),
    ],
)
def test_recurring_phrases(text: str, encoded: str, first: datetime) -> None:
    when = parse_when(text, now=SUNDAY, tz=AMS)
    assert when.recurrence is not None
    assert when.recurrence.encode() == encoded
    assert when.start == first


def test_wall_clock_is_kept_across_the_spring_change() -> None:
    when = parse_when("every first tuesday 19:30", now=SUNDAY, tz=AMS)
    assert when.recurrence is not None
    start_local = when.start.replace(tzinfo=None)
    dates = [
        when.start,
        *next_occurrences(start_local, when.recurrence, AMS, after=when.start, count=5),
    ]
    assert [(d.month, d.day) for d in dates] == [(12, 1), (1, 5), (2, 2), (3, 2), (4, 6), (5, 4)]
    assert {(d.hour, d.minute) for d in dates} == {(19, 30)}
    utc_hours = [d.astimezone(UTC).hour for d in dates]
    assert utc_hours == [18, 18, 18, 18, 17, 17]  # CET, then CEST after 28 March 2027
    assert dates[3].utcoffset() == timedelta(hours=1)
    assert dates[4].utcoffset() == timedelta(hours=2)


def test_a_time_in_the_spring_gap_moves_forward() -> None:
    weekly = Recurrence("weekly", weekday=6)
    after = local(2027, 3, 22, 0, 0)
    [moment] = next_occurrences(datetime(2027, 3, 21, 2, 30), weekly, AMS, after=after)
    assert moment == local(2027, 3, 28, 3, 30)
    assert moment.utcoffset() == timedelta(hours=2)
    one_off = parse_when("28-03-2027 02:30", now=SUNDAY, tz=AMS)
    assert one_off.start == moment


def test_an_ambiguous_autumn_time_is_the_first_one() -> None:
    weekly = Recurrence("weekly", weekday=6)
    after = local(2027, 10, 25, 0, 0)
    [moment, week_later] = next_occurrences(
        datetime(2027, 10, 24, 2, 30), weekly, AMS, after=after, count=2
    )
    assert moment.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still CEST
    assert (moment.hour, week_later.hour) == (2, 2)


def test_one_off_occurrence() -> None:
    start = datetime(2026, 12, 3, 19, 30)
    assert next_occurrences(start, None, AMS, after=SUNDAY) == [local(2026, 12, 3, 19, 30)]
    assert next_occurrences(start, None, AMS, after=local(2026, 12, 3, 19, 30)) == []
    assert (
        next_occurrences(start, Recurrence("weekly", weekday=3), AMS, after=SUNDAY, count=0) == []
    )


def test_monthly_day_skips_short_months() -> None:
    dates = next_occurrences(
        datetime(2027, 1, 31, 10, 0), Recurrence("monthly_day", day=31), AMS, after=SUNDAY, count=4
    )
    assert [(d.month, d.day) for d in dates] == [(1, 31), (3, 31), (5, 31), (7, 31)]


def test_aware_start_is_read_as_its_wall_clock() -> None:
    weekly = Recurrence("weekly", weekday=1)
    aware = local(2026, 11, 24, 19, 30).astimezone(UTC)
    naive = datetime(2026, 11, 24, 19, 30)
    assert next_occurrences(aware, weekly, AMS, after=SUNDAY, count=3) == next_occurrences(
        naive, weekly, AMS, after=SUNDAY, count=3
    )


@pytest.mark.parametrize(
    ("recurrence", "encoded", "expected"),
    [
        (Recurrence("weekly", weekday=1), "weekly:1", "FREQ=WEEKLY;BYDAY=TU"),
        (
            Recurrence("monthly_weekday", weekday=1, nth=1),
            "monthly_weekday:1:1",
            "FREQ=MONTHLY;BYDAY=1TU",
        ),
        (
            Recurrence("monthly_weekday", weekday=4, nth=-1),
            "monthly_weekday:4:-1",
            "FREQ=MONTHLY;BYDAY=-1FR",
        ),
        (Recurrence("monthly_day", day=15), "monthly_day:15", "FREQ=MONTHLY;BYMONTHDAY=15"),
    ],
)
def test_encoding_and_ical(recurrence: Recurrence, encoded: str, expected: str) -> None:
    assert recurrence.encode() == encoded
    assert Recurrence.decode(encoded) == recurrence
    assert ical(recurrence) == expected


@pytest.mark.parametrize(
    "text", ["", "weekly", "weekly:x", "weekly:7", "weekly:1:1", "monthly_weekday:1:5", "daily:1"]
)
def test_bad_encodings(text: str) -> None:
    with pytest.raises(ValueError, match="recurrence"):
        Recurrence.decode(text)


def test_incomplete_recurrence_is_refused() -> None:
    with pytest.raises(ValueError, match="recurrence"):
        Recurrence("monthly_weekday", weekday=1)


# --- properties -------------------------------------------------------------------------

ZONES = st.sampled_from(
    [ZoneInfo("Europe/Amsterdam"), ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")]
)
RECURRENCES = st.one_of(
    st.builds(Recurrence, st.just("weekly"), weekday=st.integers(0, 6)),
    st.builds(
        Recurrence,
        st.just("monthly_weekday"),
        weekday=st.integers(0, 6),
        nth=st.sampled_from([1, 2, 3, 4, -1]),
    ),
    st.builds(Recurrence, st.just("monthly_day"), day=st.integers(1, 31)),
)
NAIVE = st.datetimes(datetime(2026, 1, 1), datetime(2030, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)
AFTER = st.datetimes(datetime(2025, 6, 1), datetime(2031, 6, 1), timezones=st.just(UTC))


def in_gap(naive: datetime, tz: ZoneInfo) -> bool:
    return localize(naive, tz).replace(tzinfo=None) != naive


def matches(moment: datetime, recurrence: Recurrence) -> bool:
    if recurrence.frequency == "monthly_day":
        return moment.day == recurrence.day
    if moment.weekday() != recurrence.weekday:
        return False
    if recurrence.frequency == "weekly":
        return True
    days_in_month = calendar.monthrange(moment.year, moment.month)[1]
    if recurrence.nth == -1:
        return moment.day + 7 > days_in_month
    return (moment.day - 1) // 7 + 1 == recurrence.nth


@given(RECURRENCES, NAIVE, AFTER, ZONES, st.integers(1, 5))
def test_occurrences_keep_their_rule(
    recurrence: Recurrence, start: datetime, after: datetime, tz: ZoneInfo, count: int
) -> None:
    found = next_occurrences(start, recurrence, tz, after=after, count=count)
    assert len(found) == count
    assert all(moment > after and moment.tzinfo is tz for moment in found)
    assert all(moment >= localize(start, tz) for moment in found)
    assert all(a < b for a, b in pairwise(found))
    for moment in found:
        assert matches(moment, recurrence)
        intended = datetime.combine(moment.date(), start.time())
        assert moment.time() == start.time() or in_gap(intended, tz)


@given(RECURRENCES, NAIVE)
def test_ical_rule_agrees_with_dateutil_rule(recurrence: Recurrence, start: datetime) -> None:
    from_ical = rrulestr(ical(recurrence), dtstart=start)
    ours = recurrence.dateutil_rule(start)
    assert list(from_ical.xafter(start, count=6, inc=True)) == list(
        ours.xafter(start, count=6, inc=True)
    )


@given(st.text(max_size=40))
@settings(max_examples=60, deadline=None)
def test_parse_when_only_raises_when_error(text: str) -> None:
    _parse_safely(text)


@given(st.text(max_size=20), st.sampled_from(["19:30", "om 7 uur", "3pm", "14u"]))
@settings(max_examples=60, deadline=None)
def test_parse_when_with_a_time_only_raises_when_error(text: str, at: str) -> None:
    _parse_safely(f"{text} {at}")


def _parse_safely(text: str) -> None:
    try:
        when = parse_when(text, now=SATURDAY, tz=AMS)
    except WhenError as error:
        assert error.reason in {"empty", "not_a_date", "no_time", "past"}
    else:
        assert when.start > SATURDAY
        assert when.start.tzinfo is AMS
