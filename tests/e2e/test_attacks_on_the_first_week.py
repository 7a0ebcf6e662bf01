"""Attacks on the first week of a constellation (issue 16): the overview, the weekly look
ahead, the private line's answer button, help requests by a leading ``!``, the children
question, one reminder each, a cancelled date of a series, /help and /start, near misses.

Each test tries to break one README promise the way a stranger, a removed member, someone in
two constellations or a tired foster parent would; its docstring says what was tried and
what the README promises. The scene's "now" is Sunday 22 November 2026, 10:00 in Amsterdam.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.i18n import units
from bot.simulator.world import SimChat, SimMessage, SimUser
from bot.views.overview import SCREEN
from tests.e2e.attacks import (
    HIDDEN,
    STALE,
    STALE_EN,
    clock_of,
    compose_hidden,
    de_eik,
    give_role,
    reveals,
)
from tests.e2e.conftest import Scene, database_text
from tests.e2e.test_errors_and_logs import logged, production_logging  # noqa: F401
from tests.e2e.test_private_line import _copy_of, _ready

SUNDAY_EVENING = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)  # 19:00 in Amsterdam
PROMPT_START = "↩️ Je volgende bericht gaat naar"
NOT_FOR_YOU = "Dit overzicht is niet (meer) voor jou."


async def at(scene: Scene, moment: datetime) -> None:
    """Move the clock and let the wake-up fire, through the real job queue."""
    clock_of(scene).set(moment)
    await scene.bot.tick()


def weeks(scene: Scene, chat: SimChat) -> list[SimMessage]:
    return [
        m
        for m in scene.sim.bot_messages(chat)
        if m.plain_text.startswith(("🗓️ Je week", "🗓️ Your week"))
    ]


def stored(scene: Scene, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return list(db.execute(sql, params))


async def overview_of(scene: Scene, user: SimUser, command: str = "/overzicht") -> SimMessage:
    await scene.say(user, scene.private(user), command)
    return scene.last(scene.private(user))


async def erase(scene: Scene, user: SimUser, label: str = "🗑️ Ja, wis alles") -> None:
    chat = scene.private(user)
    await scene.say(user, chat, "/vergeetmij")
    await scene.press(user, scene.last(chat), label)


def said_anywhere(scene: Scene, user: SimUser, words: str) -> bool:
    return any(words in text for text in scene.bot_texts(scene.private(user)))


# -- the private line's answer button ----------------------------------------------------------


async def test_an_answer_pressed_before_a_restart_never_goes_to_another_constellation(
    scene: Scene,
) -> None:
    """Hanneke is hub home of De Linde and a member of De Eik (whose hub home is Bert); her own
    messages to the line go to De Eik, as she chose. She presses ↩️ Antwoorden under Anna's
    message; the bot restarts (an update, a crash); she types her answer to Anna.
    README: the press holds for one message; the answer goes back to the member — it is
    never someone else's message to another constellation's hub home."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    eik = await de_eik(scene, [scene.hubhome])
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "Bert, heb jij nog een kinderzitje?")
    await scene.press(scene.hubhome, scene.last(hub), "De Eik")
    assert scene.last(scene.private(scene.bert)).plain_text.startswith(
        "📨 Bericht van Hanneke — Constellatie De Eik"
    ) or said_anywhere(scene, scene.bert, "kinderzitje")
    await scene.say(scene.anna, scene.private(scene.anna), "Mijn pleegzoon is weggelopen")
    copy = _copy_of(scene, scene.hubhome, "📨 Bericht van Anna")
    await scene.press(scene.hubhome, copy, "↩️ Antwoorden")
    assert scene.last(hub).plain_text.startswith(PROMPT_START)
    await scene.bot.restart()
    await scene.say(scene.hubhome, hub, "Anna, ik bel de politie en kom naar je toe")
    assert eik is not None
    assert not said_anywhere(scene, scene.bert, "ik bel de politie")
    assert said_anywhere(scene, scene.anna, "ik bel de politie")  # where it was meant to go
    assert waiting_answers(scene) == 0  # done: nothing about it stays on disk


def waiting_answers(scene: Scene) -> int:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return int(db.execute("SELECT count(*) FROM line_answers").fetchone()[0])


