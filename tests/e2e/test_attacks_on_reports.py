"""Attacks on reports (issue 18): what a stranger, a curious member or a careless operator
can make ``/rapport`` show or do.

The failing tests are breaks of a promise (README "Reports", issue 18); each says what a
user expects. The passing tests are attacks that held.

Scene's "now" is Sunday 22 November 2026, 10:00 in Amsterdam (09:00 UTC).
"""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

import bot.handlers.reports as report_handlers
from bot.simulator.world import SimChat, SimMessage, SimUser
from tests.e2e.conftest import Scene
from tests.e2e.test_reports import clock_of, go_to, stored


def reports_in(scene: Scene, user: SimUser) -> list[str]:
    """The first line of every report in the person's private chat."""
    return [
        text.splitlines()[0]
        for text in scene.bot_texts(scene.private(user))
        if text.startswith("📊 Rapport")
    ]


def csv_rows(scene: Scene, message: SimMessage) -> list[dict[str, str]]:
    assert message.document is not None
    data = scene.sim.file_content(message.document["file_id"]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def pdf_text(scene: Scene, message: SimMessage) -> str:
    assert message.document is not None
    pdf = PdfReader(io.BytesIO(scene.sim.file_content(message.document["file_id"])))
    return pdf.pages[0].extract_text()


async def ask(scene: Scene, user: SimUser, text: str) -> list[SimMessage]:
    """Send ``text`` in the person's private chat; the bot's messages in answer."""
    chat = scene.private(user)
    before = len(scene.sim.bot_messages(chat))
    await scene.say(user, chat, text)
    return scene.sim.bot_messages(chat)[before:]


async def one_family_constellation(scene: Scene) -> SimChat:
    """ "De Eik": Hanneke hub home, Lotte liaison (and the group's admin, who set it up), and
    one foster family, Anna, who asks three babysitting requests."""
    eik = scene.sim.add_group(
        "Pleeggezinnen De Eik",
        members=[scene.hubhome, scene.anna],
        admins=[scene.liaison],
        creator=scene.liaison,
    )
    await scene.sim.add_bot_to_group(eik, by=scene.liaison, as_admin=True)
    await scene.bot.settle()
    await scene.say(scene.liaison, eik, "/setup De Eik")
    hello = await scene.say(scene.hubhome, eik, "hoi")
    await scene.say(scene.liaison, eik, "/kerngezin", reply_to=hello)
    note = await scene.say(scene.liaison, eik, "hallo allemaal")
    await scene.say(scene.liaison, eik, "/contactpersoon", reply_to=note)
    for text in ("vrijdagavond", "zaterdagmiddag", "zondagochtend"):
        await scene.say(scene.anna, eik, f"/hulpvraag #oppas Oppas gezocht {text}")
    clock_of(scene).advance(timedelta(hours=1))
    return eik


# -- never a family: breaks -------------------------------------------------------------------


async def test_a_constellation_with_one_family_shows_that_familys_own_figures(
    scene: Scene,
) -> None:
    """BREAK. Issue 18: "shows no figure that belongs to one family". De Eik has one foster
    family. Its report says "Gezinnen: 1" and, in the same message, "Hulpvragen: 3" — every
    one of them that family's; the operator's row says the same ("3 hulpvragen · 1
    gezinnen"). A liaison forwarding this to the council expects figures that no longer
    single out a family when the constellation (or the month) has fewer than three families:
    hidden or merged, as the small-number rule promises for a category with one request."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.operator))
    await one_family_constellation(scene)
    # Lotte is liaison of De Linde and of De Eik: the other constellation's button.
    answer = await ask(scene, scene.liaison, "/rapport")
    summary = answer[-1]
    await scene.press(scene.liaison, summary, "🏘️ Andere constellatie")
    await scene.press(scene.liaison, scene.refreshed(summary), "De Eik")
    text = scene.last(scene.private(scene.liaison)).plain_text
    assert text.startswith("📊 Rapport De Eik")
    lines = text.splitlines()
    families = next(line for line in lines if line.startswith("👪"))
    requests = next(line for line in lines if line.startswith("🙋"))
    operator = (await ask(scene, scene.operator, "/rapport"))[-1].plain_text
    row = next(line for line in operator.splitlines() if line.startswith("• De Eik"))
    # As it is: "👪 Gezinnen: 1 · gekoppeld 0 · actief <3" beside "🙋 Hulpvragen: 3 (…)", and
    # the operator's row "• De Eik: 3 hulpvragen · 0 nachten · 1 gezinnen".
    one_family = families.startswith("👪 Gezinnen: 1 ")
    leaks = [
        line
        for line in (requests if one_family else "", row)
        if line.startswith("🙋 Hulpvragen: 3 ")
        or line.endswith(": 3 hulpvragen · 0 nachten · 1 gezinnen")
    ]
    assert not leaks, (families, leaks)


async def test_a_small_category_hidden_as_small_is_given_away_by_its_own_row(
    scene: Scene,
) -> None:
    """BREAK. The README: a count of 1 or 2 is "<3" in every format, and "the rule keeps a
    single report from pointing at a family" (only totals *over periods* may give a hidden
    value away). In one month, four requests: three babysitting, one transport. The CSV's
    one row for that month says Hulpvragen 4, Oppas 3, Vervoer <3 — so Vervoer is 1, in a
    single row, without any other report; the PDF's "Per soort" line beside "Hulpvragen 4"
    the same. The issue names exactly this case ("a category with one request in a month of
    a small constellation") as what must be merged or hidden. A user expects that "<3" cannot
    be undone by subtracting the other cells of the same row."""
    await scene.with_roles(linked=(scene.liaison,))
    for text in (
        "#oppas Oppas vrijdag",
        "#oppas Oppas zaterdag",
        "#oppas Oppas zondag",
        "#vervoer Wie rijdt naar school?",
    ):
        await scene.say(scene.anna, scene.group, f"/hulpvraag {text}")
    clock_of(scene).advance(timedelta(hours=1))
    november = csv_rows(scene, (await ask(scene, scene.liaison, "/rapport csv november"))[-1])[0]
    page = pdf_text(scene, (await ask(scene, scene.liaison, "/rapport pdf november"))[-1])
    shown = (november["Hulpvragen"], november["Hulpvragen: Oppas"], november["Hulpvragen: Vervoer"])
    others = [value for name, value in november.items() if name.startswith("Hulpvragen: ")]
    # As it is: ("4", "3", "<3"), and every other category 0: Vervoer = 4 - 3 = 1.
    worked_out = (
        shown[2] == "<3"
        and shown[0].isdigit()
        and all(v.isdigit() or v == "<3" for v in others)
        and int(shown[0]) - sum(int(v) for v in others if v.isdigit()) == 1
        and others.count("<3") == 1
    )
    assert not worked_out, f"CSV row gives the hidden category away: {shown}"
    assert not ("Hulpvragen 4" in page and "Oppas 3 · Vervoer <3" in page), "the PDF too"


# -- robustness: breaks ------------------------------------------------------------------------


async def test_a_year_far_away_gets_an_apology_for_a_bug_not_an_answer(scene: Scene) -> None:
    """BREAK. A careless liaison types a year wrong: "/rapport 9999-12" or "/rapport 0001-01
    2026-01". The bot crashes (ValueError/OverflowError computing the month bounds) and says
    "Sorry, er ging iets mis aan mijn kant. Probeer het over een paar minuten nog eens." —
    trying again later fails the same way. A user expects the "Welke maanden?" hint (as for
    any range the bot cannot read) or a report clipped to months that exist. (A forged press
    rep:v1:show:<c>:190001:999912, which the button parser accepts, crashes the same way.)"""
    await scene.with_roles(linked=(scene.liaison,))
    for text in ("/rapport 9999-12", "/rapport 0001-01 2026-01"):
        answer = await ask(scene, scene.liaison, text)
        assert answer, text
        assert not answer[-1].plain_text.startswith("Sorry, er ging iets mis"), text


async def test_a_typo_of_a_thousand_years_is_drawn_month_by_month(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BREAK. "/rapport 1026-01 2026-11" (a typo for 2026-01) is taken as asked: 12,011 months,
    one bar group each. Drawn for real that is about 80 s of CPU on this 2-core machine for
    the chart and as much again for the PDF button (a 100-year range already takes ~8 s),
    and for an operator the figures themselves are computed per constellation per month on
    the event loop, where every other chat waits. A user expects such a range to be refused
    or clipped (the chart is promised "readable on a phone"), not a chart of 12,011 months.
    The chart is replaced here by a recorder, so the test itself stays fast."""
    drawn: list[int] = []
    real_chart = report_handlers.chart_png  # type: ignore[attr-defined]

    def recorder(report, texts, language):  # type: ignore[no-untyped-def]
        drawn.append(len(report.months))
        small = type(report)(
            report.title, report.last, report.last, report.total, report.months[-1:]
        )
        return real_chart(small, texts, language)

    monkeypatch.setattr(report_handlers, "chart_png", recorder)
    await scene.with_roles(linked=(scene.liaison,))
    answer = await ask(scene, scene.liaison, "/rapport 1026-01 2026-11")
    # Fixed: refused with the limit, before anything is computed or drawn.
    assert drawn == []
    assert answer[-1].plain_text.startswith("Dat is te veel maanden voor één rapport")


async def test_a_month_still_to_come_is_reported_as_if_it_had_happened(scene: Scene) -> None:
    """BREAK (minor). In November 2026, "/rapport maart 2027" (or "/rapport 2027-03"): the
    handler clips the last month to this month, then the service swaps the bounds, and the
    answer is "📊 Rapport De Linde — nov 2026 – mrt 2027": four months that have not happened,
    all zeros, ready to be attached to a council memo as "0 hulpvragen in maart". A user
    expects "that month has not begun" (or the hint), never figures for the future."""
    await scene.with_roles(linked=(scene.liaison,))
    clock_of(scene).advance(timedelta(hours=1))
    for text in ("/rapport maart 2027", "/rapport 2027-03"):
        answer = await ask(scene, scene.liaison, text)
        said = "\n".join(m.plain_text or m.caption or "" for m in answer)
        assert "2027" not in said, (text, said.splitlines()[0])


async def test_a_range_across_new_year_with_both_years_gives_other_months(scene: Scene) -> None:
    """BREAK. In February 2027 the liaison types "/rapport nov 2026 - jan 2027" (the README's
    "/report jan - jun 2026", across New Year). The parser takes the first year it sees for
    both months, finds January before November and moves November a year back: the answer
    is "📊 Rapport De Linde — nov 2025 – jan 2026", a different period, silently, ready to be
    pasted into a memo as last winter's figures. A user expects November 2026 to January
    2027 (or the hint)."""
    await scene.with_roles(linked=(scene.liaison,))
    await go_to(scene, datetime(2027, 2, 10, 9, 0, tzinfo=UTC))
    answer = await ask(scene, scene.liaison, "/rapport nov 2026 - jan 2027")
    title = answer[-1].plain_text.splitlines()[0]
    assert title == "📊 Rapport De Linde — nov 2026 – jan 2027", title


async def test_a_liaison_who_leaves_is_counted_as_a_family_in_the_months_before(
    scene: Scene,
) -> None:
    """BREAK (figures). The README: "Families: foster families (members who are not hub home
    or liaison)". November's report says "Gezinnen: 3" (Sandra, Anna, Bert). In December
    Lotte, the liaison, leaves the group; her membership is rewritten to role 'member', and
    November's report now says "Gezinnen: 4": the liaison became a foster family after the
    fact. A liaison who sent November's figures to the council expects them to stay as they
    were (she was never a family)."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison))
    await go_to(scene, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    before = (await ask(scene, scene.hubhome, "/rapport november"))[-1].plain_text
    assert "👪 Gezinnen: 3 " in before, before
    await scene.sim.user_leaves(scene.group, scene.liaison)
    await scene.bot.settle()
    clock_of(scene).advance(timedelta(hours=1))
    after = (await ask(scene, scene.hubhome, "/rapport november"))[-1].plain_text
    families = [line for line in after.splitlines() if line.startswith("👪")]
    assert "👪 Gezinnen: 3 " in after, families


# -- authorisation: held -----------------------------------------------------------------------


async def test_forged_presses_show_nobody_a_report_that_is_not_theirs(scene: Scene) -> None:
    """Held: another constellation's id, 0 (all) for a non-operator, a member, a press in the
    group, months out of range, a hub home of A asking B, a liaison who left."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna))
    await scene.another_constellation("De Eik", [scene.anna, scene.bert])
    linde, eik = (row[0] for row in stored(scene, "SELECT id FROM constellations ORDER BY id"))
    refused = "Deze cijfers zijn niet voor jou (meer)."
    hub_chat = scene.private(scene.hubhome)
    summary = (await ask(scene, scene.hubhome, "/rapport"))[-1]
    for data in (
        f"rep:v1:show:{eik}:202606:202611",  # hub home of De Linde asks De Eik's
        f"rep:v1:csv:{eik}:202606:202611",
        f"rep:v1:pdf:{eik}:202606:202611",
        "rep:v1:show:0:202606:202611",  # "all of them" is for operators
        "rep:v1:csv:0:202606:202611",
        "rep:v1:show:999:202606:202611",  # no such constellation
    ):
        count = len(scene.sim.bot_messages(hub_chat))
        assert await scene.forge(scene.hubhome, summary, data) == refused, data
        assert len(scene.sim.bot_messages(hub_chat)) == count, data
    for data in (
        f"rep:v1:show:{linde}:202613:202613",
        f"rep:v1:show:{linde}:190000:202611",
        f"rep:v1:show:{linde}:202611",
        f"rep:v1:show:-{linde}:202611:202611",
    ):
        assert await scene.forge(scene.hubhome, summary, data) != refused, data
    # A member (Anna) and the group.
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/start")
    count = len(scene.sim.bot_messages(anna))
    for data in (f"rep:v1:show:{linde}:202611:202611", f"rep:v1:csv:{eik}:202611:202611"):
        assert await scene.forge(scene.anna, scene.last(anna), data) == refused
    assert len(scene.sim.bot_messages(anna)) == count
    group_count = len(scene.sim.bot_messages(scene.group))
    await scene.forge(scene.hubhome, scene.last(scene.group), f"rep:v1:show:{linde}:202611:202611")
    assert len(scene.sim.bot_messages(scene.group)) == group_count
    # The liaison leaves: her old buttons and /rapport are refused from then on.
    liaison = scene.private(scene.liaison)
    old = (await ask(scene, scene.liaison, "/rapport"))[-1]
    await scene.sim.user_leaves(scene.group, scene.liaison)
    await scene.bot.settle()
    assert await scene.press(scene.liaison, old, "📑 Spreadsheet") == refused
    assert (await ask(scene, scene.liaison, "/rapport csv"))[-1].plain_text.startswith(
        "De cijfers zijn voor het kerngezin"
    )
    assert scene.last(liaison).document is None


# -- the monthly report: held ------------------------------------------------------------------


async def test_the_monthly_report_once_across_a_jump_and_a_restart_to_readers_only(
    scene: Scene,
) -> None:
    """Held: a clock jump of three months brings one report (the last month's, not a pile),
    a restart brings none again; not to the liaison who left, nor to who opted out; a hub
    home who blocked the bot is skipped without harm to the others."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna))
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/rapport maandelijks uit")
    await go_to(scene, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))  # 10:00 local, 1 March
    assert reports_in(scene, scene.liaison) == ["📊 Rapport De Linde — februari 2027"]
    assert reports_in(scene, scene.hubhome) == []
    assert reports_in(scene, scene.anna) == []
    await scene.bot.restart()
    await go_to(scene, datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    assert reports_in(scene, scene.liaison) == ["📊 Rapport De Linde — februari 2027"]
    # The hub home turns it on again and blocks the bot; the liaison leaves.
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/rapport maandelijks aan")
    scene.sim.block_bot(scene.hubhome)
    await scene.sim.user_leaves(scene.group, scene.liaison)
    await scene.bot.settle()
    await go_to(scene, datetime(2027, 4, 1, 9, 0, tzinfo=UTC))
    assert reports_in(scene, scene.liaison) == ["📊 Rapport De Linde — februari 2027"]
    assert reports_in(scene, scene.hubhome) == []
    assert stored(scene, "SELECT state FROM outbox WHERE kind = 'report_monthly'")[-1] == (
        "skipped",
    )


async def test_the_monthly_report_at_nine_local_time_in_another_zone(scene: Scene) -> None:
    """Held: a constellation in New York gets November's report at 09:00 New York time (14:00
    UTC), not at 09:00 in Amsterdam; a constellation created on 1 December gets no report
    for November."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison))
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        db.execute("UPDATE constellations SET timezone = 'America/New_York'")
    await scene.bot.restart()
    await go_to(scene, datetime(2026, 12, 1, 13, 59, tzinfo=UTC))
    assert reports_in(scene, scene.liaison) == []
    await go_to(scene, datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    assert reports_in(scene, scene.liaison) == ["📊 Rapport De Linde — november 2026"]
    # Created on 1 December: nothing about a November it did not exist in.
    eik = await scene.another_constellation("De Eik", [scene.anna, scene.bert])
    hello = await scene.say(scene.bert, eik, "hi")
    await scene.say(scene.admin, eik, "/kerngezin", reply_to=hello)
    await scene.say(scene.bert, scene.private(scene.bert), "/start")
    await go_to(scene, datetime(2026, 12, 2, 14, 0, tzinfo=UTC))
    assert reports_in(scene, scene.bert) == []
    assert reports_in(scene, scene.liaison) == ["📊 Rapport De Linde — november 2026"]


# -- the figures: held -------------------------------------------------------------------------


async def test_months_are_local_and_a_stay_counts_its_nights_in_each_month(scene: Scene) -> None:
    """Held: a request at 23:30 on 30 November (Amsterdam) is November's, one at 00:30 on 1
    December is December's (both are 30 November in UTC); a stay from Saturday 28 November
    to Thursday 3 December counts three nights in November and two in December; a confirmed
    stay that is then cancelled counts no nights."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna, scene.bert))
    hub = scene.private(scene.hubhome)
    await scene.say(scene.anna, scene.private(scene.anna), "/logeren za 28 nov - do 3 dec | 1 kind")
    await scene.press(scene.anna, scene.last(scene.private(scene.anna)), "📨 Versturen")
    await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    bert = scene.private(scene.bert)
    await scene.say(scene.bert, bert, "/logeren vr 11 dec - ma 14 dec | 1 kind")
    await scene.press(scene.bert, scene.last(bert), scene.last(bert).button_texts[0][0])
    await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    await scene.press(scene.bert, scene.last(bert), "✖️ Cancel")  # Bert reads English
    await scene.press(scene.bert, scene.last(bert), scene.last(bert).button_texts[0][0])
    assert stored(scene, "SELECT state, nights FROM sleepovers ORDER BY id") == [
        ("confirmed", 5),
        ("cancelled", 3),
    ]
    await go_to(scene, datetime(2026, 11, 30, 22, 30, tzinfo=UTC))
    for day in ("maandag", "dinsdag", "woensdag"):
        await scene.say(scene.bert, scene.group, f"/hulpvraag #vervoer Rijden op {day}")
    await go_to(scene, datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Oppas morgen")
    await go_to(scene, datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    rows = csv_rows(scene, (await ask(scene, scene.liaison, "/rapport csv nov - dec"))[-1])
    figures = [
        (row["Maand"], row["Hulpvragen"], row["Hulpvragen: Vervoer"], row["Logeernachten gepland"])
        for row in rows
    ]
    assert figures == [("2026-11-01", "3", "3", "3"), ("2026-12-01", "<3", "0", "<3")]


async def test_private_line_counts_survive_retention_and_requests_survive_erasure(
    scene: Scene,
) -> None:
    """Held: December's private-line counts are still there after the retention run removed
    the messages (April), and December's requests are still counted after the family who
    asked them erased herself (/vergeetmij) — anonymous, with no name in any file. (A third
    family joins, so the constellation keeps three and its counts are shown.)"""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna))
    await scene.say(scene.operator, scene.group, "Hallo allemaal")
    await go_to(scene, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/hubhomeprive")
    for text in ("Mag ik iets vragen?", "Het gaat om school.", "Dank je!"):
        await scene.say(scene.anna, anna, text)
    for day in ("vrijdag", "zaterdag", "zondag"):
        await scene.say(scene.anna, scene.group, f"/hulpvraag #oppas Oppas {day}")
    await go_to(scene, datetime(2027, 4, 15, 9, 0, tzinfo=UTC))
    await scene.bot.app.bot_data.services.privacy.apply_retention()
    assert stored(scene, "SELECT COUNT(*) FROM line_messages") == [(0,)]
    await scene.say(scene.anna, anna, "/vergeetmij")
    await scene.press(scene.anna, scene.last(anna), "🗑️ Ja, wis alles")
    assert scene.anna.id not in {row[0] for row in stored(scene, "SELECT user_id FROM people")}
    december = csv_rows(scene, (await ask(scene, scene.liaison, "/rapport csv december 2026"))[-1])
    row = december[0]
    assert (row["Hulpvragen"], row["Privélijn: berichten"], row["Privélijn: gesprekken"]) == (
        "3",
        "3",
        "<3",
    )
    page = pdf_text(scene, (await ask(scene, scene.liaison, "/rapport pdf december 2026"))[-1])
    assert "Anna" not in page and "Anna" not in str(december)


# -- robustness: held --------------------------------------------------------------------------


async def test_html_and_emoji_in_a_name_and_an_english_liaison_in_every_format(
    scene: Scene,
) -> None:
    """Held: a name with HTML, emoji, "$" and a formula start is escaped in the summary, plain
    in the caption and the PDF, not a formula in the CSV; an English liaison gets English."""
    await scene.with_roles(linked=(scene.bert,))
    name = "=1+1 <b>Tom & Jerry</b> 🏠 $x$"
    other = await scene.another_constellation(name, [scene.bert, scene.anna])
    note = await scene.say(scene.bert, other, "hello")
    await scene.say(scene.admin, other, "/contactpersoon", reply_to=note)
    clock_of(scene).advance(timedelta(hours=1))
    photo, summary = await ask(scene, scene.bert, "/report")
    assert summary.text is not None and summary.text.startswith(
        "📊 <b>Report =1+1 &lt;b&gt;Tom &amp; Jerry&lt;/b&gt; 🏠 $x$</b> — Jun 2026 – Nov 2026"
    )
    assert photo.caption is not None and photo.caption.startswith(
        "Constellation =1+1 <b>Tom & Jerry</b> 🏠 $x$ — Jun 2026"
    )
    rows = csv_rows(scene, (await ask(scene, scene.bert, "/report csv"))[-1])
    assert rows[0]["Constellation"] == "'" + name
    page = pdf_text(scene, (await ask(scene, scene.bert, "/report pdf march"))[-1])
    assert "Constellation =1+1 <b>Tom & Jerry</b> $x$ — March 2026" in page.replace("\n", " ")
    assert (await ask(scene, scene.bert, "/report monthly off"))[-1].plain_text == (
        "The monthly report is off. You can always ask for it with /report."
    )


async def test_an_operators_report_of_many_long_named_constellations_fits(scene: Scene) -> None:
    """Held: 22 constellations with 60 emoji in their names (the longest names allowed): the
    summary stays under Telegram's 4096 (20 rows and "… en nog 2"), the caption under 1024."""
    await scene.with_roles(linked=(scene.operator,))
    for number in range(21):
        await scene.another_constellation("🏠" * 60 + f"{number:02d}<&", [scene.anna])
    clock_of(scene).advance(timedelta(hours=1))
    photo, summary = await ask(scene, scene.operator, "/rapport")
    assert summary.plain_text.startswith("📊 Alle constellaties (22)")
    assert summary.plain_text.splitlines()[-1] == "… en nog 2 constellaties: zie de spreadsheet."
    assert len(summary.plain_text.encode("utf-16-le")) // 2 <= 4096
    assert photo.caption is not None
    assert len(photo.caption.encode("utf-16-le")) // 2 <= 1024
