"""Hostile tests of the reads ahead: ``Tx.read_after`` (the next notice's request read in the
trip that marks the one before it sent), ``Tx.queue_then`` (a card that went out compared
with its request in the marking's own trip) and ``together`` (the wake-up's lookups in one
trip).

Each test makes a change commit at the worst moment for one of them — between a notice
being marked sent and the next one being drawn, between a card's sendMessage and its
marking, while a marking cannot be written, while a lookup of the wake-up fails — and then
checks what reached Telegram and what is stored. The changes are made the way people make
them (a press, a message, a command, handled while the delivery round waits) where that is
possible, and by the service itself where a person could not (an erasure in the middle of
a guided request). Six of them first failed: outbox ids given again after an erasure
(schema 15), an erased carer's card recorded and "sent!" told after "reached nobody"
(``Courier._gone``), the read-ahead served while an erasure's COMMIT was on its way
(``Database._committing``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest

from bot import scheduler
from bot.context import Services
from bot.delivery import Courier
from bot.delivery.kinds import Audience, Kind, Sent
from bot.domain import NoticeKind, PendingNotice
from bot.scheduler import RETRY_AFTER_ERROR, WAKEUP
from bot.simulator.world import ApiCall, SimChat, SimMessage, SimUser
from bot.storage.db import Connection
from tests.e2e.attacks import HIDDEN, clock_of, reveals, second_carer
from tests.e2e.conftest import FULL, FullDisk, Scene, database_numbers
from tests.e2e.test_attacks_on_delivery import buttons, request_card, stored
from tests.e2e.test_delivery import starting

Change = Callable[[], Awaitable[object]]
Chooser = Callable[[PendingNotice], bool]


def services_of(scene: Scene) -> Services:
    return scene.bot.app.bot_data.services


def shown(call: ApiCall) -> str:
    """What a call puts in front of someone: its text and its buttons."""
    return f"{call.params.get('text', '')} {call.params.get('reply_markup', '')}"


def visible(calls: list[ApiCall]) -> list[ApiCall]:
    return [c for c in calls if c.method in ("sendMessage", "editMessageText", "copyMessage")]


async def handled(scene: Scene) -> None:
    """Wait until the bot has fetched and handled every update sent so far — but not for
    the delivery round (a change made from inside that round must not wait for it)."""
    await scene.sim.wait_confirmed()
    await scene.bot.app.update_queue.join()


async def say_now(
    scene: Scene, user: SimUser, chat: SimChat, text: str, *, reply_to: SimMessage | None = None
) -> SimMessage:
    message = await scene.sim.send_message(user, chat, text, reply_to=reply_to)
    await handled(scene)
    return message


async def press_now(scene: Scene, user: SimUser, message: SimMessage, label: str) -> str | None:
    query = await scene.sim.press_button(user, message, label)
    await handled(scene)
    return (await scene.sim.wait_callback_answer(query)).text


def around_marking(
    scene: Scene,
    monkeypatch: pytest.MonkeyPatch,
    chosen: Chooser,
    change: Change,
    *,
    before: bool = False,
) -> list[int]:
    """Run ``change`` once, for the first notice ``chosen`` picks: right after it was marked
    sent (before the next notice is drawn), or with ``before``, after Telegram took it and
    before it is marked. Returns (once it ran) how many calls Telegram had by then."""
    marked = Courier._sent
    at: list[int] = []

    async def hooked(
        courier: Courier, pending: PendingNotice, kind: Kind, audience: Audience, sent: Sent
    ) -> None:
        now = not at and chosen(pending)
        if now and before:
            at.append(len(scene.sim.calls))
            await change()
        await marked(courier, pending, kind, audience, sent)
        if now and not before:
            at.append(len(scene.sim.calls))
            await change()

    monkeypatch.setattr(Courier, "_sent", hooked)
    return at


def of_kind(kind: NoticeKind, user: SimUser | None = None) -> Chooser:
    def chosen(pending: PendingNotice) -> bool:
        notice = pending.notice
        return notice.kind is kind and (user is None or notice.user_id == user.id)

    return chosen


# == Between one notice being marked sent and the next being drawn ==========================


async def test_the_requester_erased_after_the_claimed_dm_is_named_by_no_later_call(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anna erases herself right after "Hanneke helpt je" was marked sent to her, before
    the card's redraw is drawn (its request was read with that marking): from then on no
    call carries her name or her words, the card says so, and Hanneke hears it is
    withdrawn, by nobody's name."""
    await scene.with_roles(linked=(scene.anna, scene.hubhome))
    card = await request_card(scene)
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/vergeetmij")
    confirm = scene.last(anna)

    async def erase() -> None:
        await press_now(scene, scene.anna, confirm, "🗑️ Ja, wis alles")

    at = around_marking(scene, monkeypatch, of_kind(NoticeKind.REQUEST_CLAIMED), erase)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert at, "the DM to Anna was never sent"
    after = visible(scene.sim.calls[at[0] :])
    redraws = [c for c in after if c.method == "editMessageText" and c.params["chat_id"] < 0]
    assert redraws, "the card was not redrawn after the erasure"
    for call in after:
        assert "Anna" not in shown(call), shown(call)
        assert "oppassen" not in shown(call), shown(call)
        assert "Hanneke helpt" not in shown(call), shown(call)
    current = scene.refreshed(card)
    assert current.plain_text.splitlines()[1] == "Van: iemand (gewist)"
    assert current.plain_text.endswith("↩️ Ingetrokken")
    assert buttons(current) == []
    told = starting(scene, scene.private(scene.hubhome), "Iemand (gewist) heeft hulpvraag #1")
    assert len(told) == 1
    assert scene.anna.id not in database_numbers(scene.bot.settings.database_path)


