"""How a help request looks: its card, its buttons, and the notices about it."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Outcome as ButtonOutcome
from bot.callbacks import RequestAction, RequestButton, RequestRef
from bot.domain import HelpRequest, RequestState, Visibility
from bot.i18n import Html, Translator, cut

HELPED, PARTLY, NOT_NEEDED = ButtonOutcome.HELPED, ButtonOutcome.PARTLY, ButtonOutcome.NOT_NEEDED
CARD_TEXT_LIMIT = 3000  # of the request text shown on a card, in Telegram's units (see cut)
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


def request_day_text(
    texts: Translator, language: str, request: HelpRequest, zone: ZoneInfo
) -> str | None:
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


def request_card_text(
    texts: Translator,
    language: str,
    request: HelpRequest,
    zone: ZoneInfo,
    *,
    preview: bool = False,
) -> str:
    """The card; ``preview`` shows a request that has no number or state yet."""
    text = request.text or texts.plain(language, "request.erased")
    text = cut(text, CARD_TEXT_LIMIT)
    lines = [
        texts(
            language,
            "request.card_title_new" if preview else "request.card_title",
            number=request.shown_number,
            category=category_label(texts, language, request.category.value),
        )
        + (" · " + texts(language, "request.urgent") if request.urgent else ""),
        texts(
            language,
            "request.card_from",
            name=request.requester_name or texts.plain(language, "request.someone"),
        ),
    ]
    if request.visibility is Visibility.HUBHOME:
        lines.append(texts(language, "request.card_private"))
    lines += [
        "",
        texts(language, "request.card_text", text=text),
    ]
    when = request_day_text(texts, language, request, zone)
    if when:
        lines.append(texts(language, "request.card_when", when=when))
    if not preview:
        lines += ["", state_line(texts, language, request)]
    return "\n".join(lines)


def _button(
    texts: Translator,
    language: str,
    key: str,
    action: RequestAction,
    request: HelpRequest,
    outcome: ButtonOutcome | None = None,
) -> InlineKeyboardButton:
    data = RequestButton(action, request_ref(request), outcome).data()
    return InlineKeyboardButton(texts.plain(language, key), callback_data=data)


def request_card_keyboard(
    texts: Translator,
    language: str,
    request: HelpRequest,
    *,
    choosing_outcome: bool = False,
    viewer_id: int | None = None,
) -> InlineKeyboardMarkup | None:
    """Claim first, then resolve and withdraw as they apply; nothing once it is closed.

    ``viewer_id`` is set for a copy in someone's private chat, which shows only what that
    person could use: the requester's has no claim or release, anyone else's no withdraw.
    """
    rid, out = request, RequestAction.OUTCOME
    own = viewer_id is not None and viewer_id == request.requester_id
    if not request.state.is_active:
        return None
    if choosing_outcome:
        return InlineKeyboardMarkup(
            [
                [
                    _button(texts, language, "request.outcome_helped", out, rid, HELPED),
                    _button(texts, language, "request.outcome_partly", out, rid, PARTLY),
                ],
                [
                    _button(texts, language, "request.outcome_not_needed", out, rid, NOT_NEEDED),
                    _button(texts, language, "request.button_back", RequestAction.BACK, rid),
                ],
            ]
        )
    shared = viewer_id is None  # the group's copy serves everyone, so it shows every button
    if own:
        layout = [["done", "withdraw"]]
    elif request.state is RequestState.OPEN:
        layout = [["claim"], ["done", "withdraw"]] if shared else [["claim"], ["done"]]
    else:
        layout = [["done"], ["release", "withdraw"]] if shared else [["done"], ["release"]]
    return InlineKeyboardMarkup(
        [[_button(texts, language, *_CARD_BUTTONS[name], rid) for name in row] for row in layout]
    )


_CARD_BUTTONS = {
    "claim": ("request.button_claim", RequestAction.CLAIM),
    "done": ("request.button_done", RequestAction.DONE),
    "release": ("request.button_release", RequestAction.RELEASE),
    "withdraw": ("request.button_withdraw", RequestAction.WITHDRAW),
}


def claim_keyboard(texts: Translator, language: str, request: HelpRequest) -> InlineKeyboardMarkup:
    """The one button of an escalation: take the request on."""
    return InlineKeyboardMarkup(
        [[_button(texts, language, "request.button_claim", RequestAction.CLAIM, request)]]
    )


def request_ref(request: HelpRequest) -> RequestRef:
    """What a button says about its request: what its card shows, never the global id."""
    hidden = request.visibility is Visibility.HUBHOME
    return RequestRef(request.constellation_id, hidden, request.number)


def someone(texts: Translator, language: str, name: str | None, *, start: bool = False) -> str:
    """A person's first name, or "someone (erased)" for a person who was erased; ``start``
    where it opens a sentence."""
    if name:
        return name
    erased = texts.plain(language, "request.someone")
    return erased[:1].upper() + erased[1:] if start else erased
