"""What the bot may never do in answer to hostile input, and what a press may change.

:class:`Watch` looks at everything the bot did since the last step: an exception that reached
the error handler, an API call Telegram would refuse, a button whose callback data is over 64
bytes, an apology in a chat. :func:`may_change` is the README's rules for buttons, written
down independently of the bot's code, so a press that stores what they forbid is caught.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from bot.callbacks import MAX_BYTES
from bot.i18n import Translator
from bot.simulator.html_check import parse_message_text, utf16_len
from bot.simulator.server import FakeTelegram
from bot.simulator.world import ApiCall, SimChat, SimMessage, SimUser
from tests.e2e.conftest import Scene

# -- the watch -------------------------------------------------------------------------------


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def error_log() -> Iterator[list[logging.LogRecord]]:
    """Every ERROR record while the block runs: the bot's error handler logs at ERROR."""
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield collector.records
    finally:
        root.removeHandler(collector)


def _apologies() -> list[str]:
    texts = Translator()
    return [
        texts.plain(language, key)
        for language in ("nl", "en")
        for key in ("error.generic", "error.generic_short")
    ]


APOLOGIES = _apologies()


def _buttons(markup: Any) -> list[dict[str, Any]]:
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard") or []
    return [button for row in rows if isinstance(row, list) for button in row]


def _call_problems(call: ApiCall) -> list[str]:
    if call.method == "getUpdates":
        return []
    problems = []
    # Redrawing a card exactly as it is: Telegram says so, and the bot rightly lets it be.
    if not call.ok and "message is not modified" not in (call.description or ""):
        problems.append(f"{call.method} refused: {call.error_code} {call.description}")
    for button in _buttons(call.params.get("reply_markup")):
        data = button.get("callback_data")
        if isinstance(data, str) and len(data.encode()) > MAX_BYTES:
            problems.append(f"{call.method}: callback_data of {len(data.encode())} bytes")
    for key, caption in (("text", False), ("caption", True)):
        value = call.params.get(key)
        if not isinstance(value, str):
            continue
        parsed = parse_message_text(value, call.params.get("parse_mode"), caption=caption)
        if parsed.error is not None:
            problems.append(f"{call.method}: {parsed.error} ({utf16_len(parsed.plain)} units)")
        if any(apology in parsed.plain for apology in APOLOGIES):
            problems.append(f"{call.method}: the bot apologised for an error")
    return problems


class Watch:
    """What the bot did since :meth:`mark`: calls it made and errors it logged."""

    def __init__(self, sim: FakeTelegram, errors: list[logging.LogRecord]) -> None:
        self.sim = sim
        self.errors = errors
        self._calls = 0

    def mark(self) -> None:
        self._calls = len(self.sim.calls)
        self.errors.clear()

    def problems(self) -> list[str]:
        found = [f"error handler: {record.getMessage()}" for record in self.errors]
        for call in self.sim.calls[self._calls :]:
            found += _call_problems(call)
        return found

    def assert_clean(self, what: str) -> None:
        """Fail with what went wrong (and the input that caused it); then mark again."""
        problems = self.problems()
        assert not problems, f"{what!r}:\n" + "\n".join(problems)
        self.mark()