async def test_a_withdrawal_after_the_claimed_dm_is_marked_is_what_the_card_shows(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anna withdraws on the card right after "Hanneke helpt je" reached her: the card's
    redraw (its request read with that marking) shows the withdrawal, never the claim."""
    await scene.with_roles(linked=(scene.anna, scene.hubhome))
    card = await request_card(scene)

    async def withdraw() -> None:
        await press_now(scene, scene.anna, scene.refreshed(card), "↩️ Intrekken")

    at = around_marking(scene, monkeypatch, of_kind(NoticeKind.REQUEST_CLAIMED), withdraw)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert at
    assert stored(scene, "SELECT state FROM help_requests") == [("withdrawn",)]
    edits = [
        c
        for c in visible(scene.sim.calls[at[0] :])
        if c.method == "editMessageText" and c.params["chat_id"] == scene.group.id
    ]
    assert edits, "the card was not redrawn"
    for call in edits:
        assert "Ingetrokken" in shown(call) and "helpt" not in shown(call), shown(call)
    current = scene.refreshed(card)
    assert current.plain_text.endswith("↩️ Ingetrokken")
    assert buttons(current) == []
    hub = scene.private(scene.hubhome)
    assert len(starting(scene, hub, "Anna heeft hulpvraag #1 (🧸 Oppas) ingetrokken")) == 1


async def test_a_request_resolved_after_the_claimed_dm_is_marked_is_drawn_resolved(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    await scene.with_roles(linked=(scene.anna,))
    card = await request_card(scene)

    async def resolve() -> None:
        await say_now(scene, scene.hubhome, scene.group, "/klaar 1 geholpen")

    at = around_marking(scene, monkeypatch, of_kind(NoticeKind.REQUEST_CLAIMED), resolve)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert at
    edits = [
        c
        for c in visible(scene.sim.calls[at[0] :])
        if c.method == "editMessageText" and c.params.get("message_id") == card.message_id
    ]
    assert edits
    for call in edits:
        assert "Afgerond: geholpen" in shown(call), shown(call)
    current = scene.refreshed(card)
    assert current.plain_text.endswith("✅ Afgerond: geholpen")
    assert "🙋 Ik help" not in buttons(current) and "🔓 Toch niet" not in buttons(current)


async def test_a_helper_renamed_after_the_claimed_dm_is_marked_is_drawn_by_her_new_name(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hanneke changes her Telegram name to Hanna and says something in the group, right
    after the DM naming her went out: the card's redraw names her as she is now."""
    await scene.with_roles(linked=(scene.anna,))
    card = await request_card(scene)

    async def rename() -> None:
        scene.hubhome.first_name = "Hanna"
        await say_now(scene, scene.hubhome, scene.group, "Ik heet nu Hanna")

    at = around_marking(scene, monkeypatch, of_kind(NoticeKind.REQUEST_CLAIMED), rename)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert at
    assert stored(scene, "SELECT first_name FROM people WHERE user_id = ?", scene.hubhome.id) == [
        ("Hanna",)
    ]
    after = visible(scene.sim.calls[at[0] :])
    assert [c for c in after if c.method == "editMessageText"], "the card was not redrawn"
    for call in after:
        assert "Hanneke" not in shown(call), shown(call)
    assert scene.refreshed(card).plain_text.endswith("🤝 Hanna helpt")


async def compose_urgent_hidden(scene: Scene) -> None:
    """Anna asks the hub home only, urgently (reminded after half an hour)."""
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, f"/hulpvraag #praten {HIDDEN}")
    flow = scene.last(private)
    for label in ("Geen datum", "🔴 Ja, dringend", "🏠 Alleen het kerngezin", "✅ Versturen"):
        await scene.press(scene.anna, scene.refreshed(flow), label)


