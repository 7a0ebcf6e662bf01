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
    (
        2,
        """
        -- Whether every member (not only the hub home and liaison) may claim help requests.
        ALTER TABLE constellations ADD COLUMN members_may_claim INTEGER NOT NULL DEFAULT 0;

        CREATE TABLE help_requests (
            id                  INTEGER PRIMARY KEY,
            constellation_id    INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            -- #12: numbered within the constellation, as people refer to them
            number              INTEGER NOT NULL,
            requester_id        INTEGER REFERENCES people (user_id) ON DELETE SET NULL,
            category            TEXT    NOT NULL,
            -- NULL once erased (/forgetme, retention); the record stays for anonymous counts
            text                TEXT,
            needed_by           TEXT,
            when_kind           TEXT    NOT NULL DEFAULT 'none',
            urgent              INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
            visibility          TEXT    NOT NULL DEFAULT 'group'
                                        CHECK (visibility IN ('group', 'hubhome')),
            state               TEXT    NOT NULL DEFAULT 'open'
                                        CHECK (state IN ('open', 'claimed', 'resolved',
                                                         'withdrawn', 'expired')),
            claimed_by          INTEGER REFERENCES people (user_id) ON DELETE SET NULL,
            claimed_at          TEXT,
            closed_at           TEXT,
            outcome             TEXT CHECK (outcome IN ('helped', 'partly', 'not_needed')),
            created_at          TEXT    NOT NULL,
            -- escalation: 0 nobody told yet, 1 hub home told, 2 liaison told
            escalation_stage    INTEGER NOT NULL DEFAULT 0,
            next_escalation_at  TEXT,
            UNIQUE (constellation_id, number)
        );
        CREATE INDEX help_requests_open ON help_requests (state, next_escalation_at);
        CREATE INDEX help_requests_needed ON help_requests (state, needed_by);

        -- Where each request's card is shown (the group, or hub home carers' private chats).
        CREATE TABLE request_cards (
            request_id  INTEGER NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
            chat_id     INTEGER NOT NULL,
            message_id  INTEGER NOT NULL,
            PRIMARY KEY (request_id, chat_id)
        );

        -- Messages the bot sends on its own initiative, delivered until Telegram took them.
        -- dedupe_key makes every step idempotent: the same notice is never queued twice.
        CREATE TABLE outbox (
            id               INTEGER PRIMARY KEY,
            dedupe_key       TEXT    NOT NULL UNIQUE,
            constellation_id INTEGER REFERENCES constellations (id) ON DELETE CASCADE,
            -- a person (DM) or a chat; a DM that Telegram refuses falls back to fallback_chat_id
            user_id          INTEGER,
            chat_id          INTEGER,
            fallback_chat_id INTEGER,
            reply_to_message_id INTEGER,
            -- what to say: a message key and its values (JSON), rendered at delivery time
            message_key      TEXT    NOT NULL,
            payload          TEXT,
            state            TEXT    NOT NULL DEFAULT 'pending'
                                     CHECK (state IN ('pending', 'sent', 'failed')),
            attempts         INTEGER NOT NULL DEFAULT 0,
            next_attempt_at  TEXT    NOT NULL,
            created_at       TEXT    NOT NULL,
            sent_at          TEXT,
            last_error       TEXT
        );
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at)
        """,
    ),
    (
        3,
        """
        -- The private line: which constellation a person's private messages go to, if they
        -- belong to several.
        CREATE TABLE line_choices (
            user_id          INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
            constellation_id INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE
        );

        -- One routed message: who wrote it, in which member's conversation, and where the
        -- original is. Ids only: the text and media stay with Telegram.
        CREATE TABLE line_messages (
            id                INTEGER PRIMARY KEY,
            constellation_id  INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            member_id         INTEGER NOT NULL,
            author_id         INTEGER NOT NULL,
            origin_chat_id    INTEGER NOT NULL,
            origin_message_id INTEGER NOT NULL,
            -- waiting: no hub home could be reached yet; sent: copies exist
            state             TEXT    NOT NULL DEFAULT 'sent'
                                      CHECK (state IN ('waiting', 'sent')),
            answered_by       INTEGER,
            created_at        TEXT    NOT NULL
        );
        CREATE INDEX line_messages_waiting ON line_messages (constellation_id, state);
        CREATE INDEX line_messages_member ON line_messages (member_id);

        -- Every copy the bot made of a routed message, so a reply to it finds its way back.
        CREATE TABLE line_copies (
            line_message_id INTEGER NOT NULL REFERENCES line_messages (id) ON DELETE CASCADE,
            chat_id         INTEGER NOT NULL,
            message_id      INTEGER NOT NULL,
            PRIMARY KEY (chat_id, message_id)
        );
        CREATE INDEX line_copies_message ON line_copies (line_message_id)
        """,
    ),
    (
        4,
        """
        -- A meetup for the carers or an activity for the children: one-off or a series.
        CREATE TABLE meetups (
            id                INTEGER PRIMARY KEY,
            constellation_id  INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            -- #3: numbered within the constellation, as people refer to them
            number            INTEGER NOT NULL,
            kind              TEXT    NOT NULL CHECK (kind IN ('meetup', 'activity')),
            title             TEXT    NOT NULL,
            location          TEXT,
            ages              TEXT,
            capacity          INTEGER CHECK (capacity > 0),
            -- bot.when.Recurrence.encode(); NULL for a one-off
            recurrence        TEXT,
            -- the wall-clock start of the (first) occurrence in ``timezone``, without offset
            start_local       TEXT    NOT NULL,
            timezone          TEXT    NOT NULL,
            created_by        INTEGER REFERENCES people (user_id) ON DELETE SET NULL,
            created_at        TEXT    NOT NULL,
            cancelled_at      TEXT,
            -- when the next occurrence of a series is announced; NULL: nothing left to announce
            next_announce_at  TEXT,
            UNIQUE (constellation_id, number)
        );
        CREATE INDEX meetups_announce ON meetups (next_announce_at);

        -- One date of a meetup; a series gets its occurrences one at a time, when announced.
        CREATE TABLE occurrences (
            id          INTEGER PRIMARY KEY,
            meetup_id   INTEGER NOT NULL REFERENCES meetups (id) ON DELETE CASCADE,
            -- the series' wall-clock slot this stands for; stays the same if it is moved
            slot        TEXT    NOT NULL,
            starts_at   TEXT    NOT NULL,
            cancelled_at TEXT,
            UNIQUE (meetup_id, slot)
        );
        CREATE INDEX occurrences_start ON occurrences (starts_at);

        -- Where each occurrence's announcement card is.
        CREATE TABLE occurrence_cards (
            occurrence_id  INTEGER NOT NULL REFERENCES occurrences (id) ON DELETE CASCADE,
            chat_id        INTEGER NOT NULL,
            message_id     INTEGER NOT NULL,
            PRIMARY KEY (chat_id, message_id)
        );
        CREATE INDEX occurrence_cards_occurrence ON occurrence_cards (occurrence_id);

        -- Who is coming: one answer per person per occurrence.
        CREATE TABLE rsvps (
            occurrence_id  INTEGER NOT NULL REFERENCES occurrences (id) ON DELETE CASCADE,
            user_id        INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
            answer         TEXT    NOT NULL CHECK (answer IN ('yes', 'maybe', 'no', 'waiting')),
            children       INTEGER NOT NULL DEFAULT 0 CHECK (children BETWEEN 0 AND 20),
            -- the waiting list's order
            answered_at    TEXT    NOT NULL,
            PRIMARY KEY (occurrence_id, user_id)
        );
        CREATE INDEX rsvps_user ON rsvps (user_id);

        -- The reminders of each occurrence: due, and done once their notices are queued.
        CREATE TABLE reminders (
            occurrence_id   INTEGER NOT NULL REFERENCES occurrences (id) ON DELETE CASCADE,
            minutes_before  INTEGER NOT NULL,
            due_at          TEXT    NOT NULL,
            done_at         TEXT,
            PRIMARY KEY (occurrence_id, minutes_before)
        );
        CREATE INDEX reminders_due ON reminders (done_at, due_at)
        """,
    ),
    (
        5,
        """
        -- The outbox holds ids, never names or texts: a notice is rendered when it is sent,
        -- from what the database holds then (so what was erased meanwhile is not shown).
        ALTER TABLE outbox RENAME TO outbox_v4;

        CREATE TABLE outbox (
            id                  INTEGER PRIMARY KEY,
            -- the same step never queues the same notice twice
            dedupe_key          TEXT    NOT NULL UNIQUE,
            -- what it is (bot.domain.NoticeKind); its renderer is looked up by this
            kind                TEXT    NOT NULL,
            constellation_id    INTEGER REFERENCES constellations (id) ON DELETE CASCADE,
            -- a person (DM) or a chat; a DM that Telegram refuses falls back to fallback_chat_id
            user_id             INTEGER,
            chat_id             INTEGER,
            fallback_chat_id    INTEGER,
            reply_to_message_id INTEGER,
            -- ids and numbers only (JSON), e.g. {"request": 12}; emptied once it is sent
            refs                TEXT    NOT NULL DEFAULT '{}',
            -- who is told if it cannot be delivered
            report_to           INTEGER,
            state               TEXT    NOT NULL DEFAULT 'pending'
                                        CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
            -- a card's redraw is queued again by every change: what was sent is the version
            -- that was read, and a newer one stays pending
            version             INTEGER NOT NULL DEFAULT 0,
            attempts            INTEGER NOT NULL DEFAULT 0,
            next_attempt_at     TEXT    NOT NULL,
            created_at          TEXT    NOT NULL,
            sent_at             TEXT,
            last_error          TEXT
        );

        -- Pending notices of the old form carried names and texts: keep what can be said with
        -- ids (the request or meetup it is about), drop the rest without its words.
        INSERT INTO outbox (id, dedupe_key, kind, constellation_id, user_id, chat_id,
                            fallback_chat_id, reply_to_message_id, refs, state, attempts,
                            next_attempt_at, created_at, sent_at, last_error)
        SELECT id, dedupe_key, kind, constellation_id, user_id, chat_id, fallback_chat_id,
               reply_to_message_id,
               CASE WHEN refs IS NULL THEN '{}' ELSE refs END,
               CASE WHEN state = 'pending' AND refs IS NULL THEN 'failed' ELSE state END,
               attempts, next_attempt_at, created_at, sent_at,
               CASE WHEN state = 'pending' AND refs IS NULL THEN 'old format' ELSE last_error END
        FROM (
            SELECT o.*,
                   CASE
                       WHEN o.message_key = '@request-card' THEN 'request_card'
                       WHEN o.message_key = '@meetup-card' THEN 'meetup_card'
                       WHEN o.message_key = '@meetup-reminder' THEN 'meetup_reminder'
                       WHEN o.message_key = 'notice.claimed' THEN 'request_claimed'
                       WHEN o.message_key = 'notice.released' THEN 'request_released'
                       WHEN o.message_key = 'notice.withdrawn' THEN 'request_withdrawn'
                       WHEN o.message_key IN ('notice.escalate_hubhome',
                                              'notice.escalate_liaison') THEN 'escalation'
                       WHEN o.message_key LIKE 'notice.escalate_%_missing'
                           THEN 'escalation_group'
                       WHEN o.message_key LIKE 'line.group_%' THEN 'line_waiting'
                       WHEN o.message_key = 'meetup.moved_up' THEN 'meetup_moved_up'
                       WHEN o.message_key = 'meetup.cancelled_dm' THEN 'meetup_cancelled'
                       WHEN o.message_key = 'meetup.changed_dm' THEN 'meetup_changed'
                       ELSE 'undelivered'
                   END AS kind,
                   CASE
                       WHEN o.state <> 'pending' THEN '{}'
                       WHEN o.message_key = '@request-card' THEN
                           json_object('request', json_extract(o.payload, '$.request_id'))
                       WHEN o.message_key IN ('@meetup-card', '@meetup-reminder') THEN
                           json_object('occurrence',
                                       json_extract(o.payload, '$.values.occurrence'))
                       WHEN o.message_key IN ('notice.escalate_hubhome',
                                              'notice.escalate_liaison') THEN
                           json_object('request', json_extract(o.payload, '$.request_id'),
                                       'role', substr(o.message_key, 17))
                       WHEN o.message_key LIKE 'notice.escalate_%_missing'
                            OR o.message_key IN ('notice.claimed', 'notice.released',
                                                 'notice.withdrawn') THEN
                           (SELECT json_object(
                                       'request', r.id,
                                       'role', CASE WHEN o.message_key LIKE '%liaison%'
                                                    THEN 'liaison' ELSE 'hubhome' END,
                                       'helper', COALESCE(r.claimed_by, 0),
                                       'requester', COALESCE(r.requester_id, 0))
                            FROM help_requests r
                            WHERE r.constellation_id = o.constellation_id
                              AND r.number = json_extract(o.payload, '$.values.number'))
                       WHEN o.message_key LIKE 'line.group_%' THEN
                           json_object('reason', substr(o.message_key, 12))
                       WHEN o.message_key IN ('meetup.moved_up', 'meetup.cancelled_dm',
                                              'meetup.changed_dm') THEN
                           (SELECT json_object('occurrence', oc.id)
                            FROM occurrences oc JOIN meetups m ON m.id = oc.meetup_id
                            WHERE m.constellation_id = o.constellation_id
                              AND m.number = json_extract(o.payload, '$.values.number')
                              AND oc.starts_at = json_extract(o.payload, '$.values.starts_at'))
                       ELSE NULL
                   END AS refs
            FROM outbox_v4 o
        );

        DROP TABLE outbox_v4;
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
        -- A private message the handler is passing on right now is not the courier's to pass
        -- on as well; if the process dies meanwhile, it is after this moment.
        ALTER TABLE line_messages ADD COLUMN handled_until TEXT;
        -- 1: the person chose; 0: it was their only constellation when they first wrote (they
        -- are asked once they are in several)
        ALTER TABLE line_choices ADD COLUMN explicit INTEGER NOT NULL DEFAULT 1;
        CREATE INDEX outbox_user ON outbox (user_id);
        -- Kept private-line messages are looked for after every change: find them quickly.
        CREATE INDEX line_messages_kept ON line_messages (state) WHERE state = 'waiting'
        """,
    ),
    (
        6,
        """
        -- Hub-home-only requests count on their own (shown as P1, P2, …), so that the group's
        -- own numbers have no gaps that give them away: a number is unique per constellation
        -- and visibility. (Rebuilt with foreign keys off: see REBUILDS.)
        CREATE TABLE help_requests_v6 (
            id                  INTEGER PRIMARY KEY,
            constellation_id    INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            number              INTEGER NOT NULL,
            requester_id        INTEGER REFERENCES people (user_id) ON DELETE SET NULL,
            category            TEXT    NOT NULL,
            text                TEXT,
            needed_by           TEXT,
            when_kind           TEXT    NOT NULL DEFAULT 'none',
            urgent              INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
            visibility          TEXT    NOT NULL DEFAULT 'group'
                                        CHECK (visibility IN ('group', 'hubhome')),
            state               TEXT    NOT NULL DEFAULT 'open'
                                        CHECK (state IN ('open', 'claimed', 'resolved',
                                                         'withdrawn', 'expired')),
            claimed_by          INTEGER REFERENCES people (user_id) ON DELETE SET NULL,
            claimed_at          TEXT,
            closed_at           TEXT,
            outcome             TEXT CHECK (outcome IN ('helped', 'partly', 'not_needed')),
            created_at          TEXT    NOT NULL,
            escalation_stage    INTEGER NOT NULL DEFAULT 0,
            next_escalation_at  TEXT,
            UNIQUE (constellation_id, visibility, number)
        );
        INSERT INTO help_requests_v6 (id, constellation_id, number, requester_id, category, text,
                                      needed_by, when_kind, urgent, visibility, state,
                                      claimed_by, claimed_at, closed_at, outcome, created_at,
                                      escalation_stage, next_escalation_at)
        SELECT id, constellation_id, number, requester_id, category, text, needed_by, when_kind,
               urgent, visibility, state, claimed_by, claimed_at, closed_at, outcome,
               created_at, escalation_stage, next_escalation_at
        FROM help_requests;
        DROP TABLE help_requests;
        ALTER TABLE help_requests_v6 RENAME TO help_requests;
        CREATE INDEX help_requests_open ON help_requests (state, next_escalation_at);
        CREATE INDEX help_requests_needed ON help_requests (state, needed_by)
        """,
    ),
    (
        7,
        """
        -- Whether a message of a person's own chat was taken up by the private line already.
        CREATE INDEX line_messages_origin ON line_messages (origin_chat_id, origin_message_id);
        -- As whom the copy's reader got it ('hubhome', 'liaison', 'member'): only in that role
        -- may they answer it (NULL: copied before this was kept).
        ALTER TABLE line_copies ADD COLUMN reader_role TEXT;
        -- Where a carer's copy of a member's message was, once the message's routing is gone
        -- (the member erased, or past retention): a reply to it is refused rather than taken
        -- for a new message of the carer's. Positions in the carer's own chat only, nothing
        -- of the member.
        CREATE TABLE line_copies_ended (
            chat_id    INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            PRIMARY KEY (chat_id, message_id)
        ) WITHOUT ROWID
        """,
    ),
    (
        8,
        """
        -- The end of a typed range ("10:00-12:00"): how long each date of the meetup lasts.
        ALTER TABLE meetups ADD COLUMN length_minutes INTEGER
        """,
    ),
    (
        9,
        """
        -- Sleepovers: the hub home's beds, asked for privately by a family.
        CREATE TABLE sleepover_settings (
            constellation_id INTEGER PRIMARY KEY
                REFERENCES constellations (id) ON DELETE CASCADE,
            beds             INTEGER NOT NULL DEFAULT 2 CHECK (beds BETWEEN 0 AND 10),
            bring_along      TEXT,
            -- A soft limit of nights per family per quarter: a warning, never a refusal.
            soft_limit       INTEGER CHECK (soft_limit IS NULL OR soft_limit > 0)
        );
        CREATE TABLE sleepovers (
            id                 INTEGER PRIMARY KEY,
            constellation_id   INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            number             INTEGER NOT NULL,
            -- NULL once the family is erased: the nights stay counted, nobody is named.
            family_id          INTEGER,
            kind               TEXT NOT NULL CHECK (kind IN ('planned', 'emergency')),
            state              TEXT NOT NULL CHECK (state IN
                ('asked', 'proposed', 'confirmed', 'declined', 'cancelled', 'unanswered')),
            first_night        TEXT NOT NULL,  -- local date, YYYY-MM-DD
            nights             INTEGER NOT NULL CHECK (nights BETWEEN 1 AND 14),
            children           INTEGER NOT NULL CHECK (children BETWEEN 1 AND 10),
            nicknames          TEXT,  -- a nickname or initial per child, never a full name
            note               TEXT,  -- for the hub home; removed after the stay + retention
            drop_off           TEXT,  -- "18:00", as the hub home set it
            pick_up            TEXT,
            asked_at           TEXT NOT NULL,
            seen_by            INTEGER,  -- the carer who said "seen, I'll call" (emergency)
            answered_at        TEXT,
            answered_by        INTEGER,
            reason             TEXT,  -- a decline's short reason, to the family
            proposed_first     TEXT,
            proposed_nights    INTEGER,
            cancelled_by       TEXT CHECK (cancelled_by IN ('family', 'hubhome')),
            escalation_stage   INTEGER NOT NULL DEFAULT 0,
            next_escalation_at TEXT,
            reminder_at        TEXT,  -- the day before, for both sides
            feedback_at        TEXT,  -- the morning after, "Hoe ging het?"
            feedback_given     INTEGER NOT NULL DEFAULT 0,  -- answered (counted elsewhere)
            UNIQUE (constellation_id, number)
        );
        CREATE INDEX sleepovers_family ON sleepovers (family_id);
        CREATE INDEX sleepovers_escalation ON sleepovers (next_escalation_at);
        CREATE INDEX sleepovers_reminder ON sleepovers (reminder_at);
        CREATE INDEX sleepovers_feedback ON sleepovers (feedback_at);
        -- One row per child per night: a bed. The key and the trigger make it impossible to
        -- hold more children on a night than the hub home has beds, whatever races.
        CREATE TABLE sleepover_beds (
            constellation_id INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            night            TEXT NOT NULL,
            bed              INTEGER NOT NULL CHECK (bed >= 1),
            sleepover_id     INTEGER NOT NULL REFERENCES sleepovers (id) ON DELETE CASCADE,
            PRIMARY KEY (constellation_id, night, bed)
        ) WITHOUT ROWID;
        CREATE INDEX sleepover_beds_of ON sleepover_beds (sleepover_id);
        CREATE TRIGGER sleepover_beds_within_the_beds
        BEFORE INSERT ON sleepover_beds
        WHEN NEW.bed > COALESCE(
            (SELECT beds FROM sleepover_settings WHERE constellation_id = NEW.constellation_id), 2)
        BEGIN
            SELECT RAISE(ABORT, 'no bed free');
        END;
        -- The copies of a sleepover's card in the hub home carers' (and backups') chats.
        CREATE TABLE sleepover_cards (
            sleepover_id INTEGER NOT NULL REFERENCES sleepovers (id) ON DELETE CASCADE,
            chat_id      INTEGER NOT NULL,
            message_id   INTEGER NOT NULL,
            PRIMARY KEY (sleepover_id, chat_id)
        );
        -- When the hub home's beds are closed (a holiday), and who stands in, if anyone.
        CREATE TABLE sleepover_away (
            id               INTEGER PRIMARY KEY,
            constellation_id INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            first_night      TEXT NOT NULL,
            last_night       TEXT NOT NULL,
            backup_id        INTEGER,
            created_by       INTEGER,
            created_at       TEXT NOT NULL
        );
        CREATE INDEX sleepover_away_of ON sleepover_away (constellation_id, last_night);
        -- "Hoe ging het?": counted per month, never tied to a family or a stay.
        CREATE TABLE sleepover_feedback (
            constellation_id INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            month            TEXT NOT NULL,
            answer           TEXT NOT NULL CHECK (answer IN ('good', 'okay', 'hard')),
            count            INTEGER NOT NULL,
            PRIMARY KEY (constellation_id, month, answer)
        ) WITHOUT ROWID
        """,
    ),
    (
        10,
        """
        -- Reports: counts kept per month that would otherwise go with the retention run (the
        -- private line's messages and who wrote), never a text or a name.
        CREATE TABLE monthly_counts (
            constellation_id INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            month            TEXT NOT NULL,  -- YYYY-MM, in the constellation's time zone
            name             TEXT NOT NULL,  -- line_messages, line_conversations
            count            INTEGER NOT NULL,
            PRIMARY KEY (constellation_id, month, name)
        ) WITHOUT ROWID;
        -- The monthly report: which month's went out for a constellation (once, across
        -- restarts), and who does not want it.
        CREATE TABLE report_runs (
            constellation_id INTEGER NOT NULL REFERENCES constellations (id) ON DELETE CASCADE,
            month            TEXT NOT NULL,
            PRIMARY KEY (constellation_id, month)
        ) WITHOUT ROWID;
        CREATE TABLE report_optout (
            user_id INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE
        )
        """,
    ),
    (
        11,
        """
        -- The role someone had when they left (their role itself goes back to 'member'): a
        -- liaison who left is not counted as a family in the months before.
        ALTER TABLE memberships ADD COLUMN left_role TEXT
        """,
    ),
    (
        12,
        """
        -- The weekly look ahead (Sunday evening): who asked for it, since when (someone who
        -- turns it on after this week's went out gets next week's), and whose went out which
        -- week (once, across restarts and clock jumps). Ids and dates only; erased with them.
        CREATE TABLE weekly_optin (
            user_id INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
            since   TEXT NOT NULL
        );
        CREATE TABLE weekly_runs (
            user_id INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
            week    TEXT NOT NULL,  -- the Sunday it was sent on, YYYY-MM-DD (local)
            PRIMARY KEY (user_id, week)
        ) WITHOUT ROWID
        """,
    ),
    (
        13,
        """
        -- "↩️ Antwoorden" pressed: the carer's next message answers this routed message, until
        -- the deadline. Kept on disk so a restart in between never sends the answer elsewhere.
        -- Ids only; it goes with the person or the message.
        CREATE TABLE line_answers (
            user_id   INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
            line_id   INTEGER NOT NULL REFERENCES line_messages (id) ON DELETE CASCADE,
            copy_id   INTEGER NOT NULL,  -- their copy of it, in their own chat
            prompt_id INTEGER NOT NULL,  -- "your next message goes to …", with the stop button
            until     TEXT    NOT NULL
        )
        """,
    ),
    (
        14,
        """
        -- Where "with how many children?" was asked (the group, naming the person, or their
        -- own chat): /forgetme deletes it there. Gone once answered, and with the retention
        -- run once the date is that long past. Ids only.
        CREATE TABLE children_questions (
            occurrence_id INTEGER NOT NULL REFERENCES occurrences (id) ON DELETE CASCADE,
            user_id       INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
            chat_id       INTEGER NOT NULL,
            message_id    INTEGER NOT NULL,
            PRIMARY KEY (occurrence_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX children_questions_of ON children_questions (user_id)
        """,
    ),
    (
        15,
        """
        -- A notice's id is never given to another notice (AUTOINCREMENT): an erasure deletes
        -- the notices to the erased person, and the courier, still holding one it read before,
        -- must not mark a newer notice that got the same id (a card's redraw marked skipped,
        -- a card marked sent that never went out). Rebuilt as it was, with the same rows.
        ALTER TABLE outbox RENAME TO outbox_v14;

        CREATE TABLE outbox (
            id                  INTEGER PRIMARY KEY AUTOINCREMENT,
            dedupe_key          TEXT    NOT NULL UNIQUE,
            kind                TEXT    NOT NULL,
            constellation_id    INTEGER REFERENCES constellations (id) ON DELETE CASCADE,
            user_id             INTEGER,
            chat_id             INTEGER,
            fallback_chat_id    INTEGER,
            reply_to_message_id INTEGER,
            refs                TEXT    NOT NULL DEFAULT '{}',
            report_to           INTEGER,
            state               TEXT    NOT NULL DEFAULT 'pending'
                                        CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
            version             INTEGER NOT NULL DEFAULT 0,
            attempts            INTEGER NOT NULL DEFAULT 0,
            next_attempt_at     TEXT    NOT NULL,
            created_at          TEXT    NOT NULL,
            sent_at             TEXT,
            last_error          TEXT
        );
        INSERT INTO outbox (id, dedupe_key, kind, constellation_id, user_id, chat_id,
                            fallback_chat_id, reply_to_message_id, refs, report_to, state,
                            version, attempts, next_attempt_at, created_at, sent_at, last_error)
        SELECT id, dedupe_key, kind, constellation_id, user_id, chat_id, fallback_chat_id,
               reply_to_message_id, refs, report_to, state, version, attempts,
               next_attempt_at, created_at, sent_at, last_error
        FROM outbox_v14;
        DROP TABLE outbox_v14;
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
        CREATE INDEX outbox_user ON outbox (user_id)
        """,
    ),
]

# Migrations that rebuild a table other tables refer to: they run with foreign keys off (else
# dropping the old table would take the rows referring to it along), then are checked.
REBUILDS = frozenset({6})

LATEST = MIGRATIONS[-1][0]
# From this version on, deleted content is overwritten (PRAGMA secure_delete); a database
# from before it is rewritten once, so nothing deleted earlier lingers in free pages.
SECURE_DELETE_SINCE = 5
