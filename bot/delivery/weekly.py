"""The weekly look ahead, drawn when it is sent: as things are then, or nothing at all."""

from __future__ import annotations

from datetime import date

from bot.context import Services
from bot.delivery.kinds import Audience, Kind, Outgoing
from bot.domain import Notice, NoticeKind
from bot.views.overview import weekly_keyboard, weekly_text


def _sunday(number: int | None) -> date | None:
    """The Sunday a notice names (20261122), or None for anything else."""
    if number is None:
        return None
    try:
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


async def _weekly(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    sunday = _sunday(notice.ref("week"))
    if sunday is None or not audience.private:
        return None  # never in a group: it is one person's own week
    ahead = await services.weekly.look_ahead(audience.chat_id, sunday)
    if ahead is None:
        return None  # nothing to say, turned off, left, or the week has begun
    texts, language, now = services.texts, audience.language, services.clock.now()
    return Outgoing(
        weekly_text(texts, language, ahead.sunday, ahead.glances, now),
        weekly_keyboard(texts, language, ahead.glances),
        quiet=ahead.quiet,
    )


KINDS: dict[NoticeKind, Kind] = {
    NoticeKind.WEEKLY: Kind(_weekly, unreachable="skip"),
}