async def test_a_waiting_answer_goes_with_the_carer_who_erases_herself(scene: Scene) -> None:
    """Hanneke presses ↩️ Antwoorden, then erases herself: no trace of the waiting answer."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await scene.say(scene.anna, scene.private(scene.anna), "Heb je even?")
    hub = scene.private(scene.hubhome)
    await scene.press(
        scene.hubhome, _copy_of(scene, scene.hubhome, "📨 Bericht van Anna"), "↩️ Antwoorden"
    )
    assert waiting_answers(scene) == 1
    await scene.say(scene.hubhome, hub, "/vergeetmij")
    await scene.press(scene.hubhome, scene.last(hub), "🗑️ Ja, wis alles")
    assert waiting_answers(scene) == 0


async def test_the_answer_button_then_an_activity_flow_keeps_each_text_apart(
    scene: Scene,
) -> None:
    """Hanneke presses ↩️ Antwoorden, then starts /activiteit and types its title; later she
    presses it again and types /logeren (not hers: she is the hub home) and a message.
    README: any other command stops the waiting answer, so the answer never takes a flow's
    text and a flow never takes the answer."""
    await _ready(scene)
    anna_chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, anna_chat, "Heb je even?")
    copy = scene.last(hub)
    before = len(scene.sim.bot_messages(anna_chat))
    await scene.press(scene.hubhome, copy, "↩️ Antwoorden")
    await scene.say(scene.hubhome, hub, "/activiteit")
    await scene.say(scene.hubhome, hub, "Pannenkoeken bakken")
    assert len(scene.sim.bot_messages(anna_chat)) == before
    assert "Pannenkoeken" in scene.last(hub).plain_text  # the flow has its title
    await scene.say(scene.hubhome, hub, "/annuleren")
    await scene.press(scene.hubhome, copy, "↩️ Antwoorden")
    await scene.say(scene.hubhome, hub, "/logeren")
    await scene.say(scene.hubhome, hub, "Dit was voor de logeerplanning")
    assert len(scene.sim.bot_messages(anna_chat)) == before
    assert not said_anywhere(scene, scene.anna, "logeerplanning")


async def test_an_answer_meeting_429_and_500_arrives_once(scene: Scene) -> None:
    """Telegram answers 429 (wait a second), then 500, when the answer goes to Anna.
    README: when Telegram cannot take a message right now, the hub home is told it goes by
    itself in a moment, and it does, once, from the outbox (header first, then the copy)."""
    await _ready(scene)
    anna_chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, anna_chat, "Kun je bellen?")
    await scene.press(scene.hubhome, scene.last(hub), "↩️ Antwoorden")
    scene.sim.inject_fault("sendMessage", error_code=429, retry_after=1, chat_id=scene.anna.id)
    scene.sim.inject_fault("sendMessage", error_code=500, chat_id=scene.anna.id)
    await scene.say(scene.hubhome, hub, "Om acht uur bel ik")
    clock_of(scene).advance(timedelta(minutes=2))
    await scene.bot.tick()
    clock_of(scene).advance(timedelta(minutes=5))
    await scene.bot.tick()
    # It waited for Telegram, so the header goes first and Telegram's copy under it: once.
    assert scene.bot_texts(anna_chat)[-2:] == ["🏠 Hanneke (kerngezin):", "Om acht uur bel ik"]
    assert len([t for t in scene.bot_texts(anna_chat) if "Om acht uur" in t]) == 1
    assert scene.last(hub).plain_text.startswith("📤 Telegram is even traag")


async def test_an_erased_hub_home_answers_nobody(scene: Scene) -> None:
    """Hanneke presses ↩️ Antwoorden, erases herself (/vergeetmij), then types.
    README: the press and the message after it are each checked — still hub home there."""
    await _ready(scene)
    anna_chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, anna_chat, "Hoe gaat het?")
    await scene.press(scene.hubhome, scene.last(hub), "↩️ Antwoorden")
    before = len(scene.sim.bot_messages(anna_chat))
    await erase(scene, scene.hubhome)
    await scene.say(scene.hubhome, hub, "Nog een laatste woord")
    assert len(scene.sim.bot_messages(anna_chat)) == before


async def test_a_member_who_left_is_not_answered(scene: Scene) -> None:
    """Anna writes, then leaves the constellation; Hanneke presses ↩️ Antwoorden under her
    message (and replies to it). README: the press and the message after it are checked —
    its writer still there and not erased."""
    await _ready(scene)
    anna_chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, anna_chat, "Ik stop ermee")
    copy = scene.last(hub)
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    before = len(scene.sim.bot_messages(anna_chat))
    await scene.press(scene.hubhome, copy, "↩️ Antwoorden")
    await scene.say(scene.hubhome, hub, "Jammer, succes!")
    await scene.say(scene.hubhome, hub, "Echt jammer", reply_to=copy)
    assert len(scene.sim.bot_messages(anna_chat)) == before


# -- the overview --------------------------------------------------------------------------


async def test_the_overview_after_a_member_erased_herself_names_nobody(scene: Scene) -> None:
    """Anna writes privately and asks in the group; the hub home opens the overview; Anna
    erases herself. README: erasure removes her name and texts; every overview press is
    checked against what the database holds now."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await scene.say(scene.anna, scene.private(scene.anna), "Mag ik je iets vragen?")
    await scene.say(scene.anna, scene.group, "/hulpvraag #spullen Een wipstoeltje lenen")
    shown = await overview_of(scene, scene.hubhome)
    assert "Anna" in shown.plain_text
    await erase(scene, scene.anna)
    hub = scene.private(scene.hubhome)
    before = len(scene.sim.bot_messages(hub))
    assert await scene.press(scene.hubhome, shown, "↩️ Antwoord Anna") == STALE
    assert len(scene.sim.bot_messages(hub)) == before
    await scene.press(scene.hubhome, shown, "🔄 Vernieuwen")
    redrawn = scene.refreshed(shown)
    assert "Anna" not in redrawn.plain_text and "wipstoeltje" not in redrawn.plain_text
    assert not any("Anna" in text for row in redrawn.button_texts for text in row)


