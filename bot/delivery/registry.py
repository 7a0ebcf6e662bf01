"""The one map from a notice kind to how it is delivered.

Every :class:`bot.domain.NoticeKind` has exactly one entry (a test holds it to that), so a
notice can never be queued that nobody knows how to render.
"""

from __future__ import annotations

from bot.context import Services
from bot.delivery import line, meetups, reports, requests, sleepovers, weekly
from bot.delivery.kinds import Audience, Kind, Outgoing
from bot.domain import MeetupNotFound, Notice, NoticeKind
from bot.views.requests import someone


async def _undelivered(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """To whoever a failed notice was about: what could not be delivered, and to where."""
    texts, language = services.texts, audience.language
    about = notice.token("about")
    request_id, occurrence_id = notice.ref("request"), notice.ref("occurrence")
    if about in ("request_card", "request_hubhome") and request_id is not None:
        request = await services.requests.get(request_id)
        if request is None or not request.state.is_active:
            return None  # closed meanwhile: nothing to worry about any more
        group = about == "request_card"
        key = "undelivered.request_group" if group else "undelivered.request_hubhome"
        return Outgoing(texts(language, key, number=request.shown_number))
    if about == NoticeKind.MEETUP_CARD.value and occurrence_id is not None:
        try:
            view = await services.meetups.view(occurrence_id)
        except MeetupNotFound:
            return None
        return Outgoing(texts(language, "undelivered.meetup_card", title=view.meetup.title))
    if about == "line_kept":
        return Outgoing(texts(language, "undelivered.line_kept"))
    if about == NoticeKind.LINE_COPY.value:
        recipient = notice.ref("recipient")
        person = await services.constellations.person(recipient) if recipient else None
        name = someone(texts, language, person.first_name if person else None)
        return Outgoing(texts(language, "undelivered.line_copy", name=name))
    return None


REGISTRY: dict[NoticeKind, Kind] = {
    **requests.KINDS,
    **meetups.KINDS,
    **line.KINDS,
    **sleepovers.KINDS,
    **reports.KINDS,
    **weekly.KINDS,
    NoticeKind.UNDELIVERED: Kind(_undelivered),
}


def kind_of(kind: NoticeKind) -> Kind:
    return REGISTRY[kind]
