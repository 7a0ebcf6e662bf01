"""``constellation-bot doctor``: check the set-up and say, in plain words, what needs fixing.

One line per check: ✓ fine, ✗ needs fixing, – not checked (and why). Exit code 0 when nothing
needs fixing, 1 otherwise. It reads the database without changing it (no migration, no
marker), so it may run next to the running bot. People appear by Telegram id and role only,
constellations by number and group id: this output gets pasted into tickets and chats, and the
operator can look an id up in the bot (``/members``) where names belong.
"""

from __future__ import annotations

import asyncio
import sqlite3
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import aiosqlite
from telegram import Bot, User
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError

from bot.domain import Constellation, Role
from bot.rights import read_rights
from bot.settings import Settings
from bot.storage.checks import marker_path
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Session
from bot.storage.migrations import LATEST
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository

# A notice waiting longer than this means delivery is stuck (retries are minutes apart).
STUCK_AFTER = timedelta(minutes=15)
# A backup older than this is too old (the nightly one missed a night).
BACKUP_TOO_OLD = timedelta(hours=36)
GROUP_CHECKS_AT_ONCE = 5  # getChatMember calls in flight at a time
LINK_HINT = "they tap 'Koppel je privéchat' in the group, or send /start to the bot"


@dataclass(frozen=True, slots=True)
class Finding:
    ok: bool | None  # None: not checked
    text: str

    def __str__(self) -> str:
        mark = "–" if self.ok is None else "✓" if self.ok else "✗"
        return f"{mark} {self.text}"


def good(text: str) -> Finding:
    return Finding(True, text)


def bad(text: str) -> Finding:
    return Finding(False, text)


def skipped(text: str) -> Finding:
    return Finding(None, text)


async def run_doctor(settings: Settings, out: TextIO = sys.stdout) -> int:
    """Print the findings; 1 when anything needs fixing, else 0."""
    failing = 0
    async for finding in examine(settings):
        print(finding, file=out, flush=True)
        failing += finding.ok is False
    if failing:
        print(f"{failing} thing{'s' * (failing != 1)} to fix (see above).", file=out)
        return 1
    print("All is well.", file=out)
    return 0


async def examine(settings: Settings) -> AsyncIterator[Finding]:
    """Every check, in the order an operator would fix things."""
    path = settings.database_path
    for finding in files(path):
        yield finding
    constellations: list[Constellation] = []
    database_ok = False
    if path.is_file():
        version = schema(path)
        yield version
        database_ok = version.ok is True
    if database_ok:
        async with _reading(path) as reader:
            constellations = await ConstellationRepository().all_active(reader)
            async for finding in roles(reader, constellations):
                yield finding
            yield await backlog(reader)
    else:
        yield skipped("roles and outbox not checked: the database is not usable (see above)")
    async for finding in telegram(settings, constellations):
        yield finding
    yield backups(settings.backup_dir)


# -- files and schema ---------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files(path: Path) -> list[Finding]:
    directory = path.expanduser().resolve().parent
    if not directory.is_dir():
        return [bad(f"no data directory {directory}: check BOT_DATABASE_PATH and the volume")]
    found = []
    if _mode(directory) & 0o077:
        found.append(
            bad(
                f"data directory {directory} is {_mode(directory):o}, open to others:"
                f" chmod 700 {directory}"
            )
        )
    else:
        found.append(good(f"data directory {directory} is private (700)"))
    if not path.is_file():
        found.append(
            bad(
                f"no database at {path}: the bot has not run with this BOT_DATABASE_PATH"
                " (a wrong path or volume?)"
            )
        )
        return found
    companions = [path.with_name(path.name + end) for end in ("-wal", "-shm")]
    open_files = [
        p for p in (path, *companions, marker_path(path)) if p.exists() and _mode(p) & 0o077
    ]
    if open_files:
        names = " ".join(str(p) for p in open_files)
        found.append(bad(f"readable by others: {names}: chmod 600 {names}"))
    else:
        found.append(good(f"database {path} and its files are private (600)"))
    return found


def schema(path: Path) -> Finding:
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=2.0)) as db:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            (verdict,) = db.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as exc:
        return bad(f"the database cannot be read ({exc}): restore the latest backup")
    if verdict != "ok":
        return bad(f"the database is damaged ({verdict}): stop the bot, restore the latest backup")
    if version > LATEST:
        return bad(
            f"schema version {version} is newer than this bot knows ({LATEST}): run the newer"
            " version, or restore a backup made for this one"
        )
    if version < LATEST:
        return good(
            f"schema version {version}; this version of the bot upgrades it to {LATEST} when it"
            " starts (make a backup first)"
        )
    return good(f"schema version {version}, as this version of the bot expects")


