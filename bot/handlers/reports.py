"""``/rapport`` (``/report``): the figures for the hub home, the liaison and operators.

In the private chat only. With nothing after it: the last six months of the person's
constellation (every constellation for an operator), as a chart and a short summary with
buttons for other periods, another constellation, the spreadsheet and the PDF. ``/rapport
csv`` and ``/rapport pdf`` send the files at once; ``/rapport 2026-01 2026-06`` or ``/rapport
jan - jun 2026`` a chosen range; ``/rapport maandelijks uit`` (``aan``) the monthly report.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date
from functools import cache

from babel.dates import get_month_names
from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.callbacks import ReportAction, ReportButton
from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.domain import Constellation, NotAllowed
from bot.figures import Report, add_months, from_month_number
from bot.handlers.common import command_text, is_group, private_language, reply
from bot.views.report_files import chart_png, csv_file, pdf_file
from bot.views.reports import pick_keyboard, report_keyboard, summary_text

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
MAX_MONTHS = 36  # a chart of more months is not readable on a phone; the CSV is per month
EARLIEST = date(2020, 1, 1)
_OFF = {"uit", "off", "stop"}
_ON = {"aan", "on"}
_MONTHLY = {"maandelijks", "monthly", "maand"}


@cache
def month_words() -> dict[str, int]:
    """Month names and abbreviations in both languages -> number (read when a report asks for
    months by name: loading babel's locale data at start-up cost 15 ms, bench/README.md)."""
    words: dict[str, int] = {}
    for language in ("nl", "en"):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=language).items():
                words[name.lower().rstrip(".")] = number
    words["mrt"] = 3
    return words


@cache
def _month_word() -> re.Pattern[str]:
    names = sorted(map(re.escape, month_words()), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(names) + r")\.?(?:\s+(\d{4}))?\b")


def read_range(text: str, this_month: date) -> tuple[date, date] | None:
    """ "2026-01 2026-06", "jan - jun 2026", "nov 2026 - jan 2027", "maart": the months asked
    for (None when none can be read). A month without a year takes the year typed after it,
    else the one before it, else the latest that is not still to come."""
    try:
        found = [date(int(y), int(m), 1) for y, m in _MONTH.findall(text) if 1 <= int(m) <= 12]
    except ValueError:
        return None
    if found:
        return min(found), max(found)
    pairs = _month_word().findall(text.lower())
    months = [(month_words()[word], int(year) if year else None) for word, year in pairs]
    months = [(month, year) for month, year in months if month]
    if not months:
        return None
    trailing = re.search(r"\b(\d{4})\s*$", text.strip())
    default = int(trailing[1]) if trailing else None
    (first_month, first_year), (last_month, last_year) = months[0], months[-1]
    if last_year is None:
        last_year = default
    if last_year is None and first_year is not None:
        last_year = first_year + (last_month < first_month)  # "november 2025 tot januari"
    if first_year is None and last_year is not None:
        first_year = last_year - (first_month > last_month)
    if first_year is None or last_year is None:  # no year at all: the latest past months
        last_year = this_month.year - (date(this_month.year, last_month, 1) > this_month)
        first_year = last_year - (first_month > last_month)
    try:
        return date(first_year, first_month, 1), date(last_year, last_month, 1)
    except ValueError:
        return None


