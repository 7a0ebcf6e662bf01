"""What is shown of a typed date: refusals whose examples are read as typed, within Telegram's
limits whatever was pasted, and the year when a date could be taken for a nearer one."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import MESSAGE_LIMIT, Translator, to_plain, units
from bot.views.meetups import meetup_when_text
from bot.views.when import refusal
from bot.when import WhenError, parse_when

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # Sunday 22 November 2026, 10:00 in Amsterdam
TEXTS = Translator()
_PIECES = [
    *("zaterdag", "za.", "za", "vrijdag", "morgen", "gisteren", "vanavond", "zaterdagavond"),
    *("morgenmiddag", "kerstavond", "koningsdag", "volgende week", "elke", "maand", "15e"),
    *("14:00", "14.30u", "2 uur", "half drie", "8", "10", "tot", "12", "-", "12.12", "5.12"),
    *("21-11", "13 dec", "4", "de 4e", "a.s.", "2028", "tonight", "2pm", "1am", "zatredag"),
    *("banaan", "'s avonds", "middag", "25:00", "06:00-23:30", "van", "x" * 60),
]


def _refused(text: str, now: datetime = NOW) -> WhenError | None:
    try:
        parse_when(text, now=now, tz=AMS)
    except WhenError as error:
        return error
    return None


def _examples(error: WhenError, language: str) -> list[str]:
    """The dates in the example commands of the refusal, as a user would copy them."""
    shown = to_plain(refusal(TEXTS, language, error, command="activiteit"))
    title = TEXTS.plain(language, "when.example_title")
    return [
        line.removeprefix("/activiteit ").removesuffix(f" | {title}")
        for line in shown.splitlines()
        if line.startswith("/activiteit ")
    ]


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5))
def test_every_example_a_refusal_offers_is_read(words: list[str]) -> None:
    error = _refused(" ".join(words))
    if error is None:
        return
    for language in ("nl", "en"):
        examples = _examples(error, language)
        assert examples, (words, language)
        for example in examples:
            assert _refused(example) is None, (words, example)
        if error.suggestion is not None:
            assert _refused(error.suggestion) is None, (words, error.suggestion)


@pytest.mark.parametrize(
    "text",
    [
        "Zaterdag gaan we met alle kinderen naar het zwembad. " * 80,
        "zatredag " * 600,
        "14:00 " + "banaan " * 700,
        "😀" * 3000,
    ],
)
def test_no_refusal_exceeds_telegrams_limit(text: str) -> None:
    error = _refused(text)
    assert error is not None
    for language in ("nl", "en"):
        for command in (None, "activiteit"):
            shown = refusal(TEXTS, language, error, command=command)
            assert units(to_plain(shown)) < 1000
            assert units(shown) <= MESSAGE_LIMIT


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 12, 24, 19, 0, tzinfo=AMS), "donderdag 24 december, 19:00"),
        (datetime(2027, 5, 17, 11, 0, tzinfo=AMS), "maandag 17 mei, 11:00"),  # only one 17 May
        (datetime(2027, 10, 20, 11, 0, tzinfo=AMS), "woensdag 20 oktober, 11:00"),
        (datetime(2027, 11, 1, 11, 0, tzinfo=AMS), "maandag 1 november 2027, 11:00"),
        (datetime(2028, 4, 27, 10, 0, tzinfo=AMS), "donderdag 27 april 2028, 10:00"),
        (datetime(2025, 12, 20, 10, 0, tzinfo=AMS), "zaterdag 20 december 2025, 10:00"),
    ],
)
def test_the_year_is_shown_when_the_date_could_be_taken_for_a_nearer_one(
    moment: datetime, shown: str
) -> None:
    assert meetup_when_text("nl", moment, "Europe/Amsterdam", now=NOW) == shown