async def test_an_old_claim_button_after_the_request_was_withdrawn_or_taken(
    scene: Scene,
) -> None:
    """The hub home's overview offers Ik help #1 and #2; Anna withdraws #1, the liaison takes
    #2. README: the buttons are the features' own, taking a request on by its rules."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna))
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Oppas vrijdag")
    await scene.say(scene.anna, scene.group, "/hulpvraag #vervoer Rit naar school")
    shown = await overview_of(scene, scene.hubhome)
    assert shown.button_texts[0] == ["🙋 Ik help #1", "🙋 Ik help #2"]
    await scene.say(scene.anna, scene.group, "/intrekken 1")
    await scene.say(scene.liaison, scene.group, "/ikhelp 2")
    first = await scene.press(scene.hubhome, shown, "🙋 Ik help #1")
    second = await scene.press(scene.hubhome, shown, "🙋 Ik help #2")
    assert first is not None and not first.startswith("Dank je wel")
    assert second is not None and "Lotte" in second
    assert stored(scene, "SELECT state, claimed_by FROM help_requests ORDER BY id") == [
        ("withdrawn", None),
        ("claimed", scene.liaison.id),
    ]


async def test_names_and_texts_with_html_stay_as_typed_in_the_overview(scene: Scene) -> None:
    """A family whose name is long, with HTML and emoji, writes privately and asks in the
    group. README: every piece of user text is escaped; the overview fits a phone screen."""
    await scene.with_roles(linked=(scene.hubhome,))
    odd = scene.sim.add_user(
        "<b>Anne-Marie</b> & Co 🌻🌻🌻 van der Berg-Jansen-de Groot", language_code="nl"
    )
    await scene.sim.user_joins(scene.group, odd)
    await scene.say(odd, scene.group, "Hallo")
    await scene.say(odd, scene.private(odd), "/start")
    await scene.say(odd, scene.private(odd), "<i>dringend</i> & snel")
    await scene.say(odd, scene.group, "/hulpvraag #spullen <b>Fiets</b> & helm 🚲 " * 30)
    shown = await overview_of(scene, scene.hubhome)
    text = shown.plain_text
    assert "<b>Anne-Marie</b>" in text or "<b>Anne-Ma" in text  # shown as typed, cut
    assert "<b>Fiets</b>" in text
    assert "&amp;" not in text
    assert units(text) <= SCREEN
    answer = [t for row in shown.button_texts for t in row if t.startswith("↩️")]
    assert answer and len(answer[0]) <= 40


async def test_the_overview_command_spelled_every_way(scene: Scene) -> None:
    """``/OVERZICHT`` in capitals, ``/overzicht@ourbot``, and ``/overzicht@otherbot``, in the
    group and in private. README: commands also work as /command@yourbot; in a group the bot
    stays silent for /command@otherbot; typed in the group, a pointer to the private chat."""
    await scene.with_roles(linked=(scene.hubhome,))
    for typed in ("/OVERZICHT", "/overzicht@constellation_test_bot", "/Overview"):
        await scene.say(scene.hubhome, scene.group, typed)
        assert scene.last(scene.group).plain_text.startswith("📋 Het overzicht stuur ik je privé")
    before = len(scene.sim.bot_messages(scene.group))
    await scene.say(scene.hubhome, scene.group, "/overzicht@andere_bot")
    assert len(scene.sim.bot_messages(scene.group)) == before
    shown = await overview_of(scene, scene.hubhome, "/Overzicht@Constellation_Test_Bot")
    assert shown.plain_text.startswith("☀️ Alles is rustig.")


async def test_the_overview_reads_right_in_english_and_in_the_singular(scene: Scene) -> None:
    """Bert (English) is hub home; one message waits, one person comes with one child.
    README: every count reads right in the singular; English speakers read English."""
    await scene.with_roles(linked=(scene.anna, scene.bert))
    await give_role(scene, scene.bert, "/kerngezin")
    await scene.say(scene.anna, scene.private(scene.anna), "Een vraagje")
    await scene.say(scene.bert, scene.group, "/activity saturday 2pm | Swimming")
    await scene.press(scene.anna, scene.last(scene.group), "✅ Ik kom")
    await scene.press(scene.anna, scene.last(scene.private(scene.anna)), "1")
    text = (await overview_of(scene, scene.bert, "/overview")).plain_text
    assert "Anna · 1 message ·" in text
    assert "· 1 coming · 1 child" in text
    for wrong in ("1 messages", "1 children", "1 komt", "kind"):
        assert wrong not in text


# -- the weekly look ahead -----------------------------------------------------------------


async def test_the_liaisons_week_never_shows_a_hub_home_only_request(scene: Scene) -> None:
    """Anna asks the hub home only; the liaison and the hub home have the weekly look ahead.
    README: hub-home-only requests are for the hub home only; nobody else learns that one
    exists — also not from the liaison's Sunday message."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna))
    await compose_hidden(scene, scene.anna)
    await scene.say(scene.anna, scene.group, "/hulpvraag #vervoer Rit naar de zwemles")
    for person in (scene.hubhome, scene.liaison):
        await scene.say(person, scene.private(person), "/weekoverzicht aan")
    await at(scene, SUNDAY_EVENING)
    (liaisons,) = weeks(scene, scene.private(scene.liaison))
    assert "Rit naar de zwemles" in liaisons.plain_text
    assert not reveals(liaisons.plain_text)
    assert "hulpvragen (1)" in liaisons.plain_text
    (hub_homes,) = weeks(scene, scene.private(scene.hubhome))
    assert HIDDEN in hub_homes.plain_text


