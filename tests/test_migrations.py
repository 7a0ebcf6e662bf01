"""Upgrading a database made by an older version: nothing is lost, nothing old stays behind.

Schema 5 rebuilds the outbox (ids instead of names and texts) and schema 6 rebuilds the help
requests (hidden ones count on their own); both must keep every row that refers to them.
Schema 15 rebuilds the outbox again, so that no notice's id is ever given to another.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path

from bot.domain import Visibility
from bot.storage.db import Database, _statements
from bot.storage.help_requests import HelpRequestRepository
from bot.storage.migrations import LATEST, MIGRATIONS

STAMP = "2026-11-20T09:00:00+00:00"


def version_4(path: Path) -> None:
    """A database as version 4 of the bot left it: a constellation, two people, a request
    with its card, a pending claim notice of the old kind (with a name in it), one sent."""
    with closing(sqlite3.connect(path)) as db:
        for version, script in MIGRATIONS:
            if version > 4:
                break
            for statement in _statements(script):
                db.execute(statement)
        db.execute("PRAGMA user_version = 4")
        db.execute(
            "INSERT INTO constellations (id, chat_id, name, language, timezone, link_token,"
            " created_at) VALUES (1, -100, 'De Linde', 'nl', 'Europe/Amsterdam', 't', ?)",
            (STAMP,),
        )
        for user_id, name in ((5, "Wilhelmina"), (6, "Hanneke")):
            db.execute(
                "INSERT INTO people (user_id, first_name, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (user_id, name, STAMP, STAMP),
            )
        db.execute(
            "INSERT INTO help_requests (id, constellation_id, number, requester_id, category,"
            " text, state, claimed_by, created_at) VALUES (1, 1, 1, 5, 'transport',"
            " 'Rit naar het bezoek', 'claimed', 6, ?)",
            (STAMP,),
        )
        db.execute("INSERT INTO request_cards VALUES (1, -100, 40)")
        db.execute(
            "INSERT INTO outbox (dedupe_key, constellation_id, user_id, fallback_chat_id,"
            " message_key, payload, next_attempt_at, created_at) VALUES ('old-claim', 1, 5,"
            " -100, 'notice.claimed', ?, ?, ?)",
            (json.dumps({"values": {"number": 1, "helper": "Hanneke"}}), STAMP, STAMP),
        )
        db.execute(
            "INSERT INTO outbox (dedupe_key, message_key, payload, state, next_attempt_at,"
            " created_at) VALUES ('old-sent', 'notice.withdrawn', NULL, 'sent', ?, ?)",
            (STAMP, STAMP),
        )
        db.commit()


@asynccontextmanager
async def upgraded(tmp_path: Path) -> AsyncIterator[Database]:
    """The version-4 database, opened (so upgraded) by today's bot."""
    path = tmp_path / "old.db"
    version_4(path)
    db = Database(path)
    await db.open()
    try:
        yield db
    finally:
        await db.close()


async def test_an_older_database_is_upgraded_keeping_every_reference(tmp_path: Path) -> None:
    async with upgraded(tmp_path) as db:
        assert await db.schema_version() == LATEST
        request = await HelpRequestRepository().by_number(db.reader, 1, 1, Visibility.GROUP)
        assert request is not None and request.text == "Rit naar het bezoek"
        cards = await HelpRequestRepository().cards(db.reader, 1)
        assert [(c.chat_id, c.message_id) for c in cards] == [(-100, 40)]  # not cascaded away
        rows = await db.reader.fetch_all(
            "SELECT dedupe_key, kind, refs, state FROM outbox ORDER BY id"
        )
        converted = {row[0]: (row[1], json.loads(row[2]), row[3]) for row in rows}
        # The waiting claim notice now says who by id; its old words are gone.
        assert converted["old-claim"] == (
            "request_claimed",
            {"helper": 6, "request": 1, "requester": 5, "role": "hubhome"},
            "pending",
        )
        assert converted["old-sent"][1:] == ({}, "sent")
        stored = "\n".join(str(value) for row in rows for value in row)
        assert "Hanneke" not in stored
        check = await db.reader.fetch_all("PRAGMA foreign_key_check")
        assert check == []


async def test_after_the_upgrade_no_notice_gets_an_id_another_had(tmp_path: Path) -> None:
    async with upgraded(tmp_path) as db:
        before = await db.reader.fetch_all("SELECT id, dedupe_key, state FROM outbox ORDER BY id")
        assert [tuple(row)[1:] for row in before] == [
            ("old-claim", "pending"),
            ("old-sent", "sent"),
        ]
        newest = before[-1][0]
        async with db.transaction() as tx:  # an erasure deletes the newest notice…
            await tx.execute("DELETE FROM outbox WHERE id = ?", (newest,))
        async with db.transaction() as tx:  # …and the next one gets an id of its own
            await tx.execute(
                "INSERT INTO outbox (dedupe_key, kind, next_attempt_at, created_at)"
                " VALUES ('new', 'undelivered', ?, ?)",
                (STAMP, STAMP),
            )
        row = await db.reader.fetch_one("SELECT id FROM outbox WHERE dedupe_key = 'new'")
        assert row is not None and row[0] == newest + 1
