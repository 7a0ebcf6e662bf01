"""Attacks, round three, on what changed last: request buttons that name a request as its card
shows it (constellation and number, "p" for a hub-home-only one), answers on the private line
checked against the role the copy was given in and the writer still belonging, and the cancel
question of a meetup series that names the date it showed.

Each test is something a person can do through Telegram: press a button (or, with a modified
client, press data the message never offered), reply, leave, come back, erase themselves.
Eight of them broke a promise when they were written (each docstring says what the person saw)
and were fixed since; the others held from the start.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta

from bot.domain import RequestState
from bot.handlers.privacy import run_retention
from bot.simulator.world import SimChat, SimMessage, SimUser
from bot.storage.db import to_db_time
from tests.e2e.attacks import (
    SECRET,
    STALE,
    STALE_EN,
    clock_of,
    compose_hidden,
    constellation_id_of,
    de_eik,
    everyone_may_claim,
    give_role,
    reveals,
    second_carer,
    texts_in,
)
from tests.e2e.conftest import Scene
from tests.e2e.safety import changed_tables, snapshot

REFUSED = "🚫 Dit antwoord stuur ik niet door"
REFUSED_EN = "🚫 I have not passed this answer on"
MEMBER_GONE = "Ik kan niet meer vinden van wie dit bericht was; je antwoord is niet verstuurd."
ONLY_24 = "Alleen dinsdag 24 november, 19:30"
NOT_ALLOWED_CHANGE = (
    "Alleen wie het plande, het kerngezin of de contactpersoon kan dit afzeggen of wijzigen."
)


# -- helpers (after test_attacks_on_authority.py) ---------------------------------------------


def _stored(scene: Scene) -> dict[str, list[tuple[object, ...]]]:
    return snapshot(scene.bot.settings.database_path)


def _changed(scene: Scene, before: dict[str, list[tuple[object, ...]]]) -> list[str]:
    return changed_tables(before, _stored(scene))


def _query(scene: Scene, sql: str, *args: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(scene.bot.settings.database_path)) as db:
        return list(db.execute(sql, args))


def _one_int(scene: Scene, sql: str, *args: object) -> int:
    rows = _query(scene, sql, *args)
    assert len(rows) == 1 and isinstance(rows[0][0], int), (sql, rows)
    return rows[0][0]


def _all_private(scene: Scene) -> list[SimChat]:
    """Every person's private chat with the bot."""
    bot = scene.sim.bot.id
    return [scene.private(user) for user in scene.sim.users.values() if user.id != bot]


async def _popup(scene: Scene, user: SimUser, message: SimMessage, data: str) -> tuple[str, bool]:
    """A forged press: the popup's text and whether it was an alert (both are visible)."""
    query_id = await scene.sim.press_forged(user, message, data)
    await scene.bot.settle()
    answer = await scene.sim.wait_callback_answer(query_id)
    return answer.text or "", answer.show_alert


async def _anna_erases_herself(scene: Scene) -> None:
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/vergeetmij")
    await scene.press(scene.anna, scene.last(anna), "🗑️ Ja, wis alles")


async def _answer_after_anna_erased(
    scene: Scene, carer: SimUser, copy: SimMessage, bystander: SimUser
) -> None:
    """Anna erases herself; ``carer`` then replies to their copy of her message: it reaches
    neither Anna nor ``bystander`` (who would get it as a new message of the carer's), and the
    carer is told it was not sent."""
    await _anna_erases_herself(scene)
    watched = scene.private(bystander)
    before = scene.bot_texts(watched)
    answer = "Zal ik Noor morgen ophalen?"
    await scene.say(carer, scene.private(carer), answer, reply_to=copy)
    assert scene.bot_texts(watched) == before
    assert answer not in texts_in(scene, scene.private(scene.anna))
    _told_not_sent(scene, scene.private(carer))


def _told_not_sent(scene: Scene, chat: SimChat) -> None:
    """The carer hears their answer was not sent (and why)."""
    told = scene.last(chat).plain_text
    assert told.startswith(REFUSED) or told == MEMBER_GONE, told