def checked_span(first: date, last: date, this_month: date) -> tuple[date, date] | str:
    """The months to report, or why not: a month still to come is not reported (the last
    month is clipped to this one), nor more than MAX_MONTHS, nor before EARLIEST."""
    if last < first:
        first, last = last, first
    if first > this_month:
        return "report.future"
    last = min(last, this_month)
    if first < EARLIEST or (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        return "report.too_long"
    return first, last


async def report_command(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    if is_group(chat):
        await reply(update, texts(language, "report.private_only"))
        return
    places = await services.reports.places(user.id)
    if not places:
        await reply(update, texts(language, "report.not_allowed"))
        return
    raw = command_text(update).strip().lower()
    words = set(raw.split())
    if words & _MONTHLY:
        on = not (words & _OFF)
        if not (words & (_OFF | _ON)):
            off = await services.reports.monthly_off(user.id)
            await reply(
                update, texts(language, "report.monthly_is_off" if off else "report.monthly_is_on")
            )
            return
        await services.reports.monthly(user.id, on)
        await reply(
            update, texts(language, "report.monthly_on" if on else "report.monthly_set_off")
        )
        return
    operator = services.reports.is_operator(user.id)
    target = 0 if operator else places[0].id
    this_month = services.reports.this_month(places[0])
    span = read_range(raw, this_month) if raw else None
    if raw and span is None and not words & {"csv", "pdf", "spreadsheet", "excel"}:
        await reply(update, texts(language, "report.range_how"))
        return
    checked = checked_span(*(span or (add_months(this_month, -5), this_month)), this_month)
    if isinstance(checked, str):
        await reply(update, texts(language, checked, n=MAX_MONTHS))
        return
    first, last = checked
    try:
        report = await services.reports.report(user.id, target or None, first, last, language)
    except NotAllowed:
        await reply(update, texts(language, "report.not_allowed"))
        return
    if words & {"csv", "spreadsheet", "excel"}:
        await _send_csv(update, context, report, language)
        return
    if "pdf" in words:
        await _send_pdf(update, context, report, language)
        return
    await _send_summary(update, context, report, language, places, operator, target)


async def _send_summary(
    update: Update,
    context: BotContext,
    report: Report,
    language: str,
    places: list[Constellation],
    operator: bool,
    target: int,
) -> None:
    chat = update.effective_chat
    assert chat is not None
    texts = context.services.texts
    # matplotlib takes a few hundred milliseconds: off the event loop, so other chats go on.
    image, caption = await asyncio.to_thread(chart_png, report, texts, language)
    await context.bot.send_photo(
        chat.id, InputFile(image, filename="rapport.png"), caption=caption, parse_mode=None
    )
    this_month = context.services.reports.this_month(places[0])
    keyboard = report_keyboard(
        texts,
        language,
        target,
        this_month,
        report.first,
        report.last,
        several=len(places) > 1 or operator,
    )
    await context.bot.send_message(
        chat.id, summary_text(texts, language, report), reply_markup=keyboard
    )


async def _send_csv(update: Update, context: BotContext, report: Report, language: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    name = _file_name(report, language)
    data = csv_file(report, context.services.texts, language)
    await context.bot.send_document(chat.id, InputFile(data, filename=f"{name}.csv"))


async def _send_pdf(update: Update, context: BotContext, report: Report, language: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    name = _file_name(report, language)
    data = await asyncio.to_thread(pdf_file, report, context.services.texts, language)
    await context.bot.send_document(chat.id, InputFile(data, filename=f"{name}.pdf"))


def _file_name(report: Report, language: str) -> str:
    """ "rapport-de-linde-2026-07-2026-12": letters, digits and dashes only."""
    who = report.title or ("constellaties" if language == "nl" else "constellations")
    words = re.findall(r"[a-z0-9]+", who.lower())
    span = f"{report.first:%Y-%m}-{report.last:%Y-%m}"
    prefix = "rapport" if language == "nl" else "report"
    return "-".join([prefix, *words[:5], span])


async def button(update: Update, context: BotContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    pressed = ReportButton.parse(query.data)
    if pressed is None or is_group(chat):
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    places = await services.reports.places(user.id)
    operator = services.reports.is_operator(user.id)
    target = pressed.constellation or None
    this_month = services.reports.this_month(places[0] if places else None)
    checked = checked_span(
        from_month_number(pressed.first), from_month_number(pressed.last), this_month
    )
    if isinstance(checked, str):  # a forged or very old button
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    first, last = checked
    if pressed.action is ReportAction.PICK:
        await query.answer()
        keyboard = pick_keyboard(texts, language, places, first, last, operator=operator)
        await query.edit_message_reply_markup(keyboard)
        return
    try:
        report = await services.reports.report(user.id, target, first, last, language)
    except NotAllowed:
        await query.answer(texts.plain(language, "report.not_allowed_short"), show_alert=True)
        return
    await query.answer()
    if pressed.action is ReportAction.CSV:
        await _send_csv(update, context, report, language)
    elif pressed.action is ReportAction.PDF:
        await _send_pdf(update, context, report, language)
    else:
        await _send_summary(
            update, context, report, language, places, operator, pressed.constellation
        )


def register(app: BotApplication) -> None:
    only_messages = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler(names("report"), report_command, only_messages))
    app.add_handler(
        CallbackQueryHandler(button, pattern=callbacks.pattern(callbacks.Feature.REPORT))
    )