def snapshot(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: the whole stored state."""
    with closing(sqlite3.connect(database)) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            table: sorted(db.execute(f"SELECT * FROM {table}"), key=repr)  # noqa: S608
            for table in tables
        }


def changed_tables(
    before: dict[str, list[tuple[object, ...]]], after: dict[str, list[tuple[object, ...]]]
) -> list[str]:
    return [
        table
        for table in sorted(before.keys() | after.keys())
        if before.get(table) != after.get(table)
    ]


def offered(messages: list[SimMessage]) -> list[str]:
    """The callback data of every button on ``messages``."""
    return [
        button.callback_data
        for message in messages
        for row in message.buttons
        for button in row
        if button.callback_data is not None
    ]


# -- the rules a press is held to (the README's tables) ---------------------------------------


def _row(db: sqlite3.Connection, sql: str, *args: object) -> tuple[object, ...] | None:
    row: tuple[object, ...] | None = db.execute(sql, args).fetchone()
    return row


def _number(text: str) -> int | None:
    """The ids the bot puts in callback data are plain ASCII digits."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def may_change(scene: Scene, user: SimUser, message: SimMessage, data: str) -> bool:
    """Whether pressing ``data`` on ``message`` may legitimately store something.

    Everything else (forged, stale, someone else's, another group's) must change nothing.
    """
    parts = data.split(":")
    if len(data.encode()) > MAX_BYTES or len(parts) < 3 or parts[1] != "v1":
        return False
    feature, action, args = parts[0], parts[2], parts[3:]
    first = _number(args[0]) if args else None
    chat = message.chat
    private = chat.id == user.id
    with closing(sqlite3.connect(scene.bot.settings.database_path)) as db:
        group = _row(db, "SELECT id FROM constellations WHERE chat_id = ?", chat.id)
        if feature in ("set", "cfg"):  # group admins and BOT_ADMIN_IDS, in the group
            admin = group is not None and user in (scene.admin, scene.operator)
            choices = {"set": ("claim", ["hub", "all"]), "cfg": ("lang", ["nl", "en"])}
            action_wanted, options = choices[feature]
            return admin and action == action_wanted and args[:1] in ([o] for o in options)
        # Erasing oneself, choosing a group, sharing one's message, answering one (the answer
        # waiting is kept on disk): only with the button that asked, in one's own chat (a
        # pick names the message to pass on).
        if feature in ("forget", "line"):
            on_message = data in offered([message])
            taken = ("yes", "pick", "use", "liaison", "reply", "stop", "show")
            return private and on_message and action in taken
        if feature == "req":
            rid = _request_id(db, action, args)
            return rid is not None and _request_rule(db, user, chat, action, args, rid)
        if feature == "mt" and first is not None:
            on_message = data in offered([message])
            return _meetup_rule(db, user, chat, action, args, first, on_message=on_message)
    return False  # the guided flows keep their drafts in memory until they post


def _request_id(db: sqlite3.Connection, action: str, args: list[str]) -> int | None:
    """The request a request button names: "<constellation>:<number>" (P-number for a
    hub-home-only one) as its card shows it, or an older card's global id; an outcome last."""
    if action == "out":
        args = args[:-1]
    if len(args) == 1:
        return _number(args[0])
    if len(args) != 2:
        return None
    hidden = args[1].startswith("p")
    constellation, number = _number(args[0]), _number(args[1][1:] if hidden else args[1])
    if constellation is None or number is None:
        return None
    row = _row(
        db,
        "SELECT id FROM help_requests WHERE constellation_id = ? AND visibility = ? AND number = ?",
        constellation,
        "hubhome" if hidden else "group",
        number,
    )
    return row[0] if row is not None and isinstance(row[0], int) else None


def _request_rule(
    db: sqlite3.Connection, user: SimUser, chat: SimChat, action: str, args: list[str], rid: int
) -> bool:
    request = _row(
        db,
        "SELECT r.constellation_id, c.chat_id, r.requester_id, r.claimed_by, r.state,"
        " c.members_may_claim, r.visibility FROM help_requests r"
        " JOIN constellations c ON c.id = r.constellation_id WHERE r.id = ?",
        rid,
    )
    if request is None:
        return False
    constellation_id, group_id, requester, helper, state, anyone_claims, visibility = request
    membership = _row(
        db,
        "SELECT role, status FROM memberships WHERE constellation_id = ? AND user_id = ?",
        constellation_id,
        user.id,
    )
    role = membership[0] if membership is not None and membership[1] == "active" else None
    # Its own group (unless hub home only), or the presser's private chat if they may see it:
    # one's own request; a whole-group one as an active member; a hidden one as hub home.
    in_group = chat.id == group_id and visibility == "group"
    sees = user.id == requester or (role == "hubhome" if visibility == "hubhome" else role)
    if not (in_group or (chat.id == user.id and sees)):
        return False
    active = state in ("open", "claimed")
    if action == "claim":
        claimers: tuple[str, ...] = ("hubhome", "liaison")
        if visibility == "hubhome":
            claimers = ("hubhome",)
        elif anyone_claims:
            claimers = ("hubhome", "liaison", "member")
        return state == "open" and user.id != requester and role in claimers
    if action == "rel":
        return state == "claimed" and user.id == helper
    if action == "wd":
        return active and user.id == requester
    if action == "out":
        allowed = user.id in (requester, helper) or role == "hubhome"
        return active and allowed and len(args) > 1 and args[-1] in ("h", "p", "n")
    return False  # "done" and "back" only change the card's buttons


def _meetup_rule(
    db: sqlite3.Connection,
    user: SimUser,
    chat: SimChat,
    action: str,
    args: list[str],
    first: int,
    *,
    on_message: bool,
) -> bool:
    if action == "cx":  # the cancel question itself, in the meetup's group, by whoever may
        meetup = _row(
            db,
            "SELECT c.chat_id, m.constellation_id, m.created_by FROM meetups m"
            " JOIN constellations c ON c.id = m.constellation_id WHERE m.id = ?",
            first,
        )
        scope = args[1] if len(args) > 1 else ""
        if meetup is None or meetup[0] != chat.id or scope == "keep" or not on_message:
            return False
        planner = _row(
            db,
            "SELECT 1 FROM memberships WHERE constellation_id = ? AND user_id = ?"
            " AND status = 'active' AND role IN ('hubhome', 'liaison')",
            meetup[1],
            user.id,
        )
        return meetup[2] == user.id or planner is not None
    if action == "kids":  # "with how many children?": the question itself, by whom it asks
        if not on_message or args[-1] != str(user.id):
            return False
    elif action not in ("yes", "maybe", "no", "more", "fewer"):
        return False  # "ics" sends a file and stores nothing; "kids4" only shows more buttons
    occurrence = _row(
        db,
        "SELECT c.chat_id, m.constellation_id FROM occurrences o JOIN meetups m"
        " ON m.id = o.meetup_id JOIN constellations c ON c.id = m.constellation_id"
        " WHERE o.id = ?",
        first,
    )
    if occurrence is None:
        return False
    group_id, constellation_id = occurrence
    member = _row(
        db,
        "SELECT 1 FROM memberships WHERE constellation_id = ? AND user_id = ?"
        " AND status = 'active'",
        constellation_id,
        user.id,
    )
    # Only an active member answers: a press is no proof of being in the group.
    return member is not None and chat.id in (group_id, user.id)
