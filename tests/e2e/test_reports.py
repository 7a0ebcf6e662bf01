"""Reports end to end: known events over two months (with a moved clock), and the exact
figures in the summary, the spreadsheet (parsed back), the PDF (its text) and the chart.

Scene's "now" is Sunday 22 November 2026, 10:00 in Amsterdam. December and January get the
events; the report is asked in February 2027.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import struct
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader

from bot.clock import FakeClock
from bot.simulator.world import SimUser
from tests.e2e.conftest import Scene


def clock_of(scene: Scene) -> FakeClock:
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    return clock


async def go_to(scene: Scene, moment: datetime) -> None:
    """Move the clock to ``moment`` (UTC) and let the bot do what fell due."""
    clock = clock_of(scene)
    clock.advance(moment - clock.now())
    await scene.bot.tick()


def stored(scene: Scene, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return list(db.execute(sql))


async def answer_feedback(scene: Scene, family: SimUser, answer: int) -> None:
    """The family presses an answer (0 good, 1 okay, 2 hard) on their last "Hoe ging het?"."""
    question = [
        message
        for message in scene.sim.bot_messages(scene.private(family))
        if message.plain_text.startswith(("🛏️ Hoe ging het logeren", "🛏️ How did the sleepover"))
    ][-1]
    await scene.press(family, question, question.button_texts[0][answer])


async def seed(scene: Scene) -> None:
    """December: three requests taken on after 30, 60 and 90 minutes, all helped; four
    private-line messages from two families; two activities with both families; three
    planned nights and one emergency night, each stay "😊 Goed" the morning after.
    January: one request that expires; one planned night, "😟 Moeilijk"."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert, scene.liaison))
    hub = scene.private(scene.hubhome)
    await go_to(scene, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # Tuesday 10:00
    for minutes, (who, text) in zip(
        (30, 60, 90),
        (
            (scene.anna, "/hulpvraag #oppas Wie kan vrijdagavond oppassen?"),
            (scene.bert, "/hulpvraag #vervoer Who can drive to school tomorrow?"),
            (scene.anna, "/hulpvraag #oppas Oppas gezocht voor zaterdag"),
        ),
        strict=True,
    ):
        await scene.say(who, scene.group, text)
        number = stored(scene, "SELECT MAX(number) FROM help_requests")[0][0]
        clock_of(scene).advance(timedelta(minutes=minutes))
        await scene.say(scene.hubhome, scene.group, f"/ikhelp {number}")
        await scene.say(scene.hubhome, scene.group, f"/klaar {number} geholpen")
        clock_of(scene).advance(timedelta(minutes=-minutes))
    await scene.say(scene.anna, scene.private(scene.anna), "/hubhomeprive")
    for who, text in (
        (scene.anna, "Mag ik iets vragen?"),
        (scene.anna, "Het gaat om school."),
        (scene.bert, "Hi Hanneke, a quick question."),
        (scene.anna, "Dank je!"),
    ):
        await scene.say(who, scene.private(who), text)
    for day in ("za 5 dec 14:00", "za 12 dec 14:00"):
        await scene.say(scene.hubhome, scene.group, f"/activiteit {day} | Zwemmen")
        card = scene.last(scene.group)
        await scene.press(scene.anna, card, "✅ Ik kom")
        if day.startswith("za 5"):  # on the 12th, her one child is remembered
            await scene.press(scene.anna, card, "➕ kind")
        await scene.press(scene.bert, card, "✅ Ik kom")
    for text in ("/logeren vr 18 dec - zo 20 dec | 1 kind", "/logeren za 19 dec | 1 kind"):
        family = scene.anna if "vr 18" in text else scene.bert
        await scene.say(family, scene.private(family), text)
        preview = scene.last(scene.private(family))
        await scene.press(family, preview, preview.button_texts[0][0])
        await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    await go_to(scene, datetime(2026, 12, 22, 21, 0, tzinfo=UTC))  # Tuesday 22:00
    await answer_feedback(scene, scene.anna, 0)  # both went home on Sunday the 20th
    await answer_feedback(scene, scene.bert, 0)
    await scene.say(scene.anna, scene.private(scene.anna), "/logeren nu 1")
    clock_of(scene).advance(timedelta(minutes=5))
    await scene.press(scene.hubhome, scene.last(hub), "✅ Ja, kom maar")
    await go_to(scene, datetime(2026, 12, 23, 11, 0, tzinfo=UTC))
    await answer_feedback(scene, scene.anna, 0)  # the emergency, home on the 23rd
    await go_to(scene, datetime(2027, 1, 12, 9, 0, tzinfo=UTC))
    await scene.say(scene.bert, scene.group, "/hulpvraag #advies #vandaag A question about forms")
    await scene.say(scene.bert, scene.private(scene.bert), "/logeren za 16 jan | 1 kind")
    preview = scene.last(scene.private(scene.bert))
    await scene.press(scene.bert, preview, preview.button_texts[0][0])
    await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    await go_to(scene, datetime(2027, 1, 18, 9, 0, tzinfo=UTC))
    await answer_feedback(scene, scene.bert, 2)
    await go_to(scene, datetime(2027, 2, 2, 9, 0, tzinfo=UTC))


async def test_the_figures_of_two_months_in_every_format(scene: Scene) -> None:
    await seed(scene)
    chat = scene.private(scene.liaison)
    await scene.say(scene.liaison, chat, "/rapport dec - jan")
    photo_message, summary = scene.sim.bot_messages(chat)[-2:]
    lines = summary.plain_text.splitlines()
    assert lines[0] == "📊 Rapport De Linde — dec 2026 – jan 2027"
    assert lines[1] == "🙋 Hulpvragen: 4 (0 dringend) · opgepakt 3 · mediaan 1 uur"
    assert lines[2] == ("    geholpen 3 · deels 0 · niet nodig 0 · verlopen <3 · ingetrokken 0")
    assert lines[4] == "💬 Privélijn: <3 gesprekken · 4 berichten"
    assert lines[5] == "☕ Bijeenkomsten 0 · 🎈 activiteiten 2 · 4× ik kom · <3 kinderen"
    assert lines[6].startswith("🛏️ Logeren: 4 nachten gepland · <3 nood")
    assert lines[7] == "    hoe ging het: 😊 3 · 😐 0 · 😟 <3"  # one "Moeilijk": "<3"
    assert lines[8] == "👪 Gezinnen: 3 · gekoppeld 2 · actief <3"  # Sandra, the admin, too
    assert lines[-1].startswith("<3: een aantal van 1 of 2")
    # The chart: a PNG with the numbers in its caption.
    photo = photo_message.extra["photo"][-1]
    image = scene.sim.file_content(photo["file_id"])
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", image[16:24])
    assert (width, height) == (1080, 1080)
    assert photo_message.caption is not None
    assert photo_message.caption.splitlines()[1:3] == [
        "dec 2026: 3 hulpvragen, 3 opgepakt, 4× ik kom, 3 logeernachten, <3 nood,"
        " hoe ging het: 😊 3 😐 0 😟 0",
        "jan 2027: <3 hulpvragen, 0 opgepakt, 0× ik kom, <3 logeernachten, 0 nood,"
        " hoe ging het: 😊 0 😐 0 😟 <3",
    ]
    # The spreadsheet, parsed back.
    await scene.press(scene.liaison, summary, "📑 Spreadsheet")
    document = scene.last(chat)
    assert document.document is not None
    data = scene.sim.file_content(document.document["file_id"])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [row[:2] for row in rows] == [
        ["Constellatie", "Maand"],
        ["De Linde", "2026-12-01"],
        ["De Linde", "2027-01-01"],
    ]
    header = rows[0]
    december = dict(zip(header, rows[1], strict=True))
    january = dict(zip(header, rows[2], strict=True))
    assert {
        name: december[name]
        for name in (
            "Hulpvragen",
            "Opgepakt",
            "Geholpen",
            "Privélijn: gesprekken",
            "Privélijn: berichten",
            "Kinderactiviteiten",
            "Gezinnen die komen",
            "Kinderen bij activiteiten",
            "Logeernachten gepland",
            "Noodlogeernachten",
            "Hoe ging het: goed",
            "Hoe ging het: ging wel",
            "Hoe ging het: moeilijk",
            "Hulpvragen: Oppas",
            "Tijd tot opgepakt (mediaan), minuten",
            "Tijd tot opgepakt (90%), minuten",
        )
    } == {
        "Hulpvragen": "3",
        "Opgepakt": "3",
        "Geholpen": "3",
        "Privélijn: gesprekken": "<3",
        "Privélijn: berichten": "4",
        "Kinderactiviteiten": "2",
        "Gezinnen die komen": "4",
        "Kinderen bij activiteiten": "<3",
        "Logeernachten gepland": "3",
        "Noodlogeernachten": "<3",
        "Hoe ging het: goed": "3",
        "Hoe ging het: ging wel": "0",
        "Hoe ging het: moeilijk": "0",
        "Hulpvragen: Oppas": "<3",
        "Tijd tot opgepakt (mediaan), minuten": "60",
        "Tijd tot opgepakt (90%), minuten": "90",
    }
    assert (january["Hulpvragen"], january["Verlopen"], january["Opgepakt"]) == ("<3", "<3", "0")
    assert [january[f"Hoe ging het: {answer}"] for answer in ("goed", "ging wel", "moeilijk")] == [
        "0",
        "0",
        "<3",
    ]
    # The PDF: one page, its text.
    await scene.press(scene.liaison, summary, "📄 PDF")
    pdf_file = scene.last(chat).document
    assert pdf_file is not None
    pdf = PdfReader(io.BytesIO(scene.sim.file_content(pdf_file["file_id"])))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    for expected in (
        "Constellatie De Linde — dec 2026 – jan 2027",
        "Hulpvragen 4",
        "Opgepakt 3",
        "Tijd tot opgepakt (mediaan) 1 uur",
        "Logeernachten gepland 4",
        "Noodlogeernachten <3",
        "Hoe ging het: goed 3",
        "Hoe ging het: ging wel 0",
        "Hoe ging het: moeilijk <3",
        "Wat de cijfers tellen",
        "Hoe ging het: de antwoorden van gezinnen na het logeren",
    ):
        assert expected in text


async def test_members_are_refused_and_the_group_gets_a_pointer(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna,))
    await scene.say(scene.anna, scene.private(scene.anna), "/rapport")
    assert scene.last(scene.private(scene.anna)).plain_text.startswith(
        "De cijfers zijn voor het kerngezin, de contactpersoon en de beheerders"
    )
    await scene.say(scene.hubhome, scene.group, "/rapport")
    assert scene.last(scene.group).plain_text == (
        "📊 Rapporten vraag je privé bij mij op, niet in de groep."
    )
    # A forged press for the figures: refused too.
    assert (
        await scene.forge(
            scene.anna, scene.last(scene.private(scene.anna)), "rep:v1:show:1:202611:202611"
        )
        == "Deze cijfers zijn niet voor jou (meer)."
    )


