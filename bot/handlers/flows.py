"""What every guided flow in a private chat shares (the help request, the meetup).

The draft lives in ``user_data`` under the flow's key and remembers its newest message: only
that message's buttons count. Stopping (a button or ``/cancel``) and lapsing after quiet hours
close the flow the same way for every flow. A flow's handlers only take a person's messages
while their draft is there: once it is gone (``/forgetme`` drops every draft at once, see
:func:`end_all`), their messages go the usual way again.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeVar, runtime_checkable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.callbacks import CallbackData
from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.handlers.common import Holding, private_language, reply
from bot.telegram_bot import unless_unchanged

END = ConversationHandler.END
T = TypeVar("T")
Callback = Callable[[Update, BotContext], Coroutine[Any, Any, T]]


@runtime_checkable
class Draft(Protocol):
    message_id: int | None  # the message whose buttons drive the flow now


KITS: list[FlowKit] = []  # every guided flow (each registers itself)


@dataclass(frozen=True, slots=True)
class FlowKit:
    feature: str  # the callback-data feature of the flow's buttons
    key: str  # where the draft lives in user_data
    timed_out_key: str  # what the flow message says when the draft lapses

    def __post_init__(self) -> None:
        KITS.append(self)

    def drafting(self, app: BotApplication) -> filters.MessageFilter:
        """Only while the person has a draft of this flow: for the flow's own handlers of
        messages, so that without one the conversation takes none of them."""
        return Holding(app, self.key, Draft)

    def current(self, context: BotContext) -> Draft | None:
        draft = (context.user_data or {}).get(self.key)
        return draft if isinstance(draft, Draft) else None

    def keep(self, context: BotContext, draft: Draft) -> None:
        assert context.user_data is not None
        context.user_data[self.key] = draft

    def drop(self, context: BotContext) -> None:
        if context.user_data is not None:
            context.user_data.pop(self.key, None)

    def button(self, label: str, action: str, *args: object) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            label, callback_data=callbacks.callback(self.feature, action, *args)
        )

    def cancel_button(self, context: BotContext, language: str) -> InlineKeyboardButton:
        return self.button(context.services.texts.plain(language, "flow.button_cancel"), "cancel")

    async def press(self, update: Update, context: BotContext) -> CallbackData | None:
        """The press's data if it is on the draft's newest message; otherwise it is answered
        as stale and None comes back (the step stays as it is)."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return None
        draft = self.current(context)
        data = callbacks.parse(query.data)
        current = query.message.message_id if query.message is not None else None
        if draft is None or data is None or current != draft.message_id:
            language = private_language(context, user)
            await query.answer(context.services.texts.plain(language, "button.stale"))
            return None
        return data

    async def stopped_by_button(self, update: Update, context: BotContext) -> int:
        """The flow's own stop button: its message says so, nothing was sent."""
        query = update.callback_query
        assert query is not None
        language = private_language(context, update.effective_user)
        await query.answer()
        await query.edit_message_text(context.services.texts(language, "flow.cancelled"))
        self.drop(context)
        return END

    async def stop_command(self, update: Update, context: BotContext) -> int:
        """``/cancel`` while the flow runs: its message loses its buttons."""
        language = private_language(context, update.effective_user)
        draft = self.current(context)
        chat = update.effective_chat
        if draft is not None and draft.message_id is not None and chat is not None:
            await self.close(context, chat.id, draft.message_id)
        self.drop(context)
        await reply(update, context.services.texts(language, "flow.cancelled"))
        return END

    async def timed_out(self, update: object, context: BotContext) -> None:
        """Two quiet hours: the draft lapses; its message says so (no new notification)."""
        draft = self.current(context)
        if isinstance(update, Update) and draft is not None and draft.message_id is not None:
            chat = update.effective_chat
            if chat is not None:
                language = private_language(context, update.effective_user)
                # The message may be gone or say something else by now: that is fine.
                with contextlib.suppress(BadRequest):
                    await context.bot.edit_message_text(
                        context.services.texts(language, self.timed_out_key),
                        chat_id=chat.id,
                        message_id=draft.message_id,
                    )
        self.drop(context)

    async def show(
        self,
        update: Update,
        context: BotContext,
        draft: Draft,
        text: str,
        rows: list[list[InlineKeyboardButton]],
        notice: str | None = None,
    ) -> None:
        """The next question (with the stop button, after ``notice`` if any): the flow
        message is edited after a tap; after a typed answer a new one is sent and the old one
        loses its buttons."""
        language = private_language(context, update.effective_user)
        if notice is not None:
            text = f"{notice}\n\n{text}"
        markup = InlineKeyboardMarkup([*rows, [self.cancel_button(context, language)]])
        query = update.callback_query
        if query is not None and query.message is not None:
            with unless_unchanged():  # "start again" on the first question shows the same
                await query.edit_message_text(text, reply_markup=markup)
            draft.message_id = query.message.message_id
            return
        message = update.effective_message
        assert message is not None
        if draft.message_id is not None and update.effective_chat is not None:
            await self.close(context, update.effective_chat.id, draft.message_id)
        sent = await message.reply_text(text, reply_markup=markup, do_quote=False)
        draft.message_id = sent.message_id

    def conversation(
        self,
        app: BotApplication,
        *,
        entries: list[tuple[list[str], Callback[int]]],
        got_text: Callback[int | None],
        not_text: Callback[None],
        pressed: Callback[int | None],
        timeout: timedelta,
        name: str,
        state: int = 0,
    ) -> ConversationHandler[BotContext]:
        """A flow in a private chat with one state, started by the ``entries`` (command names
        and what starts it): typed answers, other messages, and the flow's own buttons;
        ``/cancel`` stops it; it lapses after ``timeout``."""
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        drafting = private & self.drafting(app)
        states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
            state: [
                MessageHandler(drafting & filters.TEXT & ~filters.COMMAND, got_text),
                MessageHandler(drafting & ~filters.COMMAND, not_text),
                CallbackQueryHandler(pressed, pattern=callbacks.pattern(self.feature)),
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, self.timed_out)],
        }
        entry: list[BaseHandler[Update, BotContext, Any]] = [
            CommandHandler(commands, start, private) for commands, start in entries
        ]
        with warnings.catch_warnings():
            # Buttons are tracked per chat on purpose: only the newest flow message counts.
            warnings.filterwarnings("ignore", ".*per_message.*", PTBUserWarning)
            return ConversationHandler(
                entry_points=entry,
                states=states,
                fallbacks=[CommandHandler(names("cancel"), self.stop_command, drafting)],
                allow_reentry=True,
                conversation_timeout=timeout,
                name=name,
            )

    @staticmethod
    async def close(context: BotContext, chat_id: int, message_id: int) -> None:
        """Take the buttons off a flow message that no longer counts."""
        with contextlib.suppress(BadRequest):
            await context.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)


def in_rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


async def end_all(context: BotContext, chat_id: int, language: str) -> None:
    """Every flow of this person ends now, its draft gone (``/forgetme``): a flow message
    still showing buttons says it stopped, and nothing of the drafts stays in memory."""
    for kit in KITS:
        draft = kit.current(context)
        if draft is not None and draft.message_id is not None:
            # The message may be gone or say something else by now: that is fine.
            with contextlib.suppress(TelegramError):
                await context.bot.edit_message_text(
                    context.services.texts(language, "flow.cancelled"),
                    chat_id=chat_id,
                    message_id=draft.message_id,
                )
        kit.drop(context)
