"""Logging set-up: our own modules at the chosen level, libraries that echo payloads kept quiet.

python-telegram-bot logs whole updates (with message text) at DEBUG, httpx logs request URLs
(with the bot token) at INFO and aiosqlite logs statements with parameters at DEBUG. Foster
families' messages must never reach a log file, so those stay above the level where they would.
"""

from __future__ import annotations

import logging

_QUIET = {"telegram": logging.INFO, "apscheduler": logging.INFO, "aiosqlite": logging.INFO}


def configure_logging(level: str) -> None:
    chosen = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("bot").setLevel(chosen)
    for name, floor in _QUIET.items():
        logging.getLogger(name).setLevel(max(chosen, floor))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
