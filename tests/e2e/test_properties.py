"""Bad input and abuse, as properties: whatever people type or press, the bot stays whole.

Hypothesis draws commands with any arguments, button presses with any callback data, and
names and texts full of markup, emoji, right-to-left and zero-width characters. Each test
starts the real bot once and feeds it every example over HTTP through the fake Telegram, so
examples build on each other like a busy group's day does. After every step the bot must not
have reached its error handler, made a call Telegram would refuse (over 4096 characters,
broken HTML, callback data over 64 bytes) or, for a press it should refuse, stored anything.

Locally the examples are random (a failure is saved in ``.hypothesis``); with ``CI=true``
they are derandomized, so CI runs the same examples every time.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, settings, target
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.commands import COMMANDS
from bot.services.meetups import TITLE_LIMIT
from bot.services.request_text import TEXT_LIMIT as REQUEST_LIMIT
from bot.simulator.html_check import TEXT_LIMIT, utf16_len
from bot.simulator.world import SimChat, SimMessage, SimUser
from tests.e2e.conftest import Scene
from tests.e2e.hostile import (
    WIDE,
    fit,
    forged,
    mutated,
    names,
    pick,
    typed_text,
    words,
)
from tests.e2e.safety import Watch, changed_tables, error_log, may_change, offered, snapshot

IN_CI = os.environ.get("CI", "").lower() == "true"


def examples(count: int) -> settings:
    """Many examples against one running bot (the fixture is shared on purpose)."""
    chosen = settings(
        max_examples=count,
        deadline=None,
        # Explaining a failure replays it hundreds of times against the running bot: slow.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    # CI: the same examples on every run, and no saved failures replayed.
    return settings(chosen, derandomize=True, database=None) if IN_CI else chosen


@pytest.fixture
def watch(scene: Scene) -> Iterator[Watch]:
    with error_log() as errors:
        yield Watch(scene.sim, errors)


def _clock(scene: Scene) -> FakeClock:
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    return clock


def _everyone(scene: Scene) -> list[SimUser]:
    return [scene.admin, scene.hubhome, scene.liaison, scene.anna, scene.bert, scene.operator]


# -- (a) every command, any arguments --------------------------------------------------------

COMMAND_NAMES = sorted({name for command in COMMANDS for name in command.names})
# Commands about request or meetup N, and what may follow them: numbers of every script/size.
NUMBERED = [
    name
    for command in COMMANDS
    if command.name in ("claim", "release", "done", "withdraw", "cancelmeetup", "editmeetup")
    for name in command.names
]
NUMBERS = ["1", "2", "#1", "0", "-1", "01", "²", "٣", "１", "𝟙", "9" * 19, "9" * 30, "1e3", "1.5"]


@pytest.fixture
async def busy(scene: Scene) -> Scene:
    """De Linde with roles, a request, a meetup and a series, so numbers point at something."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna))
    await scene.say(scene.operator, scene.group, "Hallo allemaal")
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag passen?")
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst morgen 19:30 | Koffie | Bij mij")
    await scene.say(
        scene.hubhome, scene.group, "/activiteit elke zaterdag 14:00 | Zwemmen | 6-12 jaar | max 4"
    )
    return scene


@given(data=st.data())
@examples(300)
async def test_any_command_with_any_arguments_is_answered_within_telegrams_limits(
    busy: Scene, watch: Watch, data: st.DataObject
) -> None:
    scene = busy
    user = data.draw(st.sampled_from(_everyone(scene)), label="user")
    chat = scene.group if data.draw(st.booleans(), label="in group") else scene.private(user)
    # No command at all is a plain message: the private line, a flow's answer, group chatter.
    commands = st.sampled_from([*COMMAND_NAMES, "onbekend"])
    numbered = st.sampled_from(NUMBERED)
    command = data.draw(st.just("") | commands | commands | numbered, label="command")
    addressee = data.draw(st.sampled_from(["", "", "@constellation_test_bot", "@other_bot"]))
    separator = data.draw(st.sampled_from([" ", "\n", "  "]))
    number = data.draw(st.sampled_from(["", "", *(f"{n} " for n in NUMBERS)]), label="number")
    arguments = number + data.draw(typed_text(), label="arguments")
    text = f"/{command}{addressee}{separator}{arguments}" if command else arguments
    text = fit(text, TEXT_LIMIT)
    assume(text.strip())
    # A reply (roles are given by replying) to one of the last messages in the chat.
    back = data.draw(st.none() | st.integers(1, 6), label="reply to the nth last message")
    earlier = scene.sim.messages(chat)
    reply_to = earlier[-min(back, len(earlier))] if back and earlier else None
    watch.mark()
    await scene.say(user, chat, text, reply_to=reply_to)
    watch.assert_clean(text)


