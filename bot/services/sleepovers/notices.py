"""The notices sleepovers cause, by id: rendered when sent, as the sleepover is then.

None of them ever goes to the group: who asks for respite is nobody else's business.
"""

from __future__ import annotations

from bot.domain import CardLocation, Notice, NoticeKind, RefValue, Sleepover


def card(sleepover: Sleepover, reader_id: int, step: str = "ask") -> Notice:
    """The sleepover's card in one carer's (or backup's, or the liaison's) private chat."""
    return Notice(
        kind=NoticeKind.SLEEPOVER_CARD,
        dedupe_key=f"slp:{sleepover.id}:card:{reader_id}:{step}",
        refs={"sleepover": sleepover.id},
        constellation_id=sleepover.constellation_id,
        user_id=reader_id,
    )


def card_edit(sleepover: Sleepover, location: CardLocation) -> Notice:
    """Redraw one copy of the card as the sleepover is when it is drawn."""
    return Notice(
        kind=NoticeKind.SLEEPOVER_CARD_EDIT,
        dedupe_key=f"slp:{sleepover.id}:edit:{location.chat_id}:{location.message_id}",
        refs={"sleepover": sleepover.id, "message": location.message_id},
        constellation_id=sleepover.constellation_id,
        chat_id=location.chat_id,
    )


def to_family(
    kind: NoticeKind, sleepover: Sleepover, step: str, tag: str = "", asked: tuple[int, ...] = ()
) -> Notice | None:
    """An answer, a cancellation, a step of an emergency, a reminder or the question after;
    ``step`` (an enum word: yes, declined, proposed, lapsed, seen, escalated, nobody…) says
    which, ``tag`` keeps repeated steps apart; ``asked``: who an escalation reached."""
    if sleepover.family_id is None:
        return None
    refs: dict[str, RefValue] = {"sleepover": sleepover.id, "to": "family", "step": step}
    if asked:
        refs["asked"] = asked
    return Notice(
        kind=kind,
        dedupe_key=f"slp:{sleepover.id}:{kind.value}:family:{step}{tag}",
        refs=refs,
        constellation_id=sleepover.constellation_id,
        user_id=sleepover.family_id,
    )


def to_carer(kind: NoticeKind, sleepover: Sleepover, carer_id: int, step: str) -> Notice:
    """A cancellation by the family, the answer to a proposal (``step``: taken, refused), or
    the reminder the day before, to one carer."""
    return Notice(
        kind=kind,
        dedupe_key=f"slp:{sleepover.id}:{kind.value}:{carer_id}:{step}",
        refs={"sleepover": sleepover.id, "to": "carer", "step": step},
        constellation_id=sleepover.constellation_id,
        user_id=carer_id,
    )
