"""Dates and times as people type them, and the rhythms of a series.

``parse_when`` is the one reader for every place a date is typed (meetups, activities, and
what comes next); ``parse_nights`` reads the nights of a stay with the same days;
``Recurrence`` and ``next_occurrences`` expand a series on the wall clock.
"""

from bot.when.nights import MAX_NIGHTS, Nights, NightsError, NightsReason, parse_nights
from bot.when.reader import When, WhenError, WhenReason, normalise, parse_when
from bot.when.recurrence import Frequency, Recurrence, localize, next_occurrences

__all__ = [
    "MAX_NIGHTS",
    "Frequency",
    "Nights",
    "NightsError",
    "NightsReason",
    "Recurrence",
    "When",
    "WhenError",
    "WhenReason",
    "localize",
    "next_occurrences",
    "normalise",
    "parse_nights",
    "parse_when",
]
