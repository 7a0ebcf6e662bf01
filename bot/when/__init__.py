"""Dates and times as people type them, and the rhythms of a series.

``parse_when`` is the one reader for every place a date is typed (meetups, activities, and
what comes next); ``Recurrence`` and ``next_occurrences`` expand a series on the wall clock.
"""

from bot.when.reader import When, WhenError, WhenReason, normalise, parse_when
from bot.when.recurrence import Frequency, Recurrence, localize, next_occurrences

__all__ = [
    "Frequency",
    "Recurrence",
    "When",
    "WhenError",
    "WhenReason",
    "localize",
    "next_occurrences",
    "normalise",
    "parse_when",
]