async def test_the_weeks_buttons_refuse_outsiders_members_and_who_left(scene: Scene) -> None:
    """Anna's weekly look ahead has answer buttons and no overview button; the data is tried
    by an outsider, by Bert (a member) for the overview button, and by Anna after she left.
    README: its buttons are re-authorised; the overview is not for a member."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    await scene.say(scene.anna, scene.private(scene.anna), "/weekoverzicht aan")
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/weekoverzicht aan")
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst dinsdag 19:30 | Koffie")
    await at(scene, SUNDAY_EVENING)
    (week,) = weeks(scene, scene.private(scene.anna))
    yes = week.buttons[1][0].callback_data
    (carers,) = weeks(scene, scene.private(scene.hubhome))
    overview = carers.buttons[-1][0].callback_data
    assert yes is not None and overview is not None
    outsider = scene.sim.add_user("Olaf", language_code="nl")
    await scene.say(outsider, scene.private(outsider), "/start")
    assert await scene.forge(outsider, scene.last(scene.private(outsider)), yes) == STALE
    bert = scene.private(scene.bert)
    await scene.say(scene.bert, bert, "/help")
    before = len(scene.sim.bot_messages(bert))
    # Not on the message it was put on: refused before anything is looked at.
    assert await scene.forge(scene.bert, scene.last(bert), overview) == STALE_EN
    assert len(scene.sim.bot_messages(bert)) == before
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    assert await scene.press(scene.anna, week, yes) == STALE
    assert stored(scene, "SELECT count(*) FROM rsvps") == [(0,)]


async def test_a_week_queued_for_someone_who_then_leaves_is_not_sent(scene: Scene) -> None:
    """Anna's Sunday message meets a 500 and is queued; she leaves the group before the retry.
    README: no message comes to someone who left the constellation; it is drawn when it
    goes out."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await scene.say(scene.anna, scene.private(scene.anna), "/weekoverzicht aan")
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    scene.sim.inject_fault("sendMessage", error_code=500, chat_id=scene.anna.id)
    await at(scene, SUNDAY_EVENING)
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    await at(scene, SUNDAY_EVENING + timedelta(minutes=10))
    assert weeks(scene, scene.private(scene.anna)) == []


async def test_the_week_across_the_end_of_summer_time_and_a_clock_jump(scene: Scene) -> None:
    """Summer time ends on Sunday 25 October 2026 at 03:00; that evening's 19:00 is 18:00 UTC
    (not 17:00). Then the clock jumps three weeks ahead (a host that slept), and back.
    README: Sunday at 19:00 in the constellation's time zone; once per person per week, across
    a restart and a clock set back."""
    clock_of(scene).set(datetime(2026, 10, 24, 8, 0, tzinfo=UTC))  # Saturday
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/weekoverzicht aan")
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst dinsdag 19:30 | Koffie")
    await at(scene, datetime(2026, 10, 25, 17, 0, tzinfo=UTC))  # 18:00 winter time
    assert weeks(scene, anna) == []
    await at(scene, datetime(2026, 10, 25, 18, 0, tzinfo=UTC))
    assert len(weeks(scene, anna)) == 1
    assert weeks(scene, anna)[0].plain_text.startswith("🗓️ Je week · 26 oktober – 1 november")
    await scene.bot.restart()
    await at(scene, datetime(2026, 10, 25, 21, 0, tzinfo=UTC))
    # Three weeks on, Sunday evening: one message, for that week, not three.
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst 17 nov 19:30 | Later")
    await at(scene, datetime(2026, 11, 15, 18, 30, tzinfo=UTC))
    assert len(weeks(scene, anna)) == 2
    assert "Later" in weeks(scene, anna)[-1].plain_text
    clock_of(scene).set(datetime(2026, 11, 15, 17, 45, tzinfo=UTC))  # set back, before 19:00
    await scene.bot.tick()
    await at(scene, datetime(2026, 11, 15, 19, 0, tzinfo=UTC))
    assert len(weeks(scene, anna)) == 2


