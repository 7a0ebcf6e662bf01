"""Command line: ``constellation-bot [run|demo|backup FILE|doctor]`` (``python -m bot`` does the
same)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings

GETTING_STARTED = """\
No BOT_TOKEN is set, so here is the built-in demo instead: a simulated Telegram with a small
constellation, printed as a conversation. To run the real bot, open Telegram, talk to
@BotFather, send /newbot, pick a name, and copy the token it gives you into BOT_TOKEN
(for example in a .env file next to this README: BOT_TOKEN=123456789:ABC...). Then add the bot
to your constellation's group and type /setup there.
"""


def run(settings: Settings) -> int:
    # Start-up makes the libraries' ~100,000 objects, all kept for the bot's life: collecting
    # garbage while they are made only costs time (about 0.15 s of a 1 s start, bench/README.md).
    # The bot switches collection back on once it is ready (bot.app, after gc.freeze()).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(settings)
    finally:
        if enabled:
            gc.enable()


def _run(settings: Settings) -> int:
    from telegram import Update

    from bot.app import build_application
    from bot.health import HealthListenerError
    from bot.logs import configure_logging
    from bot.loop import new_event_loop
    from bot.storage.checks import DatabaseRefused, check_database
    from bot.telegram_bot import ANOTHER_COPY, ConstellationBot
    from bot.webhook import webhook_arguments

    token = settings.token.get_secret_value() if settings.token else ""
    # The whole token, and its secret half on its own (the part before the colon is the bot id).
    configure_logging(settings.log_level, secrets=(token, token.partition(":")[2]))
    try:
        check_database(settings.database_path)
    except DatabaseRefused as exc:
        print(f"constellation-bot: database not used: {exc}", file=sys.stderr)
        return 2
    app = build_application(settings)
    asyncio.set_event_loop(new_event_loop())  # run_polling and run_webhook run on this loop
    try:
        if settings.webhook_url is None:
            # chat_member updates are only sent when asked for explicitly.
            app.run_polling(allowed_updates=Update.ALL_TYPES)
        else:  # behind a reverse proxy: Telegram posts the updates (README, webhook mode)
            app.run_webhook(**webhook_arguments(settings))
    except DatabaseRefused as exc:  # it changed between the check and the opening
        print(f"constellation-bot: database not used: {exc}", file=sys.stderr)
        return 2
    except HealthListenerError as exc:
        print(f"constellation-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    if isinstance(app.bot, ConstellationBot) and app.bot.another_copy:
        print(f"constellation-bot: {ANOTHER_COPY}", file=sys.stderr)
        return 3
    return 0


def demo(*, colour: bool | None = None) -> int:
    from bot.simulator.demo import run_demo

    asyncio.run(run_demo(colour=colour))
    return 0


def make_backup(settings: Settings, target: Path, *, overwrite: bool) -> int:
    from bot.storage.backup import BackupError, backup

    try:
        result = backup(settings.database_path, target, overwrite=overwrite)
    except BackupError as exc:
        print(f"constellation-bot: no backup made: {exc}", file=sys.stderr)
        return 1
    print(
        f"Backup written to {result.target} ({result.size // 1024} KB,"
        f" schema version {result.schema_version})."
    )
    return 0


def doctor(settings: Settings) -> int:
    from bot.doctor import run_doctor
    from bot.logs import configure_logging

    token = settings.token.get_secret_value() if settings.token else ""
    # Quiet: only what goes wrong in the libraries, never the token.
    configure_logging("WARNING", secrets=(token, token.partition(":")[2]))
    return asyncio.run(run_doctor(settings))


def main(argv: list[str] | None = None) -> int:
    from bot.settings import ConfigError, load_settings

    parser = argparse.ArgumentParser(
        prog="constellation-bot",
        description="Telegram bot for a Mockingbird foster-care constellation.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=("run", "demo", "backup", "doctor"),
        help="run: the bot against Telegram, by long polling or, with BOT_WEBHOOK_URL, by webhook"
        " (default); demo: the built-in simulator;"
        " backup FILE: a consistent copy of the database, also while the bot runs;"
        " doctor: check the set-up and say what needs fixing (exit 1 if anything does)",
    )
    parser.add_argument("file", nargs="?", type=Path, help="backup: where to write the copy")
    parser.add_argument("--force", action="store_true", help="backup: replace an existing FILE")
    parser.add_argument("--no-colour", action="store_true", help="plain demo transcript")
    args = parser.parse_args(argv)
    if (args.command == "backup") != (args.file is not None):
        parser.error("backup needs a FILE to write to, and only backup takes one")
    colour = False if args.no_colour else None
    if args.command == "demo":
        return demo(colour=colour)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"constellation-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "backup":
        return make_backup(settings, args.file, overwrite=args.force)
    if args.command == "doctor":
        return doctor(settings)
    if settings.token is None:
        print(textwrap.dedent(GETTING_STARTED))
        return demo(colour=colour)
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
