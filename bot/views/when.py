"""How a typed date is shown back, and how a date that cannot be used is refused.

A refusal always gives examples built from what was typed: the day they wrote with a time
added, or the time they wrote with a day that works, or the misspelt day put right.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_day_names

from bot.i18n import Html, Translator, escape
from bot.views.meetups import meetup_when_text, rhythm_text
from bot.when import When, WhenError
from bot.when.words import DayPart

_EXAMPLE_TIMES = {
    None: ("14:00", "19:30"),
    DayPart.MORNING: ("10:00",),
    DayPart.AFTERNOON: ("14:00",),
    DayPart.EVENING: ("19:30",),
    DayPart.NIGHT: ("22:00",),
}


def when_words(texts: Translator, language: str, when: When, timezone: str) -> str:
    """ "zaterdag 5 december, 14:00–16:00" (and ", elke zaterdag" for a series)."""
    words = meetup_when_text(language, when.start, timezone, when.length_minutes)
    if when.recurrence is not None:
        words += ", " + rhythm_text(texts, language, when.recurrence)
    return words


def read_back(texts: Translator, language: str, when: When, timezone: str) -> Html:
    """What the reader made of the typed date, and which part of the day it chose, if any."""
    lines = [texts(language, "when.read_as", when=when_words(texts, language, when, timezone))]
    if when.assumed is not None:
        local = when.start.astimezone(ZoneInfo(timezone))
        at = format_datetime(local, "HH:mm", locale=language)
        other = format_datetime(local - timedelta(hours=12), "HH:mm", locale=language)
        key = f"when.assumed_{when.assumed.value}"
        lines.append(texts(language, key, time=at, other=other))
    return Html("\n".join(lines))


def refusal(
    texts: Translator, language: str, error: WhenError, *, command: str | None = None
) -> Html:
    """Why the date cannot be used, with examples close to what was typed.

    With ``command`` the examples are whole one-line commands (``/bijeenkomst … | Zwemmen``),
    else the bare date as typed in a guided flow.
    """
    lines = [_reason(texts, language, error)]
    if error.suggestion:
        lines.append(texts(language, "when.did_you_mean", example=error.suggestion))
    examples = _examples(texts, language, error)
    if command is None:
        shown = " · ".join(f"<i>{escape(example)}</i>" for example in examples)
        lines.append(texts(language, "when.for_example", examples=Html(shown)))
    else:
        title = texts.plain(language, "when.example_title")
        for example in examples[:2]:
            lines.append(Html(f"<code>{escape(f'/{command} {example} | {title}')}</code>"))
    if error.reason != "empty":
        lines.append(texts(language, "when.nothing_planned"))
    return Html("\n".join(lines))


def _reason(texts: Translator, language: str, error: WhenError) -> Html:
    if error.reason == "past":
        if error.local_now is None:
            return texts(language, "when.past_now")
        now = format_datetime(error.local_now, "HH:mm", locale=language)
        return texts(language, "when.past", now=now)
    if error.reason == "wrong_weekday" and error.date is not None:
        weekday = get_day_names("wide", locale=language)[error.date.weekday()]
        day = format_date(error.date, "d MMMM", locale=language)
        return texts(language, "when.wrong_weekday", date=day, weekday=weekday)
    return texts(language, f"when.{error.reason}")


def _examples(texts: Translator, language: str, error: WhenError) -> list[str]:
    """Dates that would be read, made from what was typed."""
    day, at = error.typed_day, error.typed_time
    if error.reason == "no_time":
        day = day or texts.plain(language, "when.example_day")
        return [f"{day} {example}" for example in _EXAMPLE_TIMES[error.part]]
    if error.reason == "wrong_weekday" and error.date is not None:
        weekday = get_day_names("wide", locale=language)[error.date.weekday()]
        day_text = format_date(error.date, "d MMMM", locale=language)
        return [f"{weekday} {day_text} {at or '14:00'}"]
    if error.reason == "bad_range":
        return [texts.plain(language, "when.example_range")]
    time_text = at or "14:00"
    days = texts.plain(language, "when.example_days").split("|")
    if error.reason == "past":
        return [f"{days[0]} {time_text}", f"{days[1]} {time_text}"]
    return [f"{day} {time_text}" for day in days]
