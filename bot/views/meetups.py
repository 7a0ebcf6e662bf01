"""How a meetup looks: the card, its buttons, reminders (the calendar file: views.calendar)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_day_names
from babel.lists import format_list
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import MeetupAction, MeetupButton
from bot.domain import MAX_CHILDREN, Answer, MeetupKind, MeetupView, Rsvp
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
    day_only: bool = False,
) -> str:
    """ "zaterdag 29 november, 14:00" (or "…, 14:00–16:00" with a length; "zaterdag 29
    november" with ``day_only``) in the reader's language and the meetup's time zone; the end
    is on the wall clock, as it was typed. The year is said when the date could be taken for
    a nearer one ("27 april 2028")."""
    zone = ZoneInfo(timezone)
    local = starts_at.astimezone(zone)
    year = " y" if says_year(local.date(), now.astimezone(zone).date()) else ""
    if day_only:
        return format_datetime(local, f"EEEE d MMMM{year}", locale=language)
    text = format_datetime(local, f"EEEE d MMMM{year}, HH:mm", locale=language)
    if length_minutes:
        text += "–" + _end(local, length_minutes, language)
    return text


def _end(local: datetime, length_minutes: int, language: str) -> str:
    end = local.replace(tzinfo=None) + timedelta(minutes=length_minutes)
    return format_datetime(end, "HH:mm", locale=language)


WEEK = 7  # within a week, the weekday alone says which day


def day_words(
    texts: Translator, language: str, starts_at: datetime, timezone: str, *, now: datetime
) -> str:
    """The day seen from now, as people say it: "vandaag", "morgen", "zaterdag" (within the
    week), else "zaterdag 5 december"."""
    zone = ZoneInfo(timezone)
    local = starts_at.astimezone(zone)
    ahead = (local.date() - now.astimezone(zone).date()).days
    if ahead == 0:
        return texts.plain(language, "meetup.today")
    if ahead == 1:
        return texts.plain(language, "meetup.tomorrow")
    if 1 < ahead < WEEK:
        return format_datetime(local, "EEEE", locale=language)
    return meetup_when_text(language, starts_at, timezone, now=now, day_only=True)


def starts_text(
    texts: Translator,
    language: str,
    starts_at: datetime,
    timezone: str,
    length_minutes: int | None = None,
    *,
    now: datetime,
) -> str:
    """ "morgen om 15:00", "zaterdag van 10:00 tot 12:00": when it begins, in words."""
    day = day_words(texts, language, starts_at, timezone, now=now)
    local = starts_at.astimezone(ZoneInfo(timezone))
    start = format_datetime(local, "HH:mm", locale=language)
    if length_minutes:
        end = _end(local, length_minutes, language)
        return texts.plain(language, "meetup.day_from_to").format(day=day, start=start, end=end)
    return texts.plain(language, "meetup.day_at").format(day=day, time=start)


def capitalised(text: str) -> str:
    """A sentence's first letter up ("Morgen om 15:00"), the rest as it was."""
    return text[:1].upper() + text[1:]


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
    """ "Anna", or "Anna (+2 kinderen)" for a family bringing children to an activity."""
    name = escape(rsvp.name)
    if view.meetup.kind is MeetupKind.ACTIVITY and rsvp.children and rsvp.answer is not Answer.NO:
        return f"{name} {texts.plural(language, 'meetup.with_children', rsvp.children)}"
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
        lines.insert(0, cancelled_line(texts, language, view, now))
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
        places = texts.plural(language, "meetup.places", meetup.capacity)
        lines.append(texts(language, "meetup.card_capacity", places=places, free=free))
    if not occurrence.cancelled:  # a date that is off invites nobody
        lines.append("")
        lines += answer_lines(texts, language, view)
    return Html("\n".join(lines))


def cancelled_line(texts: Translator, language: str, view: MeetupView, now: datetime) -> Html:
    """ "AFGEZEGD"; for one date of a series that goes on: "Dinsdag 24 november gaat niet
    door; de reeks gaat verder op dinsdag 1 december, 19:30"."""
    meetup = view.meetup
    if view.resumes is None or meetup.cancelled:
        return texts(language, "meetup.card_cancelled")
    day = meetup_when_text(
        language, view.occurrence.starts_at, meetup.timezone, now=now, day_only=True
    )
    goes_on = meetup_when_text(language, view.resumes, meetup.timezone, now=now)
    return texts(language, "meetup.card_date_off", day=capitalised(day), next=goes_on)


def answer_lines(texts: Translator, language: str, view: MeetupView) -> list[str]:
    """ "✅ Komen: Anna (+2 kinderen), Bert" per answer (up to 15 answers; beyond, counts:
    "✅ 16 komen"); under who comes to an activity, the children in all where the names do
    not already say it at a glance."""
    if not view.rsvps:
        return [texts(language, "meetup.card_no_answers")]
    show_names = len(view.rsvps) <= NAMES_UP_TO
    families = [rsvp for rsvp in view.with_answer(Answer.YES) if rsvp.children]
    in_all = view.meetup.kind is MeetupKind.ACTIVITY and (
        len(families) > 1 or (bool(families) and not show_names)
    )
    lines = []
    for answer in (Answer.YES, Answer.MAYBE, Answer.NO, Answer.WAITING):
        people = view.with_answer(answer)
        if not people:
            continue
        if show_names:
            label = texts(language, f"meetup.answer_{answer.value}")
            names = ", ".join(_who(texts, language, view, rsvp) for rsvp in people)
            lines.append(f"{ANSWER_ICONS[answer]} {label}: {names}")
        else:
            count = texts.plural(language, f"meetup.count_{answer.value}", len(people))
            lines.append(f"{ANSWER_ICONS[answer]} {count}")
        if answer is Answer.YES and in_all:
            lines.append(texts.plural(language, "meetup.children_total", view.children))
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
    texts: Translator,
    language: str,
    view: MeetupView,
    now: datetime,
    names: list[str] | None = None,
) -> Html:
    """The reminder: "⏰ Morgen om 15:00: 🎈 Zwemmen" (the day seen from when it is sent),
    where, who is coming. In the group for those it is meant for: "Anna en Bert: ⏰ …"."""
    meetup = view.meetup
    when = starts_text(
        texts,
        language,
        view.occurrence.starts_at,
        meetup.timezone,
        meetup.length_minutes,
        now=now,
    )
    head = texts(
        language,
        "meetup.reminder",
        when=capitalised(when),
        icon=KIND_ICONS[meetup.kind],
        title=meetup.title,
    )
    if names:  # as a DM that went to the group is headed (see the courier)
        who = Html(format_list([escape(name) for name in names], locale=language))
        head = texts(language, "notice.in_group", name=who, text=head)
    lines: list[str] = [head]
    if meetup.location:
        lines.append(texts(language, "meetup.card_where", location=meetup.location))
    lines += ["", *answer_lines(texts, language, view)]
    return Html("\n".join(lines))


