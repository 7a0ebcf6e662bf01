"""The state of the simulated Telegram: who exists, who is where, what was said, what is queued.

:class:`World` is the base of :class:`~bot.simulator.server.FakeTelegram`; it knows nothing of
HTTP. Its update queue follows getUpdates semantics: an update stays queued until a later
getUpdates call confirms it with a higher ``offset``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.simulator.world import (
    ACTIVE_STATUSES,
    OPT_IN_UPDATES,
    ApiCall,
    CallbackAnswer,
    MemberStatus,
    QueuedUpdate,
    Signal,
    SimChat,
    SimMessage,
    SimUser,
    TranscriptEntry,
    TranscriptKind,
    chat_member_json,
    now,
)

__all__ = ["World"]

_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "left", "kicked"})


class World:
    """Users, chats, memberships, messages, records and the update queue."""

    def __init__(self, bot: SimUser, *, privacy_mode: bool = True) -> None:
        self.bot = bot
        # Telegram's default for new bots: in groups, only commands, replies to the bot and
        # service messages reach the bot unless it is an administrator.
        self.privacy_mode = privacy_mode
        self.users: dict[int, SimUser] = {bot.id: bot}
        self.chats: dict[int, SimChat] = {}
        self.calls: list[ApiCall] = []
        self.transcript: list[TranscriptEntry] = []
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self._members: dict[int, dict[int, str]] = {}
        self._started: set[int] = set()
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}  # basic group id -> its supergroup's id
        self._messages: dict[int, list[SimMessage]] = {}
        self._next_user_id = 1001
        self._next_group_id = -100
        self._next_supergroup_id = -1001000000001
        self._next_channel_id = -1002000000001
        self._updates: list[QueuedUpdate] = []
        self._next_update_id = 700000001
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
        self._update_signal = Signal()
        self._answer_signal = Signal()
        self._pending_queries: dict[str, SimMessage] = {}
        self._stopping = False

    # -- users and chats -------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
        is_bot: bool = False,
    ) -> SimUser:
        """Create a user (ids count up from 1001) together with their private chat."""
        user = SimUser(
            self._next_user_id, first_name, last_name, username, language_code, is_bot=is_bot
        )
        self._next_user_id += 1
        self.users[user.id] = user
        self.chats[user.id] = SimChat(user.id, "private", user=user)
        return user

    def add_group(
        self,
        title: str,
        *,
        members: Sequence[SimUser] = (),
        admins: Sequence[SimUser] = (),
        creator: SimUser | None = None,
        supergroup: bool = False,
    ) -> SimChat:
        """Create a group (ids -100, -101, ...) or supergroup (-1001000000001, ...).

        The bot is not a member until :meth:`add_bot_to_group` (or ``set_member_status``).
        """
        if supergroup:
            chat = SimChat(self._next_supergroup_id, "supergroup", title)
            self._next_supergroup_id -= 1
        else:
            chat = SimChat(self._next_group_id, "group", title)
            self._next_group_id -= 1
        self.chats[chat.id] = chat
        self._members[chat.id] = {}
        for user in members:
            self.set_member_status(chat, user, "member")
        for user in admins:
            self.set_member_status(chat, user, "administrator")
        if creator is not None:
            self.set_member_status(chat, creator, "creator")
        return chat

    def add_channel(self, title: str, *, with_bot: bool = True) -> SimChat:
        """A channel (ids -1002000000001, ...), with the bot as an administrator by default."""
        chat = SimChat(self._next_channel_id, "channel", title)
        self._next_channel_id -= 1
        self.chats[chat.id] = chat
        self._members[chat.id] = {}
        if with_bot:
            self.set_member_status(chat, self.bot, "administrator")
        return chat

    def private_chat(self, user: SimUser) -> SimChat:
        """The private chat between ``user`` and the bot (its id is the user's id)."""
        chat = self.chats.get(user.id)
        if chat is None:
            chat = SimChat(user.id, "private", user=user)
            self.chats[user.id] = chat
        return chat

    def set_member_status(self, chat: SimChat, user: SimUser, status: MemberStatus) -> None:
        """Set a membership directly, without any update (use the actions for that)."""
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        if chat.type == "private":
            raise ValueError("memberships exist only in groups and channels")
        self.users.setdefault(user.id, user)
        self._members.setdefault(chat.id, {})[user.id] = status

    def member_status(self, chat: SimChat, user: SimUser) -> str:
        """The user's status in the chat; "left" when they never were a member."""
        if chat.type == "private":
            return "member" if user.id in (chat.id, self.bot.id) else "left"
        return self._members.get(chat.id, {}).get(user.id, "left")

    def members(self, chat: SimChat, *statuses: str) -> list[SimUser]:
        """Users in the chat with one of ``statuses`` (default: everyone still in it)."""
        wanted = frozenset(statuses) or ACTIVE_STATUSES
        return [
            self.users[uid]
            for uid, status in self._members.get(chat.id, {}).items()
            if status in wanted
        ]

    def bot_in_chat(self, chat: SimChat) -> bool:
        """Whether the bot is currently a member (or admin) of the group."""
        return self.member_status(chat, self.bot) in ACTIVE_STATUSES

    def has_started(self, user: SimUser) -> bool:
        """Whether the user ever wrote to the bot privately, so the bot may message them."""
        return user.id in self._started

    def is_blocked(self, user: SimUser) -> bool:
        """Whether the user has blocked the bot."""
        return user.id in self._blocked

    def start_private(self, user: SimUser) -> SimChat:
        """Mark the user as having started the bot, without sending a message or update."""
        self._started.add(user.id)
        return self.private_chat(user)

    def block_bot(self, user: SimUser) -> None:
        """The user blocks the bot; Telegram tells the bot with a my_chat_member update."""
        if user.id in self._blocked:
            return
        self._blocked.add(user.id)
        if user.id in self._started:
            chat = self.private_chat(user)
            self._enqueue("my_chat_member", self._member_update(chat, user, "member", "kicked"))
            self._note("event", chat, user.full_name, f"{user.full_name} blocked the bot")

    def unblock_bot(self, user: SimUser) -> None:
        """The user unblocks the bot (a my_chat_member update back to "member")."""
        if user.id not in self._blocked:
            return
        self._blocked.discard(user.id)
        if user.id in self._started:
            chat = self.private_chat(user)
            self._enqueue("my_chat_member", self._member_update(chat, user, "kicked", "member"))
            self._note("event", chat, user.full_name, f"{user.full_name} unblocked the bot")

    # -- messages and records --------------------------------------------------------------

    def messages(self, chat: SimChat) -> list[SimMessage]:
        """All messages of the chat that are not deleted, oldest first."""
        return [m for m in self._messages.get(chat.id, []) if not m.deleted]

    def bot_messages(self, chat: SimChat) -> list[SimMessage]:
        """The bot's messages in the chat that are not deleted, oldest first."""
        return [m for m in self.messages(chat) if m.from_user.id == self.bot.id]

    def last_bot_message(self, chat: SimChat) -> SimMessage | None:
        """The bot's newest message in the chat, if any."""
        sent = self.bot_messages(chat)
        return sent[-1] if sent else None

    def message(self, chat: SimChat, message_id: int) -> SimMessage | None:
        """The stored message with that id (deleted ones included), or None."""
        stored = self._messages.get(chat.id, [])
        # Ids count up from 1 per chat, so the id is the position (plus one).
        if 1 <= message_id <= len(stored):
            return stored[message_id - 1]
        return None

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method (case-insensitive)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def format_transcript(self, entries: Sequence[TranscriptEntry] | None = None) -> str:
        """The transcript (or the given entries) as readable text, one entry per line."""
        chosen = self.transcript if entries is None else entries
        return "\n".join(entry.format() for entry in chosen)

    def _store_message(self, chat: SimChat, from_user: SimUser, **fields: Any) -> SimMessage:
        stored = self._messages.setdefault(chat.id, [])
        message = SimMessage(chat, len(stored) + 1, from_user, **fields)
        stored.append(message)
        return message

    def _note(
        self,
        kind: TranscriptKind,
        chat: SimChat | None,
        actor: str,
        text: str,
        buttons: list[list[str]] | None = None,
        **extra: Any,
    ) -> TranscriptEntry:
        entry = TranscriptEntry(kind, chat, actor, text, buttons or [], extra)
        self.transcript.append(entry)
        return entry

    # -- updates ---------------------------------------------------------------------------

    def pending_update_ids(self) -> list[int]:
        """Ids of updates queued but not yet confirmed by the bot."""
        return [u.update_id for u in self._updates]

    # A plain ``timeout`` argument reads best in tests; asyncio.timeout() would work as well.
    async def wait_confirmed(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot confirmed every queued update (it has them in its queue).

        python-telegram-bot puts fetched updates in ``Application.update_queue`` before it
        calls getUpdates again with a higher offset, which is what confirms them. By webhook,
        its server queues the posted update before it answers 200, which confirms it.
        """
        if not await self._update_signal.wait_until(lambda: not self._updates, timeout):
            pending = ", ".join(f"{u.update_id}:{u.kind}" for u in self._updates)
            raise TimeoutError(f"bot did not fetch updates within {timeout}s: {pending}")

    async def wait_callback_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """Wait for the bot's answerCallbackQuery to the button press ``query_id``."""
        if not await self._answer_signal.wait_until(
            lambda: query_id in self.callback_answers, timeout
        ):
            raise TimeoutError(f"bot did not answer callback query {query_id} within {timeout}s")
        return self.callback_answers[query_id]

    def _wants(self, kind: str) -> bool:
        if self._allowed_updates is None:
            return kind not in OPT_IN_UPDATES
        return kind in self._allowed_updates

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update; like Telegram, types the bot did not ask for are never stored."""
        if not self._wants(kind):
            return None
        update = QueuedUpdate(self._next_update_id, kind, payload)
        self._next_update_id += 1
        self._updates.append(update)
        self._update_signal.notify()
        return update.update_id

    def _confirm(self, offset: int | None) -> None:
        """Forget updates confirmed by ``offset`` (negative: keep only the last -offset)."""
        if offset is None or offset == 0:
            return
        before = len(self._updates)
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u.update_id >= offset]
        if len(self._updates) != before:
            self._update_signal.notify()

    def _member_update(
        self,
        chat: SimChat,
        actor: SimUser,
        old: str,
        new: str,
        member: SimUser | None = None,
    ) -> dict[str, Any]:
        """A ChatMemberUpdated object: ``member`` (default: the bot) went from old to new."""
        subject = member or self.bot
        return {
            "chat": chat.to_api(),
            "from": actor.to_api(),
            "date": now(),
            "old_chat_member": chat_member_json(subject, old),
            "new_chat_member": chat_member_json(subject, new),
        }
