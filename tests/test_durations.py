from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.durations import DailyWindow, parse_duration

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", timedelta(hours=2)),
        ("30m", timedelta(minutes=30)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("7d", timedelta(days=7)),
        (" 90s ", timedelta(seconds=90)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2", "h", "2 hours", "0m", "-1h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_quiet_hours_across_midnight() -> None:
    quiet = DailyWindow.parse("22:00-07:00")
    late = datetime(2026, 11, 22, 22, 30, tzinfo=AMS)
    early = datetime(2026, 11, 23, 6, 59, tzinfo=AMS)
    day = datetime(2026, 11, 23, 12, 0, tzinfo=AMS)
    assert quiet.defer(late, AMS) == datetime(2026, 11, 23, 7, 0, tzinfo=AMS)
    assert quiet.defer(early, AMS) == datetime(2026, 11, 23, 7, 0, tzinfo=AMS)
    assert quiet.defer(day, AMS) == day


def test_quiet_hours_end_on_the_wall_clock_across_dst() -> None:
    quiet = DailyWindow.parse("22:00-07:00")
    # The night the clocks go back (25 October 2026): still 07:00 local in the morning.
    night = datetime(2026, 10, 24, 23, 0, tzinfo=AMS).astimezone(UTC)
    deferred = quiet.defer(night, AMS)
    assert deferred.astimezone(AMS).hour == 7
    assert deferred.tzinfo is UTC
