"""The files of a report: a spreadsheet (CSV), a chart (PNG) and one A4 page (PDF).

Pure functions, figures in and bytes out. Every count goes through ``bot.figures.shown``, so
a 1 or a 2 that comes from families is "<3" in every file, and a hidden value is never drawn.
matplotlib is imported inside the functions: importing it costs about half a second, and the
bot must start in under one. Only its object-oriented API is used (a ``Figure`` with its own
canvas), never pyplot's global state, so reports can be drawn in worker threads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.domain import Category
from bot.figures import Figures, Report, counted_fields, hidden, shown
from bot.i18n import Translator, units
from bot.views.reports import counted, period_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CAPTION_LIMIT = 1024  # Telegram's limit for a photo's caption, in UTF-16 units
MEDIANS = ("take_on_median", "take_on_p90", "emergency_answer_median")
# The chart's series, and their colours (Okabe-Ito: told apart with any colour vision).
CHART = ("requests", "taken_on", "families_coming", "nights_planned", "nights_emergency")
COLOURS = ("#0072B2", "#56B4E9", "#009E73", "#E69F00", "#D55E00")
# "Hoe ging het?" per month: in the caption (not drawn).
FEEDBACK = ("feedback_good", "feedback_okay", "feedback_hard")
PNG_SIZE = 1080  # pixels, square: fills a phone's width in Telegram without being scaled down
PNG_DPI = 100
A4 = (8.27, 11.69)  # inches
POINTS = 72
MARGIN = 40.0  # points, about 14 mm
# A cell Excel would run as a formula ("=HYPERLINK(…)" as a constellation's name).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- shared ------------------------------------------------------------------------------------


def file_title(report: Report, texts: Translator, language: str) -> str:
    """ "Constellatie De Linde — jan 2026 – jun 2026"; an operator's report: all of them."""
    period = period_text(language, report.first, report.last)
    if report.total.constellation_id is None:
        if report.title:
            return report.title
        return texts.plain(language, "report.file_title_all").format(
            n=len(report.constellations), period=period
        )
    name = report.total.constellation or report.title
    return texts.plain(language, "report.file_title").format(name=name, period=period)


def _label(texts: Translator, language: str, name: str) -> str:
    return texts.plain(language, f"report.field_{name}")


def _category_count(count: int) -> str:
    # A category's count is a number of requests, and hidden as such.
    return shown("requests", count)


def _duration(texts: Translator, language: str, minutes: float | None) -> str:
    if minutes is None:
        return "—"
    if minutes >= 24 * 60:  # "3 dagen en 2 uur": the minutes of a median that long say nothing
        minutes = round(minutes / 60) * 60
    return texts.duration(language, max(1, round(minutes)))


def _monthly(report: Report) -> list[tuple[date, dict[str, int]]]:
    """The chart's (and the caption's) counts per month; an operator's rows (one per
    constellation) added up."""
    months: dict[date, dict[str, int]] = {}
    for row in report.months:
        month = months.setdefault(row.first, dict.fromkeys((*CHART, *FEEDBACK), 0))
        for name in month:
            month[name] += getattr(row, name)
    return sorted(months.items())


def _month_labels(language: str, months: Sequence[date], sep: str) -> list[str]:
    """ "jun", "jul"; when the months span more than one year, the first month and every
    January also say the year ("dec 2025", "jan 2026", "feb")."""
    years = len({month.year for month in months}) > 1
    labels = []
    for index, month in enumerate(months):
        label = format_date(month, "LLL", locale=language).rstrip(".")
        dated = years and (index == 0 or month.month == 1)
        labels.append(f"{label}{sep}{month.year}" if dated else label)
    return labels


# -- the spreadsheet ---------------------------------------------------------------------------


