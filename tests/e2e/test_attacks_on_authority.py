"""Attacks on three promises: hidden stays hidden, the server is the only authority, and the
private line decides every message afresh.

Each test is something a person can really do: a member, the liaison, a hub home carer of
another constellation, a former hub home carer (their role changed, or they left), someone in
two constellations, an outsider. The first ones broke a promise when they were written (each
says what the person saw) and were fixed since; the others held from the start.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain import RequestState, Visibility
from bot.simulator.world import SimMessage, SimUser
from bot.storage.db import to_db_time
from tests.e2e.attacks import (
    HIDDEN,
    HIDDEN_FLOW,
    SECRET,
    STALE,
    STALE_EN,
    ask_hidden_card,
    clock_of,
    compose_hidden,
    constellation_id_of,
    de_eik,
    everyone_may_claim,
    give_role,
    hidden_request_id,
    reveals,
    second_carer,
    texts_in,
)
from tests.e2e.conftest import Scene
from tests.e2e.safety import changed_tables, offered, snapshot


async def _asked_where_to(scene: Scene) -> SimMessage:
    """Anna, in De Linde and De Eik, writes privately and is asked where it goes."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await de_eik(scene, [scene.anna])
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, SECRET)
    question = scene.last(anna)
    assert question.button_texts == [["De Linde"], ["De Eik"]]
    return question


async def _tap_twice(scene: Scene, question: SimMessage, first: str, second: str) -> None:
    """Anna taps two buttons of the question before the bot answered the first."""
    await scene.sim.press_button(scene.anna, question, first)
    await scene.sim.press_button(scene.anna, question, second)
    await scene.bot.settle()


async def _group_request_id(scene: Scene, number: int) -> int:
    _, request = await scene.bot.app.bot_data.services.requests.by_number(scene.group.id, number)
    return request.id


async def _away_and_back(scene: Scene, *removed: SimUser) -> None:
    """The bot is taken out of De Linde; meanwhile ``removed`` are removed from the group
    (the bot cannot see it); then the bot is added back."""
    await scene.sim.remove_bot_from_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    for user in removed:
        await scene.sim.user_removed(scene.group, user, by=scene.admin)
    await scene.bot.settle()
    seen = len(scene.sim.bot_messages(scene.group))
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin, as_admin=True)
    await scene.bot.settle()
    back = scene.bot_texts(scene.group)[seen:]
    assert back[0].startswith("Ik ben er weer!")
    # Who went while the bot was away is seen going now (the hub home, or the group, hears).
    for user in removed:
        assert any(f"{user.first_name} heeft de groep verlaten" in text for text in back[1:])


async def _cancelled_after(scene: Scene, moment: str) -> int:
    """How many dates starting after ``moment`` (as stored) are cancelled."""
    db = scene.bot.app.bot_data.services.db
    row = await db.reader.fetch_one(
        "SELECT COUNT(*) FROM occurrences WHERE cancelled_at IS NOT NULL AND starts_at > ?",
        (moment,),
    )
    assert row is not None
    return int(row[0])


# == findings: promises broken today ============================================================


