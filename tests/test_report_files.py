"""The report's files: the spreadsheet Dutch Excel opens as it is, the chart a phone shows,
the one A4 page for a council memo; a 1 or a 2 from families is "<3" in every one of them,
and a hidden value is never drawn."""

from __future__ import annotations

import csv
import io
import struct
import subprocess
import sys
from dataclasses import replace
from datetime import date
from itertools import combinations
from typing import Any

import pytest
from matplotlib.backends.backend_pdf import PdfFile, RendererPdf
from matplotlib.transforms import Bbox
from pypdf import PdfReader

from bot.figures import Figures, Report, add_months, protect
from bot.i18n import Translator, units
from bot.views.report_files import (
    A4,
    CAPTION_LIMIT,
    MARGIN,
    PNG_SIZE,
    chart_png,
    csv_file,
    page,
    pdf_file,
)

NAME = "De Linde"


@pytest.fixture(scope="module")
def texts() -> Translator:
    return Translator()


def month(first: date, **counts: Any) -> Figures:
    return Figures(1, NAME, first, first, **counts)


# January to April 2026; February is a quiet month: its 1s and 2s must never show.
MONTHS = (
    month(
        date(2026, 1, 1),
        requests=12,
        by_category={"babysitting": 5, "transport": 7},
        urgent=3,
        taken_on=9,
        take_on_median=47.4,
        take_on_p90=130.0,
        helped=6,
        families_coming=14,
        nights_planned=6,
        nights_emergency=3,
        families=11,
        families_linked=9,
        families_active=8,
    ),
    month(
        date(2026, 2, 1),
        requests=2,
        by_category={"advice": 2},
        urgent=1,
        taken_on=1,
        families_coming=7,
        nights_emergency=1,
        sleepovers_declined=2,
        families=11,
        families_linked=9,
        families_active=2,
    ),
    month(
        date(2026, 3, 1),
        requests=20,
        by_category={"babysitting": 8, "transport": 9, "other": 3},
        taken_on=18,
        take_on_median=30.0,
        take_on_p90=95.5,
        helped=15,
        partly=3,
        families_coming=22,
        children_at_activities=9,
        meetups_held=2,
        activities_held=1,
        nights_planned=10,
        nights_emergency=4,
        emergency_answer_median=12.2,
        families=12,
        families_linked=10,
        families_active=10,
    ),
    month(
        date(2026, 4, 1),
        requests=8,
        by_category={"babysitting": 8},
        taken_on=8,
        take_on_median=20.0,
        take_on_p90=60.0,
        families_coming=11,
        nights_planned=4,
        families=12,
        families_linked=10,
        families_active=9,
    ),
)
TOTAL = Figures(
    1,
    NAME,
    date(2026, 1, 1),
    date(2026, 4, 1),
    requests=42,
    by_category={"babysitting": 21, "transport": 16, "advice": 2, "other": 3},
    urgent=4,
    taken_on=36,
    take_on_median=31.0,
    take_on_p90=1562.0,
    helped=21,
    partly=2,  # hidden
    not_needed=5,
    expired=3,
    withdrawn=4,
    escalated_hubhome=6,
    escalated_liaison=1,  # hidden
    line_conversations=9,
    line_messages=45,
    meetups_held=2,
    activities_held=1,
    families_coming=54,
    children_at_activities=9,
    nights_planned=20,
    nights_emergency=8,
    sleepovers_declined=2,  # hidden
    sleepovers_unanswered=0,
    emergency_answer_median=None,
    families=12,
    families_linked=10,
    families_active=11,
)
REPORT = Report(NAME, date(2026, 1, 1), date(2026, 4, 1), TOTAL, MONTHS)


def quiet(report: Report) -> Report:
    """The same months with nothing small in them."""
    months = tuple(
        replace(row, requests=5, urgent=0, taken_on=5, nights_emergency=0, families_active=5)
        for row in report.months
        if row.first != date(2026, 2, 1)
    )
    total = replace(report.total, partly=0, escalated_liaison=0, sleepovers_declined=0)
    total = replace(total, by_category={"babysitting": 21})
    return replace(report, months=months, total=total)


# -- the spreadsheet ---------------------------------------------------------------------------