async def _shared_with_the_liaison(scene: Scene) -> SimMessage:
    """Anna writes and lets the liaison read along: Lotte's copy."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    await _anna_writes(scene)
    await scene.press(
        scene.anna, scene.last(scene.private(scene.anna)), "🤝 Ook naar de contactpersoon"
    )
    copy = scene.last(scene.private(scene.liaison))
    assert copy.plain_text.endswith(SECRET)
    return copy


async def _anna_writes(scene: Scene, text: str = SECRET) -> SimMessage:
    """Anna writes on the private line; Hanneke's copy of it."""
    await scene.say(scene.anna, scene.private(scene.anna), text)
    copy = scene.last(scene.private(scene.hubhome))
    assert copy.plain_text.endswith(text)
    return copy


async def _cancelled_after(scene: Scene, moment: str) -> int:
    """How many dates starting after ``moment`` (as stored) are cancelled."""
    return _one_int(
        scene,
        "SELECT COUNT(*) FROM occurrences WHERE cancelled_at IS NOT NULL AND starts_at > ?",
        moment,
    )


def _now(scene: Scene) -> str:
    return to_db_time(clock_of(scene).now())


async def _series_question(scene: Scene) -> SimMessage:
    """Hanneke plans coffee every Tuesday and asks to cancel it: the question."""
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst elke dinsdag 19:30 | Koffie")
    await scene.say(scene.hubhome, scene.group, "/afzeggen 1")
    question = scene.last(scene.group)
    assert question.button_texts == [[ONLY_24], ["De hele reeks"], ["Niets, laat maar"]]
    return question


# == 1. request buttons that name a request as its card shows it ===============================


async def test_every_spelling_of_a_hidden_reference_answers_like_a_missing_request(
    scene: Scene,
) -> None:
    """The liaison, a member where every member may claim, a carer of another constellation
    and an outsider forge every action on the hidden P1 — as p1, p01, p000…1 — and on P2 and
    a huge P-number that do not exist, in their private chat and in the group: the popup (its
    text and whether it is an alert) is the same, nothing is stored, nothing reaches them.
    A group number used as a P-number, and P1's number as a group number, find nothing."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna, scene.bert))
    await everyone_may_claim(scene)
    await scene.say(scene.bert, scene.group, "/hulpvraag #vervoer Lift naar school?")
    await scene.say(scene.bert, scene.group, "/hulpvraag #spullen Wie heeft een tent?")
    await compose_hidden(scene, scene.anna)
    linde = await constellation_id_of(scene)
    eik = await de_eik(scene, [scene.anna])
    olaf = scene.sim.add_user("Olaf", language_code="nl")
    await scene.say(olaf, scene.private(olaf), "/start")
    hidden_spellings = ("p1", "p01", "p" + "0" * 17 + "1")
    missing_spellings = ("p2", "p3", "p" + "9" * 18)
    stored = _stored(scene)
    seen = {u.id: texts_in(scene, scene.private(u)) for u in (scene.liaison, scene.bert, olaf)}
    for user in (scene.liaison, scene.bert, olaf):
        for chat in (scene.private(user), scene.group, eik):
            message = scene.last(chat)
            for action in ("claim", "rel", "done", "wd", "back", "out"):
                tail = ":h" if action == "out" else ""
                answers = {
                    await _popup(scene, user, message, f"req:v1:{action}:{linde}:{shown}{tail}")
                    for shown in hidden_spellings + missing_spellings
                }
                assert len(answers) == 1, (user.first_name, chat.label, action, answers)
                assert next(iter(answers))[0] in (STALE, STALE_EN)
    # The hub home herself: the group's #2 as "p2" and the hidden P1 as group number "3".
    hub = scene.private(scene.hubhome)
    for data in (f"req:v1:claim:{linde}:p2", f"req:v1:claim:{linde}:3"):
        assert (await _popup(scene, scene.hubhome, scene.last(hub), data))[0] == STALE
    assert _changed(scene, stored) == []
    for user in (scene.liaison, scene.bert, olaf):
        assert texts_in(scene, scene.private(user)) == seen[user.id]
    assert not reveals(texts_in(scene, scene.group, eik))


async def test_old_global_ids_give_no_gap_away(scene: Scene) -> None:
    """Older cards carried a request's global id, shared by group and hidden requests; the bot
    still honours it. Bert, a member, presses "Toch niet" with forged global ids 1, 2, 3 in
    the group: if 1 and 3 answer as requests of his group and 2 as a missing button, he knows
    a request exists between his group's #1 and #2 that is not his group's — with one
    constellation on the bot, a hidden one."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    await scene.say(scene.anna, scene.group, "/hulpvraag #vervoer Lift naar school?")
    await compose_hidden(scene, scene.anna)
    await scene.say(scene.anna, scene.group, "/hulpvraag #spullen Wie heeft een tent?")
    ids = [row[0] for row in _query(scene, "SELECT id FROM help_requests ORDER BY id")]
    hidden = _one_int(scene, "SELECT id FROM help_requests WHERE visibility = 'hubhome'")
    assert ids == [1, 2, 3] and hidden == 2
    stored = _stored(scene)
    card = scene.last(scene.group)
    answers = [
        (await _popup(scene, scene.bert, card, f"req:v1:rel:{request_id}"))[0] for request_id in ids
    ]
    assert _changed(scene, stored) == []
    # The hidden id must answer like its neighbours, or the gap shows.
    gap = answers[1] == STALE and STALE not in (answers[0], answers[2])
    assert not gap, answers