# What the guided flows ask for, and answers that are almost right.
FLOW_ANSWERS = ["Koffie", "morgen 19:30", "elke dinsdag 20:00", "gisteren 10:00", "Bij mij"]
FLOW_ANSWERS += ["6-12 jaar", "max 5", "12", "0", "501", "²", "٣", "9" * 30, "/annuleren"]


@given(data=st.data())
@examples(150)
async def test_guided_flows_take_any_answer_and_any_press(
    busy: Scene, watch: Watch, data: st.DataObject
) -> None:
    """The private step-by-step flows: typed answers and presses (real, stale or forged) in
    any order, restarted at any moment."""
    scene = busy
    user, command = data.draw(
        st.sampled_from(
            [
                (scene.hubhome, "/bijeenkomst"),
                (scene.hubhome, "/activiteit"),
                (scene.anna, "/hulpvraag"),
                (scene.liaison, "/request"),
            ]
        ),
        label="who starts what",
    )
    chat = scene.private(user)
    if data.draw(st.booleans(), label="start (again)"):
        await scene.say(user, chat, command)
    user_ids = [str(person.id) for person in _everyone(scene)]
    for _ in range(data.draw(st.integers(1, 5), label="steps")):
        watch.mark()
        if data.draw(st.booleans(), label="type (else press)"):
            typed = data.draw(st.sampled_from(FLOW_ANSWERS) | typed_text(300), label="typed")
            assume(typed.strip())
            await scene.say(user, chat, typed)
            watch.assert_clean(typed)
            continue
        shown = scene.sim.bot_messages(chat)
        here = offered(shown[-1:])
        pressed = data.draw(pick(here or ["new:v1:cancel"]) | forged(user_ids), label="pressed")
        await scene.forge(user, shown[-1], pressed)
        watch.assert_clean(pressed)


# -- (b) any callback data, on real cards, by anyone ------------------------------------------


@pytest.fixture
async def cards(scene: Scene) -> Scene:
    """Every kind of button the bot shows, in two constellations and in private chats.

    De Linde: Hanneke hub home, Lotte liaison. De Eik: Bert hub home; Anna and Lotte are
    members of both, so a button of one group pressed in the other is a real temptation.
    """
    linde, hub = scene.group, scene.hubhome
    await scene.with_roles(linked=tuple(_everyone(scene)))
    await scene.say(scene.anna, linde, "/hulpvraag #oppas Wie kan zaterdag op Sem passen?")
    await scene.say(scene.bert, linde, "/hulpvraag #vervoer Lift naar het bezoek?")
    await scene.say(scene.liaison, linde, "/ikhelp 2")
    await scene.say(hub, linde, "/bijeenkomst morgen 19:30 | Koffie | Bij Hanneke")
    await scene.say(hub, linde, "/activiteit zaterdag 14:00 | Zwemmen | 6-12 jaar | max 2")
    await scene.say(hub, linde, "/bijeenkomst elke dinsdag 19:30 | Ouderavond")
    await scene.say(hub, linde, "/afzeggen 3")  # asks: the next date or the whole series?
    await scene.say(scene.admin, linde, "/instellingen")
    await scene.say(scene.admin, linde, "/taal")
    await scene.say(scene.anna, scene.private(scene.anna), "Hoi Hanneke, mag ik iets vragen?")
    await scene.say(scene.anna, scene.private(scene.anna), "/vergeetmij")
    eik = await scene.another_constellation("De Eik", [scene.anna, scene.bert, scene.liaison])
    hello = await scene.say(scene.bert, eik, "Hallo Eik")
    await scene.say(scene.admin, eik, "/kerngezin", reply_to=hello)
    await scene.say(scene.anna, eik, "/hulpvraag #spullen Wie heeft een kinderzitje?")
    await scene.say(scene.liaison, eik, "/hulpvraag Wie leent me een tent?")
    await scene.say(scene.bert, eik, "/activiteit morgen 15:00 | Knutselen | max 3")
    await scene.say(scene.bert, eik, "/bijeenkomst elke vrijdag 20:00 | Eik-koffie")
    await scene.say(scene.bert, eik, "/afzeggen 2")
    await scene.say(scene.anna, scene.private(scene.anna), "Nog een vraag")  # which group?
    await scene.say(scene.liaison, scene.private(scene.liaison), "/privateline")
    # Requests nobody took on go to the hub homes: claim buttons in private chats.
    _clock(scene).advance(timedelta(hours=3))
    await scene.bot.tick()
    # Everyone speaks after the clock moved, so a press stores only what it changes.
    for user in _everyone(scene):
        await scene.say(user, linde, "👋")
    for user in (scene.admin, scene.anna, scene.bert, scene.liaison):
        await scene.say(user, eik, "👋")
    return scene


