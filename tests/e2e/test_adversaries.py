"""Every button, pressed by every kind of person, in every chat, with its own and forged data.

The kinds of person: a member, the hub home, the liaison, an outsider who never joined (a
public group lets anyone press), a member who was removed, and a person in another
constellation. The chats: the button's own group, another group, a private chat. The data:
the button's own, the same button moved onto another message, and forged claims of a
hub-home-only request. After every press: nothing the rules forbid is stored (the rules are
written down independently in ``tests/e2e/safety.py``), and nothing of the hidden request —
its words, the fact that it is hidden — reaches anyone but its requester and the hub home,
in a pop-up or in any chat.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing

import pytest

from bot.simulator.world import SimChat, SimMessage, SimUser
from tests.e2e.conftest import Scene
from tests.e2e.safety import Watch, changed_tables, error_log, may_change, offered, snapshot

HIDDEN_TEXT = "Het contactbezoek ging slecht"
HIDDEN_MARK = "🔒"


@pytest.fixture
def watch(scene: Scene) -> Iterator[Watch]:
    with error_log() as errors:
        yield Watch(scene.sim, errors)


class Cast:
    """Who presses, with the scene: every kind of person the promises speak of."""

    def __init__(self, scene: Scene, outsider: SimUser, removed: SimUser, other: SimChat) -> None:
        self.scene = scene
        self.outsider = outsider
        self.removed = removed
        self.other = other  # De Eik, where Bert is the hub home

    @property
    def everyone(self) -> list[SimUser]:
        s = self.scene
        return [s.anna, s.hubhome, s.liaison, s.bert, self.outsider, self.removed]

    def sees_hidden(self, user: SimUser) -> bool:
        return user in (self.scene.anna, self.scene.hubhome)

    def chats(self, user: SimUser) -> list[SimChat]:
        """Both groups (in public groups anyone can press) and the person's private chat."""
        return [self.scene.group, self.other, self.scene.private(user)]


@pytest.fixture
async def cast(scene: Scene) -> Cast:
    """De Linde (hub home Hanneke, liaison Lotte, every member may claim): a request card, a
    claimed one, a hub-home-only request from Anna, an activity, the cancel question of a
    series. De Eik: Bert hub home, Lotte a member. An outsider; Carla, removed."""
    linde = scene.group
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna, scene.bert))
    await scene.say(scene.admin, linde, "/instellingen")
    await scene.press(scene.admin, scene.last(linde), "👪 Iedereen")
    await scene.say(scene.anna, linde, "/hulpvraag #oppas Wie kan zaterdag op Sem passen?")
    await scene.say(scene.bert, linde, "/hulpvraag #vervoer Lift naar het bezoek?")
    await scene.say(scene.liaison, linde, "/ikhelp 2")
    await scene.say(scene.hubhome, linde, "/activiteit zaterdag 14:00 | Zwemmen | max 2")
    await scene.say(scene.hubhome, linde, "/bijeenkomst elke dinsdag 19:30 | Ouderavond")
    await scene.say(scene.hubhome, linde, "/afzeggen 2")
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, f"/hulpvraag #praten {HIDDEN_TEXT}")
    flow = scene.last(private)
    for label in ("Geen datum", "Nee, niet dringend", "🏠 Alleen het kerngezin", "✅ Versturen"):
        await scene.press(scene.anna, flow, label)
    assert HIDDEN_TEXT in scene.last(scene.private(scene.hubhome)).plain_text
    eik = await scene.another_constellation("De Eik", [scene.bert, scene.liaison])
    hello = await scene.say(scene.bert, eik, "Hallo Eik")
    await scene.say(scene.admin, eik, "/kerngezin", reply_to=hello)
    await scene.say(scene.liaison, eik, "/hulpvraag Wie leent me een tent?")
    outsider = scene.sim.add_user("Olaf", language_code="nl")
    await scene.say(outsider, scene.private(outsider), "/start")
    removed = scene.sim.add_user("Carla", language_code="nl")
    await scene.sim.user_joins(linde, removed)
    await scene.say(removed, linde, "Hoi allemaal")
    await scene.say(removed, scene.private(removed), "/start")
    await scene.sim.user_removed(linde, removed, by=scene.admin)
    await scene.bot.settle()
    return Cast(scene, outsider, removed, eik)


