"""Numbered schema migrations; ``PRAGMA user_version`` records the last one applied.

Never edit a migration that has shipped: add the next number instead.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE constellations (
            id          INTEGER PRIMARY KEY,
            chat_id     INTEGER NOT NULL UNIQUE,
            name        TEXT    NOT NULL,
            language    TEXT    NOT NULL CHECK (language IN ('nl', 'en')),
            timezone    TEXT    NOT NULL,
            status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
            -- random, unguessable: the deep-link payload that links a private chat
            link_token  TEXT    NOT NULL UNIQUE,
            created_at  TEXT    NOT NULL,
            created_by  INTEGER
        );

        -- One row per Telegram user the bot has met, shared by all their constellations.
        CREATE TABLE people (
            user_id              INTEGER PRIMARY KEY,
            first_name           TEXT    NOT NULL,
            last_name            TEXT,
            username             TEXT,
            language_code        TEXT,
            private_chat_linked  INTEGER NOT NULL DEFAULT 0 CHECK (private_chat_linked IN (0, 1)),
            created_at           TEXT    NOT NULL,
            updated_at           TEXT    NOT NULL
        );

        -- A person's role in one constellation; a role never crosses constellations.
        CREATE TABLE memberships (
            constellation_id  INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            user_id           INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
            role              TEXT    NOT NULL DEFAULT 'member'
                                      CHECK (role IN ('member', 'hubhome', 'liaison')),
            status            TEXT    NOT NULL DEFAULT 'active'
                                      CHECK (status IN ('active', 'left')),
            joined_at         TEXT    NOT NULL,
            left_at           TEXT,
            PRIMARY KEY (constellation_id, user_id)
        );
        CREATE INDEX memberships_by_user ON memberships (user_id);
        CREATE INDEX memberships_by_role ON memberships (constellation_id, role)
        """,
    ),
]
