"""The monthly report, drawn when it is sent, for a reader who may still read it."""

from __future__ import annotations

from bot.context import Services
from bot.delivery.kinds import Audience, Kind, Outgoing
from bot.domain import Notice, NoticeKind
from bot.figures import from_month_number
from bot.views.reports import monthly_text, report_keyboard


async def _monthly(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    constellation_id, month = notice.ref("constellation"), notice.ref("month")
    if constellation_id is None or month is None or not audience.private:
        return None
    if not await services.reports.may_read_monthly(constellation_id, audience.chat_id):
        return None  # no longer hub home or liaison there
    constellation = await services.reports.constellation(constellation_id)
    if constellation is None:
        return None
    first = from_month_number(month)
    language = audience.language
    report = await services.reports.figures_for([constellation], first, first, language)
    texts = services.texts
    keyboard = report_keyboard(
        texts,
        language,
        constellation.id,
        services.reports.this_month(constellation),
        first,
        first,
        several=False,
    )
    return Outgoing(monthly_text(texts, language, report), keyboard)


KINDS: dict[NoticeKind, Kind] = {
    NoticeKind.REPORT_MONTHLY: Kind(_monthly, unreachable="skip"),
}