def _hidden_targets(scene: Scene) -> list[str]:
    """The ways a request button can name the hidden request: as its card does (constellation
    and P-number, read off the hub home's private copy), and by the global id older cards
    carried."""
    card = next(
        m
        for m in scene.sim.bot_messages(scene.private(scene.hubhome))
        if HIDDEN_TEXT in m.plain_text
    )
    data = next(d for d in offered([card]) if d.startswith("req:v1:claim:"))
    own = data.removeprefix("req:v1:claim:")
    constellation, number = own.split(":")
    with closing(sqlite3.connect(scene.bot.settings.database_path)) as db:
        row = db.execute(
            "SELECT id FROM help_requests WHERE constellation_id = ? AND number = ?"
            " AND visibility = 'hubhome'",
            (int(constellation), int(number.removeprefix("p"))),
        ).fetchone()
    assert number.startswith("p") and row is not None
    return [own, str(row[0])]


def _seen_by(cast: Cast, user: SimUser, since: dict[int, int]) -> list[str]:
    """What ``user`` could read that the bot sent since ``since``: in their private chat and
    in both groups (anyone in a group reads it)."""
    scene = cast.scene
    seen = []
    for chat in (scene.private(user), scene.group, cast.other):
        seen += [m.plain_text for m in scene.sim.bot_messages(chat)[since.get(chat.id, 0) :]]
    return seen


async def _press(cast: Cast, watch: Watch, user: SimUser, message: SimMessage, data: str) -> bool:
    scene = cast.scene
    allowed = may_change(scene, user, message, data)
    before = snapshot(scene.bot.settings.database_path)
    counts = {
        chat.id: len(scene.sim.bot_messages(chat))
        for chat in (scene.private(user), scene.group, cast.other)
    }
    watch.mark()
    popup = await scene.forge(user, message, data)
    what = f"{user.first_name} pressed {data!r} in {message.chat.label}"
    watch.assert_clean(what)
    changed = changed_tables(before, snapshot(scene.bot.settings.database_path))
    assert allowed or not changed, f"{what}: {changed} changed"
    if not cast.sees_hidden(user):
        shown = [popup or "", *_seen_by(cast, user, counts)]
        leaks = [text for text in shown if HIDDEN_TEXT in text or HIDDEN_MARK in text]
        assert not leaks, f"{what} revealed the hidden request: {leaks}"
    return bool(changed)


def _where_to_press(scene: Scene, user: SimUser, chat: SimChat, data: str) -> SimMessage | None:
    """The message ``data`` is pressed on in ``chat``: its own where it is shown, else the
    newest (a forgery moves it there). None: nothing to press on, or "yes, erase me" in
    one's own chat (allowed, and it would leave the sweep one person short)."""
    messages = scene.sim.bot_messages(chat)
    if not messages or (data.startswith("forget:v1:yes") and chat.id == user.id):
        return None
    here = [m for m in messages if data in offered([m])]
    return here[-1] if here else messages[-1]


async def test_every_button_by_every_kind_of_person_in_every_chat(cast: Cast, watch: Watch) -> None:
    scene = cast.scene
    targets = _hidden_targets(scene)
    forged_hidden = [
        f"req:v1:{action}:{target}"
        for action in ("claim", "rel", "done", "wd", "back", "out")
        for target in targets
    ]
    forged_hidden = [d + ":h" if ":out:" in d else d for d in forged_hidden]
    shown = [m for chat in scene.sim.chats.values() for m in scene.sim.bot_messages(chat)]
    everything = sorted(set(offered(shown))) + forged_hidden
    presses = stored = 0
    for data in everything:
        for user in cast.everyone:
            for chat in cast.chats(user):
                message = _where_to_press(scene, user, chat, data)
                if message is None:
                    continue
                presses += 1
                stored += await _press(cast, watch, user, message, data)
    assert presses > 500 and stored > 10


async def test_an_outsider_and_a_removed_member_change_nothing_anywhere(
    cast: Cast, watch: Watch
) -> None:
    """Every button there is, by those two, in every chat: never a change, never a leak."""
    scene = cast.scene
    shown = [m for chat in scene.sim.chats.values() for m in scene.sim.bot_messages(chat)]
    for data in sorted(set(offered(shown))):
        for user in (cast.outsider, cast.removed):
            for chat in cast.chats(user):
                message = _where_to_press(scene, user, chat, data)
                if message is None:
                    continue
                assert not await _press(cast, watch, user, message, data), (user, data)