async def test_the_week_keeps_typed_html_and_fits_one_screen(scene: Scene) -> None:
    """Twelve meetups in one week with HTML, ampersands and emoji in their titles.
    README: one short message; every piece of user text is escaped."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await scene.say(scene.anna, scene.private(scene.anna), "/weekoverzicht aan")
    days = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag")
    for day in days:
        for hour in ("10:00", "19:30"):
            title = f"Koffie & <b>taart</b> {'🍰' * 20} bij {day}"
            await scene.say(scene.hubhome, scene.group, f"/bijeenkomst {day} {hour} | {title}")
    await at(scene, SUNDAY_EVENING)
    (week,) = weeks(scene, scene.private(scene.anna))
    assert "Koffie & <b>taart</b>" in week.plain_text
    assert units(week.plain_text) <= SCREEN
    assert len(week.buttons) <= 8  # four dates, each with its answers


async def test_a_carer_in_two_constellations_reads_only_her_own_requests_in_english(
    scene: Scene,
) -> None:
    """Bert (English) is hub home of De Eik and a plain member of De Linde; both have open
    requests. README: the hub home and the liaison also get the open requests — of their
    own constellation; someone in several gets one message, in their own language."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    eik = await de_eik(scene, [scene.anna])
    await scene.say(scene.bert, scene.private(scene.bert), "/weekly on")
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Oppas in De Linde")
    await scene.say(scene.anna, eik, "/hulpvraag #vervoer Rit in De Eik")
    await at(scene, SUNDAY_EVENING)
    (week,) = weeks(scene, scene.private(scene.bert))
    assert "Rit in De Eik" in week.plain_text
    assert "Oppas in De Linde" not in week.plain_text
    assert week.plain_text.startswith("🗓️ Your week")
    assert week.button_texts[-1] == ["📋 Overview"]


# -- help requests by a leading '!' --------------------------------------------------------


async def test_only_marks_are_no_request_however_they_are_typed(scene: Scene) -> None:
    """A tired parent types only marks: ``!``, ``!!!``, ``?!``, ``! !``, ``!dringend``.
    README: only marks is no request: you are shown how to ask."""
    await scene.with_roles()
    for typed in ("!", "!!!", "?!", "! !", "!?", " ! ", "!dringend", "#dringend !"):
        await scene.say(scene.anna, scene.group, f"/hulpvraag {typed}")
        assert scene.last(scene.group).plain_text.startswith("Zo vraag je hulp"), typed
    await scene.say(scene.bert, scene.group, "/request !")
    assert not scene.last(scene.group).plain_text.startswith("🆘")
    assert stored(scene, "SELECT count(*) FROM help_requests") == [(0,)]


async def test_a_leading_mark_with_html_is_urgent_and_kept_as_typed(scene: Scene) -> None:
    """``/hulpvraag !<b>Help</b> & snel`` and ``! Kan iemand…``. README: a ``!`` leading the
    text makes it urgent (the first word stays); user text is always escaped."""
    await scene.with_roles()
    await scene.say(scene.anna, scene.group, "/hulpvraag !<b>Help</b> & snel, wie kan rijden?")
    card = scene.last(scene.group)
    assert "<b>Help</b> & snel, wie kan rijden?" in card.plain_text
    assert stored(scene, "SELECT urgent, text FROM help_requests") == [
        (1, "<b>Help</b> & snel, wie kan rijden?")
    ]


# -- meetups: the children question, one reminder, one date of a series off ---------------


async def test_the_children_question_in_the_group_forgets_a_name_that_is_erased(
    scene: Scene,
) -> None:
    """Anna (no private chat) says she comes to an activity: the group is asked "Anna: 👧 Met
    hoeveel kinderen…". She erases herself before answering. README: /vergeetmij erases the
    name in every constellation; the question in the group leaves no name behind."""
    await scene.with_roles(linked=(scene.hubhome,))
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    await scene.press(scene.anna, scene.last(scene.group), "✅ Ik kom")
    question = scene.last(scene.group)
    assert question.plain_text.startswith("Anna: 👧")
    await erase(scene, scene.anna)
    current = scene.sim.message(scene.group, question.message_id)
    assert current is None or current.deleted or "Anna" not in current.plain_text