def parsed(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_spreadsheet_is_what_dutch_excel_opens(texts: Translator) -> None:
    data = csv_file(REPORT, texts, "nl")
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8, "é" stays "é"
    lines = data.split(b"\r\n")
    assert len(lines) == 1 + len(MONTHS) + 1 and lines[-1] == b""
    assert b"\n" not in b"".join(lines)  # every line ends in CRLF, none in a bare LF
    header = data.decode("utf-8-sig").split("\r\n")[0].split(";")
    assert header[:5] == ["Constellatie", "Maand", "Hulpvragen", "Dringend", "Opgepakt"]
    assert "Privélijn: berichten" in header
    assert header[-10:] == [
        "Hulpvragen: Oppas",
        "Hulpvragen: Logeren",
        "Hulpvragen: Vervoer",
        "Hulpvragen: Advies",
        "Hulpvragen: Even praten",
        "Hulpvragen: Spullen",
        "Hulpvragen: Overig",
        "Tijd tot opgepakt (mediaan), minuten",
        "Tijd tot opgepakt (90%), minuten",
        "Antwoordtijd nood (mediaan), minuten",
    ]
    assert header[header.index("Logeervragen onbeantwoord") + 1 :][:3] == [
        "Hoe ging het: goed",
        "Hoe ging het: ging wel",
        "Hoe ging het: moeilijk",
    ]
    assert len(header) == 2 + 26 + 7 + 3


def test_the_spreadsheet_has_the_exact_cells(texts: Translator) -> None:
    january, february, march, april = parsed(csv_file(REPORT, texts, "nl"))
    assert [row["Maand"] for row in (january, february, march, april)] == [
        "2026-01-01",  # an ISO date: Excel makes it a date, not text
        "2026-02-01",
        "2026-03-01",
        "2026-04-01",
    ]
    assert january["Constellatie"] == NAME
    assert january["Hulpvragen"] == "12"
    assert january["Dringend"] == "3"
    assert january["Opgepakt"] == "9"
    assert january["Hulpvragen: Oppas"] == "5"
    assert january["Hulpvragen: Vervoer"] == "7"
    assert january["Hulpvragen: Logeren"] == "0"
    assert january["Tijd tot opgepakt (mediaan), minuten"] == "47"
    assert january["Tijd tot opgepakt (90%), minuten"] == "130"
    assert january["Antwoordtijd nood (mediaan), minuten"] == ""  # unknown: an empty cell
    assert january["Gezinnen die komen"] == "14"
    assert january["Gezinnen"] == "11"
    assert march["Deels geholpen"] == "3"  # 3 is shown
    assert march["Antwoordtijd nood (mediaan), minuten"] == "12"
    assert march["Bijeenkomsten"] == "2"  # held meetups point at no family: shown
    assert april["Hulpvragen: Oppas"] == "8"


def test_the_quiet_month_shows_less_than_three_and_never_the_number(
    texts: Translator,
) -> None:
    february = parsed(csv_file(REPORT, texts, "nl"))[1]
    for column in (
        "Hulpvragen",
        "Dringend",
        "Opgepakt",
        "Noodlogeernachten",
        "Logeervragen afgewezen",
        "Gezinnen actief",
        "Hulpvragen: Advies",
    ):
        assert february[column] == "<3", column
    assert february["Gezinnen die komen"] == "7"
    assert february["Deels geholpen"] == "0"  # zero points at nobody
    assert february["Gezinnen"] == "11"  # how many families there are is no family's act
    assert not {"1", "2"} & set(february.values())


def test_the_spreadsheet_in_english(texts: Translator) -> None:
    data = csv_file(REPORT, texts, "en")
    january = parsed(data)[0]
    assert january["Constellation"] == NAME
    assert january["Month"] == "2026-01-01"
    assert january["Help requests"] == "12"
    assert january["Requests: Babysitting"] == "5"
    assert january["Time to take on (median), minutes"] == "47"
    assert parsed(data)[1]["Taken on"] == "<3"


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("https://evil.example";"klik")', "+31 6 1234", "-1+2", "@SUM(A1)"],
)
def test_a_name_is_never_run_as_a_formula(texts: Translator, name: str) -> None:
    report = replace(REPORT, months=(replace(MONTHS[0], constellation=name),))
    assert parsed(csv_file(report, texts, "nl"))[0]["Constellatie"] == "'" + name


def test_separators_quotes_and_newlines_in_a_name_stay_in_their_cell(
    texts: Translator,
) -> None:
    name = 'De "Linde"; Oost\r\nNoord'
    report = replace(REPORT, months=(replace(MONTHS[0], constellation=name),))
    (row,) = parsed(csv_file(report, texts, "nl"))
    assert row["Constellatie"] == name
    assert row["Hulpvragen"] == "12"


