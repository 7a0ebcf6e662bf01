"""Cutting text as Telegram counts it (UTF-16 units), and reading typed numbers."""

from __future__ import annotations

import pytest

from bot.handlers.common import typed_number
from bot.i18n import LANGUAGES, Translator, cut, fit_lines, to_plain, units
from bot.views.help import short_help
from bot.views.setup import blind_warning, setup_answer


def test_units_count_an_emoji_as_two() -> None:
    assert units("abc") == 3
    assert units("😀") == 2
    assert units("é") == 1


def test_cut_keeps_short_text_and_ends_long_text_with_an_ellipsis() -> None:
    assert cut("kort", 10) == "kort"
    assert cut("😀" * 10, 8) == "😀😀😀…"  # 3 × 2 units + 1 for the ellipsis
    assert units(cut("😀" * 3000, 4096)) <= 4096
    assert cut("woord en nog meer", 9) == "woord en…"


def test_fit_lines_stops_at_the_limit_and_says_more_was_left_out() -> None:
    lines = [f"<b>{number}</b> {'x' * 90}" for number in range(100)]
    text = fit_lines(lines, limit=1000)
    assert text.endswith("\n…")
    kept = text.split("\n")[:-1]
    assert kept == lines[: len(kept)]
    assert sum(len(line) - 7 + 1 for line in kept) + 2 <= 1000  # tags do not count
    assert fit_lines(lines[:3]) == "\n".join(lines[:3])


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        *[("12", 12), ("#12", 12), ("²", None), ("٣", None), ("12a", None), ("", None)],
        *[("9" * 10, None), ("-3", None), (" 1", None)],
    ],
)
def test_typed_numbers(typed: str, number: int | None) -> None:
    assert typed_number(typed) == number


# -- one phone screen ---------------------------------------------------------------------------
# A phone shows about 40 characters on a line of a message and some 16 lines above the keyboard.
# The first answers people get (/help, /setup) stay within that; the rest is behind "More".

PHONE_WIDTH = 40
PHONE_LINES = 16
SHORT_LINES = 12  # lines as written, before the phone wraps them


def phone_lines(markup: str) -> int:
    """How many lines a message takes on a phone: each written line, wrapped at PHONE_WIDTH."""
    return sum(max(1, -(-units(line) // PHONE_WIDTH)) for line in to_plain(markup).split("\n"))


def _first_answers(language: str) -> dict[str, str]:
    texts = Translator()
    bot = "@constellation_test_bot"
    name = "Pleeggezinnen De Linde"
    return {
        "group /help": short_help(texts, language, in_group=True, admin=False),
        "group /help, admin": short_help(texts, language, in_group=True, admin=True),
        "private /help": short_help(texts, language, in_group=False, admin=False),
        "/setup": setup_answer(texts, language, name),
        "/setup, bot blind": setup_answer(texts, language, name, blind_as=bot),
        "/setup, name trimmed": setup_answer(texts, language, name, trimmed=True),
        "made admin no more": blind_warning(texts, language, bot),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_answers_fit_one_phone_screen(language: str) -> None:
    too_long = {
        what: (text.count("\n") + 1, phone_lines(text))
        for what, text in _first_answers(language).items()
        if text.count("\n") + 1 > SHORT_LINES or phone_lines(text) > PHONE_LINES
    }
    assert too_long == {}


def test_phone_lines_counts_wrapped_lines() -> None:
    assert phone_lines("kort") == 1
    assert phone_lines("<b>" + "x" * 41 + "</b>\n\nkort") == 4  # tags take no room