async def test_another_constellations_requests_cannot_be_worked_from_here(
    scene: Scene,
) -> None:
    """Hanneke is De Linde's hub home and a member of De Eik; Lotte is only in De Linde. They
    forge references to De Eik's group request #1 and hidden P1 in De Linde's group and in
    their private chats: nothing changes, De Eik's hidden request answers like a missing one,
    and De Eik's #1 exists only for Hanneke, in her own chat (she is a member there)."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna))
    eik = await de_eik(scene, [scene.anna, scene.hubhome])
    await scene.say(scene.anna, eik, "/hulpvraag #oppas Wie past vrijdag op?")
    await compose_hidden(scene, scene.anna, pick="De Eik")
    assert scene.last(scene.private(scene.bert)).plain_text.startswith("🆘 Request #P1")
    eik_id = await constellation_id_of(scene, eik)
    stored = _stored(scene)
    for user in (scene.hubhome, scene.liaison):
        for chat in (scene.private(user), scene.group):
            message = scene.last(chat)
            hidden = await _popup(scene, user, message, f"req:v1:claim:{eik_id}:p1")
            missing = await _popup(scene, user, message, f"req:v1:claim:{eik_id}:p7")
            assert hidden == missing and hidden[0] == STALE
            # De Eik's group request: not from De Linde's group, not by an outsider to it.
            popup, _ = await _popup(scene, user, message, f"req:v1:claim:{eik_id}:1")
            if user is scene.hubhome and chat.id == user.id:
                # A member of De Eik, in her own chat: she sees it, and may not take it on.
                assert popup.startswith("Alleen het kerngezin en de contactpersoon")
            else:
                assert popup == STALE
    assert _changed(scene, stored) == []
    assert not reveals(texts_in(scene, scene.private(scene.hubhome), scene.group, eik))


async def test_a_removed_member_and_an_outsider_change_nothing_with_todays_buttons(
    scene: Scene,
) -> None:
    """Every member may claim. Bert is removed; Olaf was never in the group. Both press the
    card's buttons in the group and forge its reference in their private chats: nothing is
    stored and the card does not change."""
    await scene.with_roles(linked=(scene.anna, scene.bert))
    await everyone_may_claim(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    card = scene.last(scene.group)
    await scene.sim.user_removed(scene.group, scene.bert, by=scene.admin)
    await scene.bot.settle()
    olaf = scene.sim.add_user("Olaf", language_code="nl")
    await scene.say(olaf, scene.private(olaf), "/start")
    linde = await constellation_id_of(scene)
    stored = _stored(scene)
    for user in (scene.bert, olaf):
        await scene.press(user, card, "🙋 Ik help")
        for data in (f"req:v1:claim:{linde}:1", f"req:v1:out:{linde}:1:h", f"req:v1:wd:{linde}:1"):
            popup, _ = await _popup(scene, user, scene.last(scene.private(user)), data)
            assert popup in (STALE, STALE_EN), (user.first_name, data)
    assert _changed(scene, stored) == []
    assert "helpt" not in scene.refreshed(card).plain_text
    request = await scene.bot.app.bot_data.services.requests.by_number_in(linde, 1)
    assert request is not None and request.state is RequestState.OPEN


async def test_the_old_chat_after_the_upgrade_works_only_for_its_own_old_cards(
    scene: Scene,
) -> None:
    """After the upgrade, Hanneke presses in the old group: a request made in the supergroup
    since, and the hidden request, by their references — both refused like a missing one,
    and nothing stored. The old card itself still works there."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    old_card = scene.last(scene.group)
    await compose_hidden(scene, scene.anna)
    linde = await constellation_id_of(scene)
    supergroup = await scene.sim.upgrade_to_supergroup(scene.group, by=scene.admin)
    await scene.bot.settle()
    await scene.say(scene.anna, supergroup, "/hulpvraag #vervoer Lift naar school?")
    assert scene.last(supergroup).plain_text.startswith("🆘 Hulpvraag #2")
    stored = _stored(scene)
    for data in (f"req:v1:claim:{linde}:2", f"req:v1:claim:{linde}:p1"):
        missing = await _popup(scene, scene.hubhome, old_card, f"req:v1:claim:{linde}:9")
        assert await _popup(scene, scene.hubhome, old_card, data) == missing
        assert missing[0] == STALE
    assert _changed(scene, stored) == []
    assert await scene.press(scene.hubhome, old_card, "🙋 Ik help") == (
        "Dank je wel! Je helpt met hulpvraag #1."
    )
    assert not reveals(texts_in(scene, scene.group, supergroup))


