"""Rendering private-line notices: a routed message is a header and Telegram's own copy."""

from __future__ import annotations

from bot.context import Services
from bot.delivery.kinds import Audience, Kind, Outgoing, Sent
from bot.domain import LineMessage, Notice, NoticeKind, Role
from bot.storage.db import Tx
from bot.views.line import answer_keyboard
from bot.views.requests import someone


async def _line(services: Services, notice: Notice) -> LineMessage | None:
    line_id = notice.ref("line")
    return await services.line.line(line_id) if line_id is not None else None


async def _copy(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """A member's message to a hub home carer (or the liaison they asked to read along), or
    an answer back to the member: a header saying who wrote it, then Telegram copies the
    message itself (never downloaded; a carer's copy carries the answer button). A carer
    who no longer has that role gets nothing, nor does a member who has left the
    constellation (the answerer is told)."""
    line = await _line(services, notice)
    if line is None:
        return None  # erased meanwhile
    constellation = await services.constellations.for_id(line.constellation_id)
    if constellation is None:
        return None
    to = notice.token("to")
    if notice.user_id is None:
        return None
    role = await services.constellations.active_role(constellation.id, notice.user_id)
    if role is None or (to in (Role.HUBHOME.value, Role.LIAISON.value) and role.value != to):
        return None  # a carer no longer in that role, or a member who has left
    texts, language = services.texts, audience.language
    author = await services.constellations.person(line.author_id)
    name = someone(texts, language, author.first_name if author else None)
    keyboard = None
    if line.author_id == line.member_id:
        header = texts(language, "line.header_in", name=name, constellation=constellation.name)
        keyboard = answer_keyboard(texts, language, line.id)
    else:
        role = await services.line.role(constellation, line.author_id)
        key = "line.header_liaison" if role is Role.LIAISON else "line.header_hubhome"
        header = texts(language, key, name=name[:1].upper() + name[1:])
    origin = (line.origin_chat_id, line.origin_message_id)
    # An earlier try got the header out but not the copy: only the copy follows it now. The
    # bot never has the words of a message it sends later, so the header cannot go inside
    # it: Telegram's copy follows as a reply to the header, with the answer button.
    return Outgoing(header, keyboard, copy_of=origin, head=notice.ref("head"), drawn=line)


async def _copied(
    services: Services, tx: Tx, notice: Notice, audience: Audience, sent: Sent
) -> None:
    line = sent.outgoing.drawn
    assert isinstance(line, LineMessage)
    copies = [(audience.chat_id, message_id) for message_id in sent.message_ids]
    original = notice.ref("original")
    if original is not None:
        await services.line.answer_delivered(tx, original, line, copies)
    else:
        to = Role.LIAISON if notice.token("to") == Role.LIAISON.value else Role.HUBHOME
        await services.line.copied(tx, line, copies, to)
    if notice.ref("later"):
        await services.line.told_later(tx, line)


async def _copy_undelivered(services: Services, tx: Tx, notice: Notice) -> None:
    await services.line.copy_undelivered(tx, notice)


async def _delivered_later(
    services: Services, notice: Notice, audience: Audience
) -> Outgoing | None:
    if await _line(services, notice) is None:
        return None
    text = services.texts(audience.language, "line.delivered_later")
    return Outgoing(text, reply_to=notice.reply_to_message_id)


async def _answered(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """To the other carers, under their copy: who answered — while they are still carers."""
    if notice.constellation_id is None or notice.user_id is None:
        return None
    role = await services.constellations.active_role(notice.constellation_id, notice.user_id)
    if role not in (Role.HUBHOME, Role.LIAISON):
        return None
    texts, language = services.texts, audience.language
    answerer = await services.constellations.person(notice.ref("answerer") or 0)
    name = someone(texts, language, answerer.first_name if answerer else None, start=True)
    return Outgoing(
        texts(language, "line.answered_by", name=name),
        reply_to=notice.reply_to_message_id,
        quiet=True,
    )


async def _waiting(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    reason = notice.token("reason")
    if reason not in ("unreachable", "no_hubhome"):
        return None
    return Outgoing(services.texts(audience.language, f"line.group_{reason}"))


KINDS: dict[NoticeKind, Kind] = {
    NoticeKind.LINE_COPY: Kind(_copy, after_sent=_copied, on_undelivered=_copy_undelivered),
    NoticeKind.LINE_DELIVERED_LATER: Kind(_delivered_later),
    NoticeKind.LINE_ANSWERED: Kind(_answered, unreachable="skip"),
    NoticeKind.LINE_WAITING: Kind(_waiting),
}
