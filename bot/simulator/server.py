"""An in-process fake Telegram Bot API server for end-to-end tests and the demo.

The real python-telegram-bot ``Application`` talks to :class:`FakeTelegram` over real HTTP::

    async with FakeTelegram() as sim:
        app = ApplicationBuilder().token(sim.token).base_url(sim.base_url).build()
        anna = sim.add_user("Anna")
        group = sim.add_group("Ouders", members=[anna])
        await sim.add_bot_to_group(group, by=anna)
        ...  # start polling, then act as users:
        await sim.send_message(anna, group, "/ping")
        await sim.wait_confirmed()           # the bot fetched the update
        await app.update_queue.join()        # ... and handled it
        print(sim.format_transcript())

Stop the application before the simulator: python-telegram-bot calls getUpdates once more
while it shuts down.

While the bot has a webhook set (setWebhook), updates are not fetched but posted to it, one at
a time with the secret token header, as Telegram does; :attr:`FakeTelegram.webhook_upstream`
plays the agency's reverse proxy (the https URL's path, posted to the bot's own address).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from bot.simulator.api_chats import MAX_LONG_POLL
from bot.simulator.html_check import utf16_len
from bot.simulator.limits import Limits
from bot.simulator.methods import BotApi
from bot.simulator.spec import ApiError
from bot.simulator.world import (
    MEDIA_KINDS,
    ApiCall,
    MemberStatus,
    QueuedUpdate,
    SimChat,
    SimMessage,
    SimUser,
)

__all__ = [
    "ANONYMOUS_ADMIN",
    "CHANNEL_BOT",
    "DEFAULT_TOKEN",
    "FakeTelegram",
    "Fault",
    "WebhookPost",
]

DEFAULT_TOKEN = "123456:TEST-token-for-the-simulator-0000000"  # noqa: S105 (not a secret)
# The placeholder senders Telegram puts in ``from`` for messages signed by a chat.
ANONYMOUS_ADMIN = SimUser(1087968824, "Group", username="GroupAnonymousBot", is_bot=True)
CHANNEL_BOT = SimUser(136817688, "Channel", username="Channel_Bot", is_bot=True)
_MAX_BODY = 50 * 1024 * 1024  # Telegram's upload limit for bots
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_])")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?![A-Za-z0-9_])")
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
# A failed webhook post is tried again after this long (Telegram waits longer; tests cannot).
_WEBHOOK_RETRY = 0.05
# Telegram gives an update up after "a reasonable amount of attempts" the bot answered with an
# error; while the bot cannot be reached at all (a restart), it keeps trying.
_WEBHOOK_REFUSALS = 5
_WEBHOOK_TIMEOUT = aiohttp.ClientTimeout(total=10)


@dataclass(frozen=True)
class WebhookPost:
    """One webhook delivery attempt: which update, where to, and the answer (0: no answer)."""

    update_id: int
    url: str
    status: int


@dataclass
class Fault:
    """An injected failure or slow answer for the next ``times`` calls of a method."""

    method: str | None  # None: any method except getUpdates
    error_code: int | None
    description: str | None
    retry_after: int | None
    times: int
    delay: float
    drop: Literal["before", "after"] | None = None
    chat_id: int | None = None  # only calls for this chat (None: any chat)

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        """Whether this fault applies to a call of ``method`` with these parameters."""
        if self.chat_id is not None and str(params.get("chat_id")) != str(self.chat_id):
            return False
        if self.method is None:
            return method != "getUpdates"
        return self.method.lower() == method.lower()

    def error(self) -> ApiError:
        """The error answer (Telegram's 429 carries ``parameters.retry_after``)."""
        assert self.error_code is not None
        retry_after = self.retry_after
        if self.error_code == 429 and retry_after is None:
            retry_after = 1
        description = self.description
        if description is None:
            if self.error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(self.error_code, "Error")
        return ApiError(self.error_code, description, retry_after=retry_after)


def _detect_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients add to a typed message: bot commands and mentions."""
    found = [("bot_command", m) for m in _COMMAND_RE.finditer(text)]
    found += [("mention", m) for m in _MENTION_RE.finditer(text)]
    entities = [
        {
            "type": kind,
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for kind, match in found
    ]
    return sorted(entities, key=lambda e: e["offset"])


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of a request: query string, then a JSON, form or multipart body.

    Uploaded files become ``{"filename": ..., "content": bytes}``; a parameter whose value is
    ``attach://<name>`` is replaced by the file part called ``<name>``.
    """
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise ApiError(400, "Bad Request: can't parse JSON encoded request body") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: request body must be a JSON object")
        params.update(body)
        return params
    form = await request.post()
    files: dict[str, dict[str, Any]] = {}
    for name, value in form.items():
        if isinstance(value, web.FileField):
            files[name] = {"filename": value.filename, "content": value.file.read()}
        elif isinstance(value, str):
            params[name] = value
        else:
            params[name] = bytes(value).decode("utf-8")
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            attached = files.pop(value.removeprefix("attach://"), None)
            if attached is not None:
                params[name] = attached
    params.update(files)
    return params


class FakeTelegram(BotApi):
    """A fake Telegram: a Bot API server on 127.0.0.1 plus a world of users, groups and chats.

    User actions (:meth:`send_message`, :meth:`press_button`, :meth:`add_bot_to_group`, ...)
    create real Update objects for the bot to fetch with getUpdates; the bot's API calls change
    the world and are recorded in :attr:`calls` and :attr:`transcript`.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "constellation_test_bot",
        bot_first_name: str = "Constellatie",
        bot_id: int = 5000000001,
        *,
        privacy_mode: bool = True,
        limits: Limits | None = None,
    ) -> None:
        bot = SimUser(
            bot_id, bot_first_name, username=bot_username, language_code=None, is_bot=True
        )
        super().__init__(bot, privacy_mode=privacy_mode)
        self.token = token
        self.faults: list[Fault] = []
        # Telegram's flood limits (bot/simulator/limits.py); None: never a 429 of our own.
        self.limits = limits
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        # The agency's reverse proxy: webhook posts go to this origin ("http://127.0.0.1:8443")
        # with the webhook URL's path. None: to the webhook URL itself.
        self.webhook_upstream: str | None = None
        self.webhook_posts: list[WebhookPost] = []
        self._delivery: asyncio.Task[None] | None = None
        self._query_counter = 0
        self._media_counter = 0

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the server listens on (after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Base URL for python-telegram-bot, which appends ``<token>/<method>``."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Start serving on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a long poll ends as soon as the bot drops the connection.
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=1.0,
            handler_cancellation=True,
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._stopping = False
        self._delivery = asyncio.create_task(self._deliver_to_webhook())

    async def stop(self) -> None:
        """Answer pending long polls at once and shut the server down."""
        self._stopping = True
        self._update_signal.notify()
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
            self._delivery = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- the Bot API ------------------------------------------------------------------------

    def inject_fault(
        self,
        method: str | None,
        *,
        error_code: int | None = None,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        delay: float = 0.0,
        drop: Literal["before", "after"] | None = None,
        chat_id: int | None = None,
    ) -> Fault:
        """Make the next ``times`` calls of ``method`` (None: any but getUpdates) misbehave.

        With ``error_code`` the call fails without effect after ``delay`` seconds. Without it,
        the call takes effect and its answer is held back ``delay`` seconds (a slow Telegram:
        if the bot times out, the message was still sent). ``drop`` closes the connection
        without any answer, ``"before"`` the call takes effect or ``"after"`` it did (the bot
        cannot tell which). With ``chat_id`` only calls for that chat misbehave.
        """
        fault = Fault(method, error_code, description, retry_after, times, delay, drop, chat_id)
        self.faults.append(fault)
        return fault

    async def api(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a Bot API method without HTTP (params as in a JSON body); returns the body."""
        return (await self._answer(method, dict(params or {})))[1]

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            error = ApiError(401, "Unauthorized")
            return web.json_response(error.to_json(), status=401)
        try:
            raw = await read_params(request)
        except ApiError as exc:
            return web.json_response(exc.to_json(), status=exc.error_code)
        method = request.match_info["method"]
        dropping = self._take_fault(method, raw, drop=True)
        dropped = dropping.drop if dropping is not None else None
        if dropped == "before":
            return self._hang_up(request)
        status, body = await self._answer(method, raw)
        if dropped == "after":
            return self._hang_up(request)
        return web.json_response(body, status=status)

    @staticmethod
    def _hang_up(request: web.Request) -> web.Response:
        """Close the connection without an answer, as a broken network does."""
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=204)

    def _take_fault(
        self, method: str, params: dict[str, Any], *, drop: bool = False
    ) -> Fault | None:
        """The first waiting fault for this call, used once: a dropped connection (``drop``,
        decided before the call is read) or an error or delay (decided in ``_answer``)."""
        for fault in self.faults:
            waiting = fault.times > 0 and (fault.drop is not None) == drop
            if waiting and fault.matches(method, params):
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

    async def _answer(self, method: str, raw: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        # Flood limits (the benchmarks): beyond them a message is refused without effect.
        if self.limits is not None and (flood := self.limits.check(method, raw)) is not None:
            return flood.error_code, flood.to_json()
        spec = self.spec.method(method)
        name = spec.name if spec is not None else method
        params = self.spec.coerce(name, raw)
        fault = self._take_fault(name, raw) if spec is not None else None
        result: Any = None
        error: ApiError | None
        if spec is None:
            error = ApiError(404, "Not Found")
        elif fault is not None and fault.error_code is not None:
            await asyncio.sleep(fault.delay)
            error = fault.error()
        else:
            error = self.spec.validate(name, params)
        if error is None:
            try:
                result = await self.dispatch(name, params)
            except ApiError as exc:
                error = exc
        self._record(name, params, result, error)
        if fault is not None and fault.error_code is None:
            await asyncio.sleep(fault.delay)
        if error is not None:
            return error.error_code, error.to_json()
        return 200, {"ok": True, "result": result}

    def _record(
        self, method: str, params: dict[str, Any], result: Any, error: ApiError | None
    ) -> None:
        self.calls.append(
            ApiCall(
                method=method,
                params=params,
                ok=error is None,
                error_code=error.error_code if error else None,
                description=error.description if error else None,
                result=result,
                at=time.time(),
            )
        )
        # Failed polls are plumbing, not conversation; every other failure is worth seeing.
        if error is not None and method != "getUpdates":
            chat_id = params.get("chat_id")
            chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
            text = f"{method} failed: {error.error_code} {error.description}"
            self._note("error", chat, self.bot.first_name, text, method=method)

    # -- webhook delivery -------------------------------------------------------------------

    async def _deliver_to_webhook(self) -> None:
        """While a webhook is set, post the oldest queued update to it until the bot answers
        2xx, then the next: one at a time and in order (max_connections=1 is all we do)."""
        refusals = 0
        async with aiohttp.ClientSession(timeout=_WEBHOOK_TIMEOUT) as session:
            while not self._stopping:
                if not self.webhook_url or not self._updates:
                    await self._update_signal.wait(MAX_LONG_POLL)
                    continue
                update = self._updates[0]
                status = await self._post_update(session, update)
                refusals = refusals + 1 if status >= 300 else 0
                if 200 <= status < 300 or refusals >= _WEBHOOK_REFUSALS:
                    refusals = 0
                    # Delivered (or given up) is confirmed: wait_confirmed() and settle() work
                    # as in polling.
                    if self._updates and self._updates[0] is update:
                        self._updates.pop(0)
                        self._update_signal.notify()
                else:
                    await asyncio.sleep(_WEBHOOK_RETRY)

    def webhook_target(self) -> str:
        """Where a post to the webhook URL arrives: through the reverse proxy, if there is one."""
        url = urlsplit(self.webhook_url)
        if self.webhook_upstream is None:
            return self.webhook_url
        path = url.path or "/"
        return self.webhook_upstream.rstrip("/") + path + (f"?{url.query}" if url.query else "")

    async def _post_update(self, session: aiohttp.ClientSession, update: QueuedUpdate) -> int:
        """Post one update; the bot's HTTP status, 0 when it could not be reached."""
        target = self.webhook_target()
        headers = {SECRET_HEADER: self.webhook_secret} if self.webhook_secret else {}
        try:
            async with session.post(target, json=update.to_api(), headers=headers) as response:
                status, reason = response.status, response.reason or ""
        except (aiohttp.ClientError, TimeoutError) as exc:
            status, reason = 0, f"Connection failed: {type(exc).__name__}"
        self.webhook_posts.append(WebhookPost(update.update_id, target, status))
        if status == 0:
            self.webhook_error = (int(time.time()), reason)
        elif not 200 <= status < 300:
            why = f"Wrong response from the webhook: {status} {reason}"
            self.webhook_error = (int(time.time()), why)
        return status

    # -- user actions -----------------------------------------------------------------------

    def _require_member(self, user: SimUser, chat: SimChat) -> None:
        if chat.type == "private":
            if chat.id != user.id:
                raise AssertionError(f"{user.full_name} cannot write in {chat.label}")
        elif self.member_status(chat, user) not in ("creator", "administrator", "member"):
            raise AssertionError(f"{user.full_name} is not a member of {chat.label}")

    def _bot_receives(self, message: SimMessage) -> bool:
        """Telegram's delivery rules, including privacy mode in groups."""
        chat = message.chat
        if chat.type == "private":
            return True
        if not self.bot_in_chat(chat):
            return False
        if message.is_service or not self.privacy_mode or self._bot_is_admin(chat):
            return True
        text = message.text or ""
        command = _COMMAND_RE.match(text)
        if command is not None:
            _, _, addressee = command.group().partition("@")
            return not addressee or addressee.lower() == (self.bot.username or "").lower()
        return message.reply_to is not None and message.reply_to.from_user.id == self.bot.id

    async def send_raw_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update exactly as given, even one no client library could read (a field
        of a shape it does not know): what Telegram may one day send. Returns its id."""
        update_id = self._enqueue(kind, payload)
        await asyncio.sleep(0)
        return update_id

    async def send_message(
        self,
        user: SimUser,
        chat: SimChat,
        text: str,
        *,
        reply_to: SimMessage | None = None,
    ) -> SimMessage:
        """The user types ``text`` in ``chat`` (a private chat starts or unblocks the bot)."""
        self._require_member(user, chat)
        if reply_to is not None and reply_to.chat.id != chat.id:
            raise AssertionError("reply_to must be a message of the same chat")
        if chat.type == "private":
            self.unblock_bot(user)
            self._started.add(user.id)
        message = self._store_message(
            chat, user, text=text, entities=_detect_entities(text), reply_to=reply_to
        )
        self._note("user", chat, user.full_name, text, message_id=message.message_id)
        if self._bot_receives(message):
            self._enqueue("message", message.to_api())
        await asyncio.sleep(0)
        return message

    async def send_on_behalf(
        self, chat: SimChat, text: str, *, channel: SimChat | None = None
    ) -> SimMessage:
        """A message in a group signed by a chat: an anonymous admin (the group itself, the
        default) or a channel linked to the group. Telegram puts a placeholder bot in ``from``."""
        speaker = channel or chat
        sender = ANONYMOUS_ADMIN if channel is None else CHANNEL_BOT
        extra: dict[str, Any] = {"sender_chat": speaker.to_api()}
        if channel is not None:
            extra["is_automatic_forward"] = True
        message = self._store_message(
            chat, sender, text=text, entities=_detect_entities(text), extra=extra
        )
        self._note("user", chat, speaker.title or "?", text, message_id=message.message_id)
        if self._bot_receives(message):
            self._enqueue("message", message.to_api())
        await asyncio.sleep(0)
        return message

    async def forward_message(
        self, user: SimUser, chat: SimChat, original: SimMessage
    ) -> SimMessage:
        """``user`` forwards ``original`` (text) into ``chat``; it keeps its text and entities."""
        self._require_member(user, chat)
        assert original.text is not None, "only text messages are forwarded here"
        if chat.type == "private":
            self.unblock_bot(user)
            self._started.add(user.id)
        origin = {"type": "user", "sender_user": original.from_user.to_api(), "date": original.date}
        message = self._store_message(
            chat,
            user,
            text=original.text,
            entities=original.entities,
            extra={"forward_origin": origin},
        )
        self._note("user", chat, user.full_name, f"[forwarded] {original.text}")
        if self._bot_receives(message):
            self._enqueue("message", message.to_api())
        await asyncio.sleep(0)
        return message

    async def post_in_channel(self, channel: SimChat, text: str) -> SimMessage:
        """A post in a channel the bot was added to (a ``channel_post`` update)."""
        assert channel.type == "channel"
        message = self._store_message(
            channel,
            CHANNEL_BOT,
            text=text,
            entities=_detect_entities(text),
            extra={"sender_chat": channel.to_api()},
        )
        self._note("user", channel, channel.title or "?", text, message_id=message.message_id)
        if self.bot_in_chat(channel):
            payload = message.to_api()
            payload.pop("from")  # channel posts have no sender user
            self._enqueue("channel_post", payload)
        await asyncio.sleep(0)
        return message

    async def send_media(
        self,
        user: SimUser,
        chat: SimChat,
        kind: str,
        *,
        caption: str | None = None,
        file_name: str = "bestand.pdf",
        reply_to: SimMessage | None = None,
    ) -> SimMessage:
        """The user sends a photo, voice note, sticker, document… (Telegram keeps the file)."""
        if kind != "document" and kind not in MEDIA_KINDS:
            raise AssertionError(f"unknown media kind {kind!r}")
        self._require_member(user, chat)
        if chat.type == "private":
            self.unblock_bot(user)
            self._started.add(user.id)
        self._media_counter += 1
        meta: dict[str, Any] = {
            "file_id": f"{kind.upper()}{self._media_counter:08d}user",
            "file_unique_id": f"U{self._media_counter:08d}",
            "file_size": 1000 + self._media_counter,
        }
        fields: dict[str, Any] = {}
        if kind == "document":
            fields["document"] = {**meta, "file_name": file_name, "mime_type": "application/pdf"}
        elif kind == "photo":
            fields["extra"] = {"photo": [{**meta, "width": 800, "height": 600}]}
        elif kind in ("voice", "audio", "video_note"):
            fields["extra"] = {kind: {**meta, "duration": 7}}
        elif kind == "sticker":
            sticker = {"type": "regular", "width": 512, "height": 512}
            fields["extra"] = {kind: {**meta, **sticker, "is_animated": False, "is_video": False}}
        else:  # video, animation
            fields["extra"] = {kind: {**meta, "width": 640, "height": 480, "duration": 7}}
        if caption is not None and kind != "sticker":
            fields["caption"] = caption
            fields["caption_entities"] = _detect_entities(caption)
        message = self._store_message(chat, user, reply_to=reply_to, **fields)
        label = f"[{kind}]" + (f" {caption}" if caption else "")
        self._note("user", chat, user.full_name, label, message_id=message.message_id)
        if self._bot_receives(message):
            self._enqueue("message", message.to_api())
        await asyncio.sleep(0)
        return message

    async def edit_message(self, user: SimUser, message: SimMessage, text: str) -> SimMessage:
        """The user edits their own message (an edited_message update, if the bot sees it)."""
        if message.from_user.id != user.id or message.text is None:
            raise AssertionError(f"{user.full_name} can only edit their own text messages")
        message.history.append(message.text)
        message.text = text
        message.entities = _detect_entities(text)
        message.edited = True
        message.edit_date = int(time.time())
        self._note("edit", message.chat, user.full_name, text, message_id=message.message_id)
        if self._bot_receives(message):
            self._enqueue("edited_message", message.to_api())
        await asyncio.sleep(0)
        return message

    async def press_button(self, user: SimUser, message: SimMessage, text_or_data: str) -> str:
        """The user presses an inline button (matched by label, else by callback_data).

        Returns the callback query id; the bot's answer arrives later, see
        :meth:`wait_callback_answer` and :attr:`callback_answers`.
        """
        current = self.message(message.chat, message.message_id) or message
        if current.deleted:
            raise AssertionError(f"message {current.message_id} was deleted")
        buttons = [b for row in current.buttons for b in row]
        button = next((b for b in buttons if b.text == text_or_data), None) or next(
            (b for b in buttons if b.callback_data == text_or_data), None
        )
        if button is None:
            labels = [b.text for b in buttons]
            raise AssertionError(
                f"no button {text_or_data!r} on message {current.message_id}; buttons: {labels}"
            )
        if button.callback_data is None:
            raise AssertionError(f"button {button.text!r} opens {button.url}; the bot sees nothing")
        query_id = self._press(user, current, button.text, button.callback_data)
        await asyncio.sleep(0)
        return query_id

    async def press_forged(self, user: SimUser, message: SimMessage, callback_data: str) -> str:
        """A press carrying data the message never offered (a modified client, an old button)."""
        current = self.message(message.chat, message.message_id) or message
        query_id = self._press(user, current, "(forged)", callback_data)
        await asyncio.sleep(0)
        return query_id

    def _press(self, user: SimUser, current: SimMessage, label: str, data: str) -> str:
        self._query_counter += 1
        query_id = str(4_000_000_000_000_000_000 + self._query_counter)
        self._pending_queries[query_id] = current
        chat = current.chat
        self._note("callback", chat, user.full_name, label, query_id=query_id)
        self._enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "message": current.to_api(),
                # Stable per chat, like Telegram's opaque chat_instance.
                "chat_instance": str((chat.id * 2_654_435_761) % 10**19),
                "data": data,
            },
        )
        return query_id

    def _service(self, chat: SimChat, actor: SimUser, **fields: Any) -> SimMessage:
        message = self._store_message(chat, actor, extra=fields)
        if self._bot_receives(message):
            self._enqueue("message", message.to_api())
        return message

    async def add_bot_to_group(self, chat: SimChat, by: SimUser, *, as_admin: bool = False) -> None:
        """``by`` adds the bot: a my_chat_member update, then a new_chat_members message."""
        self._require_member(by, chat)
        old = self.member_status(chat, self.bot)
        new: MemberStatus = "administrator" if as_admin else "member"
        self.set_member_status(chat, self.bot, new)
        self._enqueue("my_chat_member", self._member_update(chat, by, old, new))
        self._service(chat, by, new_chat_members=[self.bot.to_api()])
        role = " as administrator" if as_admin else ""
        text = f"{by.full_name} added {self.bot.first_name}{role}"
        self._note("event", chat, by.full_name, text)
        await asyncio.sleep(0)

    async def set_bot_admin(self, chat: SimChat, by: SimUser, *, admin: bool) -> None:
        """``by`` makes the bot an administrator of ``chat`` (or takes that back): Telegram
        tells the bot with a my_chat_member update only, no message in the group."""
        self._require_member(by, chat)
        old = self.member_status(chat, self.bot)
        if old not in ("administrator", "member"):
            raise AssertionError(f"the bot is not in {chat.label}")
        new: MemberStatus = "administrator" if admin else "member"
        self.set_member_status(chat, self.bot, new)
        self._enqueue("my_chat_member", self._member_update(chat, by, old, new))
        what = "made the bot an administrator" if admin else "took the bot's admin rights"
        self._note("event", chat, by.full_name, f"{by.full_name} {what}")
        await asyncio.sleep(0)

    async def remove_bot_from_group(
        self,
        chat: SimChat,
        by: SimUser,
        *,
        status: Literal["left", "kicked"] | None = None,
    ) -> None:
        """``by`` removes the bot (default status: "kicked" in supergroups, else "left")."""
        self._require_member(by, chat)
        old = self.member_status(chat, self.bot)
        new = status or ("kicked" if chat.type == "supergroup" else "left")
        self.set_member_status(chat, self.bot, new)
        self._enqueue("my_chat_member", self._member_update(chat, by, old, new))
        # The bot is told about its own removal even though it is no longer in the group.
        message = self._store_message(chat, by, extra={"left_chat_member": self.bot.to_api()})
        self._enqueue("message", message.to_api())
        self._note("event", chat, by.full_name, f"{by.full_name} removed {self.bot.first_name}")
        await asyncio.sleep(0)

    def _chat_member_changed(self, chat: SimChat, actor: SimUser, user: SimUser, old: str) -> None:
        # Telegram sends chat_member only to administrator bots that asked for it.
        if self._bot_is_admin(chat):
            new = self.member_status(chat, user)
            self._enqueue("chat_member", self._member_update(chat, actor, old, new, user))

    async def user_joins(self, chat: SimChat, user: SimUser, *, by: SimUser | None = None) -> None:
        """``user`` joins (or is added ``by`` someone): a service message and chat_member."""
        actor = by or user
        old = self.member_status(chat, user)
        self.set_member_status(chat, user, "member")
        self._service(chat, actor, new_chat_members=[user.to_api()])
        self._chat_member_changed(chat, actor, user, old)
        self._note("event", chat, user.full_name, f"{user.full_name} joined")
        await asyncio.sleep(0)

    async def upgrade_to_supergroup(self, chat: SimChat, *, by: SimUser) -> SimChat:
        """The group becomes a supergroup with a new id; the old id refuses new messages.

        Like Telegram: a service message with ``migrate_to_chat_id`` in the old group and
        one with ``migrate_from_chat_id`` in the new one. Old messages stay editable.
        """
        new = self.add_group(chat.title or "", supergroup=True)
        for user_id, status in self._members.get(chat.id, {}).items():
            self._members[new.id][user_id] = status
        self._migrated[chat.id] = new.id
        self._service(chat, by, migrate_to_chat_id=new.id)
        self._service(new, by, migrate_from_chat_id=chat.id)
        self._note("event", chat, by.full_name, f"{chat.title} became a supergroup")
        await asyncio.sleep(0)
        return new

    async def user_removed(self, chat: SimChat, user: SimUser, *, by: SimUser) -> None:
        """An admin removes ``user``: status "kicked", a service message and chat_member."""
        await self._depart(chat, user, by, "kicked", f"{user.full_name} was removed")

    async def user_leaves(self, chat: SimChat, user: SimUser) -> None:
        """``user`` leaves: a left_chat_member service message and a chat_member update."""
        await self._depart(chat, user, user, "left", f"{user.full_name} left")

    async def _depart(
        self, chat: SimChat, user: SimUser, actor: SimUser, status: MemberStatus, event: str
    ) -> None:
        old = self.member_status(chat, user)
        self.set_member_status(chat, user, status)
        self._service(chat, actor, left_chat_member=user.to_api())
        self._chat_member_changed(chat, actor, user, old)
        self._note("event", chat, user.full_name, event)
        await asyncio.sleep(0)