# == 2. answers on the private line ============================================================


async def test_a_carer_made_member_and_hub_home_again_may_answer_again(scene: Scene) -> None:
    """Hanneke gets Anna's message as hub home; she is made a member (her answer is refused
    and goes nowhere), then hub home again: now her answer reaches Anna, once."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await second_carer(scene)
    copy = await _anna_writes(scene)
    hub, anna = scene.private(scene.hubhome), scene.private(scene.anna)
    await give_role(scene, scene.hubhome, "/lid")
    await scene.say(scene.hubhome, hub, "Eerste antwoord", reply_to=copy)
    assert scene.last(hub).plain_text.startswith(REFUSED)
    assert "Eerste antwoord" not in texts_in(scene, anna)
    await give_role(scene, scene.hubhome, "/kerngezin")
    await scene.say(scene.hubhome, hub, "Tweede antwoord", reply_to=copy)
    assert [t for t in scene.bot_texts(anna) if "Tweede antwoord" in t] == [
        "🏠 Hanneke (kerngezin):\n\nTweede antwoord"
    ]
    assert "Eerste antwoord" not in texts_in(scene, *_all_private(scene))


async def test_a_member_who_left_is_not_answered_and_once_back_is_again(scene: Scene) -> None:
    """Anna writes, leaves the group: Hanneke's answer is refused and goes nowhere (not to
    Anna, not to another carer as a message of Hanneke's). Anna comes back and says hello:
    the next answer reaches her."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    henk = await second_carer(scene)
    copy = await _anna_writes(scene)
    hub, anna = scene.private(scene.hubhome), scene.private(scene.anna)
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    await scene.say(scene.hubhome, hub, "Terwijl je weg bent", reply_to=copy)
    assert scene.last(hub).plain_text.startswith(REFUSED)
    assert "Terwijl je weg bent" not in texts_in(scene, anna, scene.private(henk))
    await scene.sim.user_joins(scene.group, scene.anna)
    await scene.bot.settle()
    await scene.say(scene.anna, scene.group, "Ik ben er weer")
    await scene.say(scene.hubhome, hub, "Fijn dat je terug bent", reply_to=copy)
    assert scene.last(anna).plain_text.endswith("Fijn dat je terug bent")
    assert "Terwijl je weg bent" not in texts_in(scene, anna, scene.private(henk))