async def test_the_children_question_after_cancelling_or_leaving_counts_nothing(
    scene: Scene,
) -> None:
    """Anna's "how many children" question is answered after the activity was cancelled, and
    Bert's after he left the group. README: the buttons count only while that person may
    answer that date."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    card = scene.last(scene.group)
    await scene.press(scene.anna, card, "✅ Ik kom")
    anna_question = scene.last(scene.private(scene.anna))
    await scene.press(scene.bert, card, "✅ Ik kom")
    bert_question = scene.last(scene.group)
    assert bert_question.plain_text.startswith("Bert: 👧")
    await scene.sim.user_leaves(scene.group, scene.bert)
    await scene.bot.settle()
    assert await scene.press(scene.bert, bert_question, "3") == STALE  # the group's language
    await scene.say(scene.hubhome, scene.group, "/afzeggen 1")
    popup = await scene.press(scene.anna, anna_question, "2")
    assert popup is not None and "Genoteerd" not in popup
    assert stored(scene, "SELECT children FROM rsvps WHERE children > 0") == []


async def test_one_reminder_for_who_answered_on_the_card_and_in_the_week(scene: Scene) -> None:
    """Anna answers "Misschien" on the card and "Ik kom" from her weekly look ahead; she is
    also in a second constellation. README: one reminder per person, where they read it."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await de_eik(scene, [scene.anna])
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/weekoverzicht aan")
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst dinsdag 19:30 | Koffie")
    await scene.press(scene.anna, scene.last(scene.group), "🤔 Misschien")
    await at(scene, SUNDAY_EVENING)
    (week,) = weeks(scene, anna)
    await scene.press(scene.anna, week, "✅ Ik kom")
    await at(scene, datetime(2026, 11, 23, 18, 30, tzinfo=UTC))  # 24 hours before
    await at(scene, datetime(2026, 11, 24, 16, 30, tzinfo=UTC))  # 2 hours before
    reminders = [t for t in scene.bot_texts(anna) if t.startswith("⏰")]
    assert len(reminders) == 2  # one per offset, to her private chat only
    assert not [t for t in scene.bot_texts(scene.group) if t.startswith("Anna: ⏰")]


async def test_a_cancelled_date_of_a_series_invites_nobody_from_old_buttons(
    scene: Scene,
) -> None:
    """A weekly coffee; the overview shows its next date; only that date is cancelled. The
    overview's date button is pressed, forged answers are tried, the weekly look ahead comes.
    README: that date's card has no buttons and invites nobody."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await scene.say(scene.anna, scene.private(scene.anna), "/weekoverzicht aan")
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst elke dinsdag 19:30 | Koffie")
    card = scene.last(scene.group)
    yes = card.buttons[0][0].callback_data
    assert yes is not None
    shown = await overview_of(scene, scene.hubhome)
    date_label = next(t for row in shown.button_texts for t in row if "Koffie" in t)
    await scene.say(scene.hubhome, scene.group, "/afzeggen 1")
    question = scene.last(scene.group)
    await scene.press(scene.hubhome, question, question.buttons[0][0].text)  # only that date
    assert "gaat niet door" in scene.refreshed(card).plain_text
    await scene.press(scene.hubhome, shown, date_label)
    shown_card = scene.last(scene.private(scene.hubhome))
    if shown_card.plain_text.startswith(("☕", "🎈")):
        assert "gaat niet door" in shown_card.plain_text
        assert not [t for row in shown_card.button_texts for t in row if "Ik kom" in t]
    popup = await scene.forge(scene.anna, card, yes)
    assert popup is not None and "Genoteerd" not in popup
    assert stored(scene, "SELECT count(*) FROM rsvps") == [(0,)]
    await at(scene, SUNDAY_EVENING)
    for week in weeks(scene, scene.private(scene.anna)):
        assert yes not in [b.callback_data for row in week.buttons for b in row]
        assert "di 24 nov" not in week.plain_text


# -- /help, /start, near misses ------------------------------------------------------------


async def test_help_more_data_forged_onto_a_card_changes_nothing(scene: Scene) -> None:
    """Anna takes the data of "Meer uitleg" from /help and presses it on a request card.
    README: every press is re-authorised; the press must come from that very message."""
    await scene.with_roles()
    await scene.say(scene.anna, scene.group, "/hulp")
    more = scene.last(scene.group).buttons[0][0].callback_data
    assert more is not None
    await scene.say(scene.bert, scene.group, "/request #advies Forms question")
    card = scene.last(scene.group)
    text = card.plain_text
    assert await scene.forge(scene.anna, card, more) == STALE
    assert scene.refreshed(card).plain_text == text


async def test_start_greets_someone_in_two_constellations_by_each_role(scene: Scene) -> None:
    """Hanneke is hub home of De Linde and liaison of De Eik; later she erases herself.
    README: someone who already belongs to one is greeted as known, with their role and what
    they can do there."""
    await scene.with_roles()
    eik = await scene.another_constellation("De Eik", [scene.hubhome])
    await give_role(scene, scene.hubhome, "/contactpersoon", eik)
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/start")
    greeting = scene.last(hub).plain_text
    assert "De Linde" in greeting and "De Eik" in greeting
    assert "kerngezin" in greeting and "contactpersoon" in greeting
    await erase(scene, scene.hubhome)
    await scene.say(scene.hubhome, hub, "/start")
    assert "De Linde" not in scene.last(hub).plain_text


async def test_near_misses_in_capitals_with_botnames_and_in_english(scene: Scene) -> None:
    """``/LOGEERBED``, ``/logeerbed@ourbot``, ``/hlup@otherbot``, English ``/overveiw``.
    README: a near miss gets the command meant; /command@otherbot gets silence."""
    await scene.with_roles()
    await scene.say(scene.anna, scene.group, "/LOGEERBED")
    assert scene.last(scene.group).plain_text.startswith("Bedoel je /logeren?")
    await scene.say(scene.anna, scene.group, "/logeerbed@constellation_test_bot")
    assert scene.last(scene.group).plain_text.startswith("Bedoel je /logeren?")
    before = len(scene.sim.bot_messages(scene.group))
    await scene.say(scene.anna, scene.group, "/hlup@andere_bot")
    assert len(scene.sim.bot_messages(scene.group)) == before
    bert = scene.private(scene.bert)
    await scene.say(scene.bert, bert, "/overveiw")
    assert scene.last(bert).plain_text.startswith("Did you mean /overview?")


# -- logs ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("production_logging")
async def test_the_first_week_logs_no_names_or_words(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """The overview, the answer button (with a 500), the weekly look ahead and the children
    question, with logging as in production at DEBUG. README: logs never hold message text or
    names."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await scene.say(scene.anna, scene.private(scene.anna), "/weekoverzicht aan")
    await scene.say(scene.anna, scene.private(scene.anna), "Noor slaapt slecht")
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Paardrijden")
    await scene.press(scene.anna, scene.last(scene.group), "✅ Ik kom")
    await scene.press(scene.anna, scene.last(scene.private(scene.anna)), "2")
    shown = await overview_of(scene, scene.hubhome)
    await scene.press(scene.hubhome, shown, "↩️ Antwoord Anna")  # her next message answers
    scene.sim.inject_fault("sendMessage", error_code=500, chat_id=scene.anna.id)
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "Sterkte met Noor")
    await at(scene, SUNDAY_EVENING)
    text = logged(caplog)
    for secret in ("Noor", "Paardrijden", "Anna", "Hanneke", "Sterkte", "De Linde"):
        assert secret not in text, secret
    assert "Noor" not in database_text(scene.bot.settings.database_path)