async def urgent_hidden_request(scene: Scene) -> None:
    await compose_urgent_hidden(scene)
    assert scene.last(scene.private(scene.anna)).plain_text.startswith(
        "✅ Verstuurd! Het kerngezin"
    )


async def test_a_carer_made_member_between_two_reminders_gets_none_of_a_hidden_request(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two hub home carers are reminded of a hub-home-only request, one after the other.
    Right after the first reminder is marked sent, the admin makes the other one an
    ordinary member: the second reminder (its request read with the first's marking) is
    not sent, and nothing of the hidden request reaches her any more."""
    await scene.with_roles(linked=(scene.anna, scene.hubhome))
    henk = await second_carer(scene)
    await urgent_hidden_request(scene)
    carers = {scene.hubhome.id: scene.hubhome, henk.id: henk}
    demoted: list[SimUser] = []
    reminded: list[SimUser] = []

    async def demote() -> None:
        (other,) = [user for user in carers.values() if user not in reminded]
        demoted.append(other)
        note = await say_now(scene, other, scene.group, "Ik stop als kerngezin")
        await say_now(scene, scene.admin, scene.group, "/lid", reply_to=note)

    def first_reminder(pending: PendingNotice) -> bool:
        if pending.notice.kind is not NoticeKind.ESCALATION or pending.notice.user_id is None:
            return False
        reminded.append(carers[pending.notice.user_id])
        return True

    seen = {user.id: len(scene.bot_texts(scene.private(user))) for user in carers.values()}
    at = around_marking(scene, monkeypatch, first_reminder, demote)
    clock_of(scene).advance(timedelta(minutes=31))
    await scene.bot.tick()
    assert at and demoted, "no reminder went out"
    (other,) = demoted
    assert stored(scene, "SELECT role FROM memberships WHERE user_id = ?", other.id) == [
        ("member",)
    ]
    first = reminded[0]
    assert len(starting(scene, scene.private(first), "⏰ Hulpvraag #P1")) == 1
    # Her reminder was there, and was drawn after the change: not sent.
    escalations = "SELECT state FROM outbox WHERE kind = 'escalation' AND user_id = ?"
    assert stored(scene, escalations, other.id) == [("skipped",)]
    later = scene.bot_texts(scene.private(other))[seen[other.id] :]
    assert [text for text in later if reveals(text)] == []
    for call in visible(scene.sim.calls[at[0] :]):
        if call.params.get("chat_id") == other.id:
            assert not reveals(shown(call)), shown(call)


async def test_a_claim_between_two_reminders_stops_the_second(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right after the first carer's reminder is marked sent, she takes the request on in
    the group: the second carer is not asked to help with what is taken."""
    await scene.with_roles(linked=(scene.hubhome,))
    henk = await second_carer(scene)
    await request_card(scene, "#vervoer #dringend Wie rijdt vandaag naar het ziekenhuis?")
    carers = {scene.hubhome.id: scene.hubhome, henk.id: henk}
    reminded: list[SimUser] = []

    def first_reminder(pending: PendingNotice) -> bool:
        if pending.notice.kind is not NoticeKind.ESCALATION or pending.notice.user_id is None:
            return False
        reminded.append(carers[pending.notice.user_id])
        return True

    async def claim() -> None:
        await say_now(scene, reminded[0], scene.group, "/ikhelp 1")

    at = around_marking(scene, monkeypatch, first_reminder, claim)
    clock_of(scene).advance(timedelta(minutes=31))
    await scene.bot.tick()
    assert at
    first = reminded[0]
    (other,) = [user for user in carers.values() if user is not first]
    assert len(starting(scene, scene.private(first), "⏰ Hulpvraag #1")) == 1
    assert starting(scene, scene.private(other), "⏰") == []
    escalations = "SELECT state FROM outbox WHERE kind = 'escalation' AND user_id = ?"
    assert stored(scene, escalations, other.id) == [("skipped",)]
    assert stored(scene, "SELECT state, claimed_by FROM help_requests") == [("claimed", first.id)]
    card = starting(scene, scene.group, "🆘 Hulpvraag #1")[0]
    assert scene.refreshed(card).plain_text.endswith(f"🤝 {first.first_name} helpt")


async def test_cards_of_two_requests_in_one_round_are_each_drawn_as_they_are_when_sent(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two cards wait for the group (Telegram failed them) and go out in one round. Right
    after the first is marked sent — when the second's request was read ahead — Anna renames
    herself and Hanneke takes the second request on: the second card is sent showing both,
    not drawn from what was read ahead and then corrected."""
    await scene.with_roles(linked=(scene.anna,))
    scene.sim.inject_fault("sendMessage", chat_id=scene.group.id, error_code=502, times=2)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    await scene.say(scene.anna, scene.group, "/hulpvraag #vervoer Wie rijdt dinsdag mee?")
    assert starting(scene, scene.group, "🆘 Hulpvraag") == []

    async def change() -> None:
        scene.anna.first_name = "Annemarie"
        await say_now(scene, scene.anna, scene.group, "Ik heet voortaan Annemarie")
        await say_now(scene, scene.hubhome, scene.group, "/ikhelp 2")

    def first_card(pending: PendingNotice) -> bool:
        return pending.notice.kind is NoticeKind.REQUEST_CARD

    at = around_marking(scene, monkeypatch, first_card, change)
    clock_of(scene).advance(timedelta(minutes=1))
    await scene.bot.tick()
    assert at
    first = starting(scene, scene.group, "🆘 Hulpvraag #1")
    second = starting(scene, scene.group, "🆘 Hulpvraag #2")
    assert len(first) == 1 and len(second) == 1
    sends = [
        c
        for c in scene.sim.calls[at[0] :]
        if c.method == "sendMessage" and "Hulpvraag #2" in shown(c)
    ]
    assert len(sends) == 1
    assert "Van: Annemarie" in shown(sends[0]), shown(sends[0])
    assert "🤝 Hanneke helpt" in shown(sends[0]), shown(sends[0])
    assert scene.refreshed(second[0]).plain_text.endswith("🤝 Hanneke helpt")
    assert scene.refreshed(first[0]).plain_text.endswith("🟢 Open: wie kan helpen?")


# == While a card is on its way: after Telegram took it, before it is marked ===============


async def guided_group_request(scene: Scene) -> SimMessage:
    """Anna asks the whole group from her private chat, up to the preview (with "send")."""
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/hulpvraag #vervoer Wie rijdt Sem dinsdag naar zwemles?")
    flow = scene.last(private)
    for label in ("Geen datum", "Nee, niet dringend", "👥 De hele groep"):
        await scene.press(scene.anna, scene.refreshed(flow), label)
    preview = scene.refreshed(flow)
    assert "✅ Versturen" in buttons(preview)
    return preview


async def test_a_claim_while_the_card_is_on_its_way_is_redrawn_and_anna_told_once(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    await scene.with_roles(linked=(scene.anna,))
    preview = await guided_group_request(scene)

    async def claim() -> None:
        await say_now(scene, scene.hubhome, scene.group, "/ikhelp 1")

    at = around_marking(scene, monkeypatch, of_kind(NoticeKind.REQUEST_CARD), claim, before=True)
    await scene.press(scene.anna, preview, "✅ Versturen")
    assert at
    (card,) = starting(scene, scene.group, "🆘 Hulpvraag #1")
    assert scene.refreshed(card).plain_text.endswith("🤝 Hanneke helpt")
    assert "🙋 Ik help" not in buttons(scene.refreshed(card))
    anna = scene.private(scene.anna)
    assert len(starting(scene, anna, "✅ Verstuurd! Hulpvraag #1 staat nu in de groep")) == 1
    assert len(starting(scene, anna, "🤝 Goed nieuws: Hanneke helpt je")) == 1
    assert scene.refreshed(preview).plain_text.endswith("🤝 Hanneke helpt")


async def erased_while_her_card_is_on_its_way(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> list[int]:
    """Anna asks the whole group from her private chat (so she is to hear "Verstuurd!");
    the card reaches the group, and before it is marked sent she is erased. Returns how
    many calls Telegram had when she was."""
    await scene.with_roles(linked=(scene.anna, scene.hubhome))
    preview = await guided_group_request(scene)
    services = services_of(scene)

    async def erase() -> None:
        await services.privacy.forget(scene.anna.id)

    at = around_marking(scene, monkeypatch, of_kind(NoticeKind.REQUEST_CARD), erase, before=True)
    await scene.press(scene.anna, preview, "✅ Versturen")
    assert at, "the card never went out"
    assert len(starting(scene, scene.group, "🆘 Hulpvraag #1")) == 1
    return at


async def test_the_requester_erased_while_her_card_is_on_its_way_is_not_told_or_kept(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No "Verstuurd!" notice is stored for her id (the marking's queued lookup sees her
    gone), her id is nowhere in the database, and no later call goes to her or names her."""
    at = await erased_while_her_card_is_on_its_way(scene, monkeypatch)
    assert stored(scene, "SELECT count(*) FROM outbox WHERE kind = 'request_posted'") == [(0,)]
    assert stored(scene, "SELECT count(*) FROM outbox WHERE user_id = ?", scene.anna.id) == [(0,)]
    assert scene.anna.id not in database_numbers(scene.bot.settings.database_path)
    after = visible(scene.sim.calls[at[0] :])
    assert [c for c in after if c.params.get("chat_id") == scene.anna.id] == []
    for call in after:
        assert "Anna" not in shown(call) and "zwemles" not in shown(call), shown(call)


# Both failed while outbox ids were reused (schema 15 made them AUTOINCREMENT).


async def test_the_card_out_when_its_requester_was_erased_is_redrawn_without_her(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card went out showing her name and words; the erasure could not redraw a card it
    did not know of yet, so the marking must: the card ends up without her."""
    await erased_while_her_card_is_on_its_way(scene, monkeypatch)
    (card,) = starting(scene, scene.group, "🆘 Hulpvraag #1")
    current = scene.refreshed(card).plain_text
    assert "Anna" not in current and "zwemles" not in current, current
    assert current.endswith("↩️ Ingetrokken")
    assert stored(scene, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]


async def test_the_requester_renamed_while_her_card_is_on_its_way_is_drawn_by_her_new_name(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    await scene.with_roles()

    async def rename() -> None:
        scene.anna.first_name = "Annemarie"
        await say_now(scene, scene.anna, scene.group, "Ik heet voortaan Annemarie")

    at = around_marking(scene, monkeypatch, of_kind(NoticeKind.REQUEST_CARD), rename, before=True)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    assert at
    (card,) = starting(scene, scene.group, "🆘 Hulpvraag #1")
    assert scene.refreshed(card).plain_text.splitlines()[1] == "Van: Annemarie"
    sends = [c for c in scene.sim.calls if c.method == "sendMessage" and "#1" in shown(c)]
    assert len(sends) == 1
    edits = [c for c in scene.sim.calls[at[0] :] if c.method == "editMessageText"]
    assert edits and "Van: Annemarie" in shown(edits[-1])


async def test_a_hidden_card_out_when_its_requester_was_erased_is_redrawn_without_her(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for a hub-home-only request: the card reached Hanneke's private chat, Anna
    is erased before it is marked. No "Verstuurd!" is kept for her; the card in Hanneke's
    chat must lose Anna's name and the words only the hub home was to read."""
    await scene.with_roles(linked=(scene.anna, scene.hubhome))
    services = services_of(scene)

    async def erase() -> None:
        await services.privacy.forget(scene.anna.id)

    at = around_marking(scene, monkeypatch, of_kind(NoticeKind.REQUEST_CARD), erase, before=True)
    await compose_urgent_hidden(scene)
    assert at
    assert stored(scene, "SELECT count(*) FROM outbox WHERE kind = 'request_posted'") == [(0,)]
    assert scene.anna.id not in database_numbers(scene.bot.settings.database_path)
    (card,) = starting(scene, scene.private(scene.hubhome), "🆘 Hulpvraag #P1")
    current = scene.refreshed(card).plain_text
    assert "Anna" not in current and HIDDEN not in current, current


async def erased_carer_while_her_hidden_card_is_on_its_way(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anna asks the hub home only; the card reaches Hanneke (the only hub home carer), and
    before it is marked sent Hanneke is erased."""
    await scene.with_roles(linked=(scene.anna, scene.hubhome, scene.liaison))
    services = services_of(scene)

    async def erase() -> None:
        await services.privacy.forget(scene.hubhome.id)

    chosen = of_kind(NoticeKind.REQUEST_CARD, scene.hubhome)
    at = around_marking(scene, monkeypatch, chosen, erase, before=True)
    await compose_urgent_hidden(scene)
    assert at, "the card never went out"
    assert stored(scene, "SELECT count(*) FROM people WHERE user_id = ?", scene.hubhome.id) == [
        (0,)
    ]


async def test_a_carer_erased_while_a_hidden_card_is_on_its_way_to_her_leaves_no_id(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    await erased_carer_while_her_hidden_card_is_on_its_way(scene, monkeypatch)
    assert stored(scene, "SELECT count(*) FROM outbox WHERE user_id = ?", scene.hubhome.id) == [
        (0,)
    ]
    assert stored(
        scene, "SELECT count(*) FROM request_cards WHERE chat_id = ?", scene.hubhome.id
    ) == [(0,)]
    assert scene.hubhome.id not in database_numbers(scene.bot.settings.database_path)


async def test_a_carer_erased_while_a_hidden_card_is_on_its_way_is_not_followed_by_sent(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody of the hub home has the request any more: Anna is told so, the liaison is
    alerted — and she is not then told that the hub home has it."""
    await erased_carer_while_her_hidden_card_is_on_its_way(scene, monkeypatch)
    anna = scene.private(scene.anna)
    told = starting(scene, anna, "⚠️ Je hulpvraag #P1 is bij niemand van het kerngezin")
    assert len(told) == 1
    liaison = scene.private(scene.liaison)
    assert len(starting(scene, liaison, "⚠️ Een hulpvraag voor alleen het kerngezin")) == 1
    assert starting(scene, anna, "✅ Verstuurd!") == []


# == A marking that cannot be written ======================================================


class FailingCommit:
    """While ``failing``, the COMMIT of a transaction that marks a notice sent fails
    (SQLITE_FULL) where SQLite runs it: everything before it ran (the marking, the card's
    location, the lookup and the writes ``queue_then`` sent along), the lookups
    ``read_after`` put behind it do not. Counts the COMMITs it failed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.failing = True
        self.failed = 0
        run = Connection._run_batch
        fault = self

        def batch(conn: Connection, steps: Sequence[Any]) -> Any:
            marks = any(
                str(sql).startswith("UPDATE outbox SET state = 'sent'") for sql, *_ in steps
            )
            if fault.failing and marks:
                for index, (sql, _, _) in enumerate(steps):
                    if sql == "COMMIT":
                        done, failure = run(conn, steps[:index])
                        if failure is None:
                            fault.failed += 1
                            failure = (index, sqlite3.OperationalError(FULL))
                        return done, failure
            return run(conn, steps)

        monkeypatch.setattr(Connection, "_run_batch", batch)


async def test_a_claim_while_the_cards_marking_cannot_be_written_ends_on_the_card(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card reached the group but the disk is full: its marking (and where it is) is
    not written. Hanneke takes the request on meanwhile — no redraw can reach a card the
    bot does not know of yet. Once the disk is free the marking is finished: the card is
    redrawn as taken on, never sent again, and Anna hears it once."""
    await scene.with_roles(linked=(scene.anna,))
    disk = FullDisk(monkeypatch)
    card = await request_card(scene)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert stored(scene, "SELECT state, claimed_by FROM help_requests") == [
        ("claimed", scene.hubhome.id)
    ]
    disk.full = False
    clock_of(scene).advance(RETRY_AFTER_ERROR)
    await scene.bot.tick()
    assert len(starting(scene, scene.group, "🆘 Hulpvraag #1")) == 1
    current = scene.refreshed(card)
    assert current.plain_text.endswith("🤝 Hanneke helpt")
    assert "🙋 Ik help" not in buttons(current)
    anna = scene.private(scene.anna)
    assert len(starting(scene, anna, "🤝 Goed nieuws: Hanneke helpt je")) == 1
    assert stored(scene, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]


async def test_an_erasure_while_a_cards_commit_fails_is_drawn_once_it_is_written(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The COMMIT of the card's marking fails (after the lookup that compares the card with
    its request ran, before what was to be read ahead). Anna erases herself while the
    marking waits; the next rounds cannot write it either. Once they can: the card is sent
    once, redrawn without her, and her id is nowhere."""
    await scene.with_roles()
    commit = FailingCommit(monkeypatch)
    await scene.say(scene.anna, scene.group, "/hulpvraag #logeren Wie heeft een logeerbed vrij?")
    (card,) = starting(scene, scene.group, "🆘 Hulpvraag #1")
    assert commit.failed == 1
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/start")
    await scene.say(scene.anna, anna, "/vergeetmij")
    await scene.press(scene.anna, scene.last(anna), "🗑️ Ja, wis alles")
    clock_of(scene).advance(RETRY_AFTER_ERROR)
    await scene.bot.tick()
    assert commit.failed >= 2  # still failing: the card is still not sent again
    commit.failing = False
    clock_of(scene).advance(RETRY_AFTER_ERROR)
    await scene.bot.tick()
    assert len(starting(scene, scene.group, "🆘 Hulpvraag #1")) == 1
    current = scene.refreshed(card).plain_text
    assert "Anna" not in current and "logeerbed" not in current, current
    assert current.endswith("↩️ Ingetrokken")
    assert stored(scene, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]
    assert scene.anna.id not in database_numbers(scene.bot.settings.database_path)


async def test_a_dm_whose_marking_failed_does_not_mark_a_later_notice_sent(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anna got "Hanneke kan toch niet helpen", but the disk was full when it was to be
    marked: the courier keeps it to finish the marking first thing (by its id and version).
    Anna erases herself meanwhile (the DM's row goes with her), then Bert asks for help.
    Once the disk is free, Bert's card must still reach the group."""
    await scene.with_roles(linked=(scene.anna,))
    card = await request_card(scene)
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/vergeetmij")
    confirm = scene.last(anna)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    disk = FullDisk(monkeypatch)
    disk.full = False

    async def fill() -> None:
        disk.full = True

    # The redraw is marked; then the disk fills, and the DM after it cannot be marked.
    redraw = of_kind(NoticeKind.REQUEST_CARD_EDIT)
    around_marking(scene, monkeypatch, redraw, fill)
    await scene.press(scene.hubhome, scene.refreshed(card), "🔓 Toch niet")
    assert disk.full
    assert len(starting(scene, anna, "Hanneke kan toch niet helpen met hulpvraag #1")) == 1
    await scene.press(scene.anna, confirm, "🗑️ Ja, wis alles")
    await scene.say(scene.bert, scene.group, "/hulpvraag #vervoer Who can drive on Tuesday?")
    disk.full = False
    clock_of(scene).advance(RETRY_AFTER_ERROR)
    await scene.bot.tick()
    assert stored(scene, "SELECT count(*) FROM help_requests") == [(2,)]
    assert len(starting(scene, scene.group, "🆘 Hulpvraag #2")) == 1


# == The wake-up's lookups, together =======================================================


class FailingLookup:
    """The next ``times`` runs of a lookup containing ``marker`` fail where SQLite runs them
    (the other statements of the same trip run as they would)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, marker: str, times: int = 1) -> None:
        self.left = times
        self.failed = 0
        run = Connection._run_batch
        fault = self

        def batch(conn: Connection, steps: Sequence[Any]) -> Any:
            for index, (sql, _, _) in enumerate(steps):
                if fault.left and isinstance(sql, str) and marker in sql:
                    fault.left -= 1
                    fault.failed += 1
                    done, failure = run(conn, steps[:index])
                    return done, failure or (index, sqlite3.OperationalError("disk I/O error"))
            return run(conn, steps)

        monkeypatch.setattr(Connection, "_run_batch", batch)


REQUESTS_DUE = "SELECT MIN(t) FROM (SELECT MIN(next_escalation_at)"
OUTBOX_DUE = "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'"


@pytest.mark.parametrize("marker", [REQUESTS_DUE, OUTBOX_DUE])
async def test_a_failing_lookup_of_the_wake_up_keeps_the_bot_running_and_armed(
    scene: Scene, monkeypatch: pytest.MonkeyPatch, marker: str
) -> None:
    """One of the wake-up's lookups (sent to the database together with the others) fails
    once, right after a card went out: the wake-up is set a minute on; when it fires, it is
    set for the request's reminder, which then comes on time; the bot goes on answering."""
    await scene.with_roles(linked=(scene.hubhome,))
    fault = FailingLookup(monkeypatch, marker)
    card = await request_card(scene, "#vervoer #dringend Wie rijdt vandaag naar het ziekenhuis?")
    assert fault.left == 0, "the lookup was never made"
    clock = clock_of(scene)
    job_queue = scene.bot.app.job_queue
    assert job_queue is not None
    (wakeup,) = [job for job in job_queue.get_jobs_by_name(WAKEUP) if not job.removed]
    assert wakeup.data == clock.now() + RETRY_AFTER_ERROR
    await scene.bot.assert_wakeup_armed()
    clock.advance(RETRY_AFTER_ERROR)
    await scene.bot.tick()
    services = services_of(scene)
    (wakeup,) = [job for job in job_queue.get_jobs_by_name(WAKEUP) if not job.removed]
    assert wakeup.data == await services.requests.next_due()
    hub = scene.private(scene.hubhome)
    assert starting(scene, hub, "⏰") == []
    clock.advance(timedelta(minutes=30))
    await scene.bot.tick()
    assert len(starting(scene, hub, "⏰ Hulpvraag #1")) == 1
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert scene.refreshed(card).plain_text.endswith("🤝 Hanneke helpt")


async def test_every_lookup_of_one_wake_up_failing_at_once_still_arms_it(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every lookup of the first wake-up computation after a card went out fails, each on
    its own (a trip that fails sends the lookups behind it again, and they fail too): the
    bot sets the wake-up a minute on, and delivers and reminds afterwards."""
    await scene.with_roles(linked=(scene.hubhome,))
    fault = FailingLookup(monkeypatch, "", times=0)
    armed = scheduler.schedule_next
    computed: list[bool] = []

    async def failing_once(app: Any, *, failed: bool = False) -> None:
        fault.left = 0 if computed else 100  # every statement of the first computation
        computed.append(True)
        try:
            await armed(app, failed=failed)
        finally:
            await asyncio.sleep(0.2)  # the lookups still under way fail too
            fault.left = 0

    monkeypatch.setattr(scheduler, "schedule_next", failing_once)
    card = await request_card(scene, "#vervoer #dringend Wie rijdt vandaag naar het ziekenhuis?")
    assert fault.failed >= 7, fault.failed  # each of the seven kinds of work failed
    clock = clock_of(scene)
    job_queue = scene.bot.app.job_queue
    assert job_queue is not None
    (wakeup,) = [job for job in job_queue.get_jobs_by_name(WAKEUP) if not job.removed]
    assert wakeup.data == clock.now() + RETRY_AFTER_ERROR
    clock.advance(timedelta(minutes=31))
    await scene.bot.tick()
    assert len(starting(scene, scene.private(scene.hubhome), "⏰ Hulpvraag #1")) == 1
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert scene.refreshed(card).plain_text.endswith("🤝 Hanneke helpt")


# == The moment between an erasure's COMMIT and its coroutine hearing of it ================


class SlowAfterCommit:
    """While ``armed``, the next trip that COMMITs on the writer's thread lingers there for
    ``linger`` seconds after the COMMIT ran (its thread is descheduled, the machine is busy):
    the change is on disk; the event loop hears of it only later. ``committed`` is set as
    soon as the COMMIT ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, linger: float = 0.5) -> None:
        self.armed = False
        self.committed = threading.Event()
        run = Connection._run_batch
        slow = self

        def batch(conn: Connection, steps: Sequence[Any]) -> Any:
            if not slow.armed or not any(sql == "COMMIT" for sql, *_ in steps):
                return run(conn, steps)
            slow.armed = False
            result = run(conn, steps)
            slow.committed.set()
            time.sleep(linger)
            return result

        monkeypatch.setattr(Connection, "_run_batch", batch)

    async def wait(self) -> None:
        for _ in range(500):
            if self.committed.is_set():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the COMMIT never ran")


async def test_an_erasure_on_disk_is_seen_by_the_next_notice_even_before_its_coroutine_resumes(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right after "Hanneke helpt je" was marked sent to Anna (the card's request read ahead
    with it), Hanneke's erasure COMMITs; its thread takes a moment to report back. The card's
    redraw, drawn after that COMMIT, must not carry her name: a read of its own would no
    longer find it, and Telegram would get her name after her erasure was committed."""
    await scene.with_roles(linked=(scene.anna,))
    card = await request_card(scene)
    services = services_of(scene)
    slow = SlowAfterCommit(monkeypatch)
    erasing: list[asyncio.Task[object]] = []
    committed_at: list[int] = []

    async def erase_in_background() -> None:
        slow.armed = True
        erasing.append(asyncio.ensure_future(services.privacy.forget(scene.hubhome.id)))
        await slow.wait()
        committed_at.append(len(scene.sim.calls))

    at = around_marking(
        scene, monkeypatch, of_kind(NoticeKind.REQUEST_CLAIMED), erase_in_background
    )
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert at and erasing
    await erasing[0]
    await scene.bot.settle()
    assert stored(scene, "SELECT count(*) FROM people WHERE user_id = ?", scene.hubhome.id) == [
        (0,)
    ]
    after = visible(scene.sim.calls[committed_at[0] :])
    assert [c for c in after if c.method == "editMessageText"], "the card was not redrawn"
    named = [shown(c) for c in after if "Hanneke" in shown(c)]
    assert named == []
    assert "Hanneke" not in scene.refreshed(card).plain_text