def children_question(
    texts: Translator, language: str, view: MeetupView, user_id: int, now: datetime
) -> tuple[Html, InlineKeyboardMarkup]:
    """ "Met hoeveel kinderen kom je naar Zwemmen (zaterdag om 14:00)?" with 1 2 3 4+."""
    meetup = view.meetup
    when = starts_text(texts, language, view.occurrence.starts_at, meetup.timezone, now=now)
    text = texts(language, "meetup.children_question", title=meetup.title, when=when)
    return text, children_keyboard(texts, language, view.occurrence.id, user_id, many=False)


def children_keyboard(
    texts: Translator, language: str, occurrence_id: int, user_id: int, *, many: bool
) -> InlineKeyboardMarkup:
    """1 2 3 4+ (the question is for ``user_id`` only); after 4+: 4 to 10."""

    def count(n: int) -> InlineKeyboardButton:
        data = MeetupButton(MeetupAction.KIDS, occurrence_id, count=n, person=user_id).data()
        return InlineKeyboardButton(str(n), callback_data=data)

    if many:
        return InlineKeyboardMarkup(
            [[count(n) for n in range(4, 8)], [count(n) for n in range(8, MAX_CHILDREN + 1)]]
        )
    more = MeetupButton(MeetupAction.KIDS_MORE, occurrence_id, person=user_id).data()
    label = texts.plain(language, "meetup.button_four_or_more")
    return InlineKeyboardMarkup(
        [[count(1), count(2), count(3), InlineKeyboardButton(label, callback_data=more)]]
    )
