"""Logging set-up: our own modules at the chosen level, libraries that echo payloads kept quiet.

python-telegram-bot logs whole updates (with message text) at DEBUG, httpx logs request URLs
(with the bot token) at INFO and aiosqlite logs statements with parameters at DEBUG. Foster
families' messages must never reach a log file, so those stay above the level where they would.
As a second guard every log record is scrubbed of the bot token, whichever library wrote it
(an exception's text or traceback could otherwise carry a request URL).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

REDACTED = "<token>"
_QUIET = {"telegram": logging.INFO, "apscheduler": logging.INFO, "aiosqlite": logging.INFO}


def configure_logging(level: str, *, secrets: Iterable[str] = ()) -> None:
    """Set the levels; every record from now on has ``secrets`` replaced by ``<token>``."""
    redact_records(secrets)
    chosen = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("bot").setLevel(chosen)
    for name, floor in _QUIET.items():
        logging.getLogger(name).setLevel(max(chosen, floor))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def redact_records(secrets: Iterable[str]) -> None:
    """Make every new log record (message, arguments and traceback) free of ``secrets``."""
    hidden = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
    if not hidden:
        return
    make_record = logging.getLogRecordFactory()

    def scrub(text: str) -> str:
        for secret in hidden:
            text = text.replace(secret, REDACTED)
        return text

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        message = record.getMessage()
        if any(secret in message for secret in hidden):
            record.msg, record.args = scrub(message), None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            if any(secret in text for secret in hidden):
                record.exc_text = scrub(text)
        return record

    logging.setLogRecordFactory(redacting_factory)


class _NoUpdateDumps(logging.Filter):
    """python-telegram-bot logs a whole batch of updates (texts and names) when it cannot
    parse one; the bot reads them one by one instead (bot.telegram_bot), so the dump goes.
    Its webhook server dumps the one update it could not read: that line keeps the id only."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Error while parsing updates"):
            return False
        if message.startswith("Something went wrong processing the data received"):
            # logging keeps a lone dict argument as the args themselves.
            data = record.args[0] if isinstance(record.args, tuple) and record.args else record.args
            update_id = data.get("update_id") if isinstance(data, dict) else None
            error = record.exc_info[1] if record.exc_info else None
            record.msg = "update %s could not be read and was refused: %s"
            record.args = (update_id, type(error).__name__)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def drop_update_dumps() -> None:
    """Install the filter above on python-telegram-bot's bot and webhook loggers (once)."""
    for name in ("telegram.Bot", "telegram.ext.ExtBot", "telegram.ext.Updater"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoUpdateDumps) for f in logger.filters):
            logger.addFilter(_NoUpdateDumps())
