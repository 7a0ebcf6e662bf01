"""The sleepover reader against a table of what families type, relative to a fixed "today".

Every row says the first night and how many nights are meant. The end of a range is the day the
children go home. Then a Saturday (the end is read from the start), the days around New Year,
the refusals with their reasons, and a property over generated phrases.
"""

from __future__ import annotations

from datetime import date
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.when.nights import MAX_NIGHTS, Nights, NightsError, NightsReason, parse_nights

SUNDAY = date(2026, 11, 29)  # Sunday 29 November 2026
SATURDAY = date(2026, 12, 5)
FRIDAY = date(2026, 12, 4)
THURSDAY = date(2026, 12, 3)
NEW_YEARS = date(2026, 12, 30)  # Wednesday


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


# (typed on Sunday 29 November 2026, first night, nights)
TABLE: list[tuple[str, date, int]] = [
    # One day is one night.
    ("zaterdag", d(12, 5), 1),
    ("Zaterdag", d(12, 5), 1),
    ("za", d(12, 5), 1),
    ("  zaterdag!  ", d(12, 5), 1),
    ("zaterdag.", d(12, 5), 1),
    ("deze zaterdag", d(12, 5), 1),
    ("aanstaande zaterdag", d(12, 5), 1),
    ("zaterdagnacht", d(12, 5), 1),
    ("zaterdag 's nachts", d(12, 5), 1),
    ("za 12 nacht", d(12, 12), 1),  # the night of the 12th, not twelve nights
    ("zondag", d(11, 29), 1),  # today is Sunday: tonight
    ("morgen", d(11, 30), 1),
    ("morgennacht", d(11, 30), 1),
    ("overmorgen", d(12, 1), 1),
    ("za 12 dec", d(12, 12), 1),
    ("zaterdag 12 december", d(12, 12), 1),
    ("zaterdag, 12 december", d(12, 12), 1),
    ("vrijdag 4 december", d(12, 4), 1),
    ("op 12 december", d(12, 12), 1),
    ("12-12", d(12, 12), 1),
    ("12/12", d(12, 12), 1),
    ("12.12", d(12, 12), 1),
    ("de 12e", d(12, 12), 1),
    ("kerstavond", d(12, 24), 1),
    ("eerste kerstdag", d(12, 25), 1),
    ("oudejaarsavond", d(12, 31), 1),
    ("oud en nieuw", d(12, 31), 1),
    ("volgende week vrijdag", d(12, 4), 1),
    ("vrijdag volgende week", d(12, 4), 1),
    ("over twee weken zaterdag", d(12, 19), 1),
    ("saturday", d(12, 5), 1),
    ("saturday night", d(12, 5), 1),
    ("sat 12 dec", d(12, 12), 1),
    ("christmas eve", d(12, 24), 1),
    # Tonight (an emergency is the caller's business; the night is today).
    ("vannacht", d(11, 29), 1),
    ("vanavond", d(11, 29), 1),
    ("Vannacht!", d(11, 29), 1),
    ("tonight", d(11, 29), 1),
    ("nu", d(11, 29), 1),
    ("now", d(11, 29), 1),
    ("vandaag", d(11, 29), 1),
    # A range: the end is the day they go home.
    ("za 12 dec - zo 13 dec", d(12, 12), 1),
    ("za 12 dec – zo 13 dec", d(12, 12), 1),
    ("za 12 dec—zo 13 dec", d(12, 12), 1),
    ("za 12 dec-zo 13 dec", d(12, 12), 1),
    ("vrijdag tot zondag", d(12, 4), 2),
    ("van vrijdag tot zondag", d(12, 4), 2),
    ("Vrijdag  TOT zondag!", d(12, 4), 2),
    ("vrijdag t/m zondag", d(12, 4), 2),  # t/m: home on Sunday, like "tot"
    ("vrijdag tot en met zondag", d(12, 4), 2),
    ("vr-zo", d(12, 4), 2),
    ("vr - zo", d(12, 4), 2),
    ("vrijdag tot maandag", d(12, 4), 3),
    ("vrijdag tot de maandag erna", d(12, 4), 3),
    ("zondag tot zaterdag", d(11, 29), 6),
    ("vrijdag tot vrijdag", d(12, 4), 7),
    ("vandaag tot dinsdag", d(11, 29), 2),
    ("morgen tot overmorgen", d(11, 30), 1),
    ("volgende week vrijdag tot zondag", d(12, 4), 2),
    ("vrijdagavond tot zondagmiddag", d(12, 4), 2),
    ("vrijdag tot zondagochtend", d(12, 4), 2),
    ("vrijdag t/m zondagnacht", d(12, 4), 3),  # a night named at the end is slept
    ("van zaterdag op zondag", d(12, 5), 1),
    ("de nacht van zaterdag op zondag", d(12, 5), 1),
    ("tussen vrijdag en zondag", d(12, 4), 2),
    ("kerstavond tot tweede kerstdag", d(12, 24), 2),
    # Day numbers sharing one month, and written dates across New Year.
    ("12-14 december", d(12, 12), 2),
    ("12 - 14 december", d(12, 12), 2),
    ("12 t/m 14 dec", d(12, 12), 2),
    ("12/12-14/12", d(12, 12), 2),
    ("vr 4 - zo 6 december", d(12, 4), 2),
    ("za 12-13 dec", d(12, 12), 1),
    ("28 dec - 3 jan", d(12, 28), 6),
    ("van 30 december tot 2 januari", d(12, 30), 3),
    ("30 t/m 2 januari", d(12, 30), 3),
    # English.
    ("friday to sunday", d(12, 4), 2),
    ("from friday 4 december until sunday", d(12, 4), 2),
    ("sat 12 dec - sun 13 dec", d(12, 12), 1),
    ("friday through sunday", d(12, 4), 2),
    # Nights listed: each day named is a night.
    ("vrijdag en zaterdag", d(12, 4), 2),
    ("vrijdag- en zaterdagnacht", d(12, 4), 2),
    ("friday and saturday night", d(12, 4), 2),
    ("morgen en overmorgen", d(11, 30), 2),
    # A weekend is Friday and Saturday night; on a Sunday "this weekend" has gone.
    ("dit weekend", d(12, 4), 2),
    ("het weekend", d(12, 4), 2),
    ("this weekend", d(12, 4), 2),
    ("weekend", d(12, 4), 2),
    ("volgend weekend", d(12, 4), 2),
    ("next weekend", d(12, 4), 2),
    ("komend weekend", d(12, 4), 2),
    ("het weekend van 12 december", d(12, 11), 2),
    ("the weekend of 12 december", d(12, 11), 2),
    # A number of nights.
    ("za 12 dec, 2 nachten", d(12, 12), 2),
    ("vanaf vrijdag 3 nachten", d(12, 4), 3),
    ("3 nachten vanaf vrijdag", d(12, 4), 3),
    ("vrijdag voor 2 nachten", d(12, 4), 2),
    ("vrijdag, twee nachtjes", d(12, 4), 2),
    ("een nacht zaterdag", d(12, 5), 1),
    ("zaterdag 1 nacht", d(12, 5), 1),
    ("vanavond 2 nachten", d(11, 29), 2),
    ("vrijdag voor een week", d(12, 4), 7),
    ("vrijdag tot zondag, 2 nachten", d(12, 4), 2),  # the same twice is fine
    ("dit weekend, 3 nachten", d(12, 4), 3),
    ("friday for 2 nights", d(12, 4), 2),
    ("2 nights from friday", d(12, 4), 2),
    ("saturday for one night", d(12, 5), 1),
]


