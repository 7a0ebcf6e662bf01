"""/privacy, /forgetme and retention, end to end."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.clock import FakeClock
from bot.handlers.privacy import run_retention
from bot.simulator.world import SimUser
from tests.e2e.conftest import Scene, database_numbers, database_text


async def _ready(scene: Scene) -> None:
    await scene.set_up("De Linde")
    hello = await scene.say(scene.hubhome, scene.group, "hoi")
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=hello)
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/start")
    await scene.say(scene.anna, scene.group, "Goedemorgen")
    await scene.say(scene.anna, scene.private(scene.anna), "/start")


def _rows(scene: Scene, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return list(db.execute(sql, params))


def _clock(scene: Scene) -> FakeClock:
    clock = scene.bot.app.bot_data.services.clock
    assert isinstance(clock, FakeClock)
    return clock


async def test_privacy_explains_in_plain_words(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/privacy")
    text = scene.last(scene.group).plain_text
    assert text.startswith("Privacy: wat ik bewaar")
    assert "na 90 dagen" in text and "/vergeetmij" in text
    await scene.say(scene.bert, scene.private(scene.bert), "/privacy")
    assert scene.last(scene.private(scene.bert)).plain_text.startswith("Privacy: what I keep")


async def test_forget_me_erases_the_person_everywhere(scene: Scene) -> None:
    await _ready(scene)
    anna_chat = scene.private(scene.anna)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Oppas voor Sem vrijdag")
    open_card = scene.last(scene.group)
    await scene.say(scene.anna, scene.group, "/hulpvraag #spullen Een kinderzitje lenen")
    await scene.say(scene.hubhome, scene.group, "/ikhelp 2")
    await scene.say(scene.hubhome, scene.group, "/klaar 2 geholpen")
    await scene.say(scene.admin, scene.group, "/instellingen")
    await scene.press(scene.admin, scene.last(scene.group), "👪 Iedereen")
    await scene.say(scene.bert, scene.group, "/request Lift to school tomorrow")
    bert_card = scene.last(scene.group)
    await scene.press(scene.anna, bert_card, "🙋 Ik help")
    await scene.say(scene.anna, anna_chat, "Mag ik je iets vragen over Noor?")
    copy = scene.last(scene.private(scene.hubhome))
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "Natuurlijk", reply_to=copy)
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    await scene.press(scene.anna, scene.last(scene.group), "✅ Ik kom")
    await scene.say(scene.anna, anna_chat, "/weekoverzicht aan")

    await scene.say(scene.anna, scene.group, "/vergeetmij")
    assert scene.last(scene.group).plain_text.startswith("Stuur /vergeetmij in een privéchat")
    await scene.say(scene.anna, anna_chat, "/vergeetmij")
    confirm = scene.last(anna_chat)
    assert confirm.plain_text.startswith("Al je gegevens wissen?")
    await scene.press(scene.anna, confirm, "Nee, toch niet")
    assert scene.refreshed(confirm).plain_text == "Goed, ik heb niets gewist."
    assert _rows(scene, "SELECT count(*) FROM people WHERE first_name = 'Anna'") == [(1,)]

    await scene.say(scene.anna, anna_chat, "/vergeetmij")
    confirm = scene.last(anna_chat)
    # Nobody else can confirm it for her, not even with a forged press in the group.
    popup = await scene.forge(scene.bert, scene.last(scene.group), "forget:v1:yes")
    assert popup == "Deze knop werkt niet meer."
    assert _rows(scene, "SELECT count(*) FROM people WHERE first_name = 'Anna'") == [(1,)]
    await scene.press(scene.anna, confirm, "🗑️ Ja, wis alles")
    done = scene.refreshed(confirm).plain_text
    assert done.startswith("✅ Gewist.")
    assert "Lidmaatschappen: 1" in done
    assert "Hulpvragen waarvan de tekst is gewist: 2" in done
    assert "Koppelingen van privéberichten: 2" in done  # her message and the answer to it

    # Requests stay as anonymous counts; hers are withdrawn, the one she helped is open again.
    rows = _rows(scene, "SELECT number, state, text, requester_id, claimed_by FROM help_requests")
    by_number = {row[0]: row[1:] for row in rows}
    assert by_number[1] == ("withdrawn", None, None, None)
    assert by_number[2] == ("resolved", None, None, scene.hubhome.id)  # Hanneke stays
    assert by_number[3][0] == "open" and by_number[3][3] is None
    memberships = _rows(scene, "SELECT count(*) FROM memberships WHERE user_id = ?", scene.anna.id)
    assert memberships == [(0,)]
    assert _rows(scene, "SELECT count(*) FROM weekly_optin") == [(0,)]  # she asked for it
    stored = database_text(scene.bot.settings.database_path)
    for trace in ("Anna", "Oppas voor Sem", "kinderzitje"):
        assert trace not in stored
    assert scene.anna.id not in database_numbers(scene.bot.settings.database_path)
    # The cards in the group no longer show her words or name.
    card = scene.refreshed(open_card)
    assert card.plain_text.splitlines()[1:4] == ["Van: iemand (gewist)", "", "(tekst verwijderd)"]
    assert card.plain_text.endswith("↩️ Ingetrokken")
    assert scene.refreshed(bert_card).plain_text.endswith("🟢 Open: wie kan helpen?")
    # Bert's own data is untouched.
    assert _rows(scene, "SELECT count(*) FROM people WHERE first_name = 'Bert'") == [(1,)]


async def test_retention_removes_old_texts_and_routing(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag Boodschappen doen")
    await scene.say(scene.anna, scene.group, "/intrekken 1")
    await scene.say(scene.anna, scene.group, "/hulpvraag Nog open: een fiets")
    await scene.say(scene.anna, scene.private(scene.anna), "Even bellen?")
    copy = scene.last(scene.private(scene.hubhome))

    _clock(scene).advance(timedelta(days=89))
    await run_retention(scene.bot.app)
    assert _rows(scene, "SELECT number, text IS NULL FROM help_requests ORDER BY number") == [
        (1, 0),
        (2, 0),
    ]
    assert _rows(scene, "SELECT count(*) FROM line_messages") == [(1,)]

    _clock(scene).advance(timedelta(days=2))
    await run_retention(scene.bot.app)
    assert _rows(scene, "SELECT number, text IS NULL FROM help_requests ORDER BY number") == [
        (1, 1),  # closed more than 90 days ago: text gone
        (2, 0),  # still open: kept
    ]
    assert _rows(scene, "SELECT count(*) FROM line_messages") == [(0,)]
    assert _rows(scene, "SELECT count(*) FROM line_copies") == [(0,)]
    # With the routing gone, a reply to the old copy is no longer passed on, and Hanneke is
    # told why (only where her copy was is kept, in her own chat).
    hub = scene.private(scene.hubhome)
    seen = len(scene.bot_texts(hub))
    await scene.say(scene.hubhome, hub, "Sorry, laat", reply_to=copy)
    # (Request #2 is escalated meanwhile: 91 days open.)
    gone = "Ik kan niet meer vinden van wie dit bericht was; je antwoord is niet verstuurd."
    assert gone in scene.bot_texts(hub)[seen:]
    assert "Sorry, laat" not in "\n".join(scene.bot_texts(scene.private(scene.anna)))


async def _erase(scene: Scene, user: SimUser) -> None:
    """``/vergeetmij`` and its confirmation, in their own chat."""
    chat = scene.private(user)
    await scene.say(user, chat, "/vergeetmij")
    confirm = scene.last(chat)
    await scene.press(user, confirm, "🗑️ Ja, wis alles")
    assert scene.refreshed(confirm).plain_text.startswith("✅ Gewist.")


async def test_forget_me_in_the_middle_of_a_request_ends_the_draft_too(scene: Scene) -> None:
    """Anna is writing a request about Sem when she erases herself: what she typed is not
    kept in memory either, the flow's buttons stop, and nothing of it is ever posted."""
    await scene.with_roles(linked=(scene.hubhome,))
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/hulpvraag")
    await scene.press(scene.anna, scene.last(chat), "🚗 Vervoer")
    await scene.say(scene.anna, chat, "Wie kan Sem naar de bezoekregeling brengen?")
    flow = scene.last(chat)
    assert flow.plain_text == "Wanneer is het nodig?"
    await _erase(scene, scene.anna)
    stopped = scene.refreshed(flow)
    assert (stopped.plain_text, stopped.button_texts) == ("Gestopt. Er is niets verstuurd.", [])
    assert not scene.bot.app.user_data.get(scene.anna.id)  # nothing of her in memory
    # Her old buttons do nothing; what she types now goes the usual way (she is nobody's
    # member any more), not into the draft.
    assert await scene.forge(scene.anna, flow, "new:v1:when:none") == "Deze knop werkt niet meer."
    await scene.say(scene.anna, chat, "Morgen om 9 uur graag")
    assert scene.last(chat).plain_text.startswith("Ik weet nog niet bij welke constellatie")
    assert "bezoekregeling" not in database_text(scene.bot.settings.database_path)
    assert not [m for m in scene.sim.bot_messages(scene.group) if "Hulpvraag" in m.plain_text]


