"""How the overview and the weekly look ahead look: one phone screen, with buttons to act.

Every list is cut ("en nog N") and every piece of user text is cut short and escaped; the
whole is kept within ``SCREEN`` units as Telegram counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    LineAction,
    LineButton,
    MeetupAction,
    MeetupButton,
    OverviewAction,
    OverviewButton,
    RequestAction,
    RequestButton,
)
from bot.domain import (
    Glance,
    HelpRequest,
    MeetupKind,
    RequestState,
    Role,
    Unanswered,
    UpcomingDate,
    Visibility,
)
from bot.i18n import Html, Translator, cut, fit_lines
from bot.views.meetups import ANSWER_ICONS, KIND_ICONS, answer_buttons
from bot.views.requests import CATEGORY_ICONS, request_ref, someone

SCREEN = 1500  # units: about what a phone shows without scrolling far
TEXT_CUT = 32  # of a request's text, in units
NAME_CUT = 16
LABEL_CUT = 30  # of a button's label
# How many of each one constellation shows (alone / next to others); the rest: "en nog N".
SHOWN = {"requests": (5, 3), "conversations": (4, 2), "dates": (3, 2)}
WEEK_DATES = 4  # dates with answer buttons in the weekly look ahead
CARERS = (Role.HUBHOME, Role.LIAISON)

T = TypeVar("T")


def _shown(kind: str, items: Sequence[T], several: bool) -> list[T]:
    alone, beside = SHOWN[kind]
    return list(items[: beside if several else alone])


def _capped(
    texts: Translator, language: str, items: Sequence[T], shown: list[T], line: Callable[[T], str]
) -> list[str]:
    lines = [line(item) for item in shown]
    if len(items) > len(shown):
        lines.append(texts(language, "overview.more", n=len(items) - len(shown)))
    return lines


def age(texts: Translator, language: str, since: datetime, now: datetime) -> str:
    """How long something has waited, in its largest unit: "12 minuten", "3 uur", "2 dagen"
    (at least a minute)."""
    minutes = max(1, int((now - since).total_seconds() // 60))
    if minutes >= 2 * 24 * 60:
        return texts.plural(language, "time.day", minutes // (24 * 60))
    if minutes >= 60:
        return texts.plural(language, "time.hour", minutes // 60)
    return texts.plural(language, "time.minute", minutes)


def request_line(texts: Translator, language: str, request: HelpRequest, now: datetime) -> str:
    """ "• 🔒 #P1 🧸 Anna: <i>Wie kan vrijdag…</i> · open 2 uur" (🔒: for the hub home only)."""
    if request.state is RequestState.CLAIMED:
        helper = cut(request.claimer_name or "?", NAME_CUT)
        status = texts(language, "overview.request_claimed", helper=helper)
    else:
        status = texts(
            language, "overview.request_open", age=age(texts, language, request.created_at, now)
        )
    line = texts(
        language,
        "overview.request",
        lock="🔒 " if request.visibility is Visibility.HUBHOME else "",
        number=request.shown_number,
        icon=CATEGORY_ICONS.get(request.category.value, "🙋"),
        name=cut(someone(texts, language, request.requester_name, start=True), NAME_CUT),
        text=cut(request.text or texts.plain(language, "request.erased"), TEXT_CUT),
        status=status,
    )
    return f"{line} 🔴" if request.urgent else line


def conversation_line(
    texts: Translator, language: str, conversation: Unanswered, now: datetime
) -> str:
    """ "• Anna · 2 berichten · wacht 3 uur"."""
    return texts(
        language,
        "overview.conversation",
        name=cut(conversation.member_name, NAME_CUT),
        messages=texts.plural(language, "overview.messages", conversation.messages),
        age=age(texts, language, conversation.since, now),
    )


def short_when(language: str, moment: datetime, timezone: str) -> str:
    """ "za 28 nov. 14:00": a date in a list, in the meetup's time zone."""
    return format_datetime(
        moment.astimezone(ZoneInfo(timezone)), "EEE d MMM HH:mm", locale=language
    )