async def test_a_carer_removed_while_the_bot_was_away_gets_no_hidden_request(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await _away_and_back(scene, scene.hubhome)
    await compose_hidden(scene, scene.anna)
    assert not reveals(texts_in(scene, scene.private(scene.hubhome)))


async def test_a_private_message_does_not_reach_a_carer_removed_while_the_bot_was_away(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "Eerste vraag")
    await _away_and_back(scene, scene.hubhome)
    await scene.say(scene.anna, anna, SECRET)
    assert SECRET not in texts_in(scene, scene.private(scene.hubhome))


async def test_a_member_removed_while_the_bot_was_away_cannot_claim_when_it_is_back(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.anna, scene.bert))
    await everyone_may_claim(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    card = scene.last(scene.group)
    await _away_and_back(scene, scene.bert)
    await scene.press(scene.bert, card, "🙋 Ik help")
    request = await scene.bot.app.bot_data.services.requests.get(await _group_request_id(scene, 1))
    assert request is not None and request.state is RequestState.OPEN
    assert "Bert helpt" not in scene.refreshed(card).plain_text


async def test_a_role_given_on_an_old_message_of_someone_removed_reveals_nothing_to_them(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    old = await scene.say(scene.bert, scene.group, "Ik ben Bert")
    await scene.sim.user_removed(scene.group, scene.bert, by=scene.admin)
    await scene.bot.settle()
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=old)
    await compose_hidden(scene, scene.anna)
    assert not reveals(texts_in(scene, scene.private(scene.bert)))


async def test_a_former_carer_now_liaison_cannot_answer_an_old_copy(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    await second_carer(scene)
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, SECRET)
    copy = scene.last(scene.private(scene.hubhome))
    assert copy.plain_text.endswith(SECRET)
    await give_role(scene, scene.hubhome, "/contactpersoon")
    await scene.say(
        scene.hubhome, scene.private(scene.hubhome), "Ik bel je vanavond", reply_to=copy
    )
    assert "Ik bel je vanavond" not in texts_in(scene, anna)


async def test_two_quick_taps_on_the_pick_question_send_the_message_to_one_place(
    scene: Scene,
) -> None:
    await _tap_twice(scene, await _asked_where_to(scene), "De Linde", "De Eik")
    reached = [
        carer
        for carer in (scene.hubhome, scene.bert)
        if SECRET in texts_in(scene, scene.private(carer))
    ]
    assert len(reached) == 1


async def test_a_double_tap_on_cancel_only_the_next_date_cancels_one_date(scene: Scene) -> None:
    await scene.with_roles()
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst elke dinsdag 19:30 | Koffie")
    await scene.say(scene.hubhome, scene.group, "/afzeggen 1")
    question = scene.last(scene.group)
    only_next = question.button_texts[0][0]
    assert only_next == "Alleen dinsdag 24 november, 19:30"
    await scene.sim.press_button(scene.hubhome, question, only_next)
    await scene.sim.press_button(scene.hubhome, question, only_next)
    await scene.bot.settle()
    assert await _cancelled_after(scene, to_db_time(clock_of(scene).now())) == 1
    shown = texts_in(scene, scene.group)
    assert "1 december, 19:30 gaat niet door" not in shown  # only named as where it goes on
    assert "de reeks gaat verder op dinsdag 1 december, 19:30" in shown


async def test_a_late_press_on_cancel_only_the_next_date_cancels_no_other_date(
    scene: Scene,
) -> None:
    await scene.with_roles()
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst elke dinsdag 19:30 | Koffie")
    await scene.say(scene.hubhome, scene.group, "/afzeggen 1")
    question = scene.last(scene.group)
    assert question.button_texts[0][0] == "Alleen dinsdag 24 november, 19:30"
    clock_of(scene).advance(timedelta(days=3))  # Wednesday 25 November
    await scene.bot.tick()
    await scene.press(scene.hubhome, question, "Alleen dinsdag 24 november, 19:30")
    assert await _cancelled_after(scene, to_db_time(clock_of(scene).now())) == 0
    assert "1 december" not in scene.refreshed(question).plain_text


async def test_a_carer_who_picks_her_own_constellation_is_not_kept_waiting(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    eik = await scene.another_constellation("De Eik", [scene.anna, scene.bert])
    hello = await scene.say(scene.anna, eik, "Hallo, Anna hier")
    await scene.say(scene.admin, eik, "/kerngezin", reply_to=hello)
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "Vraagje")
    await scene.press(scene.anna, scene.last(anna), "De Eik")
    assert not any("Er wacht een privébericht" in text for text in scene.bot_texts(eik))
    assert not scene.last(anna).plain_text.startswith("📥")


async def test_a_kept_message_is_not_passed_on_after_its_writer_was_removed(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.anna,))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, SECRET)
    assert scene.last(anna).plain_text.startswith("📥 Het kerngezin kan nog geen berichten")
    await scene.sim.user_removed(scene.group, scene.anna, by=scene.admin)
    await scene.bot.settle()
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/start")
    await scene.bot.tick()
    assert SECRET not in texts_in(scene, scene.private(scene.hubhome))


