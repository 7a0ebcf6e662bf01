"""The simulated Telegram world: users, chats, memberships, messages, records and updates.

These are plain dataclasses plus :class:`World`, the state the fake server keeps. Every object
can render itself as the JSON Telegram would send (``to_api``), so updates and method results
look exactly like the real thing to python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.simulator.html_check import parse_html

__all__ = [
    "ACTIVE_STATUSES",
    "ApiCall",
    "Button",
    "CallbackAnswer",
    "ChatType",
    "MemberStatus",
    "QueuedUpdate",
    "SimChat",
    "SimMessage",
    "SimUser",
    "TranscriptEntry",
    "TranscriptKind",
]

ChatType = Literal["private", "group", "supergroup", "channel"]
MemberStatus = Literal["creator", "administrator", "member", "left", "kicked"]
TranscriptKind = Literal["user", "bot", "edit", "callback", "answer", "event", "error"]
ACTIVE_STATUSES: frozenset[str] = frozenset({"creator", "administrator", "member"})

# Telegram leaves these out unless the bot asks for them in allowed_updates.
OPT_IN_UPDATES: frozenset[str] = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)


def now() -> int:
    """Unix time in whole seconds, as Telegram dates are."""
    return int(time.time())


@dataclass(eq=False)
class SimUser:
    """A Telegram user (or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "nl"
    is_bot: bool = False

    @property
    def full_name(self) -> str:
        """First and last name, as Telegram clients show them."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass(eq=False)
class SimChat:
    """A chat: a private chat with one user (``id == user.id``) or a group."""

    id: int
    type: ChatType
    title: str | None = None
    user: SimUser | None = None  # the other party of a private chat

    @property
    def is_group(self) -> bool:
        """True for basic groups and supergroups."""
        return self.type in ("group", "supergroup")

    @property
    def label(self) -> str:
        """A short human name for transcripts."""
        if self.user is not None:
            return f"private: {self.user.full_name}"
        return self.title or str(self.id)

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        elif self.title is not None:
            data["title"] = self.title
        return data


@dataclass(frozen=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


def inline_buttons(reply_markup: dict[str, Any] | None) -> list[list[Button]]:
    """The rows of an ``inline_keyboard`` markup (empty for other markups or None)."""
    if not reply_markup:
        return []
    return [
        [Button(b.get("text", ""), b.get("callback_data"), b.get("url")) for b in row]
        for row in reply_markup.get("inline_keyboard", [])
    ]


def _plain(text: str | None, parse_mode: str | None) -> str:
    if text is None:
        return ""
    if (parse_mode or "").lower() == "html":
        return parse_html(text).plain
    return text


# Media a user can send (besides documents, which have their own field).
MEDIA_KINDS = ("photo", "voice", "video", "audio", "animation", "sticker", "video_note")


@dataclass(eq=False)
class SimMessage:
    """A message in a chat, sent by a user or by the bot; edits and deletion are tracked.

    ``text`` and ``caption`` are stored as sent (HTML included when ``parse_mode`` is HTML);
    ``entities`` belong to the plain text. ``extra`` holds further Message fields verbatim
    (service fields such as ``new_chat_members``, ``photo``, ``forward_origin``).
    """

    chat: SimChat
    message_id: int
    from_user: SimUser
    text: str | None = None
    date: int = field(default_factory=now)
    reply_to: SimMessage | None = None
    reply_markup: dict[str, Any] | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    document: dict[str, Any] | None = None
    caption: str | None = None
    edited: bool = False
    deleted: bool = False
    history: list[str] = field(default_factory=list)
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    edit_date: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def buttons(self) -> list[list[Button]]:
        """Inline keyboard rows of the message (empty without an inline keyboard)."""
        return inline_buttons(self.reply_markup)

    @property
    def button_texts(self) -> list[list[str]]:
        """Just the labels of :attr:`buttons`."""
        return [[b.text for b in row] for row in self.buttons]

    @property
    def plain_text(self) -> str:
        """What the user reads: text (or else caption) without HTML tags, entities decoded."""
        if self.text is not None:
            return _plain(self.text, self.parse_mode)
        return _plain(self.caption, self.parse_mode)

    @property
    def is_service(self) -> bool:
        """True for service messages (joins, leaves, pins) that have no text or media."""
        media = any(kind in self.extra for kind in MEDIA_KINDS)
        return self.text is None and self.document is None and not media

    @property
    def media_kind(self) -> str | None:
        """``document``, ``photo``, ``voice``… for a media message; None for text."""
        if self.document is not None:
            return "document"
        return next((kind for kind in MEDIA_KINDS if kind in self.extra), None)

    def to_api(self, *, include_reply: bool = True) -> dict[str, Any]:
        """The Bot API ``Message`` object as currently stored."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.from_user.to_api(),
            "chat": self.chat.to_api(),
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.reply_to is not None and include_reply:
            data["reply_to_message"] = self.reply_to.to_api(include_reply=False)
        if self.text is not None:
            data["text"] = _plain(self.text, self.parse_mode)
            if self.entities:
                data["entities"] = self.entities
        if self.document is not None:
            data["document"] = self.document
        if self.caption:
            data["caption"] = _plain(self.caption, self.parse_mode)
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        # Telegram only echoes inline keyboards in Message objects, never reply keyboards.
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        data.update(self.extra)
        return data


@dataclass
class ApiCall:
    """One Bot API request the bot made, and how the simulator answered it."""

    method: str
    params: dict[str, Any]
    ok: bool
    error_code: int | None
    description: str | None
    result: Any
    at: float


@dataclass
class CallbackAnswer:
    """The bot's answerCallbackQuery for one button press."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    at: float


@dataclass
class TranscriptEntry:
    """One line of the conversation as a person would see it (see :meth:`format`)."""

    kind: TranscriptKind
    chat: SimChat | None
    actor: str
    text: str
    buttons: list[list[str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def format(self) -> str:
        """Render the entry as readable text, buttons on indented lines below it."""
        where = f"[{self.chat.label}] " if self.chat is not None else ""
        heads = {
            "user": f"{self.actor}: {self.text}",
            "bot": f"{self.actor}: {self.text}",
            "edit": f"{self.actor} (edited): {self.text}",
            "callback": f"{self.actor} pressed [{self.text}]",
            "answer": f"{self.actor} (popup): {self.text}",
            "event": f"* {self.text}",
            "error": f"! {self.text}",
        }
        head = where + heads[self.kind]
        lines = head.split("\n")
        rendered = [lines[0], *("    " + line for line in lines[1:])]
        rendered += ["    " + " ".join(f"[{label}]" for label in row) for row in self.buttons]
        return "\n".join(rendered)


@dataclass
class QueuedUpdate:
    """An update waiting for the bot to fetch and confirm it."""

    update_id: int
    kind: str
    payload: dict[str, Any]

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``Update`` object."""
        return {"update_id": self.update_id, self.kind: self.payload}


class Signal:
    """Wakes every waiter when something changed (new update, confirmation, answer)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake current waiters; later waiters wait for the next notify."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        """Wait for the next notify; False when ``seconds`` passed first."""
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def wait_until(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Wait until ``predicate()`` holds, re-checking on each notify; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await self.wait(remaining)
        return True


def chat_member_json(user: SimUser, status: str) -> dict[str, Any]:
    """A Bot API ``ChatMember`` object with every field the status variant requires."""
    data: dict[str, Any] = {"status": status, "user": user.to_api()}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
        )
    elif status == "kicked":
        data["until_date"] = 0
    return data