def test_the_answers_of_fewer_than_three_families_are_all_less_than_three(
    texts: Translator,
) -> None:
    """Five "Goed" from two families are theirs: "<3", like every other count of theirs."""
    answers = {"feedback_good": 5, "feedback_okay": 0, "feedback_hard": 1}
    few = protect(month(date(2026, 1, 1), families=2, **answers))
    many = protect(month(date(2026, 1, 1), families=3, **answers))
    cells = []
    for figures in (few, many):
        report = Report(NAME, figures.first, figures.first, figures, (figures,))
        (row,) = parsed(csv_file(report, texts, "nl"))
        cells.append([row[f"Hoe ging het: {a}"] for a in ("goed", "ging wel", "moeilijk")])
    assert cells == [["<3", "0", "<3"], ["5", "0", "<3"]]


def test_an_operator_gets_one_row_per_month_per_constellation(texts: Translator) -> None:
    other = tuple(replace(row, constellation_id=2, constellation="Het Anker") for row in MONTHS)
    report = replace(
        REPORT, title="", months=MONTHS + other, total=replace(TOTAL, constellation_id=None)
    )
    rows = parsed(csv_file(report, texts, "nl"))
    assert [(row["Constellatie"], row["Maand"]) for row in rows] == [
        (name, f"2026-0{m}-01") for name in (NAME, "Het Anker") for m in (1, 2, 3, 4)
    ]


# -- the chart ---------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def chart_nl(texts: Translator) -> tuple[bytes, str]:
    return chart_png(REPORT, texts, "nl")


def test_the_chart_is_a_png_a_phone_shows_whole(chart_nl: tuple[bytes, str]) -> None:
    image, _ = chart_nl
    assert png_size(image) == (PNG_SIZE, PNG_SIZE)
    assert b"Software" not in image[:200]  # no version stamp: the same report, the same bytes


def test_the_same_report_draws_the_same_bytes(
    texts: Translator, chart_nl: tuple[bytes, str]
) -> None:
    assert chart_png(REPORT, texts, "nl")[0] == chart_nl[0]


def test_the_caption_says_the_numbers_of_the_chart(chart_nl: tuple[bytes, str]) -> None:
    _, caption = chart_nl
    assert caption.split("\n") == [
        "Constellatie De Linde — jan 2026 – apr 2026",
        "jan: 12 hulpvragen, 9 opgepakt, 14× ik kom, 6 logeernachten, 3 nood",
        "feb: <3 hulpvragen, <3 opgepakt, 7× ik kom, 0 logeernachten, <3 nood",
        "mrt: 20 hulpvragen, 18 opgepakt, 22× ik kom, 10 logeernachten, 4 nood",
        "apr: 8 hulpvragen, 8 opgepakt, 11× ik kom, 4 logeernachten, 0 nood",
        "<3: een aantal van 1 of 2, een soort samengevoegd met een kleine, of een aantal uit "
        "minder dan 3 gezinnen, zodat geen gezin herkenbaar is.",
    ]


def test_the_caption_in_english_without_a_footnote_when_nothing_is_hidden(
    texts: Translator,
) -> None:
    image, caption = chart_png(quiet(REPORT), texts, "en")
    assert png_size(image) == (PNG_SIZE, PNG_SIZE)
    assert caption.split("\n") == [
        "Constellation De Linde — Jan 2026 – Apr 2026",
        "Jan: 5 requests, 5 taken on, 14× coming, 6 sleepover nights, 0 emergency",
        "Mar: 5 requests, 5 taken on, 22× coming, 10 sleepover nights, 0 emergency",
        "Apr: 5 requests, 5 taken on, 11× coming, 4 sleepover nights, 0 emergency",
    ]


def test_a_long_range_keeps_the_caption_within_telegrams_limit(texts: Translator) -> None:
    first = date(2024, 1, 1)
    months = tuple(
        replace(MONTHS[n % 4], first=add_months(first, n), last=add_months(first, n))
        for n in range(36)
    )
    report = replace(REPORT, first=first, last=months[-1].first, months=months)
    _, caption = chart_png(report, texts, "nl")
    lines = caption.split("\n")
    assert units(caption) <= CAPTION_LIMIT
    assert lines[1].startswith("jan 2024: 12 hulpvragen")  # years, as the range spans three
    assert lines[-2] == "…"  # the rest is in the spreadsheet
    assert lines[-1].startswith("<3: een aantal van 1 of 2")


