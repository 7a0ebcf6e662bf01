"""A fake Telegram Bot API for end-to-end tests and the demo (see :class:`FakeTelegram`)."""

from bot.simulator.html_check import check_html, parse_html, parse_message_text, utf16_len
from bot.simulator.server import DEFAULT_TOKEN, FakeTelegram, Fault
from bot.simulator.spec import ApiError, ApiSpec
from bot.simulator.world import (
    ApiCall,
    Button,
    CallbackAnswer,
    SimChat,
    SimMessage,
    SimUser,
    TranscriptEntry,
)

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "ApiError",
    "ApiSpec",
    "Button",
    "CallbackAnswer",
    "FakeTelegram",
    "Fault",
    "SimChat",
    "SimMessage",
    "SimUser",
    "TranscriptEntry",
    "check_html",
    "parse_html",
    "parse_message_text",
    "utf16_len",
]