@pytest.mark.parametrize(("text", "first", "count"), TABLE)
def test_what_families_type(text: str, first: date, count: int) -> None:
    assert parse_nights(text, today=SUNDAY) == Nights(first, count)


def test_the_table_is_large() -> None:
    assert len(TABLE) >= 60


@pytest.mark.parametrize(
    ("today", "text", "first", "count"),
    [
        # The end is read from the start: on a Saturday, "vrijdag tot maandag" is next Friday to
        # the Monday after it, not to the Monday that comes first.
        (SATURDAY, "vrijdag tot maandag", d(12, 11), 3),
        (SATURDAY, "vrijdag", d(12, 11), 1),
        (SATURDAY, "maandag tot vrijdag", d(12, 7), 4),
        (SATURDAY, "zaterdag", d(12, 5), 1),  # tonight
        (SATURDAY, "zaterdag tot zondag", d(12, 5), 1),
        (SATURDAY, "zondag tot zondag", d(12, 6), 7),
        (SATURDAY, "morgen t/m woensdag", d(12, 6), 3),
        (SATURDAY, "za 5 dec", d(12, 5), 1),
        # What is left of a weekend that has begun; "volgend" is the one after it.
        (SATURDAY, "dit weekend", d(12, 5), 1),
        (SATURDAY, "het weekend", d(12, 5), 1),
        (SATURDAY, "volgend weekend", d(12, 11), 2),
        (SATURDAY, "weekend van 5 dec", d(12, 5), 1),
        (FRIDAY, "dit weekend", d(12, 4), 2),
        (FRIDAY, "volgend weekend", d(12, 11), 2),
        (THURSDAY, "dit weekend", d(12, 4), 2),
        (THURSDAY, "volgend weekend", d(12, 4), 2),
        # New Year.
        (NEW_YEARS, "vrijdag", d(1, 1, 2027), 1),
        (NEW_YEARS, "oudejaarsavond", d(12, 31), 1),
        (NEW_YEARS, "oud en nieuw", d(12, 31), 1),
        (NEW_YEARS, "nieuwjaarsdag", d(1, 1, 2027), 1),
        (NEW_YEARS, "nieuwjaarsdag tot zondag", d(1, 1, 2027), 2),
        (NEW_YEARS, "30 dec - 2 jan", d(12, 30), 3),
        (NEW_YEARS, "31 dec tot 3 jan", d(12, 31), 3),
        (NEW_YEARS, "vandaag tot zaterdag", d(12, 30), 3),
        (NEW_YEARS, "2-1", d(1, 2, 2027), 1),
        (NEW_YEARS, "za 2 jan - zo 3 jan", d(1, 2, 2027), 1),
        (NEW_YEARS, "dit weekend", d(1, 1, 2027), 2),
        (NEW_YEARS, "volgende week vrijdag", d(1, 8, 2027), 1),
        (NEW_YEARS, "kerstavond", d(12, 24, 2027), 1),  # this year's has passed
        (NEW_YEARS, "1 t/m 3 januari", d(1, 1, 2027), 2),
    ],
)
def test_other_days(today: date, text: str, first: date, count: int) -> None:
    assert parse_nights(text, today=today) == Nights(first, count)