def date_line(texts: Translator, language: str, shown: UpcomingDate, *, mine: bool = False) -> str:
    """ "• za 28 nov. 14:00 🎈 Zwemmen · 3 komen · 2 kinderen" (``mine``: "· jij: ✅")."""
    meetup = shown.meetup
    if shown.coming:
        counts = texts.plural(language, "overview.coming", shown.coming)
    else:
        counts = texts(language, "overview.coming_none")
    if meetup.kind is MeetupKind.ACTIVITY and shown.children:
        counts = Html(f"{counts} · {texts.plural(language, 'overview.children', shown.children)}")
    line = texts(
        language,
        "overview.date",
        when=short_when(language, shown.occurrence.starts_at, meetup.timezone),
        icon=KIND_ICONS[meetup.kind],
        title=cut(meetup.title, LABEL_CUT),
        counts=counts,
    )
    if mine and shown.mine is not None:
        return f"{line} · {texts(language, 'overview.mine', answer=ANSWER_ICONS[shown.mine])}"
    return line


def _role(texts: Translator, language: str, role: Role) -> str:
    return texts.plain(language, f"overview.role_{role.value}")


# -- the overview --------------------------------------------------------------------------


def overview_text(texts: Translator, language: str, glances: list[Glance], now: datetime) -> str:
    """Per constellation: requests, conversations waiting for an answer, the next dates."""
    if all(g.empty for g in glances):
        return texts(language, "overview.all_quiet")
    several = len(glances) > 1
    if several:
        lines: list[str] = [texts(language, "overview.title_several")]
    else:
        only = glances[0]
        role = _role(texts, language, only.role)
        lines = [texts(language, "overview.title", name=only.constellation.name, role=role)]
    for seen in glances:
        lines.append("")
        if several:
            role = _role(texts, language, seen.role)
            lines.append(texts(language, "overview.place", name=seen.constellation.name, role=role))
        if seen.empty:
            lines.append(texts(language, "overview.place_quiet"))
            continue
        lines += _overview_lists(texts, language, seen, now, several)
    return fit_lines(lines, SCREEN)


def _overview_lists(
    texts: Translator, language: str, seen: Glance, now: datetime, several: bool
) -> list[str]:
    lines: list[str] = []
    requests = seen.requests
    if requests:
        claimed = sum(1 for r in requests if r.state is RequestState.CLAIMED)
        lines.append(
            texts(language, "overview.requests", open=len(requests) - claimed, claimed=claimed)
        )
        shown = _shown("requests", requests, several)
        lines += _capped(
            texts, language, requests, shown, lambda r: request_line(texts, language, r, now)
        )
    else:
        lines.append(texts(language, "overview.no_requests"))
    waiting = seen.conversations
    if waiting:
        lines.append(texts(language, "overview.conversations", n=len(waiting)))
        shown_waiting = _shown("conversations", waiting, several)
        lines += _capped(
            texts,
            language,
            waiting,
            shown_waiting,
            lambda c: conversation_line(texts, language, c, now),
        )
    else:
        lines.append(texts(language, "overview.no_conversations"))
    if seen.dates:
        lines.append(texts(language, "overview.dates"))
        shown_dates = _shown("dates", seen.dates, several)
        lines += _capped(
            texts, language, seen.dates, shown_dates, lambda d: date_line(texts, language, d)
        )
    else:
        lines.append(texts(language, "overview.no_dates"))
    return lines