def test_an_operators_chart_adds_the_constellations_up_before_hiding(
    texts: Translator,
) -> None:
    """1 + 1 emergency nights in two constellations is 2: still "<3"; 2 + 2 requests is 4."""
    other = tuple(replace(row, constellation_id=2, constellation="Het Anker") for row in MONTHS)
    rows = (TOTAL, replace(TOTAL, constellation_id=2, constellation="Het Anker"))
    total = replace(TOTAL, constellation_id=None)
    report = Report("", REPORT.first, REPORT.last, total, MONTHS + other, rows)
    _, caption = chart_png(report, texts, "nl")
    assert caption.split("\n")[:3] == [
        "Alle constellaties (2) — jan 2026 – apr 2026",
        "jan: 24 hulpvragen, 18 opgepakt, 28× ik kom, 12 logeernachten, 6 nood",
        "feb: 4 hulpvragen, <3 opgepakt, 14× ik kom, 0 logeernachten, <3 nood",
    ]


def test_a_hidden_value_is_drawn_as_nothing_with_less_than_three_above(
    texts: Translator,
) -> None:
    figure = page(REPORT, texts, "nl")
    (axes,) = figure.axes
    heights = [[bar.get_height() for bar in container] for container in axes.containers]
    assert heights == [
        [12, 0, 20, 8],  # requests: February's 2 is a bar of 0
        [9, 0, 18, 8],  # taken on
        [14, 7, 22, 11],  # families coming
        [6, 0, 10, 4],  # nights planned: a real 0
        [3, 0, 4, 0],  # emergency nights: February's 1 is a bar of 0
    ]
    above = sorted(text.get_text() for text in axes.texts)
    assert above == ["<3", "<3", "<3"]


# -- the page ----------------------------------------------------------------------------------


def pdf_text(data: bytes) -> tuple[int, str, tuple[float, float]]:
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split()), (float(box.width), float(box.height))


@pytest.fixture(scope="module")
def pdf_nl(texts: Translator) -> bytes:
    return pdf_file(REPORT, texts, "nl")


def test_the_pdf_is_one_a4_page(pdf_nl: bytes) -> None:
    pages, _, size = pdf_text(pdf_nl)
    assert pages == 1
    assert size == pytest.approx((A4[0] * 72, A4[1] * 72), abs=0.5)
    assert b"CreationDate" not in pdf_nl  # the same report gives the same file


def test_the_pdf_says_the_title_key_figures_and_definitions(pdf_nl: bytes) -> None:
    _, text, _ = pdf_text(pdf_nl)
    for expected in (
        "Constellatie De Linde — jan 2026 – apr 2026",
        "Kerncijfers",
        "Hulpvragen 42",
        "Dringend 4",
        "Opgepakt 36",
        "Tijd tot opgepakt (mediaan) 31 minuten",
        "Tijd tot opgepakt (90%) 26 uur Geholpen 21",  # a day or more: whole hours
        "Geholpen 21",
        "Niet meer nodig 5",
        "Naar het kerngezin 6",
        "Privélijn: gesprekken 9",
        "Privélijn: berichten 45",
        "Bijeenkomsten 2",
        "Kinderactiviteiten 1",
        "Gezinnen die komen 54",
        "Kinderen bij activiteiten 9",
        "Logeernachten gepland 20",
        "Noodlogeernachten 8",
        "Logeervragen onbeantwoord 0",
        "Antwoordtijd nood (mediaan) —",
        "Gezinnen 12",
        "Gezinnen gekoppeld 10",
        "Gezinnen actief 11",
        "Per soort: Oppas 21 · Vervoer 16 · Advies <3 · Overig 3",
        "Wat de cijfers tellen",
        "Hulpvragen: hulpvragen gesteld in de periode.",
        "Geholpen: afgerond als geholpen.",
        "Gezinnen gekoppeld: daarvan met een gekoppelde privéchat.",
        "<3: een aantal van 1 of 2, een soort samengevoegd met een kleine, of een aantal uit "
        "minder dan 3 gezinnen, zodat geen gezin herkenbaar is.",
        "jan feb mrt apr",  # the chart's months
    ):
        assert expected in text, expected


def test_the_pdf_never_shows_a_hidden_value(pdf_nl: bytes) -> None:
    _, text, _ = pdf_text(pdf_nl)
    for label in ("Deels geholpen", "Naar de contactpersoon", "Logeervragen afgewezen"):
        assert f"{label} <3" in text
        assert f"{label} 1" not in text and f"{label} 2" not in text
    assert "Advies 2" not in text


