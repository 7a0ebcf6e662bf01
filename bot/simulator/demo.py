"""``constellation-bot demo``: a scripted constellation over the simulator, printed as a chat.

The real bot runs against the fake Telegram in this process; nothing leaves 127.0.0.1. Later
features add their own scenes to ``SCENES``.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from bot.clock import FakeClock
from bot.simulator.runner import RunningBot, simulator_settings
from bot.simulator.server import FakeTelegram
from bot.simulator.world import SimChat, SimMessage, SimUser, TranscriptEntry

# A Saturday morning in Amsterdam: the story's clock, moved by the scenes.
DEMO_START = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)

_COLOURS = {
    "user": "\033[36m",  # cyan: people
    "bot": "\033[32m",  # green: the bot
    "edit": "\033[32m",
    "answer": "\033[33m",  # yellow: pop-ups
    "callback": "\033[36m",
    "event": "\033[2m",  # dim: things that happen
    "error": "\033[31m",  # red: a refused API call
}
_BUTTON = "\033[33m"
_BOLD = "\033[1m"
_RESET = "\033[0m"


@dataclass
class Printer:
    """Prints transcript entries as they appear, optionally in colour."""

    colour: bool
    sim: FakeTelegram
    shown: int = 0
    out: list[str] = field(default_factory=list)

    def paint(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.colour else text

    def heading(self, title: str) -> None:
        self._emit("\n" + self.paint(_BOLD, f"── {title} ──"))

    def note(self, text: str) -> None:
        """A line of narration (what someone does outside the chat)."""
        self._emit(self.paint(_COLOURS["event"], f"· {text}"))

    def flush(self, *, narrated: bool = False) -> None:
        """Print what happened since the last flush; ``narrated``: events were told already."""
        transcript = self.sim.transcript
        for entry in transcript[self.shown :]:
            if not (narrated and entry.kind == "event"):
                self._emit(self.render(entry))
        self.shown = len(transcript)

    def _replied_to(self, entry: TranscriptEntry) -> str | None:
        message_id = entry.extra.get("message_id")
        if entry.kind != "user" or entry.chat is None or not isinstance(message_id, int):
            return None
        message = self.sim.message(entry.chat, message_id)
        if message is None or message.reply_to is None:
            return None
        quoted = message.reply_to.plain_text.split("\n")[0]
        quoted = quoted if len(quoted) <= 40 else quoted[:39] + "…"
        return f"↩ antwoord op {message.reply_to.from_user.first_name}: “{quoted}”"

    def render(self, entry: TranscriptEntry) -> str:
        where = f"[{entry.chat.label}] " if entry.chat is not None else ""
        lead = {
            "user": f"{entry.actor}: ",
            "bot": f"🤖 {entry.actor}: ",
            # The bot edits its cards; people edit their own messages (no robot for them).
            "edit": f"{'🤖 ' if entry.actor == self.sim.bot.first_name else ''}"
            f"{entry.actor} (bewerkt): ",
            "callback": f"{entry.actor} tikt op ",
            "answer": "🤖 (melding) ",
            "event": "· ",
            "error": "! ",
        }[entry.kind]
        body = f"[{entry.text}]" if entry.kind == "callback" else entry.text
        lines = (lead + body).split("\n")
        head = self.paint(_COLOURS[entry.kind], where + lines[0])
        replied = self._replied_to(entry)
        if replied:
            head += "\n      " + self.paint(_COLOURS["event"], replied)
        rest = ["      " + line for line in lines[1:]]
        buttons = [
            "      " + " ".join(self.paint(_BUTTON, f"[{label}]") for label in row)
            for row in entry.buttons
        ]
        return "\n".join([head, *rest, *buttons])

    def _emit(self, text: str) -> None:
        self.out.append(text)
        print(text, flush=True)


@dataclass
class Demo:
    """The cast and a few verbs, so scenes read like the story they tell."""

    sim: FakeTelegram
    bot: RunningBot
    printer: Printer
    group: SimChat
    hanneke: SimUser  # hub home, and the group's creator
    lotte: SimUser  # liaison worker
    anna: SimUser
    bram: SimUser
    grace: SimUser  # speaks English
    clock: FakeClock  # the demo moves time itself, so reminders show without waiting

    async def tap(self, user: SimUser, message: SimMessage, label: str) -> SimMessage:
        """Press a button; returns the message as it is afterwards."""
        query_id = await self.sim.press_button(user, message, label)
        await self.bot.settle()
        await self.sim.wait_callback_answer(query_id)
        self.printer.flush()
        current = self.sim.message(message.chat, message.message_id)
        return current or message

    async def later(self, narration: str, delta: timedelta) -> None:
        """Time passes; the bot does what fell due (what its wake-up job does)."""
        self.printer.flush()
        self.printer.note(narration)
        self.clock.advance(delta)
        await self.bot.tick()
        self.printer.flush()

    def last(self, chat: SimChat) -> SimMessage:
        message = self.sim.last_bot_message(chat)
        assert message is not None
        return message

    async def say(
        self, user: SimUser, chat: SimChat, text: str, *, reply_to: SimMessage | None = None
    ) -> SimMessage:
        message = await self.sim.send_message(user, chat, text, reply_to=reply_to)
        await self.bot.settle()
        self.printer.flush()
        return message

    async def tap_link_button(self, user: SimUser, message: SimMessage) -> None:
        """A URL button opens the private chat; Telegram then sends /start with the payload."""
        url = message.buttons[0][0].url
        assert url is not None
        payload = parse_qs(urlparse(url).query)["start"][0]
        self.printer.flush()
        self.printer.note(f"{user.first_name} tikt op de knop en daarna op Start")
        await self.say(user, self.sim.private_chat(user), f"/start {payload}")

    async def event(self, narration: str, action: Awaitable[None]) -> None:
        """Something outside the chat (joining, adding the bot), told in Dutch."""
        self.printer.flush()
        self.printer.note(narration)
        await action
        await self.bot.settle()
        self.printer.flush(narrated=True)


async def scene_setup(demo: Demo) -> None:
    demo.printer.heading("De bot komt in de groep en wordt ingesteld")
    await demo.event(
        "Hanneke voegt de bot toe aan de groep en maakt hem beheerder",
        demo.sim.add_bot_to_group(demo.group, by=demo.hanneke, as_admin=True),
    )
    await demo.say(demo.bram, demo.group, "/instellen")
    await demo.say(demo.hanneke, demo.group, "/instellen De Linde")


async def scene_roles(demo: Demo) -> None:
    demo.printer.heading("Rollen geven door te antwoorden")
    welcome = await demo.say(demo.hanneke, demo.group, "Welkom allemaal, fijn dat jullie er zijn!")
    await demo.say(demo.hanneke, demo.group, "/kerngezin", reply_to=welcome)
    hello = await demo.say(demo.lotte, demo.group, "Hoi! Ik ben Lotte van het pleegzorgbureau.")
    await demo.say(demo.bram, demo.group, "/contactpersoon", reply_to=hello)
    await demo.say(demo.hanneke, demo.group, "/contactpersoon")
    await demo.say(demo.hanneke, demo.group, "/contactpersoon", reply_to=hello)


async def scene_linking(demo: Demo) -> None:
    demo.printer.heading("Privéchat koppelen")
    await demo.say(
        demo.anna, demo.group, "Hallo! Anna hier, pleeggezin met twee kinderen van 5 en 8."
    )
    await demo.say(demo.grace, demo.group, "Hi all, Grace here 👋")
    await demo.say(demo.anna, demo.group, "/koppel")
    link_message = demo.sim.last_bot_message(demo.group)
    assert link_message is not None
    await demo.tap_link_button(demo.anna, link_message)
    await demo.tap_link_button(demo.grace, link_message)
    await demo.say(demo.bram, demo.group, "/leden")


async def scene_help(demo: Demo) -> None:
    demo.printer.heading("Hulp vragen")
    await demo.say(demo.anna, demo.group, "/hulp")
    await demo.say(demo.grace, demo.sim.private_chat(demo.grace), "/help")
    # A command typed almost right gets the one meant; another bot's command gets silence.
    await demo.say(demo.bram, demo.group, "/logeerbed")
    await demo.say(demo.bram, demo.group, "/weer@buienbot")


async def scene_request(demo: Demo) -> None:
    demo.printer.heading("Een hulpvraag: gesteld, opgepakt, afgerond")
    await demo.say(demo.hanneke, demo.sim.private_chat(demo.hanneke), "/start")
    await demo.say(
        demo.anna,
        demo.group,
        "/hulpvraag #oppas Wie kan vanavond op onze twee (5 en 8) passen? "
        "Wij hebben een training van het bureau, van 19:00 tot 22:00.",
    )
    card = demo.last(demo.group)
    card = await demo.tap(demo.hanneke, card, "🙋 Ik help")
    card = await demo.tap(demo.anna, card, "✅ Afronden")
    await demo.tap(demo.anna, card, "✅ Geholpen")


async def scene_escalation(demo: Demo) -> None:
    demo.printer.heading("Niemand reageert: de bot laat niemand vergeten")
    await demo.say(demo.lotte, demo.sim.private_chat(demo.lotte), "/start")
    await demo.say(
        demo.bram,
        demo.group,
        "/hulpvraag #vervoer Wie kan onze oudste dinsdag om 15:00 naar de bezoekregeling in "
        "Utrecht rijden?",
    )
    await demo.later("Twee uur later: nog niemand heeft gereageerd", timedelta(hours=2, minutes=1))
    await demo.later("Weer twee uur later: nog steeds niemand", timedelta(hours=2))
    reminder = demo.last(demo.sim.private_chat(demo.lotte))
    await demo.tap(demo.lotte, reminder, "🙋 Ik help")


async def scene_private_request(demo: Demo) -> None:
    demo.printer.heading("Privé hulp vragen, alleen voor het kerngezin")
    chat = demo.sim.private_chat(demo.anna)
    await demo.say(demo.anna, chat, "/hulpvraag")
    flow = await demo.tap(demo.anna, demo.last(chat), "☕ Even praten")
    await demo.say(
        demo.anna, chat, "Het bezoek aan de biologische ouders ging niet goed. Kunnen we bellen?"
    )
    flow = demo.last(chat)
    for label in ("Morgen", "Nee, niet dringend", "🏠 Alleen het kerngezin"):
        flow = await demo.tap(demo.anna, flow, label)
    await demo.tap(demo.anna, flow, "✅ Versturen")
    card = demo.last(demo.sim.private_chat(demo.hanneke))
    await demo.tap(demo.hanneke, card, "🙋 Ik help")


async def scene_private_line(demo: Demo) -> None:
    demo.printer.heading("De privélijn: even iets vragen aan het kerngezin")
    chat = demo.sim.private_chat(demo.anna)
    hub_chat = demo.sim.private_chat(demo.hanneke)
    await demo.say(demo.anna, chat, "/privelijn")
    asked = await demo.say(
        demo.anna,
        chat,
        "Onze jongste slaapt slecht sinds het bezoek aan haar moeder. Heb jij tips?",
    )
    routed = demo.last(hub_chat)
    # A correction afterwards is not passed on, and Anna is told so.
    await demo.sim.edit_message(
        demo.anna,
        asked,
        "Onze jongste slaapt slecht sinds het bezoek aan haar vader. Heb jij tips?",
    )
    await demo.bot.settle()
    demo.printer.flush()
    await demo.say(
        demo.hanneke,
        hub_chat,
        "Wat naar voor jullie. Zullen we morgen om 10:00 even bellen?",
        reply_to=routed,
    )
    await demo.sim.send_media(demo.anna, chat, "voice")
    await demo.bot.settle()
    demo.printer.flush()
    # No long-press needed: the button under the message makes the next one the answer.
    await demo.tap(demo.hanneke, demo.last(hub_chat), "↩️ Antwoorden")
    await demo.say(demo.hanneke, hub_chat, "Goed idee van je, tot morgen!")


async def scene_overview(demo: Demo) -> None:
    demo.printer.heading("Het overzicht: wat er op het kerngezin wacht")
    chat = demo.sim.private_chat(demo.anna)
    await demo.say(demo.anna, chat, "Nog een vraag: mag de hond mee naar de knutselmiddag?")
    hub_chat = demo.sim.private_chat(demo.hanneke)
    await demo.say(demo.hanneke, hub_chat, "/overzicht")
    await demo.tap(demo.hanneke, demo.last(hub_chat), "↩️ Antwoord Anna")
    await demo.say(demo.hanneke, hub_chat, "Ja hoor, neem hem gerust mee!")


async def scene_activity(demo: Demo) -> None:
    demo.printer.heading("Een activiteit voor de kinderen: plannen, aanmelden, herinnering")
    await demo.say(
        demo.hanneke,
        demo.group,
        "/activiteit woensdagmiddag 3-5 uur | Knutselmiddag | Bij Hanneke thuis"
        " | 4-10 jaar | max 8",
    )
    card = demo.last(demo.group)
    card = await demo.tap(demo.anna, card, "✅ Ik kom")
    # The first time, the bot asks how many children come (privately, where Anna reads it).
    await demo.tap(demo.anna, demo.last(demo.sim.private_chat(demo.anna)), "2")
    card = await demo.tap(demo.grace, card, "🤔 Misschien")
    card = await demo.tap(demo.bram, card, "❌ Ik kom niet")
    await demo.tap(demo.anna, card, "📅 In mijn agenda")
    await demo.say(demo.lotte, demo.group, "/agenda")
    # A short look at the week ahead on Sunday evening, for whoever wants it.
    await demo.say(demo.grace, demo.sim.private_chat(demo.grace), "/weekly on")
    sunday_evening = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)  # 19:00 in Amsterdam
    await demo.later("Zondagavond, 19:00", sunday_evening - demo.clock.now())
    # 24 hours before Wednesday 15:00 in Amsterdam: Tuesday 14:00 UTC.
    day_before = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    await demo.later("Dinsdagmiddag, een dag van tevoren", day_before - demo.clock.now())


async def scene_sleepover(demo: Demo) -> None:
    demo.printer.heading("Logeren bij het kerngezin: privé gevraagd, een bed gereserveerd")
    chat = demo.sim.private_chat(demo.anna)
    hub_chat = demo.sim.private_chat(demo.hanneke)
    await demo.say(demo.anna, chat, "/logeren vrijdag tot zondag | 2 kinderen | J. en M.")
    await demo.tap(demo.anna, demo.last(chat), "📨 Versturen")
    await demo.tap(demo.hanneke, demo.last(hub_chat), "✅ Bevestigen")
    await demo.say(demo.hanneke, hub_chat, "/bedden")
    # Tuesday night, late: Grace needs a bed for tonight.
    tuesday_night = datetime(2026, 12, 8, 22, 10, tzinfo=UTC)
    await demo.later("Dinsdagavond 8 december, 23:10", tuesday_night - demo.clock.now())
    grace_chat = demo.sim.private_chat(demo.grace)
    await demo.say(demo.grace, grace_chat, "/sleepover now 1")
    card = demo.last(hub_chat)
    await demo.tap(demo.hanneke, card, "👀 Gezien, ik bel je")
    await demo.tap(demo.hanneke, card, "✅ Ja, kom maar")


async def scene_report(demo: Demo) -> None:
    demo.printer.heading("De cijfers voor de gemeente: een rapport, zonder één gezin te noemen")
    chat = demo.sim.private_chat(demo.lotte)
    await demo.say(demo.lotte, chat, "/start")
    await demo.say(demo.lotte, chat, "/rapport")
    await demo.tap(demo.lotte, demo.last(chat), "📑 Spreadsheet")


SCENES: list[Callable[[Demo], Awaitable[None]]] = [
    scene_setup,
    scene_roles,
    scene_linking,
    scene_help,
    scene_request,
    scene_escalation,
    scene_private_request,
    scene_private_line,
    scene_activity,
    scene_overview,
    scene_sleepover,
    scene_report,
]


def _wants_colour(colour: bool | None) -> bool:
    if colour is not None:
        return colour
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


async def run_demo(*, colour: bool | None = None) -> list[str]:
    """Run every scene and print the conversation; returns the printed lines (for tests)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="constellation-demo-") as workdir:
        async with FakeTelegram(bot_first_name="Constellatiebot") as sim:
            hanneke = sim.add_user("Hanneke", last_name="de Vries", language_code="nl")
            lotte = sim.add_user("Lotte", language_code="nl")
            anna = sim.add_user("Anna", language_code="nl")
            bram = sim.add_user("Bram", language_code="nl")
            grace = sim.add_user("Grace", language_code="en")
            group = sim.add_group(
                "Constellatie De Linde",
                members=[lotte, anna, bram, grace],
                creator=hanneke,
            )
            settings = simulator_settings(sim, Path(workdir) / "demo.db")
            printer = Printer(_wants_colour(colour), sim)
            clock = FakeClock(DEMO_START)
            async with RunningBot(sim, settings, clock=clock) as bot:
                demo = Demo(sim, bot, printer, group, hanneke, lotte, anna, bram, grace, clock)
                printer.heading("Demo: een constellatie in een gesimuleerde Telegram")
                for scene in SCENES:
                    await scene(demo)
                printer.heading("Einde van de demo")
    return printer.out
