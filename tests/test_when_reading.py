"""The date reader against a large table of what people type, relative to a fixed "now".

Every row says the moment meant (wall clock in Amsterdam), how long it lasts when a range was
typed, and which part of the day the reader had to choose, if any. Then the days around the
daylight-saving changes and New Year, and properties over generated phrases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.when import WhenError, parse_when
from bot.when.words import DayPart

AMS = ZoneInfo("Europe/Amsterdam")
# Sunday 29 November 2026, 10:00 in Amsterdam.
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
AFTERNOON, EVENING = DayPart.AFTERNOON, DayPart.EVENING


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


# (typed, moment meant, minutes it lasts or None, part of the day the reader chose)
TABLE: list[tuple[str, datetime, int | None, DayPart | None]] = [
    # Parts of the day, alone or joined to a day.
    ("vanavond 20:00", at(11, 29, 20), None, None),
    ("vanavond 8 uur", at(11, 29, 20), None, None),
    ("Vanavond om 8", at(11, 29, 20), None, None),
    ("vanmiddag 3 uur", at(11, 29, 15), None, None),
    ("morgenochtend 9 uur", at(11, 30, 9), None, None),
    ("morgen ochtend 9:15", at(11, 30, 9, 15), None, None),
    ("morgenmiddag 2 uur", at(11, 30, 14), None, None),
    ("morgenavond half acht", at(11, 30, 19, 30), None, None),
    ("woensdagmiddag 15:00", at(12, 2, 15), None, None),
    ("woensdagmiddag 3 uur", at(12, 2, 15), None, None),
    ("vrijdagavond om 8 uur", at(12, 4, 20), None, None),
    ("vrijdag avond 8 uur", at(12, 4, 20), None, None),
    ("zondag 4 uur 's middags", at(11, 29, 16), None, None),
    ("zondag 4 uur ’s middags", at(11, 29, 16), None, None),
    ("'s avonds 8 uur", at(11, 29, 20), None, None),
    ("zaterdag 's avonds om 7", at(12, 5, 19), None, None),
    ("zaterdagochtend 10:00", at(12, 5, 10), None, None),
    ("zaterdagmorgen 10 uur", at(12, 5, 10), None, None),
    ("maandag in de middag om 2 uur", at(11, 30, 14), None, None),
    ("zaterdagnacht 1 uur", at(12, 6, 1), None, None),
    ("vannacht 2 uur", at(11, 30, 2), None, None),
    # Dutch clock words.
    ("morgen half acht 's avonds", at(11, 30, 19, 30), None, None),
    ("morgen half acht 's ochtends", at(11, 30, 7, 30), None, None),
    ("vanavond half acht", at(11, 29, 19, 30), None, None),
    ("morgen half 8 's avonds", at(11, 30, 19, 30), None, None),
    ("morgen kwart over zeven 's avonds", at(11, 30, 19, 15), None, None),
    ("morgen kwart voor negen", at(11, 30, 8, 45), None, None),
    ("morgen tien over half drie", at(11, 30, 14, 40), None, AFTERNOON),
    ("morgen vijf voor half drie", at(11, 30, 14, 25), None, AFTERNOON),
    ("morgen tien voor acht 's avonds", at(11, 30, 19, 50), None, None),
    ("morgen 19u30", at(11, 30, 19, 30), None, None),
    ("morgen 19u", at(11, 30, 19), None, None),
    ("morgen om 7 uur 's avonds", at(11, 30, 19), None, None),
    ("morgen om acht uur", at(11, 30, 8), None, None),
    ("morgen twaalf uur", at(11, 30, 12), None, None),
    ("morgen kwart voor een", at(11, 30, 12, 45), None, None),
    ("morgen 12 uur 's middags", at(11, 30, 12), None, None),
    # Relative days and weeks.
    ("volgende week dinsdag 10:00", at(12, 1, 10), None, None),
    ("dinsdag volgende week 10:00", at(12, 1, 10), None, None),
    ("volgende week op dinsdag 10:00", at(12, 1, 10), None, None),
    ("deze zaterdag 14:00", at(12, 5, 14), None, None),
    ("komende zaterdag 14:00", at(12, 5, 14), None, None),
    ("aanstaande zaterdag om 14:00", at(12, 5, 14), None, None),
    ("volgende zaterdag 14:00", at(12, 5, 14), None, None),
    ("over twee weken vrijdag 15:00", at(12, 18, 15), None, None),
    ("vrijdag over twee weken 15:00", at(12, 18, 15), None, None),
    ("zaterdag over een week 14:00", at(12, 12, 14), None, None),
    ("zaterdag over 1 week 14:00", at(12, 12, 14), None, None),
    ("over een week 14:00", at(12, 6, 14), None, None),
    ("over 3 dagen 10:00", at(12, 2, 10), None, None),
    ("overmorgen 10:00", at(12, 1, 10), None, None),
    ("overmorgenavond 8 uur", at(12, 1, 20), None, None),
    ("zondag 12:00", at(11, 29, 12), None, None),
    ("zo 11u", at(11, 29, 11), None, None),
    # Written dates.
    ("za 12 dec 14:00", at(12, 12, 14), None, None),
    ("zaterdag 12 december om 14:00", at(12, 12, 14), None, None),
    ("12-12 14:00", at(12, 12, 14), None, None),
    ("12/12 14:00", at(12, 12, 14), None, None),
    ("3 jan 19:30", at(1, 3, 19, 30, year=2027), None, None),
    # Ranges: the start is the moment, the end is kept.
    ("zaterdag 10:00-12:00", at(12, 5, 10), 120, None),
    ("zaterdag 10:00 - 12:00", at(12, 5, 10), 120, None),
    ("zaterdag 10:00–12:00", at(12, 5, 10), 120, None),
    ("zaterdag van 14 tot 16 uur", at(12, 5, 14), 120, None),
    ("zaterdag van 2 tot 4", at(12, 5, 14), 120, AFTERNOON),
    ("zaterdag tussen 2 en 4", at(12, 5, 14), 120, AFTERNOON),
    ("zaterdag 10-12u", at(12, 5, 10), 120, None),
    ("zaterdag 10-12 uur", at(12, 5, 10), 120, None),
    ("zaterdag 14.00-16.30", at(12, 5, 14), 150, None),
    ("zaterdag 14:00 tot 16:00 uur", at(12, 5, 14), 120, None),
    ("zaterdag 14u-16u", at(12, 5, 14), 120, None),
    ("zaterdagmiddag van 2 tot half 5", at(12, 5, 14), 150, None),
    ("vrijdag 22:00-01:00", at(12, 4, 22), 180, None),
    ("van 11 tot 1 zaterdag", at(12, 5, 11), 120, None),
    ("12-12 10-12u", at(12, 12, 10), 120, None),
    ("saturday 2-4pm", at(12, 5, 14), 120, None),
    ("saturday from 11 to 1pm", at(12, 5, 11), 120, None),
    ("saturday 10am-noon", at(12, 5, 10), 120, None),
    # Named days; the moveable ones from the holidays library.
    ("kerstavond 18:00", at(12, 24, 18), None, None),
    ("eerste kerstdag 15:00", at(12, 25, 15), None, None),
    ("1e kerstdag 15:00", at(12, 25, 15), None, None),
    ("kerstmis om 15:00", at(12, 25, 15), None, None),
    ("2e kerstdag 14 uur", at(12, 26, 14), None, None),
    ("tweede kerstdag 14:00", at(12, 26, 14), None, None),
    ("oudejaarsavond 20:00", at(12, 31, 20), None, None),
    ("oudjaar 20:00", at(12, 31, 20), None, None),
    ("nieuwjaarsdag 15:00", at(1, 1, 15, year=2027), None, None),
    ("koningsdag 10:00", at(4, 27, 10, year=2027), None, None),
    ("pasen 11:00", at(3, 28, 11, year=2027), None, None),
    ("eerste paasdag 11:00", at(3, 28, 11, year=2027), None, None),
    ("tweede paasdag 11:00", at(3, 29, 11, year=2027), None, None),
    ("goede vrijdag 19:00", at(3, 26, 19, year=2027), None, None),
    ("hemelvaartsdag 10:00", at(5, 6, 10, year=2027), None, None),
    ("hemelvaart 10:00", at(5, 6, 10, year=2027), None, None),
    ("pinksteren 10:00", at(5, 16, 10, year=2027), None, None),
    ("2e pinksterdag 10:00", at(5, 17, 10, year=2027), None, None),
    ("pakjesavond 18:00", at(12, 5, 18), None, None),
    ("sinterklaas 17:00", at(12, 5, 17), None, None),
    ("koningsdag 2028 10:00", at(4, 27, 10, year=2028), None, None),
    # English.
    ("tonight 8pm", at(11, 29, 20), None, None),
    ("tonight at 8", at(11, 29, 20), None, None),
    ("tomorrow evening 7:30", at(11, 30, 19, 30), None, None),
    ("tomorrow morning at 9", at(11, 30, 9), None, None),
    ("next week tuesday 10am", at(12, 1, 10), None, None),
    ("tuesday next week 10am", at(12, 1, 10), None, None),
    ("christmas eve 6pm", at(12, 24, 18), None, None),
    ("this saturday 2pm", at(12, 5, 14), None, None),
    ("saturday week 2pm", at(12, 12, 14), None, None),
    ("in two weeks friday 3pm", at(12, 18, 15), None, None),
    ("half past seven tonight", at(11, 29, 19, 30), None, None),
    ("quarter to nine tomorrow evening", at(11, 30, 20, 45), None, None),
    ("easter monday 11am", at(3, 29, 11, year=2027), None, None),
    ("new year's day 3pm", at(1, 1, 15, year=2027), None, None),
    ("king's day 10am", at(4, 27, 10, year=2027), None, None),
    ("the day after tomorrow at noon", at(12, 1, 12), None, None),
    # An hour from 1 to 6 without a part of the day is the afternoon, and says so.
    ("zaterdag om 2 uur", at(12, 5, 14), None, AFTERNOON),
    ("zaterdag 2 uur", at(12, 5, 14), None, AFTERNOON),
    ("zaterdag 2:00", at(12, 5, 14), None, AFTERNOON),
    ("zaterdag half drie", at(12, 5, 14, 30), None, AFTERNOON),
    ("zaterdag 02:00", at(12, 5, 2), None, None),  # a leading zero is meant
    ("zaterdag 2 uur 's nachts", at(12, 6, 2), None, None),
    ("zaterdag 2pm", at(12, 5, 14), None, None),
    # A morning time already past today, with no day: this evening, and it says so.
    ("half acht", at(11, 29, 19, 30), None, EVENING),
    ("om 8 uur", at(11, 29, 20), None, EVENING),
    ("om 11 uur", at(11, 29, 11), None, None),  # still ahead this morning
    # A part of the day makes a bare hour a time; named evenings are evenings.
    ("zaterdagavond 8", at(12, 5, 20), None, None),
    ("vanavond 8", at(11, 29, 20), None, None),
    ("tonight 8", at(11, 29, 20), None, None),
    ("morgenochtend 9", at(11, 30, 9), None, None),
    ("kerstavond 7 uur", at(12, 24, 19), None, None),
    ("oudejaarsavond 9 uur", at(12, 31, 21), None, None),
    ("pakjesavond 7 uur", at(12, 5, 19), None, None),
    ("christmas eve 7", at(12, 24, 19), None, None),
    # An afternoon hour before noon contradicts itself: as typed, and said.
    ("morgenmiddag 11:30", at(11, 30, 11, 30), None, DayPart.MORNING),
    # Dots: one time, and a day and month when another time is there.
    ("14:00 12.12", at(12, 12, 14), None, None),
    ("14.00 5.12", at(12, 5, 14), None, None),
    ("vandaag 10.10", at(11, 29, 10, 10), None, None),  # today has no 10 October
    ("zaterdag 20.00u", at(12, 5, 20), None, None),
    ("morgen 19.30u", at(11, 30, 19, 30), None, None),
    ("zaterdag 14:00u", at(12, 5, 14), None, None),
    # A weekday with a day number is the next such day on that weekday.
    ("vrijdag 4 19:00", at(12, 4, 19), None, None),
    ("vrijdag de 4e 19:00", at(12, 4, 19), None, None),
    ("za 5 14:00", at(12, 5, 14), None, None),
    ("vrijdag 18 19:00", at(12, 18, 19), None, None),
    ("zaterdag a.s. 14:00", at(12, 5, 14), None, None),
    # More ranges: past midnight, a bare end, bare hours that cannot be a date.
    ("saturday 10pm-1am", at(12, 5, 22), 180, None),
    ("zaterdagavond 22:00-01:00", at(12, 5, 22), 180, None),
    ("vanavond 20:00-01:00", at(11, 29, 20), 300, None),
    ("zaterdagmiddag 2-4", at(12, 5, 14), 120, None),
    ("za 14-16", at(12, 5, 14), 120, None),
    ("zaterdag 14:30-17", at(12, 5, 14, 30), 150, None),
    ("zaterdag 10 tot 12", at(12, 5, 10), 120, None),
    ("zaterdag van half 3 tot 5", at(12, 5, 14, 30), 150, AFTERNOON),
]


@pytest.mark.parametrize(("text", "meant", "minutes", "assumed"), TABLE)
def test_what_people_type(
    text: str, meant: datetime, minutes: int | None, assumed: DayPart | None
) -> None:
    when = parse_when(text, now=NOW, tz=AMS)
    assert (when.start, when.length_minutes, when.assumed) == (meant, minutes, assumed)
    assert when.start.tzinfo is AMS
    assert when.recurrence is None


def test_the_table_is_large() -> None:
    assert len(TABLE) >= 120


@pytest.mark.parametrize(
    ("text", "encoded", "first", "minutes"),
    [
        ("elke dinsdagavond 8 uur", "weekly:1", at(12, 1, 20), None),
        ("elke zaterdagochtend 10-12u", "weekly:5", at(12, 5, 10), 120),
        ("elke eerste zaterdag 10:00-12:00", "monthly_weekday:5:1", at(12, 5, 10), 120),
        (
            "elke laatste vrijdag half acht 's avonds",
            "monthly_weekday:4:-1",
            at(12, 25, 19, 30),
            None,
        ),
        ("every tuesday 7:30-9pm", "weekly:1", at(12, 1, 19, 30), 90),
    ],
)
def test_a_series_with_a_part_of_the_day_or_a_range(
    text: str, encoded: str, first: datetime, minutes: int | None
) -> None:
    when = parse_when(text, now=NOW, tz=AMS)
    assert when.recurrence is not None and when.recurrence.encode() == encoded
    assert (when.start, when.length_minutes) == (first, minutes)


@pytest.mark.parametrize(
    ("text", "reason", "typed_time", "typed_day"),
    [
        ("volgende week 14:00", "not_a_date", "14:00", "volgende week"),  # which day of it?
        ("banaan om half 3", "not_a_date", "om half 3", "banaan"),
        ("vrijdag 14:00-12:00", "bad_range", "14:00-12:00", "vrijdag"),
        ("zaterdag 06:00-23:30", "bad_range", "06:00-23:30", "zaterdag"),  # over 16 hours
        ("vandaag 8:00", "past", "8:00", "vandaag"),
        ("gisteren 14:00", "past", "14:00", "gisteren"),
        ("morgenavond", "no_time", None, "morgen"),
        ("zaterdag", "no_time", None, "zaterdag"),
        ("elke dag 10:00", "not_a_date", "10:00", "elke dag"),
        # A date with dots and no other time is a day without a time, kept for the example.
        ("za 12.12", "no_time", None, "za 12.12"),
        ("12.12", "no_time", None, "12.12"),
        ("za 10-12", "no_time", None, "za 10-12"),  # 10 December, not 10 to 12
        ("28-11 14:00", "past", "14:00", "28-11"),  # yesterday: a slip, not next year
        ("vrijdag 13 19:00", "wrong_weekday", "19:00", "vrijdag 13"),  # no Friday 13th soon
    ],
)
def test_refusals_keep_what_was_typed(
    text: str, reason: str, typed_time: str | None, typed_day: str | None
) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=NOW, tz=AMS)
    error = caught.value
    assert (error.reason, error.typed_time, error.typed_day) == (reason, typed_time, typed_day)


def test_a_part_of_the_day_without_a_time_is_kept_for_the_example() -> None:
    with pytest.raises(WhenError) as caught:
        parse_when("morgenavond", now=NOW, tz=AMS)
    assert caught.value.part is EVENING


def test_a_misspelt_day_is_put_right() -> None:
    with pytest.raises(WhenError) as caught:
        parse_when("zaterdga 14:00", now=NOW, tz=AMS)
    assert caught.value.suggestion == "zaterdag 14:00"


@pytest.mark.parametrize("text", ["zaterdga 31-02 14:00", "elke maandd 32e 19:30", "blah 14:00"])
def test_no_correction_is_suggested_that_is_refused_too(text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=NOW, tz=AMS)
    assert caught.value.suggestion is None


def test_a_time_alone_keeps_the_day_it_is_given() -> None:
    saturday = date(2026, 12, 5)
    assert parse_when("15:00", now=NOW, tz=AMS, on=saturday).start == at(12, 5, 15)
    assert parse_when("om 8 uur", now=NOW, tz=AMS, on=saturday).start == at(12, 5, 8)
    assert parse_when("zondag 15:00", now=NOW, tz=AMS, on=saturday).start == at(11, 29, 15)


def test_a_date_with_dots_on_the_wrong_weekday_is_asked_not_read_as_a_time() -> None:
    with pytest.raises(WhenError) as caught:
        parse_when("za 13.12", now=NOW, tz=AMS)  # the 13th is a Sunday: not Saturday 13:12
    assert (caught.value.reason, caught.value.date) == ("wrong_weekday", date(2026, 12, 13))


def test_a_date_and_a_weekday_that_disagree_are_asked_not_guessed() -> None:
    with pytest.raises(WhenError) as caught:
        parse_when("za 13 dec 14:00", now=NOW, tz=AMS)
    assert (caught.value.reason, caught.value.date) == ("wrong_weekday", date(2026, 12, 13))


# -- around the daylight-saving changes and New Year -----------------------------------------

SPRING_EVE = datetime(2027, 3, 27, 11, 0, tzinfo=UTC)  # Saturday 12:00; clocks go forward Sunday
AUTUMN_EVE = datetime(2027, 10, 30, 10, 0, tzinfo=UTC)  # Saturday 12:00; clocks go back Sunday
NEW_YEARS = datetime(2026, 12, 30, 11, 0, tzinfo=UTC)  # Wednesday 30 December, 12:00


@pytest.mark.parametrize(
    ("now", "text", "local", "offset_hours"),
    [
        (SPRING_EVE, "morgen 10:00", datetime(2027, 3, 28, 10, 0), 2),
        (SPRING_EVE, "zondagochtend 9 uur", datetime(2027, 3, 28, 9, 0), 2),
        (SPRING_EVE, "vanavond 20:00", datetime(2027, 3, 27, 20, 0), 1),
        (SPRING_EVE, "morgen 02:30", datetime(2027, 3, 28, 3, 30), 2),  # in the gap: moved on
        (SPRING_EVE, "pasen 11:00", datetime(2027, 3, 28, 11, 0), 2),
        (AUTUMN_EVE, "morgen 10:00", datetime(2027, 10, 31, 10, 0), 1),
        (AUTUMN_EVE, "morgen 02:30", datetime(2027, 10, 31, 2, 30), 2),  # twice: the first
        (AUTUMN_EVE, "vanavond half acht", datetime(2027, 10, 30, 19, 30), 2),
        (AUTUMN_EVE, "volgende week dinsdag 19:30", datetime(2027, 11, 2, 19, 30), 1),
        (NEW_YEARS, "vrijdag 15:00", datetime(2027, 1, 1, 15, 0), 1),
        (NEW_YEARS, "volgende week dinsdag 10:00", datetime(2027, 1, 5, 10, 0), 1),
        (NEW_YEARS, "nieuwjaarsdag 15:00", datetime(2027, 1, 1, 15, 0), 1),
        (NEW_YEARS, "oudejaarsavond 20:00", datetime(2026, 12, 31, 20, 0), 1),
        (NEW_YEARS, "kerstavond 18:00", datetime(2027, 12, 24, 18, 0), 1),  # this year's passed
        (NEW_YEARS, "2-1 10:00", datetime(2027, 1, 2, 10, 0), 1),
        (NEW_YEARS, "over twee weken vrijdag 15:00", datetime(2027, 1, 15, 15, 0), 1),
        (NEW_YEARS, "morgenavond 23:00-01:00", datetime(2026, 12, 31, 23, 0), 1),
    ],
)
def test_around_the_clock_changes_and_new_year(
    now: datetime, text: str, local: datetime, offset_hours: int
) -> None:
    when = parse_when(text, now=now, tz=AMS)
    assert when.start.replace(tzinfo=None) == local
    assert when.start.utcoffset() == timedelta(hours=offset_hours)


# -- properties ------------------------------------------------------------------------------

_PIECES = [
    "zaterdag",
    "za",
    "morgen",
    "vandaag",
    "vanavond",
    "overmorgen",
    "volgende week",
    "deze",
    "over twee weken",
    "elke",
    "eerste",
    "laatste",
    "kerstavond",
    "pasen",
    "pinksteren",
    "14:00",
    "2 uur",
    "half acht",
    "kwart over",
    "kwart voor",
    "tien over half",
    "drie",
    "19u30",
    "'s avonds",
    "'s middags",
    "middag",
    "avond",
    "nacht",
    "-",
    "tot",
    "van",
    "10-12u",
    "om",
    "12-12",
    "3.12",
    "2026",
    "tonight",
    "tomorrow",
    "pm",
    "am",
    "next",
    "week",
    "week",
    "at",
    "christmas eve",
    "12",
    "25:00",
    "0",
    "00:00",
    "23:59",
    "|",
    "noon",
    "en",
    "tussen",
]
_NOWS = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2035, 12, 31),
    timezones=st.just(UTC),
)


@settings(max_examples=400, deadline=None)
@given(
    words=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6),
    noise=st.text(max_size=8),
    now=_NOWS,
    zone=st.sampled_from(["Europe/Amsterdam", "Europe/London", "America/New_York"]),
)
def test_never_crashes_never_past_always_in_the_zone(
    words: list[str], noise: str, now: datetime, zone: str
) -> None:
    tz = ZoneInfo(zone)
    text = " ".join(words) + noise
    try:
        when = parse_when(text, now=now, tz=tz)
    except WhenError:
        return
    assert when.start > now
    assert when.start.tzinfo is tz
    assert when.length is None or timedelta(0) < when.length <= timedelta(hours=16)