def _chats_of(scene: Scene, user: SimUser) -> list[SimChat]:
    """The chats where ``user`` can press buttons: their groups and their private chat."""
    groups = [chat for chat in scene.sim.chats.values() if chat.is_group]
    mine = [chat for chat in groups if scene.sim.member_status(chat, user) != "left"]
    return [*mine, scene.private(user)]


def _every_button(scene: Scene) -> list[str]:
    shown = [m for chat in scene.sim.chats.values() for m in scene.sim.bot_messages(chat)]
    return sorted(set(offered(shown)))


def callback_data(scene: Scene, here: list[str]) -> st.SearchStrategy[str]:
    """Genuine, stale, transplanted, forged, mutated and random callback data."""
    everywhere = _every_button(scene)
    user_ids = [str(user.id) for user in _everyone(scene)]
    # The same alternatives every time, so a drawn example replays the same way.
    return st.one_of(
        pick(here or everywhere),
        pick(everywhere),
        forged(user_ids),
        forged(user_ids),
        mutated(everywhere, user_ids),
        mutated(everywhere, user_ids),
        st.text(max_size=70),
    )


def erases_oneself(user: SimUser, chat: SimChat, data: str) -> bool:
    """Allowed, and it would leave the examples after it with fewer people: not pressed."""
    return chat.id == user.id and data.split(":")[:3] == ["forget", "v1", "yes"]


async def press_and_check(
    scene: Scene, watch: Watch, user: SimUser, message: SimMessage, data: str
) -> bool:
    """Press; nothing may go wrong, and what the rules forbid must store nothing.

    Returns whether the press stored something.
    """
    allowed = may_change(scene, user, message, data)
    before = snapshot(scene.bot.settings.database_path)
    watch.mark()
    await scene.forge(user, message, data)
    watch.assert_clean(f"{user.first_name} pressed {data!r} in {message.chat.label}")
    changed = changed_tables(before, snapshot(scene.bot.settings.database_path))
    assert allowed or not changed, (
        f"{user.first_name} pressed {data!r} in {message.chat.label}: {changed} changed"
    )
    return bool(changed)


@given(data=st.data())
@examples(300)
async def test_forged_and_stale_presses_change_nothing(
    cards: Scene, watch: Watch, data: st.DataObject
) -> None:
    scene = cards
    user = data.draw(st.sampled_from(_everyone(scene)), label="presser")
    chats = _chats_of(scene, user)
    chat = chats[data.draw(st.integers(0, 2), label="chat") % len(chats)]
    messages = scene.sim.bot_messages(chat)
    assume(messages)
    back = data.draw(st.integers(1, 12), label="the nth last bot message")
    message = messages[-min(back, len(messages))]
    pressed = data.draw(callback_data(scene, offered([message])), label="data")
    assume(not erases_oneself(user, chat, pressed))
    stored = await press_and_check(scene, watch, user, message, pressed)
    event("stored something" if stored else "stored nothing")


async def test_every_button_pressed_by_everyone_everywhere(cards: Scene, watch: Watch) -> None:
    """Each button the bot shows, pressed by each person in each of their chats: only what
    the rules allow is stored (other groups' cards, other people's questions, stale states)."""
    scene = cards
    presses = stored = 0
    for data in _every_button(scene):
        for user in _everyone(scene):
            for chat in _chats_of(scene, user):
                if erases_oneself(user, chat, data):
                    continue
                shown = [m for m in scene.sim.bot_messages(chat) if data in offered([m])]
                message = shown[-1] if shown else scene.sim.bot_messages(chat)[-1]
                presses += 1
                stored += await press_and_check(scene, watch, user, message, data)
                if shown:  # a double tap: the second press meets what the first one did
                    stored += await press_and_check(scene, watch, user, message, data)
    # The sweep also did what is allowed, and so met stale cards and closed requests after.
    assert presses > 500 and stored > 50


