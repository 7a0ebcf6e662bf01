"""Bot API methods that send, edit and delete messages, and answer button presses.

Every handler receives decoded, spec-validated parameters and returns the ``result`` of a
successful answer or raises :class:`~bot.simulator.spec.ApiError` with Telegram's wording.
"""

from __future__ import annotations

import mimetypes
import time
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

from bot.simulator.api_chats import ChatApi, Handler, Params, int_param
from bot.simulator.html_check import ParsedText, parse_message_text
from bot.simulator.spec import ApiError, is_file
from bot.simulator.world import MEDIA_KINDS, CallbackAnswer, SimChat, SimMessage, SimUser, now

__all__ = ["BotApi"]

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


def _markup_or_none(markup: Any) -> Any:
    """Telegram treats an empty inline keyboard as no keyboard at all."""
    if isinstance(markup, dict) and markup.get("inline_keyboard") == []:
        return None
    return markup


class BotApi(ChatApi):
    """All Bot API methods the simulator implements, plus :meth:`dispatch` to run them."""

    def __init__(self, bot: SimUser, *, privacy_mode: bool = True) -> None:
        super().__init__(bot, privacy_mode=privacy_mode)
        self._files: dict[str, tuple[dict[str, Any], bytes]] = {}
        self._handlers.update(
            {
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendDocument": self._send_file("document"),
                "sendPhoto": self._send_file("photo"),
                "copyMessage": self._copy_message,
                "forwardMessage": self._forward_message,
            }
        )

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a file the bot uploaded."""
        return self._files[file_id][1]

    async def dispatch(self, method: str, params: Params) -> Any:
        """Run a known, validated method; methods without an implementation answer True."""
        handler = self._handlers.get(method)
        if handler is not None:
            return await handler(params)
        spec = self.spec.method(method)
        if spec is not None and spec.returns_true:
            return True
        raise ApiError(400, f"Bad Request: {method} is not supported by the simulator")

    # -- message checks ---------------------------------------------------------------------

    def _check_markup(self, markup: Any, *, inline_only: bool = False) -> None:
        """Reject keyboards Telegram would reject (BUTTON_DATA_INVALID and friends)."""
        if markup is None:
            return
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if inline_only or not {"keyboard", "remove_keyboard", "force_reply"} & set(markup):
                raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
            return
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an '
                "Array of Arrays",
            )
        for button in (b for row in rows for b in row):
            self._check_button(button)

    @staticmethod
    def _check_button(button: Any) -> None:
        prefix = "Bad Request: can't parse inline keyboard button: "
        if not isinstance(button, dict):
            raise ApiError(400, prefix + "InlineKeyboardButton must be an Object")
        if not isinstance(button.get("text"), str):
            raise ApiError(400, prefix + 'Field "text" must be of type String')
        if not button["text"].strip():
            raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
        actions = [key for key in _BUTTON_ACTIONS if key in button]
        if not actions:
            raise ApiError(400, prefix + "Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise ApiError(400, prefix + "exactly one of the optional fields must be used")
        data = button.get("callback_data")
        if "callback_data" in button and (
            not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64
        ):
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        url = button.get("url")
        if "url" in button and (
            not isinstance(url, str) or urlparse(url).scheme not in ("http", "https", "tg")
        ):
            raise ApiError(
                400, f"Bad Request: inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
            )

    @staticmethod
    def _parse_text(params: Params, key: str, *, caption: bool = False) -> ParsedText:
        """Parse text or caption; explicit ``entities`` replace parse_mode, as in Telegram."""
        entities_key = "caption_entities" if caption else "entities"
        mode = None if params.get(entities_key) else params.get("parse_mode")
        parsed = parse_message_text(params.get(key), mode, caption=caption)
        if parsed.error is not None:
            raise ApiError(400, parsed.error)
        if params.get(entities_key):
            parsed.entities = list(params[entities_key])
        return parsed

    def _reply_target(self, chat: SimChat, params: Params) -> SimMessage | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id, allow = reply.get("message_id"), reply.get("allow_sending_without_reply")
            if reply.get("chat_id") not in (None, chat.id):
                chat = self._resolve_chat(reply["chat_id"], sending=False)
        else:
            message_id = int_param(params, "reply_to_message_id")
            allow = params.get("allow_sending_without_reply")
        if message_id is None:
            return None
        target = self.message(chat, message_id) if isinstance(message_id, int) else None
        if target is None or target.deleted:
            if allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return target

    def _bot_sent(self, chat: SimChat, message: SimMessage, label: str | None = None) -> None:
        text = message.plain_text if label is None else label
        self._note(
            "bot",
            chat,
            self.bot.first_name,
            text,
            message.button_texts,
            message_id=message.message_id,
        )

    def _editable(self, params: Params) -> SimMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        if params.get("chat_id") in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        message_id = int_param(params, "message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        chat = self._resolve_chat(params["chat_id"], sending=False)
        message = self.message(chat, message_id)
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.from_user.id != self.bot.id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    # -- messages ---------------------------------------------------------------------------

    async def _send_message(self, params: Params) -> Any:
        chat = self._resolve_chat(params["chat_id"], sending=True)
        parsed = self._parse_text(params, "text")
        self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message = self._store_message(
            chat,
            self.bot,
            text=params["text"],
            parse_mode=None if params.get("entities") else params.get("parse_mode"),
            entities=parsed.entities,
            reply_to=reply_to,
            reply_markup=_markup_or_none(params.get("reply_markup")),
        )
        self._bot_sent(chat, message)
        return message.to_api()

    async def _edit_message_text(self, params: Params) -> Any:
        message = self._editable(params)
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        parsed = self._parse_text(params, "text")
        markup = _markup_or_none(params.get("reply_markup"))
        self._check_markup(markup, inline_only=True)
        if (
            parsed.plain == message.plain_text
            and parsed.entities == message.entities
            and markup == _markup_or_none(message.reply_markup)
        ):
            raise ApiError(400, _NOT_MODIFIED)
        message.history.append(message.text)
        message.text = params["text"]
        message.parse_mode = None if params.get("entities") else params.get("parse_mode")
        message.entities = parsed.entities
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        message.reply_markup = markup
        self._mark_edited(message)
        return message.to_api()

    async def _edit_message_reply_markup(self, params: Params) -> Any:
        message = self._editable(params)
        markup = _markup_or_none(params.get("reply_markup"))
        self._check_markup(markup, inline_only=True)
        if markup == _markup_or_none(message.reply_markup):
            raise ApiError(400, _NOT_MODIFIED)
        message.reply_markup = markup
        self._mark_edited(message)
        return message.to_api()

    def _mark_edited(self, message: SimMessage) -> None:
        message.edited = True
        message.edit_date = now()
        self._note(
            "edit",
            message.chat,
            self.bot.first_name,
            message.plain_text,
            message.button_texts,
            message_id=message.message_id,
        )

    async def _delete_message(self, params: Params) -> Any:
        chat = self._resolve_chat(params["chat_id"], sending=False)
        message = self.message(chat, params["message_id"])
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if message.from_user.id != self.bot.id and chat.is_group and not self._bot_is_admin(chat):
            raise ApiError(400, "Bad Request: message can't be deleted")
        message.deleted = True
        summary = message.plain_text[:60]
        self._note("event", chat, self.bot.first_name, f"message deleted: {summary}")
        return True

    async def _answer_callback_query(self, params: Params) -> Any:
        query_id = str(params["callback_query_id"])
        message = self._pending_queries.get(query_id)
        if message is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        del self._pending_queries[query_id]
        self.callback_answers[query_id] = _answer(query_id, params)
        self._answer_signal.notify()
        if text:
            alert = bool(params.get("show_alert"))
            self._note("answer", message.chat, self.bot.first_name, str(text), show_alert=alert)
        return True

    def _send_file(self, kind: str) -> Handler:
        async def handler(params: Params) -> Any:
            chat = self._resolve_chat(params["chat_id"], sending=True)
            meta = self._upload(params[kind], kind)
            parsed = self._parse_text(params, "caption", caption=True)
            self._check_markup(params.get("reply_markup"))
            reply_to = self._reply_target(chat, params)
            fields: dict[str, Any] = {"document": meta} if kind == "document" else {}
            if kind == "photo":
                fields["extra"] = {"photo": _photo_sizes(meta)}
            message = self._store_message(
                chat,
                self.bot,
                caption=params.get("caption"),
                parse_mode=None if params.get("caption_entities") else params.get("parse_mode"),
                caption_entities=parsed.entities,
                reply_to=reply_to,
                reply_markup=_markup_or_none(params.get("reply_markup")),
                **fields,
            )
            self._bot_sent(chat, message, _media_label(message))
            return message.to_api()

        return handler

    def _upload(self, value: Any, kind: str) -> dict[str, Any]:
        """Store an uploaded file (or find a known file_id) and describe it like Telegram."""
        if isinstance(value, str) and value in self._files:
            return dict(self._files[value][0])
        if isinstance(value, str) and urlparse(value).scheme in ("http", "https"):
            name, content = PurePosixPath(urlparse(value).path).name or "file", b""
        elif is_file(value):
            name, content = str(value.get("filename") or kind), value["content"]
            if not content:
                raise ApiError(400, "Bad Request: file must be non-empty")
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        number = self._next()
        prefix = "BQACAgQAAxkDAAI" if kind == "document" else "AgACAgQAAxkDAAI"
        meta: dict[str, Any] = {
            "file_id": f"{prefix}{number:08d}sim",
            "file_unique_id": f"AgAD{number:06d}",
            "file_size": len(content),
        }
        if kind == "document":
            meta["file_name"] = name
            meta["mime_type"] = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._files[meta["file_id"]] = (meta, content)
        return dict(meta)

    async def _copy_message(self, params: Params) -> Any:
        new = self._duplicate(params, "copy")
        return {"message_id": new.message_id}

    async def _forward_message(self, params: Params) -> Any:
        return self._duplicate(params, "forward").to_api()

    def _duplicate(self, params: Params, how: str) -> SimMessage:
        target = self._resolve_chat(params["chat_id"], sending=True)
        source_chat = self._resolve_chat(params["from_chat_id"], sending=False)
        source = self.message(source_chat, params["message_id"])
        if source is None or source.deleted:
            raise ApiError(400, f"Bad Request: message to {how} not found")
        if source.is_service:
            raise ApiError(400, f"Bad Request: message can't be {how}ed")
        extra = {k: v for k, v in source.extra.items() if k in MEDIA_KINDS}
        fields: dict[str, Any] = {
            "text": source.text,
            "parse_mode": source.parse_mode,
            "entities": list(source.entities),
            "document": source.document,
            "caption": source.caption,
            "caption_entities": list(source.caption_entities),
        }
        if how == "forward":
            extra["forward_origin"] = {
                "type": "user",
                "sender_user": source.from_user.to_api(),
                "date": source.date,
            }
        else:
            if "caption" in params:
                parsed = self._parse_text(params, "caption", caption=True)
                fields.update(
                    caption=params["caption"],
                    parse_mode=params.get("parse_mode"),
                    caption_entities=parsed.entities,
                )
            self._check_markup(params.get("reply_markup"))
            fields["reply_markup"] = _markup_or_none(params.get("reply_markup"))
            fields["reply_to"] = self._reply_target(target, params)
        message = self._store_message(target, self.bot, extra=extra, **fields)
        label = message.plain_text if message.text is not None else _media_label(message)
        self._bot_sent(target, message, f"[forwarded] {label}" if how == "forward" else label)
        return message


def _answer(query_id: str, params: Params) -> CallbackAnswer:
    return CallbackAnswer(
        query_id=query_id,
        text=params.get("text"),
        show_alert=bool(params.get("show_alert")),
        url=params.get("url"),
        cache_time=int(params.get("cache_time") or 0),
        at=time.time(),
    )


def _photo_sizes(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """Telegram stores a photo in several sizes; two are enough to look real."""
    base = {"file_unique_id": meta["file_unique_id"], "file_size": meta["file_size"]}
    return [
        {**base, "file_id": meta["file_id"] + "s", "width": 90, "height": 90},
        {**base, "file_id": meta["file_id"], "width": 800, "height": 800},
    ]


def _media_label(message: SimMessage) -> str:
    if message.document is not None:
        label = f"[document: {message.document.get('file_name', 'file')}]"
    elif message.media_kind is not None:
        label = f"[{message.media_kind}]"
    else:
        label = "[media]"
    caption = message.plain_text
    return f"{label} {caption}" if caption else label
