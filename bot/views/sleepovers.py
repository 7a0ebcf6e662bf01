"""How a sleepover looks: the hub home's card, the family's messages, and their buttons.

Children appear at most as the nickname or initial the family typed; the family by first
name, to the hub home (and a backup or the liaison) only. Nothing here is ever for a group.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import DECLINE_REASONS, SleepoverAction, SleepoverButton
from bot.domain import Away, Sleepover, SleepoverSettings, SleepoverState
from bot.i18n import Html, Translator, escape, to_plain
from bot.views.requests import someone
from bot.when.nights import NightsError

ICON = "🛏️"
EMERGENCY_ICON = "🚨"


def nights_refusal(texts: Translator, language: str, error: NightsError) -> Html:
    """Why the nights typed cannot be used, with examples (and a misspelt day put right)."""
    lines = [texts(language, f"sflow.nights_{error.reason}")]
    if error.reason == "wrong_weekday" and error.date is not None:
        lines = [texts(language, "sflow.nights_wrong_weekday", date=day_text(language, error.date))]
    if error.suggestion:
        lines.append(texts(language, "when.did_you_mean", example=error.suggestion))
    lines.append(texts(language, "sflow.nights_examples"))
    return Html("\n".join(lines))


def ics_file(
    texts: Translator, language: str, sleepover: Sleepover, hubhome: str, now: datetime
) -> bytes:
    """The stay as an all-day event from the first evening to the morning they go home."""
    from icalendar import Calendar, Event  # when a file is made, not at start-up (bench/README.md)

    calendar = Calendar()
    calendar.add("prodid", "-//constellation-bot//NL")
    calendar.add("version", "2.0")
    event = Event()
    name = f"sleepover-{sleepover.constellation_id}-{sleepover.id}"
    event.add("uid", f"{uuid.uuid5(uuid.NAMESPACE_URL, name)}@constellation-bot")
    event.add("dtstamp", now)
    event.add("dtstart", sleepover.first_night)
    event.add("dtend", sleepover.departure)
    children = children_text(texts, language, sleepover.children, sleepover.nicknames)
    event.add("summary", texts.plain(language, "sleepover.ics_title").format(hubhome=hubhome))
    event.add("description", children)
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def day_text(language: str, day: date) -> str:
    """ "za 12 dec" """
    return format_date(day, "EEE d MMM", locale=language).replace(".", "")


def nights_text(texts: Translator, language: str, first: date, nights: int) -> str:
    """ "za 12 dec → zo 13 dec · 1 nacht" (the second date is the morning they go home)."""
    count = to_plain(texts.plural(language, "sleepover.nights", nights))
    departure = first + timedelta(days=nights)
    return f"{day_text(language, first)} → {day_text(language, departure)} · {count}"


def children_text(texts: Translator, language: str, children: int, nicknames: str | None) -> str:
    text = to_plain(texts.plural(language, "sleepover.children", children))
    return f"{text} ({nicknames})" if nicknames else text


def period_text(language: str, away: Away) -> str:
    """ "vr 4 dec → zo 6 dec": the first closed night to the morning after the last one,
    as a stay is shown."""
    back = away.last_night + timedelta(days=1)
    return f"{day_text(language, away.first_night)} → {day_text(language, back)}"


def away_text(texts: Translator, language: str, away: Away) -> Html:
    period = period_text(language, away)
    if away.backup_name:
        return texts(language, "sleepover.away_backup", period=period, backup=away.backup_name)
    return texts(language, "sleepover.away", period=period)


def free_text(
    texts: Translator, language: str, free: Sequence[tuple[date, int]], beds: int
) -> Html:
    """ "za 12 dec: 1 van 2 vrij · zo 13 dec: 2 van 2 vrij" """
    parts = [
        texts.plain(language, "sleepover.free_night").format(
            day=day_text(language, night), free=count, beds=beds
        )
        for night, count in free
    ]
    return escape(" · ".join(parts))


def details(texts: Translator, language: str, sleepover: Sleepover) -> list[str]:
    """The lines every view of a sleepover shares: when, who, the note."""
    lines = [
        f"📅 {escape(nights_text(texts, language, sleepover.first_night, sleepover.nights))}",
        f"👧 {escape(children_text(texts, language, sleepover.children, sleepover.nicknames))}",
    ]
    if (times := handover_line(texts, language, sleepover)) is not None:
        lines.append(times)
    if sleepover.note:
        lines.append(f"💬 {escape(sleepover.note)}")
    return lines


def handover_line(texts: Translator, language: str, sleepover: Sleepover) -> Html | None:
    return handover_text(texts, language, sleepover.drop_off, sleepover.pick_up)


def handover_text(
    texts: Translator, language: str, drop_off: str | None, pick_up: str | None
) -> Html | None:
    """ "🕕 Brengen 18:00 · ophalen 11:00" when the family gave the times."""
    parts = []
    if drop_off:
        parts.append(texts.plain(language, "sleepover.drop_off").format(time=drop_off))
    if pick_up:
        parts.append(texts.plain(language, "sleepover.pick_up").format(time=pick_up))
    return escape("🕕 " + " · ".join(parts)) if parts else None


def status_line(texts: Translator, language: str, sleepover: Sleepover) -> Html:
    answerer = someone(texts, language, sleepover.answerer_name)
    state = sleepover.state
    if state is SleepoverState.ASKED:
        return texts(language, "sleepover.status_asked")
    if state is SleepoverState.PROPOSED and sleepover.proposed_first and sleepover.proposed_nights:
        when = nights_text(texts, language, sleepover.proposed_first, sleepover.proposed_nights)
        return texts(language, "sleepover.status_proposed", who=answerer, when=when)
    if state is SleepoverState.DECLINED:
        if sleepover.cancelled_by == "family":
            return texts(language, "sleepover.status_refused")
        return texts(language, "sleepover.status_declined", who=answerer)
    if state is SleepoverState.CANCELLED:
        key = f"sleepover.status_cancelled_{sleepover.cancelled_by or 'family'}"
        return texts(language, key)
    if state is SleepoverState.CONFIRMED:
        return texts(language, "sleepover.status_confirmed", who=answerer)
    return texts(language, "sleepover.status_unanswered")


def card_text(
    texts: Translator,
    language: str,
    sleepover: Sleepover,
    away: Sequence[Away],
    free: Sequence[tuple[date, int]],
    beds: int,
    seen_by: str | None,
) -> Html:
    """The card in a hub home carer's (or backup's, or the liaison's) private chat."""
    family = someone(texts, language, sleepover.family_name)
    key = "sleepover.card_emergency" if sleepover.emergency else "sleepover.card_title"
    lines = [
        texts(language, key, number=sleepover.number, family=family),
        *details(texts, language, sleepover),
    ]
    lines += [away_text(texts, language, period) for period in away]
    if sleepover.state is SleepoverState.ASKED and free:
        lines.append(
            texts(language, "sleepover.card_free", free=free_text(texts, language, free, beds))
        )
    lines.append("")
    lines.append(status_line(texts, language, sleepover))
    if sleepover.state is SleepoverState.DECLINED and sleepover.reason not in (None, "none"):
        lines.append(texts(language, f"sleepover.reason_{sleepover.reason}"))
    if seen_by and sleepover.state is SleepoverState.ASKED:
        lines.append(texts(language, "sleepover.seen_by", who=seen_by))
    return Html("\n".join(lines))