@pytest.mark.parametrize(
    ("today", "text", "reason", "wrong"),
    [
        (SUNDAY, "", "empty", None),
        (SUNDAY, "   ", "empty", None),
        (SUNDAY, "!", "empty", None),
        (SUNDAY, "banaan", "not_a_date", None),
        (SUNDAY, "december", "not_a_date", None),  # which day of it?
        (SUNDAY, "zaterdag januari", "not_a_date", None),
        (SUNDAY, "volgende week", "not_a_date", None),
        (SUNDAY, "2 nachten", "not_a_date", None),  # from when?
        (SUNDAY, "vrijdag tot zondag, 3 nachten", "not_a_date", None),  # which is meant?
        (SUNDAY, "2026", "not_a_date", None),
        (SUNDAY, "12 december 14", "not_a_date", None),  # not the year 2114
        (SUNDAY, "zatredag", "not_a_date", None),
        (SUNDAY, "gisteren", "past", d(11, 28)),
        (SUNDAY, "12 nov 2026", "past", d(11, 12)),
        (SUNDAY, "21 nov", "past", d(11, 21)),  # weeks ago: a slip, not next year
        (SUNDAY, "za 21 nov", "past", d(11, 21)),
        (NEW_YEARS, "28 dec - 2 jan", "past", d(12, 28)),
        (NEW_YEARS, "ma 28 dec", "past", d(12, 28)),
        (SUNDAY, "vrijdag 20 nachten", "too_long", None),
        (SUNDAY, "vrijdag voor 3 weken", "too_long", None),
        (SUNDAY, "12 dec - 3 jan", "too_long", None),  # read across New Year: 22 nights
        (SUNDAY, "1 dec - 31 dec", "too_long", None),
        (SUNDAY, "14 - 12 december", "backwards", None),
        (SUNDAY, "14 dec - 12 dec", "backwards", None),
        (SUNDAY, "12 dec - 12 dec", "backwards", None),
        (SUNDAY, "kerstavond tot kerstavond", "backwards", None),
        (SUNDAY, "vrijdag 0 nachten", "backwards", None),
        (NEW_YEARS, "30-1 - 2-1", "backwards", None),  # 30 January to 2 January
        (SUNDAY, "za 13 dec", "wrong_weekday", d(12, 13)),
        (SUNDAY, "vrijdag 5 december", "wrong_weekday", d(12, 5)),
        (SUNDAY, "za 13 - zo 14 december", "wrong_weekday", d(12, 13)),
        (SUNDAY, "za 12 dec - za 13 dec", "wrong_weekday", d(12, 13)),
    ],
)
def test_refusals_say_why(today: date, text: str, reason: str, wrong: date | None) -> None:
    with pytest.raises(NightsError) as caught:
        parse_nights(text, today=today)
    assert (caught.value.reason, caught.value.date) == (reason, wrong)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("zatredag", "zaterdag"),
        ("Vrijdga tot zondag", "vrijdag tot zondag"),
        ("zaterdga tot zondga", "zaterdag tot zondag"),
        ("decmber 12", "december 12"),
        ("kerstavnd", "kerstavond"),
        ("banaan", None),
        ("zatredag januari", None),  # put right, it still names no day
    ],
)
def test_a_misspelt_word_is_put_right(text: str, suggestion: str | None) -> None:
    with pytest.raises(NightsError) as caught:
        parse_nights(text, today=SUNDAY)
    assert (caught.value.reason, caught.value.suggestion) == ("not_a_date", suggestion)