async def test_a_liaisons_answer_to_an_erased_member_is_not_passed_on_as_a_new_message(
    scene: Scene,
) -> None:
    """Anna lets the liaison read along, then erases herself (/vergeetmij). Lotte replies to
    her copy: it must reach nobody — not Anna, and not the hub home as a message of Lotte's —
    and Lotte is told it was not sent."""
    copy = await _shared_with_the_liaison(scene)
    await _answer_after_anna_erased(scene, scene.liaison, copy, scene.hubhome)


async def test_a_carer_in_two_constellations_answering_an_erased_member_reaches_no_one(
    scene: Scene,
) -> None:
    """Hanneke is De Linde's hub home and a member of De Eik, where she chose to send her
    own messages. Anna erases herself; Hanneke replies to Anna's old message. Her words about
    Anna's foster child must not go to De Eik's hub home as a message of hers."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await de_eik(scene, [scene.hubhome])
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/hubhomeprive")
    await scene.press(scene.hubhome, scene.last(hub), "De Eik")
    copy = await _anna_writes(scene)
    await _answer_after_anna_erased(scene, scene.hubhome, copy, scene.bert)


async def test_a_carer_in_two_constellations_is_refused_only_where_her_role_changed(
    scene: Scene,
) -> None:
    """Hanneke is hub home of De Linde and De Eik; Anna, in both, writes to each. Hanneke is
    made a member in De Linde: her answer to the De Linde message is refused (naming De
    Linde), her answer to the De Eik message reaches Anna."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    eik = await de_eik(scene, [scene.anna, scene.hubhome])
    await give_role(scene, scene.hubhome, "/kerngezin", eik)
    anna, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, anna, "Voor De Linde")
    await scene.press(scene.anna, scene.last(anna), "De Linde")
    linde_copy = scene.last(hub)
    assert linde_copy.plain_text.endswith("Voor De Linde")
    await scene.say(scene.anna, anna, "/hubhomeprive")
    await scene.press(scene.anna, scene.last(anna), "De Eik")
    await scene.say(scene.anna, anna, "Voor De Eik")
    eik_copy = scene.last(hub)
    assert "De Eik" in eik_copy.plain_text and eik_copy.plain_text.endswith("Voor De Eik")
    await second_carer(scene)
    await give_role(scene, scene.hubhome, "/lid")
    await scene.say(scene.hubhome, hub, "Antwoord Linde", reply_to=linde_copy)
    assert scene.last(hub).plain_text == (
        f"{REFUSED}: je kreeg dat bericht als kerngezin van De Linde, en dat ben je nu niet meer."
    )
    await scene.say(scene.hubhome, hub, "Antwoord Eik", reply_to=eik_copy)
    assert scene.last(anna).plain_text.endswith("Antwoord Eik")
    assert "Antwoord Linde" not in texts_in(scene, *_all_private(scene))