def csv_file(report: Report, texts: Translator, language: str) -> bytes:
    """One row per month per constellation, as Dutch Excel opens it by a double click:
    UTF-8 with a BOM, ";" between cells, CRLF, months as ISO dates (the 1st)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_csv_header(texts, language))
    for row in report.months:
        writer.writerow(_csv_row(row))
    # No "sep=;" line: Excel then ignores the BOM and garbles "é".
    return out.getvalue().encode("utf-8-sig")


def _csv_header(texts: Translator, language: str) -> list[str]:
    category = texts.plain(language, "report.file_column_category")
    minutes = texts.plain(language, "report.file_column_minutes")
    return [
        _label(texts, language, "constellation"),
        _label(texts, language, "month"),
        *(_label(texts, language, name) for name in counted_fields()),
        *(
            category.format(category=texts.plain(language, f"category.{kind.value}"))
            for kind in Category
        ),
        *(minutes.format(label=_label(texts, language, name)) for name in MEDIANS),
    ]


def _csv_row(row: Figures) -> list[str]:
    medians: list[float | None] = [getattr(row, name) for name in MEDIANS]
    return [
        _not_a_formula(row.constellation),
        row.first.isoformat(),
        *(shown(name, getattr(row, name)) for name in counted_fields()),
        *(_category_count(row.by_category.get(kind.value, 0)) for kind in Category),
        # Whole minutes: no decimal comma or point to get wrong; empty when unknown or hidden.
        *("" if value is None else str(round(value)) for value in medians),
    ]


def _not_a_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


# -- the chart ---------------------------------------------------------------------------------


def chart_png(report: Report, texts: Translator, language: str) -> tuple[bytes, str]:
    """The months side by side as a square PNG for a phone, and a caption (plain text, not
    HTML: send it without a parse mode) with the same numbers for who does not read charts."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    months = _monthly(report)
    title = file_title(report, texts, language)
    inches = PNG_SIZE / PNG_DPI
    figure = Figure(figsize=(inches, inches), dpi=PNG_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(
        "\n".join(_wrap(_drawable(title), 26, PNG_SIZE * 0.9 * POINTS / PNG_DPI, bold=True)),
        fontsize=26,
        fontweight="bold",
        parse_math=False,
    )
    axes = figure.add_subplot()
    _draw_bars(axes, months, texts, language, font=22, span=0.9 * PNG_SIZE / PNG_DPI * POINTS)
    figure.legend(loc="outside lower center", ncols=2, fontsize=20, frameon=False)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return out.getvalue(), _caption(title, months, texts, language)


def _draw_bars(
    axes: Axes,
    months: list[tuple[date, dict[str, int]]],
    texts: Translator,
    language: str,
    *,
    font: float,
    span: float,
) -> None:
    """Grouped bars, one group per month; a hidden count is a bar of 0 with "<3" above it.
    ``span`` is about how wide the axes are, in points: the labels fit the bars' width."""
    from matplotlib.ticker import MaxNLocator

    count = len(months)
    width = 0.8 / len(CHART)
    # "<3" turned upright is about 0.8 em wide; a bar's width in points is span * width / count.
    value_font = min(font * 0.75, span * width / max(count, 1) / 0.8)
    font = min(font, span / max(count, 1) / 2.2)  # "sep" fits its month's room
    tallest = max(
        (values[name] for _, values in months for name in CHART if not hidden(name, values[name])),
        default=0,
    )
    for index, (name, colour) in enumerate(zip(CHART, COLOURS, strict=True)):
        xs = [m + (index - (len(CHART) - 1) / 2) * width for m in range(count)]
        values = [month[name] for _, month in months]
        heights = [0 if hidden(name, value) else value for value in values]
        axes.bar(xs, heights, width, color=colour, label=_label(texts, language, name))
        for x, value in zip(xs, values, strict=True):
            if hidden(name, value):
                axes.annotate(
                    shown(name, value),
                    (x, 0),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=value_font,
                    rotation=90,  # upright it is wider than its bar, and runs into the next
                )
    labels = _month_labels(language, [first for first, _ in months], "\n")
    axes.set_xticks(range(count), labels, fontsize=font)
    axes.tick_params(axis="y", labelsize=font * 0.9)
    axes.tick_params(axis="x", length=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(-0.5, max(count, 1) - 0.5)
    axes.set_ylim(0, max(tallest * 1.12, 4))  # room above for a "<3"
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _caption(
    title: str, months: list[tuple[date, dict[str, int]]], texts: Translator, language: str
) -> str:
    """The title, one line per month, and why "<3" when it is there; within the limit."""
    template = texts.plain(language, "report.file_caption_month")
    feedback = texts.plain(language, "report.file_caption_feedback")
    labels = _month_labels(language, [first for first, _ in months], " ")
    lines = []
    for label, (_, values) in zip(labels, months, strict=True):
        lines.append(
            template.format(
                month=label,
                requests=counted(
                    texts, language, "report.count_requests", "requests", values["requests"]
                ),
                taken_on=shown("taken_on", values["taken_on"]),
                coming=shown("families_coming", values["families_coming"]),
                planned=counted(
                    texts,
                    language,
                    "report.count_sleepover_nights",
                    "nights_planned",
                    values["nights_planned"],
                ),
                emergency=shown("nights_emergency", values["nights_emergency"]),
            )
            + (
                feedback.format(
                    good=shown("feedback_good", values["feedback_good"]),
                    okay=shown("feedback_okay", values["feedback_okay"]),
                    hard=shown("feedback_hard", values["feedback_hard"]),
                )
                if any(values[name] for name in FEEDBACK)
                else ""
            )
        )
    hides = any(hidden(name, v) for _, values in months for name, v in values.items())
    footnote = [texts.plain(language, "report.file_footnote")] if hides else []
    # The months that fit, in order; a "…" says that more are in the spreadsheet.
    budget = CAPTION_LIMIT - sum(units(line) + 1 for line in [title, *footnote])
    kept: list[str] = []
    for index, line in enumerate(lines):
        reserve = 0 if index == len(lines) - 1 else units("…") + 1
        if units(line) + 1 + reserve > budget:
            kept.append("…")
            break
        kept.append(line)
        budget -= units(line) + 1
    return "\n".join([title, *kept, *footnote])


# -- the page ----------------------------------------------------------------------------------


def pdf_file(report: Report, texts: Translator, language: str) -> bytes:
    """One A4 page for a council memo: title, key figures, the chart, the definitions, and
    the footnote when something is "<3"; text as text (it can be searched and copied)."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf

    figure = page(report, texts, language)
    FigureCanvasPdf(figure)
    out = io.BytesIO()
    # No dates or program names: the same report gives the same bytes.
    metadata = {"Title": file_title(report, texts, language), "Creator": None}
    metadata |= {"Producer": None, "CreationDate": None}
    figure.savefig(out, format="pdf", metadata=metadata)
    return out.getvalue()


def page(report: Report, texts: Translator, language: str) -> Figure:
    """The PDF's page as a matplotlib Figure (A4), laid out top to bottom; the chart takes
    the height the text leaves."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=A4)
    sheet = _Sheet(figure)
    width = sheet.width - 2 * MARGIN
    column = (width - 24) / 2
    title = _wrap(_drawable(file_title(report, texts, language)), 16, width, bold=True)
    for line in title:
        sheet.line(MARGIN, line, 16, bold=True)
    sheet.skip(8)
    sheet.line(MARGIN, texts.plain(language, "report.file_key_figures"), 11, bold=True)
    sheet.skip(2)
    left, right = _key_figures(report.total, texts, language)
    top = sheet.y
    for x, rows in ((MARGIN, left), (MARGIN + column + 24, right)):
        sheet.y = top
        for label, value in rows:
            sheet.row(x, column, label, value, 9)
    sheet.y = top + 12.5 * max(len(left), len(right))
    for line in _wrap(_categories(report.total, texts, language), 9, width):
        sheet.line(MARGIN, line, 9)

    # Below the chart, from the bottom up: the definitions and the footnote.
    definitions = _definitions(texts, language, column)
    months = _monthly(report)
    footnote = (
        _wrap(texts.plain(language, "report.file_footnote"), 8, width)
        if _page_hides(report.total, months)
        else []
    )
    below = 19 + 9.0 * max(len(lines) for lines in definitions) + (4 + 11.0 * len(footnote))
    chart_top, chart_bottom = sheet.y + 14, sheet.height - MARGIN - below - 10
    _page_chart(figure, sheet, chart_top, chart_bottom, months, texts, language)

    sheet.y = chart_bottom + 10
    sheet.line(MARGIN, texts.plain(language, "report.file_definitions"), 11, bold=True)
    sheet.skip(4)
    top = sheet.y
    for x, lines in zip((MARGIN, MARGIN + column + 24), definitions, strict=True):
        sheet.y = top
        for line in lines:
            sheet.line(x, line, 7, step=9.0)
    sheet.y = top + 9.0 * max(len(lines) for lines in definitions) + 4
    for line in footnote:
        sheet.line(MARGIN, line, 8, step=11.0, style="italic")
    return figure


def _page_hides(total: Figures, months: list[tuple[date, dict[str, int]]]) -> bool:
    """Whether the page shows a "<3" (its key figures or its chart), to say why."""
    return (
        any(hidden(name, getattr(total, name)) for name in counted_fields())
        or any(_category_count(count) != str(count) for count in total.by_category.values())
        or any(hidden(name, values[name]) for _, values in months for name in CHART)
    )


class _Sheet:
    """Writes lines down a page; positions in points from the top left."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.width, self.height = A4[0] * POINTS, A4[1] * POINTS
        self.y = MARGIN

    def skip(self, points: float) -> None:
        self.y += points

    def line(
        self,
        x: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        step: float | None = None,
        style: str = "normal",
    ) -> None:
        self.put(x, text, size, bold=bold, style=style)
        self.y += step if step is not None else size * 1.35

    def row(self, x: float, width: float, label: str, value: str, size: float) -> None:
        """A label on the left and its value right-aligned, on one line (smaller if needed)."""
        while size > 6 and _text_width(f"{label}  {value}", size) > width:
            size -= 0.5
        self.put(x, label, size)
        self.put(x + width, value, size, ha="right")
        self.y += 12.5

    def put(
        self,
        x: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        style: str = "normal",
        ha: str = "left",
    ) -> None:
        self.figure.text(
            x / self.width,
            1 - self.y / self.height,
            text,
            fontsize=size,
            fontweight="bold" if bold else "normal",
            fontstyle=style,
            ha=ha,
            va="top",
            parse_math=False,  # a "$" in a name is a dollar, not the start of a formula
        )


def _page_chart(
    figure: Figure,
    sheet: _Sheet,
    top: float,
    bottom: float,
    months: list[tuple[date, dict[str, int]]],
    texts: Translator,
    language: str,
) -> None:
    """The chart between ``top`` and ``bottom`` (points from the top): legend, bars, months."""
    legend, ticks = 30.0, 28.0 if len({first.year for first, _ in months}) > 1 else 16.0
    x0, x1 = MARGIN + 28, sheet.width - MARGIN
    axes = figure.add_axes(
        (
            x0 / sheet.width,
            1 - (bottom - ticks) / sheet.height,
            (x1 - x0) / sheet.width,
            (bottom - ticks - top - legend) / sheet.height,
        )
    )
    _draw_bars(axes, months, texts, language, font=9, span=x1 - x0)
    axes.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=3,
        fontsize=8,
        frameon=False,
        borderaxespad=0.3,
    )


def _key_figures(
    figures: Figures, texts: Translator, language: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The period's figures as (label, value): help requests left, the rest right."""

    def count(name: str) -> tuple[str, str]:
        return _label(texts, language, name), shown(name, getattr(figures, name))

    def minutes(name: str) -> tuple[str, str]:
        return _label(texts, language, name), _duration(texts, language, getattr(figures, name))

    left = [
        count("requests"),
        count("urgent"),
        count("taken_on"),
        minutes("take_on_median"),
        minutes("take_on_p90"),
        count("helped"),
        count("partly"),
        count("not_needed"),
        count("expired"),
        count("withdrawn"),
        count("escalated_hubhome"),
        count("escalated_liaison"),
        count("line_conversations"),
        count("line_messages"),
    ]
    right = [
        count("meetups_held"),
        count("activities_held"),
        count("families_coming"),
        count("children_at_activities"),
        count("nights_planned"),
        count("nights_emergency"),
        count("sleepovers_declined"),
        count("sleepovers_unanswered"),
        minutes("emergency_answer_median"),
        count("feedback_good"),
        count("feedback_okay"),
        count("feedback_hard"),
        count("families"),
        count("families_linked"),
        count("families_active"),
    ]
    return left, right


def _categories(figures: Figures, texts: Translator, language: str) -> str:
    """ "Per soort: Oppas 4 · Vervoer <3" (the kinds asked for; "—" when none)."""
    parts = [
        f"{texts.plain(language, f'category.{kind.value}')} "
        f"{_category_count(figures.by_category.get(kind.value, 0))}"
        for kind in Category
        if figures.by_category.get(kind.value, 0)
    ]
    return f"{_label(texts, language, 'by_category')}: {' · '.join(parts) or '—'}"


# The definitions, in the order of bot.figures (the README lists the same).
DEFINED = (
    "requests",
    "by_category",
    "urgent",
    "taken_on",
    "take_on_median",
    "take_on_p90",
    "helped",
    "partly",
    "not_needed",
    "expired",
    "withdrawn",
    "escalated_hubhome",
    "escalated_liaison",
    "line_conversations",
    "line_messages",
    "meetups_held",
    "activities_held",
    "families_coming",
    "children_at_activities",
    "nights_planned",
    "nights_emergency",
    "sleepovers_declined",
    "sleepovers_unanswered",
    "emergency_answer_median",
    "feedback",
    "families",
    "families_linked",
    "families_active",
)


def _definitions(texts: Translator, language: str, width: float) -> list[list[str]]:
    """ "Label: what it counts", wrapped to ``width``, in two columns of about equal length."""
    entries = [
        _wrap(
            f"{_label(texts, language, name)}: {texts.plain(language, f'report.def_{name}')}",
            7,
            width,
            indent="   ",
        )
        for name in DEFINED
    ]
    total = sum(len(lines) for lines in entries)
    split, used = len(entries), 0
    for index, lines in enumerate(entries):
        if used + len(lines) / 2 >= total / 2:
            split = index
            break
        used += len(lines)
    return [
        [line for lines in entries[:split] for line in lines],
        [line for lines in entries[split:] for line in lines],
    ]


# -- text that fits ----------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _advance(char: str, bold: bool) -> float:
    """How far one character moves the pen, in points at a size of 1 (unhinted, as in the
    PDF). Per character, because measuring whole lines with FreeType costs ~2 ms each."""
    from matplotlib.font_manager import FontProperties, findfont, get_font
    from matplotlib.ft2font import LoadFlags

    # get_font keeps one font object per thread: measuring never races a drawing.
    font = get_font(findfont(FontProperties(weight="bold" if bold else "normal")))
    font.set_size(100, POINTS)
    glyph = font.load_char(ord(char), flags=LoadFlags.NO_HINTING)
    return glyph.linearHoriAdvance / 65536 / 100


def _text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width in points of one line in matplotlib's own font (DejaVu Sans)."""
    return size * sum(_advance(char, bold) for char in text)


def _wrap(
    text: str, size: float, width: float, *, bold: bool = False, indent: str = ""
) -> list[str]:
    """``text`` in lines no wider than ``width`` points; a word wider than that is broken."""
    width *= 0.98  # room for kerning, which the measure leaves out
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else (indent if lines else "") + word
        if current and _text_width(candidate, size, bold=bold) > width:
            lines.append(current)
            candidate = indent + word
        current = candidate
        while _text_width(current, size, bold=bold) > width and len(current) > len(indent) + 1:
            cut = len(current) - 1
            while cut > len(indent) + 1 and _text_width(current[:cut], size, bold=bold) > width:
                cut -= 1
            lines.append(current[:cut])
            current = indent + current[cut:]
    if current.strip():
        lines.append(current)
    return lines


@cache
def _characters() -> frozenset[int]:
    from matplotlib.font_manager import FontProperties, findfont, get_font

    return frozenset(get_font(findfont(FontProperties())).get_charmap())


def _drawable(text: str) -> str:
    """``text`` without what the font cannot draw (emoji in a name): no boxes, no warnings."""
    known = _characters()
    kept = "".join(char for char in text if ord(char) in known or char.isspace())
    return " ".join(kept.split())