async def test_the_groups_buttons_give_no_hint_of_a_hidden_request(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await scene.say(scene.bert, scene.group, "/hulpvraag #vervoer Lift naar school?")
    await ask_hidden_card(scene, scene.anna, scene.hubhome)
    await scene.say(scene.bert, scene.group, "/hulpvraag #spullen Wie heeft een tent?")
    # The buttons name each request as its card does (constellation, then number): the
    # group's second request is #2, whatever hidden request was made in between.
    claims = [
        data.split(":")[3:]
        for data in offered(scene.sim.bot_messages(scene.group))
        if data.startswith("req:v1:claim:")
    ]
    assert len(claims) == 2
    assert claims[0][0] == claims[1][0]
    assert [number for _, number in claims] == ["1", "2"]


# == hidden stays hidden: attacks that held =====================================================


async def test_forged_presses_for_a_hidden_request_look_like_a_missing_one_to_everyone_else(
    scene: Scene,
) -> None:
    """The liaison, a member where every member may claim (who is also De Eik's hub home), a
    carer whose role was changed with /lid, a carer who left, and an outsider press every
    action of the hidden request — in their private chat, in De Linde and in De Eik — and the
    real buttons of their old copy: each answer is the one for a request that does not exist,
    nothing is stored, and nothing of it reaches them."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna, scene.bert))
    await everyone_may_claim(scene)
    henk = await second_carer(scene)
    await compose_hidden(scene, scene.anna)
    old_cards = {carer.id: scene.last(scene.private(carer)) for carer in (scene.hubhome, henk)}
    assert all(HIDDEN in card.plain_text for card in old_cards.values())
    hidden = await hidden_request_id(scene)
    linde = await constellation_id_of(scene)
    eik = await de_eik(scene, [scene.liaison])
    await give_role(scene, henk, "/lid")
    await scene.sim.user_leaves(scene.group, scene.hubhome)
    await scene.bot.settle()
    olaf = scene.sim.add_user("Olaf", language_code="nl")
    await scene.say(olaf, scene.private(olaf), "/start")
    attackers = [scene.liaison, scene.bert, henk, scene.hubhome, olaf]
    before = {user.id: len(texts_in(scene, scene.private(user))) for user in attackers}
    group_before = {chat.id: len(scene.bot_texts(chat)) for chat in (scene.group, eik)}
    stored = snapshot(scene.bot.settings.database_path)
    for user in (henk, scene.hubhome):
        popup = await scene.press(user, old_cards[user.id], "🙋 Ik help")
        assert popup == STALE
    actions = ("claim", "rel", "done", "wd", "back")
    for user in attackers:
        for chat in (scene.private(user), scene.group, eik):
            message = scene.last(chat)
            # As an older card names it (global id) and as its own card does (P-number).
            for named, missing in ((hidden, "999999"), (f"{linde}:p1", f"{linde}:p99")):
                for action in actions:
                    hidden_popup = await scene.forge(user, message, f"req:v1:{action}:{named}")
                    missing_popup = await scene.forge(user, message, f"req:v1:{action}:{missing}")
                    assert hidden_popup == missing_popup
                    assert hidden_popup in (STALE, STALE_EN)
                popup = await scene.forge(user, message, f"req:v1:out:{named}:h")
                assert popup in (STALE, STALE_EN)
    assert changed_tables(stored, snapshot(scene.bot.settings.database_path)) == []
    for user in attackers:
        assert len(texts_in(scene, scene.private(user))) == before[user.id]
        if user is not scene.hubhome and user is not henk:  # they had it while carers
            assert not reveals(texts_in(scene, scene.private(user)))
    for chat in (scene.group, eik):
        assert len(scene.bot_texts(chat)) == group_before[chat.id]
        assert not reveals(texts_in(scene, chat))


async def test_no_spelling_of_a_command_finds_a_hidden_request(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await ask_hidden_card(scene, scene.anna, scene.hubhome)
    username = scene.sim.bot.username
    need = "Welke hulpvraag bedoel je? Zet het nummer erachter, bijvoorbeeld: /{} 12"
    missing = "Hulpvraag #{} bestaat niet in deze groep."
    cases = {
        "/ikhelp P1": need.format("ikhelp"),
        "/ikhelp #P1": need.format("ikhelp"),
        "/ikhelp p1": need.format("ikhelp"),
        "/ikhelp P2": need.format("ikhelp"),  # no such request at all: the same answer
        "/ikhelp ١": need.format("ikhelp"),
        "/ikhelp １": need.format("ikhelp"),
        "/ikhelp 1": missing.format(1),
        "/ikhelp #1": missing.format(1),
        "/ikhelp 01": missing.format(1),
        f"/ikhelp@{username} 1": missing.format(1),
        "/claim 1": missing.format(1),
        "/loslaten 1": missing.format(1),
        "/klaar 1 geholpen": missing.format(1),
        "/klaar P1 geholpen": need.format("klaar"),
        "/hulpvragen": "Er staan geen open hulpvragen. 🌤️",
    }
    for text, answer in cases.items():
        await scene.say(scene.hubhome, scene.group, text)
        assert scene.last(scene.group).plain_text == answer, text
    for text in ("/intrekken 1", "/intrekken P1", "/withdraw #1"):
        await scene.say(scene.anna, scene.group, text)
        assert not reveals(scene.last(scene.group).plain_text)
        assert "bestaat niet" in scene.last(scene.group).plain_text or (
            scene.last(scene.group).plain_text.startswith("Welke hulpvraag")
        )
    hub = scene.private(scene.hubhome)
    group_only = "Dit werkt alleen in de groepschat van je constellatie."
    for text in ("/ikhelp P1", "/ikhelp 1", "/klaar 1", "/hulpvragen"):
        await scene.say(scene.hubhome, hub, text)
        assert scene.last(hub).plain_text == group_only
    await scene.say(scene.bert, scene.private(scene.bert), "/agenda")
    assert not reveals(scene.last(scene.private(scene.bert)).plain_text)
    assert not reveals(texts_in(scene, scene.group))
    request = await scene.bot.app.bot_data.services.requests.get(await hidden_request_id(scene))
    assert request is not None and request.state is RequestState.OPEN


async def test_escalations_go_only_to_whoever_is_hub_home_when_they_fall_due(
    scene: Scene,
) -> None:
    """Hanneke is made liaison after the request was sent: the reminders go to Henk, the new
    carer, never to her, to Lotte, or to the group."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    await ask_hidden_card(scene, scene.anna, scene.hubhome)
    henk = await second_carer(scene)
    await give_role(scene, scene.hubhome, "/contactpersoon")
    hanneke_before = scene.bot_texts(scene.private(scene.hubhome))
    lotte_before = scene.bot_texts(scene.private(scene.liaison))
    for _ in range(4):
        clock_of(scene).advance(timedelta(hours=12))
        await scene.bot.tick()
    reminders = [t for t in scene.bot_texts(scene.private(henk)) if t.startswith("⏰")]
    assert reminders and all("#P1 van Anna" in t for t in reminders)
    assert scene.bot_texts(scene.private(scene.hubhome)) == hanneke_before
    assert scene.bot_texts(scene.private(scene.liaison)) == lotte_before
    assert not reveals(texts_in(scene, scene.group))


async def test_leaving_notices_name_no_hidden_request_to_the_liaison_or_the_group(
    scene: Scene,
) -> None:
    """Hanneke, the only carer, took the request on and leaves (it reopens); then Anna, who
    asked it, leaves: the liaison is told, then (her chat blocked) the group — neither hears
    of #P1."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    card = await ask_hidden_card(scene, scene.anna, scene.hubhome)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    await scene.sim.user_leaves(scene.group, scene.hubhome)
    await scene.bot.settle()
    assert scene.last(scene.private(scene.liaison)).plain_text == (
        "👋 Hanneke heeft de groep verlaten en heeft geen rol meer in de constellatie."
    )
    scene.sim.block_bot(scene.liaison)
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    assert scene.last(scene.group).plain_text == (
        "Lotte: 👋 Anna heeft de groep verlaten en heeft geen rol meer in de constellatie."
    )
    assert not reveals(texts_in(scene, scene.group, scene.private(scene.liaison)))


async def test_a_former_carer_hears_nothing_more_and_their_copy_is_not_redrawn(
    scene: Scene,
) -> None:
    """Anna has blocked the bot when Hanneke takes her request on (the notice must not fall
    back to the group); Hanneke is then made a member, and Anna withdraws: Hanneke is not
    told, her copy is not redrawn, and its buttons are dead."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    card = await ask_hidden_card(scene, scene.anna, scene.hubhome)
    scene.sim.block_bot(scene.anna)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert not reveals(texts_in(scene, scene.group))
    await second_carer(scene)
    await give_role(scene, scene.hubhome, "/lid")
    hanneke = scene.private(scene.hubhome)
    told_before = scene.bot_texts(hanneke)
    drawn = scene.refreshed(card)
    assert drawn.plain_text.endswith("🤝 Hanneke helpt")
    await scene.say(scene.anna, scene.private(scene.anna), "/start")  # unblocks
    anna_card = next(
        m for m in scene.sim.bot_messages(scene.private(scene.anna)) if HIDDEN in m.plain_text
    )
    await scene.press(scene.anna, anna_card, "↩️ Intrekken")
    assert scene.refreshed(anna_card).plain_text.endswith("↩️ Ingetrokken")
    assert scene.bot_texts(hanneke) == told_before
    assert scene.refreshed(card).plain_text == drawn.plain_text
    for label in ("✅ Afronden", "🔓 Toch niet"):
        assert await scene.press(scene.hubhome, card, label) == STALE
    assert not reveals(texts_in(scene, scene.group))


async def test_someone_in_two_constellations_sees_only_their_own_hub_homes_requests(
    scene: Scene,
) -> None:
    """Anna, in De Linde and De Eik, asks De Eik's hub home (Bert) only. Hanneke — De Linde's
    hub home, a member of De Eik — learns nothing, by press or command, in either group."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    eik = await de_eik(scene, [scene.anna, scene.hubhome])
    await compose_hidden(scene, scene.anna, pick="De Eik")
    card = scene.last(scene.private(scene.bert))
    assert card.plain_text.startswith("🆘 Request #P1") and HIDDEN in card.plain_text
    hidden = await hidden_request_id(scene, eik)
    hub = scene.private(scene.hubhome)
    assert not reveals(texts_in(scene, hub, scene.group, eik))
    for chat in (hub, eik, scene.group):
        popup = await scene.forge(scene.hubhome, scene.last(chat), f"req:v1:claim:{hidden}")
        assert popup == STALE
    await scene.say(scene.hubhome, eik, "/ikhelp 1")
    assert scene.last(eik).plain_text == "Hulpvraag #1 bestaat niet in deze groep."
    await scene.say(scene.hubhome, scene.group, "/ikhelp 1")
    assert scene.last(scene.group).plain_text == "Hulpvraag #1 bestaat niet in deze groep."
    assert not reveals(texts_in(scene, hub))
    request = await scene.bot.app.bot_data.services.requests.get(hidden)
    assert request is not None and request.state is RequestState.OPEN


# == the server is the only authority: attacks that held ========================================


async def test_after_the_upgrade_old_cards_obey_todays_membership(scene: Scene) -> None:
    """Bert is removed from the new supergroup and presses the old card in the old group:
    nothing changes. Hanneke's private copy of a hidden request still works, and the
    supergroup hears nothing of it."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    await everyone_may_claim(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    card = scene.last(scene.group)
    hidden_card = await ask_hidden_card(scene, scene.anna, scene.hubhome)
    supergroup = await scene.sim.upgrade_to_supergroup(scene.group, by=scene.admin)
    await scene.bot.settle()
    await scene.sim.user_removed(supergroup, scene.bert, by=scene.admin)
    await scene.bot.settle()
    popup = await scene.press(scene.bert, card, "🙋 Ik help")
    assert popup is not None and popup.startswith("Alleen het kerngezin en de contactpersoon")
    assert scene.refreshed(card).plain_text == card.plain_text
    assert await scene.press(scene.hubhome, hidden_card, "🙋 Ik help") == (
        "Dank je wel! Je helpt met hulpvraag #P1."
    )
    assert not reveals(texts_in(scene, supergroup, scene.group))


async def test_buttons_moved_to_another_message_change_nothing(scene: Scene) -> None:
    """Hanneke may close every request, yet 'Afronden' of one request moved onto another's
    card, onto her hidden copy, or a hidden request's buttons moved onto the group's card, are
    all refused and redraw nothing."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    first = scene.last(scene.group)
    await scene.say(scene.bert, scene.group, "/hulpvraag #vervoer Lift naar school?")
    second = scene.last(scene.group)
    hidden_card = await ask_hidden_card(scene, scene.anna, scene.hubhome)
    one, hidden = await _group_request_id(scene, 1), await hidden_request_id(scene)
    stored = snapshot(scene.bot.settings.database_path)
    moves = [
        (second, f"req:v1:done:{one}"),
        (hidden_card, f"req:v1:done:{one}"),
        (first, f"req:v1:done:{hidden}"),
        (first, f"req:v1:back:{hidden}"),
        (first, f"req:v1:claim:{hidden}"),
        (first, f"req:v1:out:{hidden}:h"),
    ]
    for message, data in moves:
        assert await scene.forge(scene.hubhome, message, data) == STALE, data
    for message in (first, second, hidden_card):
        assert scene.refreshed(message).button_texts == message.button_texts
        assert scene.refreshed(message).plain_text == message.plain_text
    assert changed_tables(stored, snapshot(scene.bot.settings.database_path)) == []


async def test_a_double_tap_on_send_makes_one_request(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, f"/hulpvraag #praten {HIDDEN}")
    flow = scene.last(private)
    for label in HIDDEN_FLOW[:-1]:
        await scene.press(scene.anna, flow, label)
    await scene.sim.press_button(scene.anna, flow, "✅ Versturen")
    await scene.sim.press_button(scene.anna, flow, "✅ Versturen")
    await scene.bot.settle()
    cards = [t for t in scene.bot_texts(scene.private(scene.hubhome)) if HIDDEN in t]
    assert len(cards) == 1
    services = scene.bot.app.bot_data.services
    constellation = await services.constellations.for_chat(scene.group.id)
    assert constellation is not None
    assert await services.requests.by_number_in(constellation.id, 2, Visibility.HUBHOME) is None


# == the private line: attacks that held ========================================================


async def test_former_carers_and_a_former_liaison_cannot_answer_the_member(scene: Scene) -> None:
    """Henk (made a member), Lotte (the liaison Anna shared with, made a member) and Hanneke
    (who left) each reply to their old copy: none of it reaches Anna, nor is it passed on to
    today's hub home as a message of their own; each is told why."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    henk = await second_carer(scene)
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, SECRET)
    await scene.press(scene.anna, scene.last(anna), "🤝 Ook naar de contactpersoon")
    copies = {u.id: scene.last(scene.private(u)) for u in (scene.hubhome, henk, scene.liaison)}
    assert all(copy.plain_text.endswith(SECRET) for copy in copies.values())
    anna_before = scene.bot_texts(anna)
    await give_role(scene, henk, "/lid")
    await give_role(scene, scene.liaison, "/lid")
    for user, role in ((henk, "kerngezin"), (scene.liaison, "contactpersoon")):
        await scene.say(user, scene.private(user), "Van mij, Anna", reply_to=copies[user.id])
        assert scene.last(scene.private(user)).plain_text == (
            "🚫 Dit antwoord stuur ik niet door: je kreeg dat bericht als"
            f" {role} van De Linde, en dat ben je nu niet meer."
        )
    await scene.sim.user_leaves(scene.group, scene.hubhome)
    await scene.bot.settle()
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "Van mij, Anna", reply_to=copies[scene.hubhome.id])
    assert scene.bot_texts(anna) == anna_before
    assert scene.last(hub).plain_text.startswith("🚫 Dit antwoord stuur ik niet door")
    everyone = [scene.private(u) for u in (scene.hubhome, henk, scene.liaison, scene.anna)]
    assert sum("Van mij, Anna" in text for text in texts_in(scene, *everyone)) == 0