# -- (c) names and texts full of markup, scripts and invisible characters --------------------


@pytest.fixture
async def named(scene: Scene) -> Scene:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    return scene


def long_words() -> st.SearchStrategy[str]:
    """One word many times: as long as a request may be, and longer."""
    return st.builds(
        lambda word, n, space: space.join([word] * n),
        st.sampled_from([*WIDE, *WIDE, "&lt;&amp;", "<b>", "مرحبا", "e\u0301", "x"]),
        st.integers(300, 4000),
        st.sampled_from(["", "", " "]),
    )


@given(data=st.data())
@examples(70)
async def test_names_and_texts_are_shown_escaped_and_whole(
    named: Scene, watch: Watch, data: st.DataObject
) -> None:
    scene, group = named, named.group
    anna, hub = scene.anna, scene.hubhome
    anna.first_name = data.draw(names(), label="Anna's first name")
    anna.last_name = data.draw(st.none() | names(), label="Anna's last name")
    hub.first_name = data.draw(names(), label="Hanneke's first name")
    tags = data.draw(st.sampled_from(["", "#dringend #vandaag #logeren "]), label="tags")
    text = data.draw(words(1, 30, max_units=1000) | long_words(), label="request")
    command = fit(f"/hulpvraag {tags}{text}", TEXT_LIMIT)
    watch.mark()

    await scene.say(anna, group, command)
    watch.assert_clean(command)
    card = scene.last(group)
    if not any(char.isalnum() or unicodedata.category(char) == "So" for char in text):
        # Only marks ("&", "?!"): nothing to read is no request; Anna is shown how to ask.
        assert card.plain_text.startswith("Zo vraag je hulp")
        return
    target(utf16_len(card.plain_text), label="UTF-16 units on the card")
    assert f"Van: {anna.first_name}" in card.plain_text
    shown = command.removeprefix(f"/hulpvraag {tags}")
    if utf16_len(shown) <= REQUEST_LIMIT:
        assert shown in card.plain_text
    else:  # cut on purpose, and said so
        assert shown[:500] in card.plain_text and "…" in card.plain_text
    await scene.press(hub, card, "🙋 Ik help")
    watch.assert_clean("claim")
    assert f"🤝 {hub.first_name} helpt" in scene.refreshed(card).plain_text
    await scene.press(anna, card, "↩️ Intrekken")  # keeps /hulpvragen short
    watch.assert_clean("withdraw")

    longest = long_words().map(lambda text: text[:TITLE_LIMIT].strip())  # in characters
    title = data.draw(words(1, 8, max_units=100) | longest | longest, label="title")
    place = "Bij " + data.draw(words(1, 8, max_units=90), label="place")
    await scene.say(hub, group, f"/bijeenkomst morgen 19:30 | {title} | {place}")
    watch.assert_clean(title)
    meetup = scene.last(group)
    assert title in meetup.plain_text and place in meetup.plain_text
    await scene.press(anna, meetup, "✅ Ik kom")
    watch.assert_clean("rsvp")
    assert anna.first_name in scene.refreshed(meetup).plain_text

    for command in ("/hulpvragen", "/agenda", "/leden"):  # lists that grow
        await scene.say(anna, group, command)
        watch.assert_clean(command)
        target(utf16_len(scene.last(group).plain_text), label=f"UTF-16 units in {command}")
    members = scene.last(group).plain_text
    assert anna.full_name in members and hub.full_name in members


async def test_the_longest_lists_are_cut_to_fit_one_message(scene: Scene, watch: Watch) -> None:
    """The agenda shows up to 30 meetups and /hulpvragen every open request: with the longest
    titles and names Telegram allows, they are cut on purpose, never refused."""
    await scene.with_roles()
    group, hub, anna = scene.group, scene.hubhome, scene.anna
    anna.first_name, anna.last_name = "😀" * 64, "😀" * 64
    for number in range(1, 41):
        title = f"{number} " + "👨\u200d👩\u200d👧" * 19  # under 100 characters, 175 units
        await scene.say(hub, group, f"/bijeenkomst morgen 19:30 | {title}")
        await scene.say(anna, group, f"/hulpvraag #dringend #vandaag {number} " + "x" * 20)
    watch.mark()
    for command in ("/agenda", "/hulpvragen"):
        await scene.say(anna, group, command)
        watch.assert_clean(command)
        listed = scene.last(group).plain_text
        assert "#1 " in listed and listed.endswith("\n…") and "#40 " not in listed
