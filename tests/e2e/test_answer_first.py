"""A press is answered before anything else: the spinner on the button stops at once.

Every press in the e2e tests checks it (``Scene.press`` and ``Scene.forge``, see
``assert_answered_first`` in conftest): the first Bot API call the bot makes for a press that
shows anyone anything is its ``answerCallbackQuery``; card edits, messages and files follow.
Here one walk presses a real button of every kind the bot registers, so no kind is left out.
Buttons are chosen by their callback data (what they do), not by their words.
"""

from __future__ import annotations

import re

from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.simulator.world import SimMessage, SimUser
from tests.e2e.conftest import Scene


def button_kinds(handlers: list[BaseHandler]) -> set[str]:  # type: ignore[type-arg]
    """The callback-data features the handlers take (``req`` from ``^req:v1:``)."""
    kinds: set[str] = set()
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            inner = list(handler.entry_points) + list(handler.fallbacks)
            inner += [h for state in handler.states.values() for h in state]
            kinds |= button_kinds(inner)
        elif isinstance(handler, CallbackQueryHandler) and isinstance(handler.pattern, re.Pattern):
            found = re.match(r"\^(\w+):", handler.pattern.pattern)
            if found:
                kinds.add(found.group(1))
    return kinds


class Walk:
    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.pressed: set[str] = set()

    async def press(self, user: SimUser, message: SimMessage, kind: str, nth: int = 0) -> None:
        """Press the ``nth`` button of this kind on the message (checked: answered first)."""
        current = self.scene.refreshed(message)
        data = [
            button.callback_data
            for row in current.buttons
            for button in row
            if button.callback_data and button.callback_data.startswith(f"{kind}:")
        ]
        assert data, f"no {kind} button on: {current.plain_text[:60]!r} {current.button_texts}"
        await self.scene.press(user, current, data[min(nth, len(data) - 1)])
        self.pressed.add(kind)


async def test_every_kind_of_button_is_answered_before_anything_else(scene: Scene) -> None:
    walk = Walk(scene)
    s = scene
    await s.with_roles(linked=(s.hubhome, s.anna, s.liaison))
    hub, anna = s.private(s.hubhome), s.private(s.anna)

    await s.say(s.admin, s.group, "/instellingen")  # who may take requests on
    await walk.press(s.admin, s.last(s.group), "set")
    await s.say(s.admin, s.group, "/taal")
    await walk.press(s.admin, s.last(s.group), "cfg")
    await s.say(s.anna, s.group, "/hulp")  # "Meer uitleg"
    await walk.press(s.anna, s.last(s.group), "more")

    await s.say(s.anna, s.group, "/hulpvraag Wie kan vrijdag oppassen?")
    await walk.press(s.hubhome, s.last(s.group), "req")  # take it on: edit and DM follow
    await s.say(s.hubhome, s.group, "/activiteit zaterdag 14:00 | Zwemmen | Bad")
    await walk.press(s.anna, s.last(s.group), "mt")

    await s.say(s.anna, anna, "/hulpvraag")  # the guided request
    await walk.press(s.anna, s.last(anna), "new")
    await s.say(s.anna, anna, "/annuleren")
    await s.say(s.hubhome, hub, "/activiteit")  # the guided activity
    await s.say(s.hubhome, hub, "Zwemmen")
    await walk.press(s.hubhome, s.last(hub), "nm")
    await s.say(s.hubhome, hub, "/annuleren")

    await s.say(s.anna, anna, "/logeren")  # a sleepover, asked step by step
    await s.say(s.anna, anna, "za 28 nov - zo 29 nov")
    await walk.press(s.anna, s.last(anna), "sf")
    await s.say(s.anna, anna, "J. en M.")
    await s.say(s.anna, anna, "geen bijzonderheden")
    preview = s.last(anna)
    await s.press(s.anna, preview, "📨 Versturen")
    await walk.press(s.hubhome, s.last(hub), "slp")  # the hub home's card
    await s.say(s.hubhome, hub, "/bedden")
    await walk.press(s.hubhome, s.last(hub), "beds")

    await s.say(s.anna, anna, "Mag ik iets vragen?")  # the private line to the hub home
    await walk.press(s.anna, s.last(anna), "line")  # the liaison too

    await s.say(s.liaison, s.private(s.liaison), "/rapport")
    await walk.press(s.liaison, s.last(s.private(s.liaison)), "rep")

    await s.say(s.hubhome, hub, "/overzicht")  # the overview, drawn again
    await walk.press(s.hubhome, s.last(hub), "ov")
    await s.say(s.anna, anna, "/weekoverzicht")  # the weekly look ahead, turned on
    await walk.press(s.anna, s.last(anna), "week")

    await s.say(s.bert, s.private(s.bert), "/vergeetmij")
    await walk.press(s.bert, s.last(s.private(s.bert)), "forget", nth=1)

    registered = button_kinds([h for group in s.bot.app.handlers.values() for h in group])
    assert registered == walk.pressed