# -- more: what the liaison may read, stale carers, spellings, flows -----------------------


async def test_the_liaisons_answer_button_never_shows_a_message_not_shared_with_her(
    scene: Scene,
) -> None:
    """Anna lets the liaison read along with one message, then writes another for the hub home
    only. The liaison opens her overview and presses "Antwoord Anna".
    README: the liaison sees only what a member asked her to read along with."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "Dit mag Lotte ook lezen")
    await scene.press(scene.anna, scene.last(anna), "🤝 Ook naar de contactpersoon")
    await scene.say(scene.anna, anna, "Alleen voor Hanneke: het gaat slecht thuis")
    shown = await overview_of(scene, scene.liaison)
    assert "• Anna · 1 bericht" in shown.plain_text
    await scene.press(scene.liaison, shown, "↩️ Antwoord Anna")
    await scene.press(scene.liaison, shown, "🔄 Vernieuwen")
    assert not said_anywhere(scene, scene.liaison, "het gaat slecht thuis")


async def test_the_weeks_overview_button_after_the_role_was_taken_back(scene: Scene) -> None:
    """Hanneke's Sunday message has "📋 Overzicht"; the admin makes her a plain member; she
    presses it. README: every press is checked against the presser's role now."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/weekoverzicht aan")
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Oppas vrijdag")
    await at(scene, SUNDAY_EVENING)
    (week,) = weeks(scene, hub)
    await give_role(scene, scene.hubhome, "/lid")
    before = len(scene.sim.bot_messages(hub))
    assert await scene.press(scene.hubhome, week, "📋 Overzicht") == NOT_FOR_YOU
    assert len(scene.sim.bot_messages(hub)) == before


async def test_weekly_typed_in_capitals_with_the_botname(scene: Scene) -> None:
    """``/WEEKOVERZICHT AAN`` and ``/weekoverzicht@ourbot UIT`` from a tired thumb.
    README: /weekly [on|off] (/weekoverzicht aan|uit, also ja, nee); commands also work as
    /command@yourbot."""
    await scene.with_roles(linked=(scene.anna,))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/WEEKOVERZICHT AAN")
    assert scene.last(anna).plain_text.startswith("✅ Het weekoverzicht staat aan.")
    await scene.say(scene.anna, anna, "/weekoverzicht@constellation_test_bot UIT")
    assert scene.last(anna).plain_text.startswith("Het weekoverzicht staat uit")
    assert stored(scene, "SELECT count(*) FROM weekly_optin") == [(0,)]


async def test_the_last_answer_button_pressed_is_the_one_that_counts(scene: Scene) -> None:
    """Hanneke presses ↩️ Antwoorden under Anna's message, then under Bert's, then types.
    README: the press holds for one message; a later press replaces the earlier one."""
    await _ready(scene)
    anna_chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.bert, scene.group, "Hello all")
    await scene.say(scene.anna, anna_chat, "Vraag van Anna")
    anna_copy = scene.last(hub)
    await scene.say(scene.bert, scene.private(scene.bert), "Question from Bert")
    bert_copy = scene.last(hub)
    before = len(scene.sim.bot_messages(anna_chat))
    await scene.press(scene.hubhome, anna_copy, "↩️ Antwoorden")
    await scene.press(scene.hubhome, bert_copy, "↩️ Antwoorden")
    await scene.say(scene.hubhome, hub, "Sure, Bert")
    assert scene.last(scene.private(scene.bert)).plain_text.endswith("Sure, Bert")
    assert len(scene.sim.bot_messages(anna_chat)) == before