class _reading:
    """A read-only session on the database (the bot may be running: WAL lets both read)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn: aiosqlite.Connection | None = None

    async def __aenter__(self) -> Session:
        conn = await aiosqlite.connect(f"{self._path.resolve().as_uri()}?mode=ro", uri=True)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA busy_timeout=5000")
        self._conn = conn
        return Session(lambda: conn)

    async def __aexit__(self, *exc: object) -> None:
        if self._conn is not None:
            await self._conn.close()


# -- what the database says -------------------------------------------------------------


async def roles(reader: Session, constellations: list[Constellation]) -> AsyncIterator[Finding]:
    """Every constellation has a hub home and a liaison, and they have linked their private
    chat (escalations and the private line reach them there)."""
    memberships = MembershipRepository()
    checked = 0
    problems = 0
    for constellation in constellations:
        where = f"constellation {constellation.id} (group {constellation.chat_id})"
        unlinked = []
        for role, command in ((Role.HUBHOME, "/kerngezin"), (Role.LIAISON, "/contactpersoon")):
            people = await memberships.with_role(reader, constellation.id, role)
            if not people:
                problems += 1
                yield bad(f"{where} has no {_role(role)}: a group admin replies {command}")
            checked += len(people)
            unlinked += [
                f"{_role(role)} {m.user_id}" for m in people if not m.person.private_chat_linked
            ]
        if unlinked:
            problems += 1
            yield bad(f"{where}: {', '.join(unlinked)} not linked to a private chat ({LINK_HINT})")
    if not constellations:
        yield skipped("no constellation yet: add the bot to a group and type /setup there")
    elif not problems:
        yield good(
            f"{len(constellations)} constellation(s): every hub home and liaison ({checked})"
            " has linked a private chat"
        )


def _role(role: Role) -> str:
    return {Role.HUBHOME: "hub home", Role.LIAISON: "liaison"}.get(role, "member")


async def backlog(reader: Session) -> Finding:
    waiting = await OutboxRepository().backlog(reader)
    held = f" ({waiting.held} held for groups the bot was removed from)" if waiting.held else ""
    if waiting.oldest is None:
        return good(f"outbox: nothing waiting to be sent{held}")
    age = datetime.now(UTC) - waiting.oldest
    text = f"outbox: {waiting.waiting} notice(s) waiting{held}, the oldest for {_age(age)}"
    if age > STUCK_AFTER:
        return bad(f"{text}: is the bot running, and can it reach Telegram?")
    return good(text)


def _age(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


# -- what Telegram says ----------------------------------------------------------------------


async def telegram(
    settings: Settings, constellations: list[Constellation]
) -> AsyncIterator[Finding]:
    if settings.token is None:
        yield bad("no BOT_TOKEN: get one from @BotFather (/newbot)")
        return
    bot = Bot(settings.token.get_secret_value(), base_url=settings.api_base_url)
    try:
        await bot.initialize()  # asks getMe
    except InvalidToken:
        yield bad("Telegram does not accept BOT_TOKEN: copy it again from @BotFather")
        return
    except TelegramError as exc:
        where = settings.api_base_url
        yield bad(f"Telegram cannot be reached at {where} ({type(exc).__name__}): network?")
        return
    try:
        me = bot.bot
        yield good(f"token: Telegram knows it as @{me.username} (bot id {me.id})")
        privacy = not me.can_read_all_group_messages
        if privacy:
            yield good(
                "privacy mode is on: where the bot is not an admin it sees only commands and"
                " replies (see the groups below)"
            )
        else:
            yield good("privacy mode is off: the bot reads every message in its groups")
        async for finding in groups(bot, me, constellations, privacy=privacy):
            yield finding
    finally:
        await bot.shutdown()


async def groups(
    bot: Bot, me: User, constellations: list[Constellation], *, privacy: bool
) -> AsyncIterator[Finding]:
    """The bot's rights in every constellation's group, a few questions at a time."""
    limit = asyncio.Semaphore(GROUP_CHECKS_AT_ONCE)

    async def one(constellation: Constellation) -> Finding | None:
        async with limit:
            return await group(bot, me, constellation, privacy=privacy)

    results = await asyncio.gather(*(one(c) for c in constellations))
    problems = [finding for finding in results if finding is not None]
    for finding in problems:
        yield finding
    if constellations and not problems:
        yield good(f"the bot can read and write in all {len(constellations)} group(s)")


async def group(
    bot: Bot, me: User, constellation: Constellation, *, privacy: bool
) -> Finding | None:
    """None when the bot is fine in this group; else what to do."""
    where = f"constellation {constellation.id} (group {constellation.chat_id})"
    try:
        member = await bot.get_chat_member(constellation.chat_id, me.id)
    except Forbidden:
        return bad(f"{where}: the bot is not in the group any more: add it back")
    except NetworkError as exc:
        return bad(f"{where}: not checked, Telegram did not answer ({type(exc).__name__})")
    except TelegramError as exc:
        return bad(f"{where}: Telegram refuses to say ({type(exc).__name__}): add the bot back?")
    rights = read_rights(member, privacy=privacy)
    if not rights.present:
        return bad(f"{where}: the bot is not in the group ({rights.status}): add it back")
    if not rights.may_send:
        return bad(f"{where}: the bot may not send messages there: lift the restriction")
    if rights.blind:
        return bad(
            f"{where}: the bot is a member, not an admin, with privacy mode on: it does not see"
            " members who only chat. Make it an admin, or send /setprivacy to @BotFather"
        )
    return None


# -- backups ----------------------------------------------------------------------------------


def backups(directory: Path | None, now: datetime | None = None) -> Finding:
    if directory is None:
        return skipped("backups not checked: set BOT_BACKUP_DIR to where backups are written")
    if not directory.is_dir():
        return bad(f"no backup directory {directory} (BOT_BACKUP_DIR)")
    copies = [p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")]
    if not copies:
        return bad(f"no backup in {directory}: make one (constellation-bot backup FILE)")
    newest = max(copies, key=lambda p: p.stat().st_mtime)
    made = datetime.fromtimestamp(newest.stat().st_mtime, UTC)
    age = (now or datetime.now(UTC)) - made
    if age > BACKUP_TOO_OLD:
        return bad(
            f"the newest backup, {newest.name}, is {_age(age)} old: is the nightly one running?"
        )
    return good(f"the newest backup, {newest.name}, is {_age(age)} old")
