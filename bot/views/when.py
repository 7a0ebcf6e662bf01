"""How a typed date is shown back, and how a date that cannot be used is refused.

A refusal always gives examples built from what was typed: the day they wrote with a time
added, or the time they wrote with a day that works, or the misspelt day put right. Every
example is read before it is offered, so tapping one never leads to another refusal (or to
a date nobody meant); when none made from what was typed reads, plain ones are given.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_day_names

from bot.i18n import Html, Translator, escape, units
from bot.views.meetups import meetup_when_text, rhythm_text, says_year
from bot.when import When, WhenError, parse_when
from bot.when.words import DayPart

_EXAMPLE_TIMES = {
    None: ("14:00", "19:30"),
    DayPart.MORNING: ("10:00",),
    DayPart.AFTERNOON: ("14:00",),
    DayPart.EVENING: ("19:30",),
    DayPart.NIGHT: ("22:00",),
}
# What was typed is echoed in an example or a suggestion only up to this length: a pasted
# announcement is no date, and a refusal must stay far within Telegram's limit.
ECHO_LIMIT = 100


def when_words(texts: Translator, language: str, when: When, timezone: str, now: datetime) -> str:
    """ "zaterdag 5 december, 14:00–16:00" (and ", elke zaterdag" for a series)."""
    words = meetup_when_text(language, when.start, timezone, when.length_minutes, now=now)
    if when.recurrence is not None:
        words += ", " + rhythm_text(texts, language, when.recurrence)
    return words


def read_back(texts: Translator, language: str, when: When, timezone: str, now: datetime) -> Html:
    """What the reader made of the typed date, and which part of the day it chose, if any."""
    words = when_words(texts, language, when, timezone, now)
    lines = [texts(language, "when.read_as", when=words)]
    if (note := assumed_note(texts, language, when, timezone)) is not None:
        lines.append(note)
    return Html("\n".join(lines))


def assumed_note(texts: Translator, language: str, when: When, timezone: str) -> Html | None:
    """ "…ik neem de middag: 14:00. Bedoel je 's nachts? Typ dan 02:00.", when it chose."""
    if when.assumed is None:
        return None
    local = when.start.astimezone(ZoneInfo(timezone))
    at = format_datetime(local, "HH:mm", locale=language)
    other = format_datetime(local - timedelta(hours=12), "HH:mm", locale=language)
    return texts(language, f"when.assumed_{when.assumed.value}", time=at, other=other)


def refusal(
    texts: Translator, language: str, error: WhenError, *, command: str | None = None
) -> Html:
    """Why the date cannot be used, with examples close to what was typed.

    With ``command`` the examples are whole one-line commands (``/bijeenkomst … | Zwemmen``),
    else the bare date as typed in a guided flow.
    """
    lines = [_reason(texts, language, error)]
    if error.suggestion and units(error.suggestion) <= ECHO_LIMIT:
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
    if error.reason == "past" and error.date is not None:  # "21-11" typed on 22 November
        return texts(language, "when.past_day", date=_day(language, error))
    if error.reason == "past":
        if error.local_now is None:
            return texts(language, "when.past_now")
        now = format_datetime(error.local_now, "HH:mm", locale=language)
        return texts(language, "when.past", now=now)
    if error.reason == "wrong_weekday" and error.date is not None:
        weekday = get_day_names("wide", locale=language)[error.date.weekday()]
        return texts(language, "when.wrong_weekday", date=_day(language, error), weekday=weekday)
    return texts(language, f"when.{error.reason}")


def _day(language: str, error: WhenError) -> str:
    """The date of a wrong weekday or a past day, with its year when it needs one."""
    assert error.date is not None
    far = error.local_now is not None and says_year(error.date, error.local_now.date())
    return format_date(error.date, "d MMMM y" if far else "d MMMM", locale=language)


def _examples(texts: Translator, language: str, error: WhenError) -> list[str]:
    """Dates that are read, made from what was typed if they can be."""
    days = texts.plain(language, "when.example_days").split("|")
    made = [e for e in _made_from_typed(texts, language, error, days) if _reads(e, error)]
    if made:
        return made
    times = _EXAMPLE_TIMES[error.part] if error.reason == "no_time" else ("14:00",)
    plain = [f"{texts.plain(language, 'when.example_day')} {at}" for at in times]
    return [example for example in [*plain, f"{days[1]} 19:30"] if _reads(example, error)]


def _made_from_typed(
    texts: Translator, language: str, error: WhenError, days: list[str]
) -> list[str]:
    day, at = error.typed_day, error.typed_time
    if error.reason == "no_time":
        day = day or texts.plain(language, "when.example_day")
        return [f"{day} {example}" for example in _EXAMPLE_TIMES[error.part]]
    if error.reason == "wrong_weekday" and error.date is not None:
        weekday = get_day_names("wide", locale=language)[error.date.weekday()]
        return [f"{weekday} {_day(language, error)} {at or '14:00'}"]
    if error.reason == "bad_range":
        return [texts.plain(language, "when.example_range")]
    time_text = at or "14:00"
    if error.reason == "past":
        return [f"{days[0]} {time_text}", f"{days[1]} {time_text}"]
    return [f"{day} {time_text}" for day in days]


def _reads(example: str, error: WhenError) -> bool:
    """Whether ``example`` is read as a moment, at the time of the refusal."""
    now = error.local_now
    if units(example) > ECHO_LIMIT or now is None or not isinstance(now.tzinfo, ZoneInfo):
        return False
    try:
        parse_when(example, now=now, tz=now.tzinfo)
    except WhenError:
        return False
    return True