async def test_start_after_leaving_the_group_is_no_longer_a_member_greeting(
    scene: Scene,
) -> None:
    """Anna leaves De Linde and types /start. README: someone who already belongs to one is
    greeted as known — someone who left no longer belongs."""
    await scene.with_roles(linked=(scene.anna,))
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    await scene.say(scene.anna, scene.private(scene.anna), "/start")
    assert "De Linde" not in scene.last(scene.private(scene.anna)).plain_text


async def test_a_hub_home_and_liaison_elsewhere_sees_no_hidden_request_of_the_other(
    scene: Scene,
) -> None:
    """Hanneke is hub home of De Linde and liaison of De Eik, where Anna asks Bert (hub home)
    only. Her overview and her weekly look ahead. README: hub-home-only ones are marked 🔒,
    for the hub home only."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    eik = await de_eik(scene, [scene.hubhome, scene.anna])
    await give_role(scene, scene.hubhome, "/contactpersoon", eik)
    await compose_hidden(scene, scene.anna, pick="De Eik")
    assert stored(scene, "SELECT count(*) FROM help_requests WHERE visibility = 'hubhome'") == [
        (1,)
    ]
    await scene.say(scene.anna, eik, "/hulpvraag #spullen Een kinderzitje")
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/weekoverzicht aan")
    shown = await overview_of(scene, scene.hubhome)
    assert "Een kinderzitje" in shown.plain_text
    assert not reveals(shown.plain_text)
    assert not any(reveals(t) for row in shown.button_texts for t in row)
    await at(scene, SUNDAY_EVENING)
    (week,) = weeks(scene, scene.private(scene.hubhome))
    assert "Een kinderzitje" in week.plain_text and not reveals(week.plain_text)


async def test_only_marks_in_the_private_flow_are_no_request_text(scene: Scene) -> None:
    """``/hulpvraag !`` in the private chat (the guided flow), then ``?!`` as the text.
    README: only marks (``!``, ``?!``) is no request: you are shown how to ask."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/hulpvraag !")
    first = scene.last(anna)
    labels = [t for row in first.button_texts for t in row]
    if "🧸 Oppas" in labels:
        await scene.press(scene.anna, first, "🧸 Oppas")
    await scene.say(scene.anna, anna, "?!")
    asked = scene.last(anna).plain_text
    assert not asked.startswith("Wanneer is het nodig?")
    assert stored(scene, "SELECT count(*) FROM help_requests") == [(0,)]


# -- the bot's own rights --------------------------------------------------------------------


async def test_setup_when_telegram_cannot_say_who_is_admin(scene: Scene) -> None:
    """While /instellen asks Telegram whether Sandra is an admin, Telegram answers 500 (and
    for /kerngezin, twice). README: group admins are checked with Telegram on every
    use — a Telegram hiccup is no proof she is not one: she must not be told "only an admin
    may", but that something went wrong, and a second try works."""
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin, as_admin=True)
    await scene.bot.settle()
    scene.sim.inject_fault("getChatMember", error_code=500)
    await scene.say(scene.admin, scene.group, "/instellen De Linde")
    told = scene.last(scene.group).plain_text
    assert "alleen een beheerder" not in told
    assert told.startswith("Sorry, er ging iets mis aan mijn kant")
    await scene.say(scene.admin, scene.group, "/instellen De Linde")
    assert scene.last(scene.group).plain_text.startswith(
        "✅ Deze groep is nu constellatie De Linde."
    )
    hello = await scene.say(scene.hubhome, scene.group, "hoi")
    scene.sim.inject_fault("getChatMember", error_code=500, times=2)
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=hello)
    assert "beheerder" not in scene.last(scene.group).plain_text
    # /help is for everyone: a hiccup only leaves the admin lines out.
    scene.sim.inject_fault("getChatMember", error_code=500)
    await scene.say(scene.admin, scene.group, "/hulp")
    assert not scene.last(scene.group).plain_text.startswith("Sorry")


async def test_setups_more_button_forged_onto_a_card_changes_nothing(scene: Scene) -> None:
    """The data of "Meer uitleg" under /instellen, pressed by a member on a request card.
    README: the answer fits one phone screen, Meer uitleg adds how the constellation works —
    on that message, not on another."""
    await scene.set_up("De Linde")
    setup = scene.last(scene.group)
    more = next(b.callback_data for row in setup.buttons for b in row if b.callback_data)
    assert more is not None
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Oppas vrijdag")
    card = scene.last(scene.group)
    text = card.plain_text
    await scene.forge(scene.anna, card, more)
    assert scene.refreshed(card).plain_text == text
    assert units(scene.refreshed(setup).plain_text) <= 4096