def _button(
    texts: Translator, language: str, key: str, button: SleepoverButton
) -> InlineKeyboardButton:
    return InlineKeyboardButton(texts.plain(language, key), callback_data=button.data())


def card_keyboard(
    texts: Translator,
    language: str,
    sleepover: Sleepover,
    *,
    reasons: bool = False,
    can_answer: bool = True,
) -> InlineKeyboardMarkup | None:
    """Answer (or, confirmed, cancel) — the reasons to decline when ``reasons``."""
    target = sleepover.id

    def button(key: str, action: SleepoverAction, arg: str | None = None) -> InlineKeyboardButton:
        return _button(texts, language, key, SleepoverButton(action, target, arg))

    if sleepover.state is SleepoverState.CONFIRMED and can_answer:
        return InlineKeyboardMarkup([[button("sleepover.button_cancel", SleepoverAction.CANCEL)]])
    if sleepover.state is SleepoverState.PROPOSED and can_answer:  # other nights again
        return InlineKeyboardMarkup([[button("sleepover.button_propose", SleepoverAction.PROPOSE)]])
    if sleepover.state is not SleepoverState.ASKED:
        return None
    if reasons:
        rows = [
            [button(f"sleepover.reason_button_{reason}", SleepoverAction.REASON, reason)]
            for reason in DECLINE_REASONS
        ]
        return InlineKeyboardMarkup(
            [*rows, [button("sleepover.button_back", SleepoverAction.BACK)]]
        )
    seen = [button("sleepover.button_seen", SleepoverAction.SEEN)]
    if not can_answer:  # the liaison: they cannot offer the beds, but they can call
        return InlineKeyboardMarkup([seen]) if sleepover.emergency else None
    if sleepover.emergency:
        return InlineKeyboardMarkup(
            [
                [
                    button("sleepover.button_come", SleepoverAction.CONFIRM),
                    button("sleepover.button_cannot", SleepoverAction.DECLINE),
                ],
                seen,
            ]
        )
    return InlineKeyboardMarkup(
        [
            [
                button("sleepover.button_confirm", SleepoverAction.CONFIRM),
                button("sleepover.button_decline", SleepoverAction.DECLINE),
            ],
            [button("sleepover.button_propose", SleepoverAction.PROPOSE)],
        ]
    )


