"""The words people type for days, times and parts of the day (Dutch and English)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from enum import Enum

WEEKDAYS = {
    **dict.fromkeys(("maandag", "ma", "monday", "mon"), 0),
    **dict.fromkeys(("dinsdag", "di", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("woensdag", "wo", "wednesday", "wed"), 2),
    **dict.fromkeys(("donderdag", "do", "thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("vrijdag", "vr", "friday", "fri"), 4),
    **dict.fromkeys(("zaterdag", "za", "saturday", "sat"), 5),
    **dict.fromkeys(("zondag", "zo", "sunday", "sun"), 6),
}
ENGLISH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The full names, for suggestions when a day is misspelt ("zaterdga").
FULL_DAY_NAMES = tuple(name for name in WEEKDAYS if len(name) > 4)

ORDINALS = {
    **dict.fromkeys(("eerste", "1e", "1ste", "first", "1st"), 1),
    **dict.fromkeys(("tweede", "2e", "2de", "second", "2nd"), 2),
    **dict.fromkeys(("derde", "3e", "3de", "third", "3rd"), 3),
    **dict.fromkeys(("vierde", "4e", "4de", "fourth", "4th"), 4),
    **dict.fromkeys(("laatste", "last"), -1),
}

# Numbers as words, for clock times ("half acht", "kwart over zeven", "ten past eight") and
# counts of weeks ("over twee weken").
NUMBERS = {
    **dict.fromkeys(("een", "één", "eén", "one"), 1),
    **dict.fromkeys(("twee", "two"), 2),
    **dict.fromkeys(("drie", "three"), 3),
    **dict.fromkeys(("vier", "four"), 4),
    **dict.fromkeys(("vijf", "five"), 5),
    **dict.fromkeys(("zes", "six"), 6),
    **dict.fromkeys(("zeven", "seven"), 7),
    **dict.fromkeys(("acht", "eight"), 8),
    **dict.fromkeys(("negen", "nine"), 9),
    **dict.fromkeys(("tien", "ten"), 10),
    **dict.fromkeys(("elf", "eleven"), 11),
    **dict.fromkeys(("twaalf", "twelve"), 12),
    **dict.fromkeys(("dertien", "thirteen"), 13),
    **dict.fromkeys(("veertien", "fourteen"), 14),
    **dict.fromkeys(("twintig", "twenty"), 20),
    **dict.fromkeys(("vijfentwintig", "twenty-five", "twentyfive"), 25),
}


MONTHS = (
    *("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"),
    *("september", "oktober", "november", "december", "january", "february", "march"),
    *("june", "july", "august", "october"),
)
MONTH_WORDS = (
    *MONTHS,
    *("jan", "feb", "mrt", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "oct", "nov", "dec"),
)


def number(word: str) -> int:
    """A number typed in digits or words: "3", "drie", "a" (week)."""
    if word in ("a", "an"):
        return 1
    return int(word) if word.isdigit() else NUMBERS[word]


class DayPart(Enum):
    """A part of the day, as in "'s avonds" or "woensdagmiddag"."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    NIGHT = "night"


DAY_PART_WORDS = {
    # "morgen" alone is tomorrow; as a part of the day it only comes joined to a day
    # ("zondagmorgen", "morgenochtend"), which the reader rewrites to "ochtend" first.
    **dict.fromkeys(("ochtend", "morning", "ochtends", "morgens"), DayPart.MORNING),
    **dict.fromkeys(("middag", "afternoon", "middags"), DayPart.AFTERNOON),
    **dict.fromkeys(("avond", "evening", "avonds"), DayPart.EVENING),
    **dict.fromkeys(("nacht", "night", "nachts"), DayPart.NIGHT),
}

# "vanavond" and "tonight" name a day (today) and a part of it at once.
TODAY_WITH_PART = {
    **dict.fromkeys(("vanochtend", "vanmorgen", "this morning"), DayPart.MORNING),
    **dict.fromkeys(("vanmiddag", "this afternoon"), DayPart.AFTERNOON),
    **dict.fromkeys(("vanavond", "tonight", "this evening"), DayPart.EVENING),
    **dict.fromkeys(("vannacht", "this night"), DayPart.NIGHT),
}


