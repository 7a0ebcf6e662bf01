"""The months a person types after /rapport."""

from __future__ import annotations

from datetime import date

import pytest

from bot.handlers.reports import checked_span, read_range

NOW = date(2026, 11, 1)  # this month: November 2026


@pytest.mark.parametrize(
    ("typed", "first", "last"),
    [
        ("2026-01 2026-06", date(2026, 1, 1), date(2026, 6, 1)),
        ("2026-06 2026-01", date(2026, 1, 1), date(2026, 6, 1)),
        ("jan - jun 2026", date(2026, 1, 1), date(2026, 6, 1)),
        ("januari tot juni", date(2026, 1, 1), date(2026, 6, 1)),
        ("maart", date(2026, 3, 1), date(2026, 3, 1)),
        ("mrt 2025", date(2025, 3, 1), date(2025, 3, 1)),
        ("december", date(2025, 12, 1), date(2025, 12, 1)),  # not yet this year: last year's
        ("nov - feb", date(2025, 11, 1), date(2026, 2, 1)),  # across New Year
        ("march to may 2026", date(2026, 3, 1), date(2026, 5, 1)),
        ("nov 2025 - jan 2026", date(2025, 11, 1), date(2026, 1, 1)),
        ("november 2025 tot januari", date(2025, 11, 1), date(2026, 1, 1)),
    ],
)
def test_ranges(typed: str, first: date, last: date) -> None:
    assert read_range(typed, NOW) == (first, last)


@pytest.mark.parametrize("typed", ["", "banaan", "2026-13", "volgende week", "9999-12 10000-01"])
def test_no_range(typed: str) -> None:
    assert read_range(typed, NOW) is None


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2026, 1, 1), date(2026, 6, 1), (date(2026, 1, 1), date(2026, 6, 1))),
        (date(2026, 6, 1), date(2027, 3, 1), (date(2026, 6, 1), date(2026, 11, 1))),  # clipped
        (date(2027, 3, 1), date(2027, 3, 1), "report.future"),
        (date(1026, 1, 1), date(2026, 11, 1), "report.too_long"),
        (date(2023, 1, 1), date(2026, 11, 1), "report.too_long"),
    ],
)
def test_spans(first: date, last: date, expected: object) -> None:
    assert checked_span(first, last, NOW) == expected