async def test_the_monthly_report_comes_once_even_across_a_restart(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.liaison))
    await go_to(scene, datetime(2026, 12, 1, 7, 59, tzinfo=UTC))  # 08:59 local
    chat = scene.private(scene.liaison)
    before = len(scene.bot_texts(chat))
    assert len(scene.bot_texts(chat)) == before
    await go_to(scene, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))  # 09:00: through the job queue
    assert scene.last(chat).plain_text.startswith("📊 Rapport De Linde — november 2026")
    assert len(scene.bot_texts(scene.private(scene.hubhome))) > 0
    await scene.bot.restart()
    await go_to(scene, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    reports = [t for t in scene.bot_texts(chat) if t.startswith("📊 Rapport")]
    assert len(reports) == 1
    # Turned off, January's does not come.
    await scene.say(scene.liaison, chat, "/rapport maandelijks uit")
    await go_to(scene, datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    assert [t for t in scene.bot_texts(chat) if t.startswith("📊 Rapport")] == reports
    assert scene.bot_texts(scene.private(scene.hubhome))[-1].startswith(
        "📊 Rapport De Linde — december 2026"
    )


async def test_an_operator_sees_every_constellation(scene: Scene) -> None:
    await scene.with_roles()
    await scene.another_constellation("De Eik", [scene.anna])
    chat = scene.private(scene.operator)
    await scene.say(scene.operator, chat, "/rapport")
    summary = scene.last(chat).plain_text.splitlines()
    assert summary[0].startswith("📊 Alle constellaties (2)")
    assert any(line.startswith("• De Linde:") for line in summary)
    assert any(line.startswith("• De Eik:") for line in summary)


async def test_an_operator_sees_the_answers_of_every_constellation_added_up(scene: Scene) -> None:
    await seed(scene)
    cor = scene.sim.add_user("Cor", language_code="nl")
    other = await scene.another_constellation("De Eik", [scene.hubhome, cor])
    hello = await scene.say(scene.hubhome, other, "hoi")
    await scene.say(scene.admin, other, "/kerngezin", reply_to=hello)
    await scene.say(cor, other, "Hallo allemaal")
    await scene.say(cor, scene.private(cor), "/start")
    await scene.say(cor, scene.private(cor), "/logeren za 6 feb | 1 kind")
    preview = scene.last(scene.private(cor))
    await scene.press(cor, preview, preview.button_texts[0][0])
    await scene.press(scene.hubhome, scene.last(scene.private(scene.hubhome)), "✅ Bevestigen")
    await go_to(scene, datetime(2027, 2, 7, 11, 0, tzinfo=UTC))
    await answer_feedback(scene, cor, 0)  # De Eik's one answer, alone "<3"
    chat = scene.private(scene.operator)
    await scene.say(scene.operator, chat, "/rapport dec - feb")
    photo_message, summary = scene.sim.bot_messages(chat)[-2:]
    lines = summary.plain_text.splitlines()
    assert lines[0] == "📊 Alle constellaties (2) — dec 2026 – feb 2027"
    assert lines[7] == "    hoe ging het: 😊 4 · 😐 0 · 😟 <3"  # De Linde's 3 and De Eik's 1
    assert photo_message.caption is not None
    assert photo_message.caption.splitlines()[3].endswith(", hoe ging het: 😊 <3 😐 0 😟 0")
    await scene.press(scene.operator, summary, "📑 Spreadsheet")
    document = scene.last(chat).document
    assert document is not None
    data = scene.sim.file_content(document["file_id"]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    good = rows[0].index("Hoe ging het: goed")
    assert {(row[0], row[1]): row[good] for row in rows[1:]} == {
        ("De Linde", "2026-12-01"): "3",
        ("De Linde", "2027-01-01"): "0",
        ("De Linde", "2027-02-01"): "0",
        ("De Eik", "2026-12-01"): "0",
        ("De Eik", "2027-01-01"): "0",
        ("De Eik", "2027-02-01"): "<3",
    }
    assert stored(scene, "SELECT month, answer, count FROM sleepover_feedback ORDER BY 1, 2") == [
        ("2026-12", "good", 3),
        ("2027-01", "hard", 1),
        ("2027-02", "good", 1),
    ]
