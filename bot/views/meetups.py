"""How a meetup looks: the card, its buttons, reminders (the calendar file: views.calendar)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import MeetupAction, MeetupButton
from bot.domain import Answer, MeetupKind, MeetupView, Rsvp
from bot.i18n import Html, Translator, escape
from bot.when import Recurrence

NAMES_UP_TO = 15  # a small group sees names; a bigger one counts only
FAR = timedelta(days=335)  # a date further ahead than this says its year
KIND_ICONS = {MeetupKind.MEETUP: "☕", MeetupKind.ACTIVITY: "🎈"}
ANSWER_ICONS = {Answer.YES: "✅", Answer.MAYBE: "🤔", Answer.NO: "❌", Answer.WAITING: "⏳"}


def meetup_when_text(
    language: str,
    starts_at: datetime,
    timezone: str,
    length_minutes: int | None = None,
    *,
    now: datetime,
) -> str:
    """ "zaterdag 29 november, 14:00" (or "…, 14:00–16:00" with a length) in the reader's
    language and the meetup's time zone; the end is on the wall clock, as it was typed. The
    year is said when the date could be taken for a nearer one ("27 april 2028")."""
    zone = ZoneInfo(timezone)
    local = starts_at.astimezone(zone)
    year = " y" if says_year(local.date(), now.astimezone(zone).date()) else ""
    text = format_datetime(local, f"EEEE d MMMM{year}, HH:mm", locale=language)
    if length_minutes:
        end = local.replace(tzinfo=None) + timedelta(minutes=length_minutes)
        text += "–" + format_datetime(end, "HH:mm", locale=language)
    return text


def says_year(day: date, today: date) -> bool:
    """Whether ``day`` needs its year: further than about eleven months ahead, or gone by
    in an earlier year. Nearer, "27 april" can only be the next one."""
    return day - today > FAR or day.year < today.year


def rhythm_text(texts: Translator, language: str, recurrence: Recurrence) -> str:
    """ "elke dinsdag", "elke eerste dinsdag van de maand", "elke maand op de 15e"."""
    if recurrence.frequency == "monthly_day":
        return texts.plain(language, "meetup.every_month_day").format(day=recurrence.day)
    assert recurrence.weekday is not None
    day = get_day_names("wide", locale=language)[recurrence.weekday]
    if recurrence.frequency == "weekly":
        return texts.plain(language, "meetup.every_week").format(weekday=day)
    nth = texts.plain(language, f"meetup.nth_{recurrence.nth}")
    return texts.plain(language, "meetup.every_nth").format(nth=nth, weekday=day)


def _who(texts: Translator, language: str, view: MeetupView, rsvp: Rsvp) -> str:
    name = escape(rsvp.name)
    if view.meetup.kind is MeetupKind.ACTIVITY and rsvp.children and rsvp.answer is not Answer.NO:
        key = "meetup.child" if rsvp.children == 1 else "meetup.children"
        return f"{name} ({texts.plain(language, key).format(n=rsvp.children)})"
    return name


def meetup_card_text(texts: Translator, language: str, view: MeetupView, now: datetime) -> Html:
    meetup, occurrence = view.meetup, view.occurrence
    kind = texts.plain(language, f"meetup.kind_{meetup.kind.value}")
    lines: list[str] = [
        texts(
            language,
            "meetup.card_title",
            icon=KIND_ICONS[meetup.kind],
            kind=kind,
            number=meetup.number,
            title=meetup.title,
        )
    ]
    if occurrence.cancelled:
        lines.insert(0, texts(language, "meetup.card_cancelled"))
    when = meetup_when_text(
        language, occurrence.starts_at, meetup.timezone, meetup.length_minutes, now=now
    )
    lines.append(texts(language, "meetup.card_when", when=when))
    if meetup.recurrence:
        rhythm = rhythm_text(texts, language, Recurrence.decode(meetup.recurrence))
        lines.append(texts(language, "meetup.card_rhythm", rhythm=rhythm))
    if meetup.location:
        lines.append(texts(language, "meetup.card_where", location=meetup.location))
    if meetup.ages:
        lines.append(texts(language, "meetup.card_ages", ages=meetup.ages))
    if meetup.capacity is not None:
        free = max(0, meetup.capacity - view.taken)
        lines.append(texts(language, "meetup.card_capacity", capacity=meetup.capacity, free=free))
    lines.append("")
    lines += answer_lines(texts, language, view)
    return Html("\n".join(lines))


def answer_lines(texts: Translator, language: str, view: MeetupView) -> list[str]:
    if not view.rsvps:
        return [texts(language, "meetup.card_no_answers")]
    show_names = len(view.rsvps) <= NAMES_UP_TO
    lines = []
    for answer in (Answer.YES, Answer.MAYBE, Answer.NO, Answer.WAITING):
        people = view.with_answer(answer)
        if not people:
            continue
        label = texts(language, f"meetup.answer_{answer.value}")
        count = str(len(people))
        if answer is Answer.YES and view.meetup.kind is MeetupKind.ACTIVITY and view.children:
            count += " · " + texts(language, "meetup.children_total", n=view.children)
        line = f"{ANSWER_ICONS[answer]} {label} ({count})"
        if show_names:
            line += ": " + ", ".join(_who(texts, language, view, rsvp) for rsvp in people)
        lines.append(line)
    return lines


def is_open(view: MeetupView, now: datetime) -> bool:
    return not (view.occurrence.cancelled or view.meetup.cancelled) and (
        view.occurrence.starts_at > now
    )


def _button(
    texts: Translator, language: str, action: MeetupAction, occurrence_id: int, key: str
) -> InlineKeyboardButton:
    data = MeetupButton(action, occurrence_id).data()
    return InlineKeyboardButton(texts.plain(language, key), callback_data=data)


def answer_buttons(
    texts: Translator, language: str, occurrence_id: int
) -> list[InlineKeyboardButton]:
    """Coming / maybe / not coming: the card's first row, and a date's row elsewhere."""
    return [
        _button(texts, language, MeetupAction.YES, occurrence_id, "meetup.button_yes"),
        _button(texts, language, MeetupAction.MAYBE, occurrence_id, "meetup.button_maybe"),
        _button(texts, language, MeetupAction.NO, occurrence_id, "meetup.button_no"),
    ]


def meetup_card_keyboard(
    texts: Translator, language: str, view: MeetupView, now: datetime
) -> InlineKeyboardMarkup | None:
    """Coming / maybe / not coming; ± a child for activities; add to calendar."""
    if not is_open(view, now):
        return None
    occurrence_id = view.occurrence.id
    rows = [answer_buttons(texts, language, occurrence_id)]
    if view.meetup.kind is MeetupKind.ACTIVITY:
        rows.append(
            [
                _button(texts, language, MeetupAction.MORE, occurrence_id, "meetup.button_more"),
                _button(texts, language, MeetupAction.FEWER, occurrence_id, "meetup.button_fewer"),
            ]
        )
    rows.append(
        [_button(texts, language, MeetupAction.CALENDAR, occurrence_id, "meetup.button_calendar")]
    )
    return InlineKeyboardMarkup(rows)


def reminder_text(
    texts: Translator, language: str, view: MeetupView, now: datetime, left: str
) -> Html:
    """The reminder: what, when, where, who is coming; "begint over …" counted at sending."""
    meetup = view.meetup
    lines: list[str] = [
        texts(
            language,
            "meetup.reminder",
            icon=KIND_ICONS[meetup.kind],
            title=meetup.title,
            left=left,
        ),
        texts(
            language,
            "meetup.card_when",
            when=meetup_when_text(
                language, view.occurrence.starts_at, meetup.timezone, meetup.length_minutes, now=now
            ),
        ),
    ]
    if meetup.location:
        lines.append(texts(language, "meetup.card_where", location=meetup.location))
    lines += ["", *answer_lines(texts, language, view)]
    return Html("\n".join(lines))


def minutes_until(view: MeetupView, now: datetime) -> int:
    """Whole minutes until it begins (at least one), for "begint over …"."""
    return max(1, round((view.occurrence.starts_at - now).total_seconds() / 60))
