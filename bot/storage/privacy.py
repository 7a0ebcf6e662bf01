"""Erasing a person (/forgetme) and old data (retention), each in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import PERSON_LIST_REFS, PERSON_REFS
from bot.storage.db import Tx, to_db_time
from bot.storage.help_requests import HelpRequestRepository


@dataclass(frozen=True, slots=True)
class Erased:
    """What was erased for one person."""

    memberships: int
    request_texts: int
    line_messages: int
    request_ids: list[int]  # requests whose cards should be redrawn
    occurrence_ids: list[int]  # meetups they answered, whose cards should be redrawn
    sleepover_ids: list[int] = field(default_factory=list)  # their sleepovers: cards redrawn


@dataclass(frozen=True, slots=True)
class Retained:
    """What the retention run removed."""

    request_texts: int
    line_messages: int
    notices: int
    sleepover_notes: int = 0


class PrivacyRepository:
    """Stateless: every method works on the transaction it is given."""

    async def forget(
        self, tx: Tx, user_id: int, now: datetime, reopened: tuple[datetime, datetime]
    ) -> Erased:
        """Everything about the person, in every constellation; requests stay, anonymous.
        Requests they were helping with reopen, escalating at ``reopened`` (urgent, other)."""
        at = to_db_time(now)
        rows = await tx.fetch_all(
            "SELECT id FROM help_requests WHERE requester_id = ? OR claimed_by = ?",
            (user_id, user_id),
        )
        request_ids = [row[0] for row in rows]
        # Their open requests are withdrawn: with the text gone nobody could help anyway.
        await tx.execute(
            "UPDATE help_requests SET state = 'withdrawn', closed_at = ?,"
            " next_escalation_at = NULL"
            " WHERE requester_id = ? AND state IN ('open', 'claimed')",
            (at, user_id),
        )
        written = await tx.execute(
            "UPDATE help_requests SET text = NULL WHERE requester_id = ? AND text IS NOT NULL",
            (user_id,),
        )
        texts = written.rowcount
        # Requests they were helping with are open again, escalating afresh.
        await HelpRequestRepository().reopen_claimed_by(
            tx, None, user_id, urgent_at=reopened[0], other_at=reopened[1]
        )
        rows = await tx.fetch_all("SELECT occurrence_id FROM rsvps WHERE user_id = ?", (user_id,))
        occurrence_ids = [row[0] for row in rows]
        # A reply to a carer's copy of their messages is refused from now on, not taken for a
        # new message of the carer's (positions in the carers' own chats, nothing of theirs).
        await tx.execute(
            "INSERT OR IGNORE INTO line_copies_ended (chat_id, message_id)"
            " SELECT c.chat_id, c.message_id FROM line_copies c"
            " JOIN line_messages m ON m.id = c.line_message_id"
            " WHERE m.author_id = m.member_id AND m.member_id = ? AND c.chat_id <> ?",
            (user_id, user_id),
        )
        written = await tx.execute(
            "DELETE FROM line_messages WHERE member_id = ? OR author_id = ?", (user_id, user_id)
        )
        lines = written.rowcount
        await tx.execute("DELETE FROM line_copies WHERE chat_id = ?", (user_id,))
        await tx.execute("DELETE FROM line_copies_ended WHERE chat_id = ?", (user_id,))
        await tx.execute(
            "UPDATE line_messages SET answered_by = NULL WHERE answered_by = ?", (user_id,)
        )
        # Cards in their private chat (a hub home carer's copies): no longer ours to track.
        await tx.execute("DELETE FROM request_cards WHERE chat_id = ?", (user_id,))
        await tx.execute(
            "UPDATE constellations SET created_by = NULL WHERE created_by = ?", (user_id,)
        )
        # What waits for them goes; what waits for others about them keeps only "someone".
        await tx.execute("DELETE FROM outbox WHERE user_id = ?", (user_id,))
        await tx.execute("UPDATE outbox SET report_to = NULL WHERE report_to = ?", (user_id,))
        for name in PERSON_REFS:
            path = f"$.{name}"
            await tx.execute(
                "UPDATE outbox SET refs = json_set(refs, ?, 0) WHERE json_extract(refs, ?) = ?",
                (path, path, user_id),
            )
        for name in PERSON_LIST_REFS:
            path = f"$.{name}"
            await tx.execute(
                "UPDATE outbox SET refs = json_set(refs, ?, json((SELECT json_group_array(value)"
                " FROM json_each(outbox.refs, ?) WHERE value <> ?))) WHERE EXISTS (SELECT 1"
                " FROM json_each(outbox.refs, ?) WHERE value = ?)",
                (path, path, user_id, path, user_id),
            )
        # Where they were asked how many children come (the questions go: see the service).
        await tx.execute("DELETE FROM children_questions WHERE user_id = ?", (user_id,))
        sleepover_ids = await self._forget_sleepovers(tx, user_id, now)
        # Whether they wanted the weekly look ahead, and which weeks they had it.
        await tx.execute("DELETE FROM weekly_optin WHERE user_id = ?", (user_id,))
        await tx.execute("DELETE FROM weekly_runs WHERE user_id = ?", (user_id,))
        written = await tx.execute("DELETE FROM memberships WHERE user_id = ?", (user_id,))
        memberships = written.rowcount
        # The foreign keys do the rest: requester_id, claimed_by and who planned a meetup
        # become NULL; the private-line choice and their meetup answers go.
        await tx.execute("DELETE FROM people WHERE user_id = ?", (user_id,))
        return Erased(memberships, texts, lines, request_ids, occurrence_ids, sleepover_ids)

    async def _forget_sleepovers(self, tx: Tx, user_id: int, now: datetime) -> list[int]:
        """Their sleepovers still to come are cancelled (the beds free); every one of theirs
        stays only as nights counted, with no family, no nicknames, no note. Carers who
        answered or stood in are forgotten there too."""
        rows = await tx.fetch_all("SELECT id FROM sleepovers WHERE family_id = ?", (user_id,))
        ids = [row[0] for row in rows]
        today = now.date().isoformat()
        # A stay under way ends today: the nights slept stay counted, the rest free.
        await tx.execute(
            "UPDATE sleepovers SET nights = CAST(julianday(?) - julianday(first_night) AS INTEGER)"
            " WHERE family_id = ? AND state = 'confirmed' AND first_night < ?"
            " AND date(first_night, '+' || nights || ' days') > ?",
            (today, user_id, today, today),
        )
        ended = await tx.returning(
            "UPDATE sleepovers SET state = 'cancelled', cancelled_by = 'family',"
            " next_escalation_at = NULL, reminder_at = NULL, feedback_at = NULL"
            " WHERE family_id = ? AND (state IN ('asked', 'proposed')"
            " OR (state = 'confirmed' AND first_night >= ?))"
            " RETURNING id",
            (user_id, today),
        )
        for row in ended:
            await tx.execute("DELETE FROM sleepover_beds WHERE sleepover_id = ?", (row[0],))
        await tx.execute(
            "DELETE FROM sleepover_beds WHERE night >= ? AND sleepover_id IN"
            " (SELECT id FROM sleepovers WHERE family_id = ?)",
            (today, user_id),
        )
        await tx.execute(
            "UPDATE sleepovers SET family_id = NULL, nicknames = NULL, note = NULL,"
            " reason = NULL, drop_off = NULL, pick_up = NULL, reminder_at = NULL,"
            " feedback_at = NULL WHERE family_id = ?",
            (user_id,),
        )
        for column in ("answered_by", "seen_by"):
            await tx.execute(
                f"UPDATE sleepovers SET {column} = NULL WHERE {column} = ?",  # noqa: S608
                (user_id,),
            )
        await tx.execute(
            "UPDATE sleepover_away SET backup_id = NULL WHERE backup_id = ?", (user_id,)
        )
        await tx.execute(
            "UPDATE sleepover_away SET created_by = NULL WHERE created_by = ?", (user_id,)
        )
        await tx.execute("DELETE FROM sleepover_cards WHERE chat_id = ?", (user_id,))
        return ids

    async def retain(self, tx: Tx, cutoff: datetime) -> Retained:
        """Remove what is older than ``cutoff``: closed requests' texts, routing ids, notices."""
        before = to_db_time(cutoff)
        written = await tx.execute(
            "UPDATE help_requests SET text = NULL WHERE text IS NOT NULL"
            " AND state NOT IN ('open', 'claimed') AND COALESCE(closed_at, created_at) < ?",
            (before,),
        )
        texts = written.rowcount
        # Kept (waiting) messages stay until a hub home can be reached.
        # (A reply to a carer's copy of one is refused from now on: see forget.)
        await tx.execute(
            "INSERT OR IGNORE INTO line_copies_ended (chat_id, message_id)"
            " SELECT c.chat_id, c.message_id FROM line_copies c"
            " JOIN line_messages m ON m.id = c.line_message_id"
            " WHERE m.author_id = m.member_id AND m.state = 'sent' AND m.created_at < ?",
            (before,),
        )
        written = await tx.execute(
            "DELETE FROM line_messages WHERE state = 'sent' AND created_at < ?", (before,)
        )
        lines = written.rowcount
        # A sleepover's nicknames, note and reason go once the stay is past the cutoff; the
        # nights stay counted for the reports.
        notes = await tx.execute(
            "UPDATE sleepovers SET nicknames = NULL, note = NULL, reason = NULL"
            " WHERE (nicknames IS NOT NULL OR note IS NOT NULL OR reason IS NOT NULL)"
            " AND date(first_night, '+' || nights || ' days') < ?",
            (cutoff.date().isoformat(),),
        )
        # Where a children's question of a date that long past is: no longer looked after.
        await tx.execute(
            "DELETE FROM children_questions WHERE occurrence_id IN"
            " (SELECT id FROM occurrences WHERE starts_at < ?)",
            (before,),
        )
        written = await tx.execute(
            "DELETE FROM outbox WHERE state <> 'pending' AND created_at < ?", (before,)
        )
        return Retained(texts, lines, written.rowcount, notes.rowcount)
