"""Reading Telegram's answers (bot/http.py): orjson, and python-telegram-bot's own reading for
an answer orjson cannot read."""

from __future__ import annotations

import pytest
from telegram.error import TelegramError
from telegram.request import BaseRequest

from bot.http import AiohttpRequest


def test_an_answer_is_read_as_python_telegram_bot_reads_it() -> None:
    answer = '{"ok":true,"result":{"text":"Kan iemand oppassen? 🙏 café","id":123456789012}}'
    assert AiohttpRequest.parse_json_payload(answer.encode()) == BaseRequest.parse_json_payload(
        answer.encode()
    )


def test_bytes_that_are_not_utf8_are_replaced_not_fatal() -> None:
    answer = b'{"ok":true,"result":"caf\xe9"}'
    assert AiohttpRequest.parse_json_payload(answer) == {"ok": True, "result": "caf\ufffd"}


def test_an_answer_that_is_not_json_is_an_invalid_server_response() -> None:
    with pytest.raises(TelegramError, match="Invalid server response"):
        AiohttpRequest.parse_json_payload(b"<html>502 Bad Gateway</html>")