async def test_an_answer_to_a_member_who_left_is_not_passed_on(scene: Scene) -> None:
    """Anna writes, then leaves the group (or is removed); Hanneke answers her old message:
    the answer stays with Hanneke, who is told why, in her own language."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, SECRET)
    copy = scene.last(scene.private(scene.hubhome))
    assert copy.plain_text.endswith(SECRET)
    anna_before = scene.bot_texts(anna)
    await scene.sim.user_removed(scene.group, scene.anna, by=scene.admin)
    await scene.bot.settle()
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "Hoe gaat het nu met hem?", reply_to=copy)
    assert scene.bot_texts(anna) == anna_before
    assert scene.last(hub).plain_text == (
        "🚫 Dit antwoord stuur ik niet door: Anna hoort niet meer bij De Linde. Wil je toch"
        " contact, bel dan even of vraag de contactpersoon."
    )


async def test_a_choice_that_no_longer_holds_is_asked_again_and_old_buttons_are_dead(
    scene: Scene,
) -> None:
    """Anna (De Linde and De Eik) chose De Linde on one question; a second question waits.
    She leaves De Linde: that question's De Linde button, and the /hubhomeprive one, are
    refused and pass nothing on; her next message waits until she picks."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await de_eik(scene, [scene.anna])
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "Eerste vraag")
    first = scene.last(anna)
    await scene.say(scene.anna, anna, "Tweede vraag")
    second = scene.last(anna)
    await scene.press(scene.anna, first, "De Linde")
    assert scene.last(scene.private(scene.hubhome)).plain_text.endswith("Eerste vraag")
    await scene.say(scene.anna, anna, "/hubhomeprive")
    choice = scene.last(anna)
    assert choice.button_texts == [["De Linde"], ["De Eik"], ["ℹ️ Meer uitleg"]]
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    carers_before = texts_in(scene, scene.private(scene.hubhome), scene.private(scene.bert))
    assert await scene.press(scene.anna, second, "De Linde") == STALE
    assert await scene.press(scene.anna, choice, "De Linde") == STALE
    await scene.say(scene.anna, anna, SECRET)
    question = scene.last(anna)
    assert question.plain_text.startswith("⚠️ Je berichten gingen naar het kerngezin van De Linde")
    assert question.button_texts == [["De Eik"]]
    assert texts_in(scene, scene.private(scene.hubhome), scene.private(scene.bert)) == carers_before
    await scene.press(scene.anna, question, "De Eik")
    assert scene.last(scene.private(scene.bert)).plain_text.endswith(SECRET)
    assert SECRET not in texts_in(scene, scene.private(scene.hubhome))