def _rows(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def _label(text: str, place: str | None) -> str:
    return cut(f"{text} · {place}" if place else text, LABEL_CUT)


def _show_date(language: str, shown: UpcomingDate) -> InlineKeyboardButton:
    meetup = shown.meetup
    when = short_when(language, shown.occurrence.starts_at, meetup.timezone)
    label = cut(f"{KIND_ICONS[meetup.kind]} {when} · {meetup.title}", LABEL_CUT + 8)
    data = MeetupButton(MeetupAction.SHOW, shown.occurrence.id).data()
    return InlineKeyboardButton(label, callback_data=data)


def overview_keyboard(
    texts: Translator, language: str, glances: list[Glance]
) -> InlineKeyboardMarkup:
    """Take on an open request, get a waiting message again to answer it, see a date's card;
    and draw the overview again. Only for what the text shows."""
    several = len(glances) > 1
    claims: list[InlineKeyboardButton] = []
    answers: list[InlineKeyboardButton] = []
    dates: list[InlineKeyboardButton] = []
    for seen in glances:
        place = cut(seen.constellation.name, 10) if several else None
        for request in _shown("requests", seen.requests, several):
            if request.id in seen.claimable:
                label = texts.plain(language, "overview.button_claim").format(
                    number=request.shown_number
                )
                data = RequestButton(RequestAction.CLAIM, request_ref(request)).data()
                claims.append(InlineKeyboardButton(_label(label, place), callback_data=data))
        for conversation in _shown("conversations", seen.conversations, several):
            label = texts.plain(language, "overview.button_answer").format(
                name=conversation.member_name
            )
            data = LineButton(LineAction.SHOW, conversation.last_line_id).data()
            answers.append(InlineKeyboardButton(_label(label, place), callback_data=data))
        dates += [_show_date(language, d) for d in _shown("dates", seen.dates, several)]
    refresh = InlineKeyboardButton(
        texts.plain(language, "overview.button_refresh"),
        callback_data=OverviewButton(OverviewAction.REFRESH).data(),
    )
    return InlineKeyboardMarkup(
        [*_rows(claims, 3), *_rows(answers, 3), *_rows(dates, 2), [refresh]]
    )


# -- the weekly look ahead -----------------------------------------------------------------


def week_span(language: str, sunday: date) -> str:
    """ "23–29 november" (or "30 november – 6 december"): Monday to Sunday after ``sunday``."""
    first, last = sunday + timedelta(days=1), sunday + timedelta(days=7)
    if first.month == last.month:
        return f"{first.day}–{format_date(last, 'd MMMM', locale=language)}"
    days = (format_date(day, "d MMMM", locale=language) for day in (first, last))
    return " – ".join(days)


def weekly_text(
    texts: Translator, language: str, sunday: date, glances: Sequence[Glance], now: datetime
) -> str:
    """The week's dates (with one's own answer) and, for the hub home and the liaison, the
    open requests; per constellation."""
    several = len(glances) > 1
    lines: list[str] = [texts(language, "weekly.title", days=week_span(language, sunday))]
    for seen in glances:
        lines.append("")
        if several:
            lines.append(texts(language, "weekly.place", name=seen.constellation.name))
        if seen.requests:
            lines.append(texts(language, "weekly.requests", n=len(seen.requests)))
            shown = _shown("requests", seen.requests, several)
            lines += _capped(
                texts,
                language,
                seen.requests,
                shown,
                lambda r: request_line(texts, language, r, now),
            )
        if seen.dates:
            lines.append(texts(language, "weekly.dates"))
            lines += [date_line(texts, language, d, mine=True) for d in seen.dates]
        elif seen.role in CARERS:
            lines.append(texts(language, "weekly.no_dates"))
    lines += ["", texts(language, "weekly.footer")]
    return fit_lines(lines, SCREEN)


def weekly_keyboard(
    texts: Translator, language: str, glances: Sequence[Glance]
) -> InlineKeyboardMarkup | None:
    """For each of the first dates, its card and the answers; the overview for carers."""
    rows: list[list[InlineKeyboardButton]] = []
    dates = [d for seen in glances for d in seen.dates]
    for shown in sorted(dates, key=lambda d: d.occurrence.starts_at)[:WEEK_DATES]:
        rows.append([_show_date(language, shown)])
        rows.append(answer_buttons(texts, language, shown.occurrence.id))
    if any(seen.role in CARERS for seen in glances):
        label = texts.plain(language, "weekly.button_overview")
        data = OverviewButton(OverviewAction.OPEN).data()
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None
