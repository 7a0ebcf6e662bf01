"""How a report reads in the chat: a short summary that fits a phone, and its buttons.

Every count goes through ``bot.figures.shown`` (1 and 2 become "<3" where they come from
families' own actions); a footnote says so when it happened.
"""

from __future__ import annotations

import html
from datetime import date

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import ReportAction, ReportButton
from bot.domain import Constellation
from bot.figures import SMALL, Figures, Report, add_months, hidden, month_number, shown
from bot.i18n import Html, Translator

OPERATOR_ROWS = 20  # constellations listed in an operator's summary; the rest in the files


def period_text(language: str, first: date, last: date) -> str:
    """ "jun 2026 – nov 2026", or "november 2026" for one month."""
    if first == last:
        return format_date(first, "LLLL yyyy", locale=language)
    return (
        f"{format_date(first, 'LLL yyyy', locale=language)} – "
        f"{format_date(last, 'LLL yyyy', locale=language)}"
    ).replace(".", "")


def counted(texts: Translator, language: str, key: str, name: str, value: int) -> str:
    """ "1 gesprek", "12 gesprekken", "<3 kinderen": a count as it may be shown (see
    ``shown``), its noun in the form that fits (the plural for "<3")."""
    form = SMALL if hidden(name, value) else value
    template = html.unescape(texts.plural_template(language, key, form))
    return template.format(n=shown(name, value))


def _minutes(texts: Translator, language: str, minutes: float | None) -> str:
    return "—" if minutes is None else texts.duration(language, max(1, round(minutes)))


def figure_lines(texts: Translator, language: str, figures: Figures) -> list[str]:
    """The key figures, one short line per subject."""

    def n(name: str) -> str:
        return shown(name, getattr(figures, name))

    values = {
        "requests": n("requests"),
        "urgent": n("urgent"),
        "taken_on": n("taken_on"),
        "median": _minutes(texts, language, figures.take_on_median),
        "helped": n("helped"),
        "partly": n("partly"),
        "not_needed": n("not_needed"),
        "expired": n("expired"),
        "withdrawn": n("withdrawn"),
        "hubhome": n("escalated_hubhome"),
        "liaison": n("escalated_liaison"),
        "conversations": counted(
            texts,
            language,
            "report.count_conversations",
            "line_conversations",
            figures.line_conversations,
        ),
        "messages": counted(
            texts, language, "report.count_messages", "line_messages", figures.line_messages
        ),
        "meetups": str(figures.meetups_held),
        "activities": str(figures.activities_held),
        "coming": n("families_coming"),
        "children": counted(
            texts,
            language,
            "report.count_children",
            "children_at_activities",
            figures.children_at_activities,
        ),
        "planned": counted(
            texts, language, "report.count_nights", "nights_planned", figures.nights_planned
        ),
        "emergency": n("nights_emergency"),
        "declined": n("sleepovers_declined"),
        "unanswered": n("sleepovers_unanswered"),
        "answer": _minutes(texts, language, figures.emergency_answer_median),
        "good": n("feedback_good"),
        "okay": n("feedback_okay"),
        "hard": n("feedback_hard"),
        "families": str(figures.families),
        "linked": str(figures.families_linked),
        "active": n("families_active"),
    }
    keys = (
        "requests",
        "outcomes",
        "escalations",
        "line",
        "meetups",
        "sleepovers",
        "feedback",
        "families",
    )
    return [texts(language, f"report.line_{key}", **values) for key in keys]


def summary_text(texts: Translator, language: str, report: Report) -> Html:
    """The report in the chat: title, key figures, operators' rows, the footnote."""
    period = period_text(language, report.first, report.last)
    if report.total.constellation_id is None:
        title = texts(language, "report.title_all", period=period, n=len(report.constellations))
    else:
        title = texts(language, "report.title", name=report.title, period=period)
    lines: list[str] = [title, *figure_lines(texts, language, report.total)]
    if report.constellations:
        lines.append("")
        for row in report.constellations[:OPERATOR_ROWS]:
            lines.append(
                texts(
                    language,
                    "report.row",
                    name=row.constellation,
                    requests=counted(
                        texts, language, "report.count_requests", "requests", row.requests
                    ),
                    nights=counted(
                        texts,
                        language,
                        "report.count_nights",
                        "nights_planned",
                        row.nights_planned + row.nights_emergency,
                    ),
                    families=counted(
                        texts, language, "report.count_families", "families", row.families
                    ),
                )
            )
        more = len(report.constellations) - OPERATOR_ROWS
        if more > 0:
            lines.append(texts.plural(language, "report.more_rows", more))
    if report.hides_something:
        lines.append(texts(language, "report.summary_footnote"))
    return Html("\n".join(lines))


def report_keyboard(
    texts: Translator,
    language: str,
    constellation_id: int,
    this_month: date,
    shown_first: date,
    shown_last: date,
    *,
    several: bool,
) -> InlineKeyboardMarkup:
    """Other periods, another constellation, the spreadsheet and the PDF."""

    def button(key: str, action: ReportAction, first: date, last: date) -> InlineKeyboardButton:
        data = ReportButton(action, constellation_id, month_number(first), month_number(last))
        return InlineKeyboardButton(texts.plain(language, key), callback_data=data.data())

    last_month = add_months(this_month, -1)
    quarter = date(this_month.year, 3 * ((this_month.month - 1) // 3) + 1, 1)
    last_quarter = (add_months(quarter, -3), add_months(quarter, -1))
    show = ReportAction.SHOW
    rows = [
        [
            button("report.button_this_month", show, this_month, this_month),
            button("report.button_last_month", show, last_month, last_month),
        ],
        [
            button("report.button_last_quarter", show, *last_quarter),
            button("report.button_this_year", show, this_month.replace(month=1), this_month),
        ],
        [button("report.button_six_months", show, add_months(this_month, -5), this_month)],
        [
            button("report.button_csv", ReportAction.CSV, shown_first, shown_last),
            button("report.button_pdf", ReportAction.PDF, shown_first, shown_last),
        ],
    ]
    if several:
        rows.append([button("report.button_other", ReportAction.PICK, shown_first, shown_last)])
    return InlineKeyboardMarkup(rows)


def pick_keyboard(
    texts: Translator,
    language: str,
    places: list[Constellation],
    first: date,
    last: date,
    *,
    operator: bool,
) -> InlineKeyboardMarkup:
    span = (month_number(first), month_number(last))
    rows = [
        [
            InlineKeyboardButton(
                place.name, callback_data=ReportButton(ReportAction.SHOW, place.id, *span).data()
            )
        ]
        for place in places[:OPERATOR_ROWS]
    ]
    if operator:
        everyone = ReportButton(ReportAction.SHOW, 0, *span).data()
        label = texts.plain(language, "report.button_all")
        rows.insert(0, [InlineKeyboardButton(label, callback_data=everyone)])
    return InlineKeyboardMarkup(rows)


def monthly_text(texts: Translator, language: str, report: Report) -> Html:
    """The report the first of the month brings: the summary, and how to turn it off."""
    return Html(
        f"{summary_text(texts, language, report)}\n\n{texts(language, 'report.monthly_off')}"
    )