async def test_english_speaking_carers_are_told_why_in_english(scene: Scene) -> None:
    """Bert (English) is a second hub home carer. Anna writes; Bert is made a member and
    answers: refused, in English. Bert is hub home again, Anna leaves, Bert answers: refused,
    in English, naming Anna. Nothing reaches Anna."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    await give_role(scene, scene.bert, "/kerngezin")
    await _anna_writes(scene)
    berts = scene.private(scene.bert)
    copy = scene.last(berts)
    assert copy.plain_text.endswith(SECRET)
    anna_before = scene.bot_texts(scene.private(scene.anna))
    await give_role(scene, scene.bert, "/lid")
    await scene.say(scene.bert, berts, "Hang in there", reply_to=copy)
    assert scene.last(berts).plain_text == (
        f"{REFUSED_EN}: you got that message as the hub home of De Linde, and you no longer are."
    )
    await give_role(scene, scene.bert, "/kerngezin")
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    await scene.say(scene.bert, berts, "Call me", reply_to=copy)
    assert scene.last(berts).plain_text == (
        f"{REFUSED_EN}: Anna is no longer part of De Linde. If you still want to reach them,"
        " give them a call or ask the liaison."
    )
    assert scene.bot_texts(scene.private(scene.anna)) == anna_before
    assert "Hang in there" not in texts_in(scene, scene.private(scene.hubhome))


async def test_a_hub_homes_answer_to_an_erased_member_is_refused_with_the_reason(
    scene: Scene,
) -> None:
    """Anna erases herself; Hanneke replies to Anna's old message, as she always does. She
    must be told her answer was not sent because its writer is gone — not that she should
    long-press the message and choose Reply (which is what she did)."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    copy = await _anna_writes(scene)
    await _anna_erases_herself(scene)
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "Hoe is het nu?", reply_to=copy)
    assert "Hoe is het nu?" not in texts_in(scene, *_all_private(scene))
    _told_not_sent(scene, hub)


async def test_a_queued_answer_does_not_reach_a_member_who_left_before_it_went(
    scene: Scene,
) -> None:
    """Telegram is slow for Anna when Hanneke answers: the answer waits in the outbox. Anna
    leaves the group before it goes. Once she has left, answers to her go nowhere — also
    this one, drawn when it is sent."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    copy = await _anna_writes(scene)
    anna, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    # Slow for the answer itself and for the outbox's first try right after it.
    scene.sim.inject_fault("sendMessage", chat_id=anna.id, error_code=502, times=2)
    await scene.say(scene.hubhome, hub, "Ik kom morgen langs", reply_to=copy)
    assert scene.last(hub).plain_text.startswith("📤 Telegram is even traag.")
    assert "Ik kom morgen langs" not in texts_in(scene, anna)
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    for _ in range(3):
        clock_of(scene).advance(timedelta(minutes=10))
        await scene.bot.tick()
    assert "Ik kom morgen langs" not in texts_in(scene, anna)


async def test_a_liaisons_answer_to_a_message_past_retention_is_not_sent_to_the_hub_home(
    scene: Scene,
) -> None:
    """Anna let the liaison read along; 91 days later (its routing ids removed by the
    retention run) Lotte replies to that copy. Her answer for Anna must not go to the hub
    home as a new message of Lotte's."""
    copy = await _shared_with_the_liaison(scene)
    clock_of(scene).advance(timedelta(days=91))
    await run_retention(scene.bot.app)  # the nightly run
    await scene.bot.tick()
    assert _one_int(scene, "SELECT COUNT(*) FROM line_messages") == 0
    lotte = scene.private(scene.liaison)
    await scene.say(scene.liaison, lotte, "Sorry voor de late reactie, Anna", reply_to=copy)
    assert "Sorry voor de late reactie" not in texts_in(scene, scene.private(scene.hubhome))


# == 3. cancelling a meetup series =============================================================


async def test_only_the_date_it_showed_after_that_date_was_moved_cancels_nothing_else(
    scene: Scene,
) -> None:
    """The question offers "Alleen dinsdag 24 november, 19:30". Before Hanneke taps it, Lotte
    moves that date to Thursday with /wijzigen. The tap must not cancel Thursday 26 November,
    a date the button never showed."""
    await scene.with_roles()
    question = await _series_question(scene)
    await scene.say(scene.liaison, scene.group, "/wijzigen 1 donderdag 20:00")
    assert scene.last(scene.group).plain_text.startswith("✏️ #1 Koffie is gewijzigd")
    assert "26 november" in scene.last(scene.group).plain_text
    await scene.press(scene.hubhome, question, ONLY_24)
    assert await _cancelled_after(scene, _now(scene)) == 0
    assert "26 november" not in scene.refreshed(question).plain_text