def test_the_pdf_in_english(texts: Translator) -> None:
    pages, text, _ = pdf_text(pdf_file(REPORT, texts, "en"))
    assert pages == 1
    for expected in (
        "Constellation De Linde — Jan 2026 – Apr 2026",
        "Key figures",
        "Help requests 42",
        "Time to take on (90%) 26 hours Helped 21",
        "Partly helped <3",
        "Families coming 54",
        "By kind: Babysitting 21 · Transport 16 · Advice <3 · Other 3",
        "What the figures count",
        "Helped: closed as helped.",
        "<3: a count of 1 or 2, a kind merged with a small one, or a count from fewer than 3 "
        "families, so that no family can be recognised.",
    ):
        assert expected in text, expected
    assert "Partly helped 2" not in text


def test_no_footnote_when_the_page_hides_nothing(texts: Translator) -> None:
    _, text, _ = pdf_text(pdf_file(quiet(REPORT), texts, "nl"))
    assert "<3" not in text
    assert "<3: een aantal van 1 of 2" not in text


def test_an_operators_page_is_titled_for_all_constellations(texts: Translator) -> None:
    total = replace(TOTAL, constellation_id=None, constellation="")
    rows = (TOTAL, replace(TOTAL, constellation_id=2, constellation="Het Anker"))
    report = Report("", REPORT.first, REPORT.last, total, MONTHS, rows)
    pages, text, _ = pdf_text(pdf_file(report, texts, "en"))
    assert pages == 1
    assert "All constellations (2) — Jan 2026 – Apr 2026" in text
    given = replace(report, title="Bureau Noord: alle constellaties")
    assert "Bureau Noord: alle constellaties" in pdf_text(pdf_file(given, texts, "nl"))[1]


def extents(figure_language: tuple[Report, Translator, str]) -> tuple[list[Bbox], Bbox]:
    """Where every text and the chart land on the page, in points, as the PDF lays them out."""
    report, texts, language = figure_language
    figure = page(report, texts, language)
    figure.set_dpi(72)  # there are 72 points to an inch in a PDF
    width, height = A4[0] * 72, A4[1] * 72
    pdf = PdfFile(io.BytesIO())  # type: ignore[no-untyped-call]
    renderer = RendererPdf(pdf, 72, height, width)  # type: ignore[no-untyped-call]
    boxes = [text.get_window_extent(renderer) for text in figure.texts if text.get_text()]
    (axes,) = figure.axes
    chart = axes.get_tightbbox(renderer)
    assert chart is not None
    return boxes, chart


@pytest.mark.parametrize("language", ["nl", "en"])
def test_everything_fits_on_the_page_even_with_a_long_name_and_a_long_range(
    texts: Translator, language: str
) -> None:
    name = "Constellatie-met-een-heel-lange-naam $x_1$ 🌳 en nog veel meer woorden erachter"
    first = date(2025, 6, 1)
    months = tuple(
        replace(MONTHS[n % 4], first=add_months(first, n), last=add_months(first, n))
        for n in range(13)
    )
    total = replace(TOTAL, constellation=name[:64], take_on_median=3 * 24 * 60 + 61.0)
    report = Report(name[:64], first, months[-1].first, total, months)
    boxes, chart = extents((report, texts, language))
    page_box = Bbox.from_extents(
        MARGIN - 1, MARGIN - 1, A4[0] * 72 - MARGIN + 1, A4[1] * 72 - MARGIN + 1
    )
    for box in [*boxes, chart]:
        assert page_box.contains(box.x0, box.y0) and page_box.contains(box.x1, box.y1), box
    for one, other in combinations([*boxes, chart], 2):
        assert not overlap(one, other), (one, other)


def overlap(one: Bbox, other: Bbox, slack: float = 0.5) -> bool:
    """Whether two boxes share more than a hair (the ink of a "g" may touch the line below)."""
    across = min(one.x1, other.x1) - max(one.x0, other.x0)
    down = min(one.y1, other.y1) - max(one.y0, other.y0)
    return bool(across > slack and down > slack)


def test_the_bot_starts_without_importing_matplotlib() -> None:
    """matplotlib costs about half a second to import: only a report may pay for it."""
    code = "import sys, bot.app; assert 'matplotlib' not in sys.modules, 'imported'"
    result = subprocess.run(  # noqa: S603 (our own interpreter, a fixed line of code)
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