async def test_a_double_tap_on_the_same_constellation_passes_the_message_on_once(
    scene: Scene,
) -> None:
    await _tap_twice(scene, await _asked_where_to(scene), "De Linde", "De Linde")
    copies = [t for t in scene.bot_texts(scene.private(scene.hubhome)) if SECRET in t]
    assert len(copies) == 1
    assert SECRET not in texts_in(scene, scene.private(scene.bert))


async def test_the_line_follows_todays_hub_home_and_a_paused_choice_is_asked_again(
    scene: Scene,
) -> None:
    """Anna chose De Linde. Hanneke is replaced by Henk: the next message goes to Henk only.
    The bot is removed from De Linde: she is asked (De Eik only); added back, her choice holds
    again."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await de_eik(scene, [scene.anna])
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "Eerste vraag")
    await scene.press(scene.anna, scene.last(anna), "De Linde")
    henk = await second_carer(scene)
    await give_role(scene, scene.hubhome, "/lid")
    await scene.say(scene.anna, anna, SECRET)
    assert scene.last(scene.private(henk)).plain_text.endswith(SECRET)
    assert SECRET not in texts_in(scene, scene.private(scene.hubhome))
    await scene.sim.remove_bot_from_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    await scene.say(scene.anna, anna, "Tweede vraag")
    assert scene.last(anna).button_texts == [["De Eik"]]
    assert "Tweede vraag" not in texts_in(scene, scene.private(henk), scene.private(scene.bert))
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin, as_admin=True)
    await scene.bot.settle()
    await scene.say(scene.anna, anna, "Derde vraag")
    assert scene.last(scene.private(henk)).plain_text.endswith("Derde vraag")
    assert "Derde vraag" not in texts_in(scene, scene.private(scene.bert))


async def test_the_liaison_button_works_only_while_the_writer_belongs(scene: Scene) -> None:
    """Anna's 'Ook naar de contactpersoon' under an old message, pressed after she left the
    group, or with the data of Bert's button forged onto it, shares nothing."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison, scene.bert))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, SECRET)
    sent = scene.last(anna)
    await scene.say(scene.bert, scene.private(scene.bert), "Iets van Bert")
    berts = scene.last(scene.private(scene.bert))
    berts_line = next(d for d in offered([berts]) if d.startswith("line:v1:liaison:"))
    assert await scene.forge(scene.anna, sent, berts_line) == STALE
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    assert await scene.press(scene.anna, sent, "🤝 Ook naar de contactpersoon") == STALE
    lotte = texts_in(scene, scene.private(scene.liaison))
    assert SECRET not in lotte and "Iets van Bert" not in lotte
