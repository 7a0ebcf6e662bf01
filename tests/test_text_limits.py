"""Cutting text as Telegram counts it (UTF-16 units), and reading typed numbers."""

from __future__ import annotations

import pytest

from bot.handlers.common import typed_number
from bot.i18n import cut, fit_lines, units


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