def test_a_refusal_keeps_what_was_typed_for_the_example() -> None:
    with pytest.raises(NightsError) as caught:
        parse_nights("  Vrijdag   tot donderdag over een maand!! ", today=SUNDAY)
    assert caught.value.typed == "Vrijdag tot donderdag over een maand"


def test_the_nights_of_a_stay() -> None:
    stay = parse_nights("vrijdag tot maandag", today=SUNDAY)
    assert (stay.first, stay.last, stay.departure) == (d(12, 4), d(12, 6), d(12, 7))
    assert stay.dates() == [d(12, 4), d(12, 5), d(12, 6)]
    assert parse_nights("vannacht", today=SUNDAY).dates() == [SUNDAY]


def test_the_longest_stay_is_allowed() -> None:
    assert parse_nights("vrijdag voor 14 nachten", today=SUNDAY).count == MAX_NIGHTS
    assert parse_nights("vrijdag voor 2 weken", today=SUNDAY).count == MAX_NIGHTS


# -- properties ------------------------------------------------------------------------------

_PIECES = [
    *("zaterdag", "za", "zo", "vrijdag", "friday", "sun", "maandag", "zatredag"),
    *("morgen", "overmorgen", "vandaag", "vannacht", "vanavond", "tonight", "nu", "now"),
    *("volgende week", "volgend", "next", "deze", "over twee weken", "erna", "de", "the"),
    *("weekend", "dit", "het", "this", "van", "vanaf", "from", "tussen", "op", "voor", "for"),
    *("tot", "t/m", "tot en met", "until", "to", "through", "-", "–", "—", "en", "and", "&"),
    *("nacht", "nachten", "nights", "'s nachts", "avond", "ochtend", "een", "a", "week"),
    *("0", "1", "2", "3", "12", "14", "30", "31", "99", "2026", "2027", "29 feb"),
    *("dec", "december", "jan", "januari", "12-12", "3.12", "12/12", "14-12", "2-1"),
    *("kerstavond", "oud en nieuw", "pasen", "tweede kerstdag", "christmas eve"),
    *(",", ".", "!", "?", "|", "(", "+", "/", "''"),
]
_TODAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6),
    noise=st.text(max_size=6),
    today=_TODAYS,
)
def test_never_crashes_never_past_never_too_long(words: list[str], noise: str, today: date) -> None:
    text = " ".join(words) + noise
    try:
        stay = parse_nights(text, today=today)
    except NightsError as exc:
        assert exc.reason in get_args(NightsReason)
        return
    assert stay.first >= today
    assert 1 <= stay.count <= MAX_NIGHTS
    assert stay.departure > stay.first


@settings(max_examples=60, deadline=None)
@given(today=_TODAYS, text=st.sampled_from(["vannacht", "vanavond", "tonight", "nu", "now"]))
def test_tonight_is_always_today(today: date, text: str) -> None:
    assert parse_nights(text, today=today) == Nights(today, 1)