def family_answer(
    texts: Translator,
    language: str,
    sleepover: Sleepover,
    settings: SleepoverSettings,
    tag: str,
) -> tuple[Html, InlineKeyboardMarkup | None] | None:
    """What the family hears when the hub home answered (``tag``: yes, declined, p…, lapsed);
    None when that is no longer true."""
    who = someone(texts, language, sleepover.answerer_name)
    when = nights_text(texts, language, sleepover.first_night, sleepover.nights)
    target = sleepover.id

    def button(key: str, action: SleepoverAction) -> InlineKeyboardButton:
        return _button(texts, language, key, SleepoverButton(action, target))

    state = sleepover.state
    if tag == "yes" and state is SleepoverState.CONFIRMED:
        children = children_text(texts, language, sleepover.children, sleepover.nicknames)
        lines: list[str] = [texts(language, "sleepover.confirmed", who=who, when=when)]
        lines.append(f"👧 {escape(children)}")
        if (times := handover_line(texts, language, sleepover)) is not None:
            lines.append(times)
        if settings.bring_along:
            lines.append(texts(language, "sleepover.bring_along", items=settings.bring_along))
        keyboard = InlineKeyboardMarkup(
            [
                [button("sleepover.button_calendar", SleepoverAction.CALENDAR)],
                [button("sleepover.button_cancel", SleepoverAction.CANCEL)],
            ]
        )
        return Html("\n".join(lines)), keyboard
    if tag == "declined" and state is SleepoverState.DECLINED:
        text = texts(language, "sleepover.declined", who=who, when=when)
        if sleepover.reason and sleepover.reason != "none":
            text = Html(f"{text}\n{texts(language, f'sleepover.reason_{sleepover.reason}')}")
        return Html(f"{text}\n{texts(language, 'sleepover.declined_next')}"), None
    if tag.startswith("p") and state is SleepoverState.PROPOSED:
        assert sleepover.proposed_first is not None and sleepover.proposed_nights is not None
        other = nights_text(texts, language, sleepover.proposed_first, sleepover.proposed_nights)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    button("sleepover.button_take", SleepoverAction.TAKE),
                    button("sleepover.button_refuse", SleepoverAction.REFUSE),
                ]
            ]
        )
        return texts(language, "sleepover.proposed", who=who, when=when, other=other), keyboard
    if tag == "lapsed" and state is SleepoverState.UNANSWERED:
        return texts(language, "sleepover.lapsed", when=when), None
    return None


def feedback_keyboard(
    texts: Translator, language: str, sleepover: Sleepover
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(
                    texts,
                    language,
                    f"sleepover.feedback_{answer}",
                    SleepoverButton(SleepoverAction.FEEDBACK, sleepover.id, answer),
                )
                for answer in ("good", "okay", "hard")
            ]
        ]
    )


def cancel_question(texts: Translator, language: str, sleepover: Sleepover) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(
                    texts,
                    language,
                    "sleepover.button_cancel_yes",
                    SleepoverButton(SleepoverAction.CANCEL_YES, sleepover.id),
                )
            ]
        ]
    )