async def test_forget_me_in_the_middle_of_planning_an_activity_ends_it(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome,))
    chat = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, chat, "/activiteit")
    await scene.say(scene.hubhome, chat, "Zwemmen met Sem en Lisa")
    flow = scene.last(chat)
    assert flow.plain_text.startswith("Zwemmen met Sem en Lisa: wanneer is het?")
    await _erase(scene, scene.hubhome)
    assert scene.refreshed(flow).button_texts == []
    assert not scene.bot.app.user_data.get(scene.hubhome.id)
    await scene.say(scene.hubhome, chat, "zaterdag 14:00")  # not an answer to the flow
    assert not scene.last(chat).plain_text.startswith("📅 Gelezen als")
    assert "Zwemmen" not in database_text(scene.bot.settings.database_path)


async def test_forget_me_in_the_middle_of_asking_for_a_stay_ends_it(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome,))
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren")
    flow = scene.last(chat)
    assert flow.button_texts  # the first question, with its buttons
    await _erase(scene, scene.anna)
    stopped = scene.refreshed(flow)
    assert (stopped.plain_text, stopped.button_texts) == ("Gestopt. Er is niets verstuurd.", [])
    assert not scene.bot.app.user_data.get(scene.anna.id)
    await scene.say(scene.anna, chat, "2 nachten")  # not an answer to the flow
    assert scene.last(chat).plain_text.startswith("Ik weet nog niet bij welke constellatie")
