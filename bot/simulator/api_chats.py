"""Bot API methods about the bot itself, updates, commands, chats and members.

Every handler receives decoded, spec-validated parameters and returns the ``result`` of a
successful answer or raises :class:`~bot.simulator.spec.ApiError` with Telegram's wording.
Message methods build on this in :mod:`bot.simulator.methods`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.simulator.spec import ApiError, ApiSpec
from bot.simulator.state import World
from bot.simulator.world import ACTIVE_STATUSES, SimChat, SimUser, chat_member_json

__all__ = ["MAX_LONG_POLL", "ChatApi", "Handler", "Params"]

Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]

# Long polls are capped so tests never wait long; the bot just polls again.
MAX_LONG_POLL = 2.0

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_PROFILE_LIMITS = {"name": 64, "description": 512, "short_description": 120}
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_PIN_RIGHTS = "Bad Request: not enough rights to manage pinned messages in the chat"

CommandKey = tuple[str, int | str | None, int | None, str]


def int_param(params: Params, name: str) -> int | None:
    """The parameter when it is an integer (JSON-decoded), else None."""
    value = params.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class ChatApi(World):
    """The World plus the Bot API methods that are not about sending or editing messages."""

    def __init__(self, bot: SimUser, *, privacy_mode: bool = True) -> None:
        super().__init__(bot, privacy_mode=privacy_mode)
        self.spec = ApiSpec.load()
        self.webhook_url = ""  # set: updates are posted there, getUpdates answers 409
        self.webhook_secret = ""  # sent with each post as X-Telegram-Bot-Api-Secret-Token
        self.webhook_max_connections = 40
        self.webhook_error: tuple[int, str] | None = None  # the last failed post: date, why
        self.bot_profile: dict[tuple[str, str], str] = {}
        self.pinned: dict[int, list[int]] = {}
        self._commands: dict[CommandKey, list[dict[str, str]]] = {}
        self._poll_generation = 0
        self._active_polls = 0  # getUpdates calls waiting right now
        self._counter = 0
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyName": self._set_profile("name"),
            "setMyDescription": self._set_profile("description"),
            "setMyShortDescription": self._set_profile("short_description"),
            "getMyName": self._get_profile("name"),
            "getMyDescription": self._get_profile("description"),
            "getMyShortDescription": self._get_profile("short_description"),
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "sendChatAction": self._send_chat_action,
            "leaveChat": self._leave_chat,
            "pinChatMessage": self._pin_chat_message,
            "unpinChatMessage": self._unpin_chat_message,
            "createChatInviteLink": self._create_chat_invite_link,
            "exportChatInviteLink": self._export_chat_invite_link,
        }

    def commands(
        self,
        scope: str = "default",
        language_code: str = "",
        *,
        chat_id: int | str | None = None,
        user_id: int | None = None,
    ) -> list[dict[str, str]]:
        """The command list the bot set for a scope and language (empty when unset)."""
        return list(self._commands.get((scope, chat_id, user_id, language_code), []))

    # A plain ``timeout`` argument reads best in tests; asyncio.timeout() would work as well.
    async def wait_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot is long-polling (its allowed_updates setting now applies)."""
        if not await self._update_signal.wait_until(lambda: self._active_polls > 0, timeout):
            raise TimeoutError(f"bot did not call getUpdates within {timeout}s")

    # -- shared checks ----------------------------------------------------------------------

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def _resolve_chat(self, chat_id: Any, *, sending: bool) -> SimChat:
        """The target chat, or Telegram's error for a chat the bot cannot reach."""
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            chat_id = int(chat_id)
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat_id == self.bot.id or (
            chat is not None and chat.user is not None and chat.user.is_bot
        ):
            raise ApiError(403, "Forbidden: bot can't send messages to bots")
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.user is not None:
            if chat.user.id in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if sending and chat.user.id not in self._started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return chat
        if sending and chat.id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self._migrated[chat.id],
            )
        kind = "supergroup" if chat.type == "supergroup" else "group"
        status = self.member_status(chat, self.bot)
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if status not in ACTIVE_STATUSES:
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        return chat

    def _bot_is_admin(self, chat: SimChat) -> bool:
        return self.member_status(chat, self.bot) in ("administrator", "creator")

    # -- bot, webhook and updates -----------------------------------------------------------

    async def _get_me(self, params: Params) -> Any:
        return {
            **self.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        limit = min(max(int_param(params, "limit") or 100, 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), MAX_LONG_POLL)
        allowed = params.get("allowed_updates")
        if allowed is not None:
            # An empty list means "back to the default", an absent one "keep the last setting".
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._confirm(int_param(params, "offset"))
        self._poll_generation += 1
        generation = self._poll_generation

        def done() -> bool:
            return bool(self._updates) or self._stopping or generation != self._poll_generation

        self._active_polls += 1
        # Wakes an older long poll (so it sees it was replaced) and wait_polling() callers.
        self._update_signal.notify()
        try:
            await self._update_signal.wait_until(done, timeout)
        finally:
            self._active_polls -= 1
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
            )
        return [update.to_api() for update in self._updates[:limit]]

    async def _delete_webhook(self, params: Params) -> Any:
        self.webhook_url = self.webhook_secret = ""
        self.webhook_error = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._update_signal.notify()
        return True

    async def _set_webhook(self, params: Params) -> Any:
        url = str(params.get("url") or "")
        if not url:  # Telegram: setWebhook with an empty url removes the webhook
            return await self._delete_webhook(params)
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        connections = int_param(params, "max_connections")
        if connections is not None and not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be 1-100")
        allowed = params.get("allowed_updates")
        if allowed is not None:  # as in getUpdates: empty means the default set again
            self._allowed_updates = frozenset(allowed) if allowed else None
        self.webhook_url = url
        self.webhook_secret = str(secret or "")
        self.webhook_max_connections = connections or 40
        self.webhook_error = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        # Wakes the delivery (bot.simulator.server) and ends a waiting long poll.
        self._update_signal.notify()
        return True

    async def _get_webhook_info(self, params: Params) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
        if self.webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self.webhook_error
        return info

    # -- commands and profile ---------------------------------------------------------------

    def _command_key(self, params: Params) -> CommandKey:
        language = params.get("language_code") or ""
        if not re.fullmatch(r"(?:[a-z]{2})?", str(language)):
            raise ApiError(400, "Bad Request: invalid language code specified")
        scope = params.get("scope") or {"type": "default"}
        kind = scope.get("type")
        if kind not in _SCOPES:
            raise ApiError(400, "Bad Request: unsupported bot command scope type")
        chat_id = scope.get("chat_id")
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat_id = self._resolve_chat(chat_id, sending=False).id
        user_id = scope.get("user_id") if kind == "chat_member" else None
        return (kind, chat_id, user_id, language)

    async def _set_my_commands(self, params: Params) -> Any:
        commands = params["commands"]
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        cleaned: list[dict[str, str]] = []
        for command in commands:
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name.removeprefix("/")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name.removeprefix("/"), "description": description})
        key = self._command_key(params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Params) -> Any:
        return self._commands.get(self._command_key(params), [])

    async def _delete_my_commands(self, params: Params) -> Any:
        self._commands.pop(self._command_key(params), None)
        return True

    def _set_profile(self, field: str) -> Handler:
        async def handler(params: Params) -> Any:
            value = str(params.get(field) or "")
            if len(value) > _PROFILE_LIMITS[field]:
                raise ApiError(400, f"Bad Request: {field} is too long")
            key = (field, str(params.get("language_code") or ""))
            if value:
                self.bot_profile[key] = value
            else:
                self.bot_profile.pop(key, None)
            return True

        return handler

    def _get_profile(self, field: str) -> Handler:
        async def handler(params: Params) -> Any:
            language = str(params.get("language_code") or "")
            default = self.bot.first_name if field == "name" else ""
            value = self.bot_profile.get((field, language), self.bot_profile.get((field, "")))
            return {field: value if value is not None else default}

        return handler

    # -- chats and members ------------------------------------------------------------------

    async def _get_chat(self, params: Params) -> Any:
        chat = self._resolve_chat(params["chat_id"], sending=False)
        info: dict[str, Any] = {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        pinned = self.pinned.get(chat.id)
        message = self.message(chat, pinned[-1]) if pinned else None
        if message is not None and not message.deleted:
            info["pinned_message"] = message.to_api()
        return info

    async def _get_chat_member(self, params: Params) -> Any:
        chat = self._resolve_chat(params["chat_id"], sending=False)
        user = self.users.get(params["user_id"])
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        return chat_member_json(user, self.member_status(chat, user))

    async def _get_chat_administrators(self, params: Params) -> Any:
        chat = self._resolve_chat(params["chat_id"], sending=False)
        if not chat.is_group:
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [
            chat_member_json(user, self.member_status(chat, user))
            for user in self.members(chat, "creator", "administrator")
        ]

    async def _get_chat_member_count(self, params: Params) -> Any:
        chat = self._resolve_chat(params["chat_id"], sending=False)
        return len(self.members(chat)) if chat.is_group else 2

    async def _leave_chat(self, params: Params) -> Any:
        chat = self._resolve_chat(params["chat_id"], sending=False)
        if not chat.is_group:
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        old = self.member_status(chat, self.bot)
        self.set_member_status(chat, self.bot, "left")
        self._enqueue("my_chat_member", self._member_update(chat, self.bot, old, "left"))
        self._note("event", chat, self.bot.first_name, f"{self.bot.first_name} left the group")
        return True

    async def _create_chat_invite_link(self, params: Params) -> Any:
        chat = self._resolve_chat(params["chat_id"], sending=False)
        if not chat.is_group or not self._bot_is_admin(chat):
            raise ApiError(400, "Bad Request: not enough rights to manage chat invite links")
        link: dict[str, Any] = {
            "invite_link": f"https://t.me/+simInvite{self._next():06d}",
            "creator": self.bot.to_api(),
            "creates_join_request": bool(params.get("creates_join_request")),
            "is_primary": False,
            "is_revoked": False,
        }
        for key in ("name", "expire_date", "member_limit"):
            if params.get(key) is not None:
                link[key] = params[key]
        return link

    async def _export_chat_invite_link(self, params: Params) -> Any:
        link = await self._create_chat_invite_link({"chat_id": params["chat_id"]})
        return link["invite_link"]

    async def _send_chat_action(self, params: Params) -> Any:
        self._resolve_chat(params["chat_id"], sending=True)
        if params["action"] not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _pin_chat_message(self, params: Params) -> Any:
        chat = self._resolve_chat(params["chat_id"], sending=False)
        if chat.is_group and not self._bot_is_admin(chat):
            raise ApiError(400, _PIN_RIGHTS)
        message = self.message(chat, params["message_id"])
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to pin not found")
        self.pinned.setdefault(chat.id, []).append(message.message_id)
        self._note("event", chat, self.bot.first_name, f"pinned: {message.plain_text[:60]}")
        return True

    async def _unpin_chat_message(self, params: Params) -> Any:
        chat = self._resolve_chat(params["chat_id"], sending=False)
        if chat.is_group and not self._bot_is_admin(chat):
            raise ApiError(400, _PIN_RIGHTS)
        pinned = self.pinned.get(chat.id, [])
        message_id = int_param(params, "message_id")
        if message_id is None and pinned:
            pinned.pop()
        elif message_id in pinned:
            pinned.remove(message_id)
        return True
