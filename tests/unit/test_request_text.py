"""Reading a typed request: a leading "!" marks it urgent, as the README says (issue 16)."""

from __future__ import annotations

import pytest

from bot.domain import Category, WhenKind
from bot.services.request_text import parse_request


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        ("!Kan iemand vanavond oppassen?", "Kan iemand vanavond oppassen?"),
        ("! Kan iemand vanavond oppassen?", "Kan iemand vanavond oppassen?"),
        ("!!Kan iemand vanavond oppassen?", "Kan iemand vanavond oppassen?"),
        ("!!! Kan iemand vanavond oppassen?", "Kan iemand vanavond oppassen?"),
        ("  !Noodopvang vannacht", "Noodopvang vannacht"),
        ("#oppas !Kan iemand helpen", "Kan iemand helpen"),
        ("!dringend Kan iemand helpen", "Kan iemand helpen"),
        ("!Dringend: kan iemand helpen", "kan iemand helpen"),
        ("Kan iemand helpen? !urgent", "Kan iemand helpen?"),
        ("!!\nKan iemand helpen", "Kan iemand helpen"),
        ("Kan iemand helpen\n!!", "Kan iemand helpen"),
        ("!\n#dringend", ""),
    ],
)
def test_a_leading_mark_makes_it_urgent_and_keeps_the_first_word(typed: str, text: str) -> None:
    parsed = parse_request(typed)
    assert parsed.urgent
    assert parsed.text == text


@pytest.mark.parametrize(
    "typed",
    [
        "Kan iemand helpen!",
        "Wie kan oppassen?\n!Let op: de hond is thuis",  # further down: how someone writes
        "Help!dringend nodig",  # not a tag: part of a word
        "Een lijstje: spullen!",
    ],
)
def test_a_mark_elsewhere_is_just_punctuation(typed: str) -> None:
    parsed = parse_request(typed)
    assert not parsed.urgent
    assert parsed.text == typed


@pytest.mark.parametrize("typed", ["!", "!!", "!?", "?!", "...", "…", "- ?", "#", "! #oppas", " "])
def test_only_marks_is_no_request(typed: str) -> None:
    assert parse_request(typed).text == ""


def test_emoji_and_numbers_are_something_to_read() -> None:
    assert parse_request("🚗?").text == "🚗?"
    assert parse_request("!112").text == "112"


def test_tags_still_read_as_before() -> None:
    parsed = parse_request("#vervoer #morgen Wie kan er rijden? #dringend")
    assert (parsed.category, parsed.when, parsed.urgent) == (
        Category.TRANSPORT,
        WhenKind.TOMORROW,
        True,
    )
    assert parsed.text == "Wie kan er rijden?"
