"""The notices meetups cause, by id: rendered when sent, as the meetup is then."""

from __future__ import annotations

from bot.domain import AskedChildren, CardLocation, MeetupView, Notice, NoticeKind, RefValue


def card(view: MeetupView) -> Notice:
    """An occurrence's card in the group; whoever planned it hears if it cannot be posted."""
    return Notice(
        kind=NoticeKind.MEETUP_CARD,
        dedupe_key=f"mt:{view.occurrence.id}:card",
        refs={"occurrence": view.occurrence.id},
        constellation_id=view.constellation.id,
        chat_id=view.constellation.chat_id,
        report_to=view.meetup.created_by,
    )


def card_edit(occurrence_id: int, constellation_id: int, location: CardLocation) -> Notice:
    """Redraw one card as the occurrence is when it is drawn (one row per card)."""
    return Notice(
        kind=NoticeKind.MEETUP_CARD_EDIT,
        dedupe_key=f"mt:{occurrence_id}:edit:{location.chat_id}:{location.message_id}",
        refs={"occurrence": occurrence_id, "message": location.message_id},
        constellation_id=constellation_id,
        chat_id=location.chat_id,
    )


def reminder(
    view: MeetupView, minutes: int, user_id: int | None, meant_for: list[int] | None = None
) -> Notice:
    """A reminder ``minutes`` before: to one person privately (to the group, naming them, if
    that fails), or to the group — for those in ``meant_for``, or, with nobody named, to all
    of it."""
    starts = f"{view.occurrence.starts_at.timestamp():.0f}"
    who = "group" if user_id is None else str(user_id)
    refs: dict[str, RefValue] = {"occurrence": view.occurrence.id, "minutes": minutes}
    if meant_for:
        refs["for"] = tuple(meant_for)
    group = view.constellation.chat_id
    return Notice(
        kind=NoticeKind.MEETUP_REMINDER,
        dedupe_key=f"mt:{view.occurrence.id}:remind:{minutes}:{starts}:{who}",
        refs=refs,
        constellation_id=view.constellation.id,
        chat_id=group if user_id is None else None,
        user_id=user_id,
        fallback_chat_id=group if user_id is not None else None,
    )


def to_person(
    kind: NoticeKind, view: MeetupView, user_id: int, tag: str, *, fallback: bool = False
) -> Notice:
    """Moved up from the waiting list, asked how many children, cancelled or changed: a DM
    (moving up and the question may fall back to the group: the place is theirs only if they
    know, and the question is theirs to answer)."""
    return Notice(
        kind=kind,
        dedupe_key=f"mt:{view.occurrence.id}:{kind.value}:{user_id}:{tag}",
        refs={"occurrence": view.occurrence.id},
        constellation_id=view.constellation.id,
        user_id=user_id,
        fallback_chat_id=view.constellation.chat_id if fallback else None,
    )


def children_erased(asked: AskedChildren) -> Notice:
    """ "With how many children?", asked of someone erased since: deleted where it is (ids
    only; the row itself goes once done, see ``bot.delivery.meetups``)."""
    at = asked.location
    return Notice(
        kind=NoticeKind.MEETUP_CHILDREN_ERASED,
        dedupe_key=f"mt:{asked.occurrence_id}:erased:{at.chat_id}:{at.message_id}",
        refs={"message": at.message_id},
        constellation_id=asked.constellation_id,
        chat_id=at.chat_id,
    )
