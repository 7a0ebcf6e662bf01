"""How a help request looks: the card text, its buttons, and keeping every copy up to date."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from bot import callbacks
from bot.domain import Constellation, HelpRequest, RequestState
from bot.i18n import Html, Translator

log = logging.getLogger(__name__)

CARD_TEXT_LIMIT = 3000  # characters of the request text shown on a card
CATEGORY_ICONS = {
    "babysitting": "🧸",
    "sleepover": "🛏️",
    "transport": "🚗",
    "advice": "💡",
    "talk": "☕",
    "items": "📦",
    "other": "🙋",
}


def category_label(texts: Translator, language: str, category: str) -> str:
    return f"{CATEGORY_ICONS.get(category, '🙋')} {texts.plain(language, f'category.{category}')}"


def when_text(texts: Translator, language: str, request: HelpRequest, zone: ZoneInfo) -> str | None:
    if request.needed_by is None:
        return None
    # needed_by is the midnight after the last day; show that last day.
    day = (request.needed_by.astimezone(zone) - timedelta(seconds=1)).date()
    written = format_date(day, "EEEE d MMMM", locale=language)
    if request.when_kind.value == "week":
        return texts.plain(language, "request.when_week").format(date=written)
    return written


def state_line(texts: Translator, language: str, request: HelpRequest) -> Html:
    if request.state is RequestState.CLAIMED:
        return texts(language, "request.state_claimed", helper=request.claimer_name or "?")
    if request.state is RequestState.RESOLVED and request.outcome is not None:
        return texts(language, f"request.state_resolved_{request.outcome.value}")
    return texts(language, f"request.state_{request.state.value}")


def card_text(texts: Translator, language: str, request: HelpRequest, zone: ZoneInfo) -> str:
    text = request.text or texts.plain(language, "request.erased")
    if len(text) > CARD_TEXT_LIMIT:
        text = text[: CARD_TEXT_LIMIT - 1] + "…"
    lines = [
        texts(
            language,
            "request.card_title",
            number=request.number,
            category=category_label(texts, language, request.category.value),
        )
        + (" · " + texts(language, "request.urgent") if request.urgent else ""),
        texts(language, "request.card_from", name=request.requester_name or "?"),
        "",
        texts(language, "request.card_text", text=text),
    ]
    when = when_text(texts, language, request, zone)
    if when:
        lines.append(texts(language, "request.card_when", when=when))
    lines += ["", state_line(texts, language, request)]
    return "\n".join(lines)


def _button(
    texts: Translator, language: str, key: str, action: str, *args: object
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        texts.plain(language, key), callback_data=callbacks.callback("req", action, *args)
    )


def card_keyboard(
    texts: Translator, language: str, request: HelpRequest, *, choosing_outcome: bool = False
) -> InlineKeyboardMarkup | None:
    """Claim first, then resolve and withdraw as they apply; nothing once it is closed."""
    rid = request.id
    if not request.state.is_active:
        return None
    if choosing_outcome:
        return InlineKeyboardMarkup(
            [
                [
                    _button(texts, language, "request.outcome_helped", "out", rid, "h"),
                    _button(texts, language, "request.outcome_partly", "out", rid, "p"),
                ],
                [
                    _button(texts, language, "request.outcome_not_needed", "out", rid, "n"),
                    _button(texts, language, "request.button_back", "back", rid),
                ],
            ]
        )
    if request.state is RequestState.OPEN:
        rows = [
            [_button(texts, language, "request.button_claim", "claim", rid)],
            [
                _button(texts, language, "request.button_done", "done", rid),
                _button(texts, language, "request.button_withdraw", "wd", rid),
            ],
        ]
    else:
        rows = [
            [_button(texts, language, "request.button_done", "done", rid)],
            [
                _button(texts, language, "request.button_release", "rel", rid),
                _button(texts, language, "request.button_withdraw", "wd", rid),
            ],
        ]
    return InlineKeyboardMarkup(rows)


async def refresh_cards(
    bot: Bot,
    texts: Translator,
    constellation: Constellation,
    request: HelpRequest,
    cards: list[tuple[int, int]],
) -> None:
    """Edit every copy of the card; "not modified" is fine, other failures are only logged."""
    zone = ZoneInfo(constellation.timezone)
    for chat_id, message_id in cards:
        language = constellation.language
        try:
            await bot.edit_message_text(
                card_text(texts, language, request, zone),
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=card_keyboard(texts, language, request),
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning(
                    "card of request %s in chat %s not updated: %s", request.id, chat_id, exc
                )
        except TelegramError as exc:
            log.warning(
                "card of request %s in chat %s not updated: %s",
                request.id,
                chat_id,
                type(exc).__name__,
            )