async def test_a_planner_removed_from_the_group_cannot_cancel_from_an_old_question(
    scene: Scene,
) -> None:
    """Hanneke planned the series and asked to cancel it; she is removed from the group.
    Pressing "De hele reeks" on the old question (a removed member may press an old
    button) changes nothing."""
    await scene.with_roles()
    question = await _series_question(scene)
    await scene.sim.user_removed(scene.group, scene.hubhome, by=scene.admin)
    await scene.bot.settle()
    stored = _stored(scene)
    await scene.press(scene.hubhome, question, "De hele reeks")
    assert _changed(scene, stored) == []
    assert scene.refreshed(question).plain_text == question.plain_text


async def test_who_may_not_change_it_cannot_answer_the_cancel_question(scene: Scene) -> None:
    """A member, an outsider, and the liaison made a member press every answer of the
    question Hanneke asked: each is told who may, the question stays, nothing is stored."""
    await scene.with_roles()
    question = await _series_question(scene)
    await give_role(scene, scene.liaison, "/lid")
    olaf = scene.sim.add_user("Olaf", language_code="nl")
    stored = _stored(scene)
    for user in (scene.anna, scene.bert, scene.liaison, olaf):
        for label in (ONLY_24, "De hele reeks", "Niets, laat maar"):
            assert await scene.press(user, question, label) == NOT_ALLOWED_CHANGE
    assert _changed(scene, stored) == []
    assert scene.refreshed(question).plain_text == question.plain_text


async def test_forged_cancel_answers_change_nothing(scene: Scene) -> None:
    """Hanneke, who may cancel everything here, forges the question's data: "only" a later
    date of the same series, a date of another meetup, a date and a meetup of De Eik; and she
    presses the question's own data in De Eik's group and on a card. Nothing is stored."""
    await scene.with_roles()
    question = await _series_question(scene)
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst elke donderdag 20:00 | Thee")
    eik = await de_eik(scene, [scene.hubhome])
    await give_role(scene, scene.hubhome, "/kerngezin", eik)
    await scene.say(scene.hubhome, eik, "/bijeenkomst elke woensdag 10:00 | Wandelen")
    await scene.say(scene.hubhome, eik, "/afzeggen 1")
    eik_question = scene.last(eik)
    assert eik_question.plain_text.startswith("#1 Wandelen komt vaker terug")
    koffie, thee, wandelen = (
        _one_int(scene, "SELECT id FROM meetups WHERE title = ?", title)
        for title in ("Koffie", "Thee", "Wandelen")
    )
    first_koffie = _one_int(scene, "SELECT MIN(id) FROM occurrences WHERE meetup_id = ?", koffie)
    # A later date of the series exists once it is announced.
    clock_of(scene).advance(timedelta(days=3))
    await scene.bot.tick()
    dates = {
        meetup: [
            row[0]
            for row in _query(
                scene, "SELECT id FROM occurrences WHERE meetup_id = ? ORDER BY starts_at", meetup
            )
        ]
        for meetup in (koffie, thee, wandelen)
    }
    later_koffie = [o for o in dates[koffie] if o != first_koffie]
    assert later_koffie, dates
    stored = _stored(scene)
    forged = [
        f"mt:v1:cx:{koffie}:date:{later_koffie[0]}",
        f"mt:v1:cx:{koffie}:date:{dates[thee][0]}",
        f"mt:v1:cx:{koffie}:date:{dates[wandelen][0]}",
        f"mt:v1:cx:{wandelen}:all",
        f"mt:v1:cx:{thee}:all",
        f"mt:v1:cx:{koffie}:date:0{first_koffie}",
        f"mt:v1:cx:{koffie}:one",
    ]
    for data in forged:
        popup, _ = await _popup(scene, scene.hubhome, question, data)
        assert popup == STALE, data
    own = f"mt:v1:cx:{koffie}:all"
    for message in (eik_question, scene.last(eik)):
        popup, _ = await _popup(scene, scene.hubhome, message, own)
        assert popup == STALE
    assert _changed(scene, stored) == []