class Named(Enum):
    """Days people name rather than date; moveable ones come from the holidays library."""

    CHRISTMAS_EVE = "christmas_eve"
    CHRISTMAS = "christmas"
    BOXING_DAY = "boxing_day"
    NEW_YEARS_EVE = "new_years_eve"
    NEW_YEAR = "new_year"
    KINGS_DAY = "kings_day"
    LIBERATION_DAY = "liberation_day"
    GOOD_FRIDAY = "good_friday"
    EASTER = "easter"
    EASTER_MONDAY = "easter_monday"
    ASCENSION = "ascension"
    PENTECOST = "pentecost"
    WHIT_MONDAY = "whit_monday"
    SINTERKLAAS = "sinterklaas"


NAMED_DAYS = {
    **dict.fromkeys(("kerstavond", "christmas eve", "xmas eve"), Named.CHRISTMAS_EVE),
    **dict.fromkeys(
        (
            "eerste kerstdag",
            "1e kerstdag",
            "1ste kerstdag",
            "kerstmis",
            "kerst",
            "kerstdag",
            "christmas day",
            "christmas",
            "xmas",
        ),
        Named.CHRISTMAS,
    ),
    **dict.fromkeys(
        ("tweede kerstdag", "2e kerstdag", "2de kerstdag", "boxing day"), Named.BOXING_DAY
    ),
    **dict.fromkeys(
        (
            "oudejaarsavond",
            "oudejaarsdag",
            "oudjaar",
            "oud en nieuw",
            "new year's eve",
            "new years eve",
        ),
        Named.NEW_YEARS_EVE,
    ),
    **dict.fromkeys(
        ("nieuwjaarsdag", "nieuwjaar", "new year's day", "new years day", "new year"),
        Named.NEW_YEAR,
    ),
    **dict.fromkeys(("koningsdag", "king's day", "kings day"), Named.KINGS_DAY),
    **dict.fromkeys(("bevrijdingsdag", "liberation day"), Named.LIBERATION_DAY),
    **dict.fromkeys(("goede vrijdag", "good friday"), Named.GOOD_FRIDAY),
    **dict.fromkeys(
        (
            "eerste paasdag",
            "1e paasdag",
            "paaszondag",
            "pasen",
            "paasdag",
            "easter sunday",
            "easter",
        ),
        Named.EASTER,
    ),
    **dict.fromkeys(
        ("tweede paasdag", "2e paasdag", "paasmaandag", "easter monday"), Named.EASTER_MONDAY
    ),
    **dict.fromkeys(
        ("hemelvaartsdag", "hemelvaart", "ascension day", "ascension"), Named.ASCENSION
    ),
    **dict.fromkeys(
        (
            "eerste pinksterdag",
            "1e pinksterdag",
            "pinksteren",
            "pinksterzondag",
            "pentecost",
            "whitsun",
            "whit sunday",
        ),
        Named.PENTECOST,
    ),
    **dict.fromkeys(
        ("tweede pinksterdag", "2e pinksterdag", "pinkstermaandag", "whit monday"),
        Named.WHIT_MONDAY,
    ),
    **dict.fromkeys(
        ("pakjesavond", "sinterklaasavond", "sinterklaas", "sinterklaasdag", "sint"),
        Named.SINTERKLAAS,
    ),
}


# The words that name a day, for putting a misspelt one right ("zatredag").
DAY_WORDS = (
    *FULL_DAY_NAMES,
    *(name for name in NAMED_DAYS if " " not in name),
    *("vandaag", "gisteren", "morgen", "overmorgen", "volgende", "today", "yesterday", "tomorrow"),
    *("vanavond", "vannacht", "vanmiddag", "vanochtend", "tonight"),
)
# Named days that are evenings: "kerstavond 7 uur" is 19:00, as "vanavond 7 uur" is.
EVENING_NAMES = tuple(name for name in NAMED_DAYS if name.endswith(("avond", " eve")))


def suggest(text: str, known: Iterable[str], reads: Callable[[str], bool]) -> str | None:
    """``text`` with each misspelt word put right ("zatredag" → "zaterdag"), only if that then
    ``reads``: a correction that is refused too helps nobody ("maand" is no "maandag")."""
    known = tuple(known)
    fixed = text
    for word in dict.fromkeys(re.findall(r"[a-zà-ÿ']+", text)):
        if word in known or len(word) < 4:
            continue
        close = difflib.get_close_matches(word, known, n=1, cutoff=0.75)
        if close:
            fixed = re.sub(rf"\b{re.escape(word)}\b", close[0], fixed)
    return fixed if fixed != text and reads(fixed) else None


def alternatives(words: object) -> str:
    """A regex alternation of ``words``, longest first ("tues" before "tue")."""
    assert isinstance(words, dict | tuple | list | set | frozenset)
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))
