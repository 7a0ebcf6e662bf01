"""The demo a newcomer runs first: it must tell the story in Dutch, with no failed calls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.simulator.demo import run_demo


async def test_demo_transcript_reads_in_dutch() -> None:
    lines = await run_demo(colour=False)
    transcript = "\n".join(lines)
    for expected in (
        "Hallo allemaal! 👋 Ik ben de constellatiebot.",
        "✅ Deze groep is nu constellatie De Linde.",
        "[📩 Koppel je privéchat]",
        "🏠 Hanneke de Vries hoort nu bij het kerngezin van deze constellatie.",
        "🤝 Lotte is nu contactpersoon van deze constellatie.",
        "✅ Gelukt, Anna! Je privéchat is gekoppeld aan constellatie De Linde.",
        "Done, Grace!",  # an English-speaking carer gets English in private
        "👪 Pleeggezinnen: Anna, Bram, Grace",
        # a request posted, claimed and resolved
        "Hanneke de Vries tikt op [🙋 Ik help]",
        "🤝 Goed nieuws: Hanneke helpt je met hulpvraag #1 (🧸 Oppas).",
        "✅ Afgerond: geholpen",
        # nobody answers: hub home, then liaison, who claims from her private chat
        "⏰ Hulpvraag #2 van Bram (🚗 Vervoer) staat al 2 uur en 1 minuut open",
        "⚠️ Hulpvraag #2 van Bram (🚗 Vervoer) staat al 4 uur en 1 minuut open zonder helper",
        "Bram: 🤝 Goed nieuws: Lotte helpt je met hulpvraag #2 (🚗 Vervoer).",
        # the guided private flow, hub home only
        "🔒 Alleen voor het kerngezin",
        "✅ Verstuurd! Het kerngezin van De Linde heeft hulpvraag #P1 privé gekregen",
        # the private line, both ways
        "📨 Bericht van Anna — Constellatie De Linde",
        "🏠 Hanneke (kerngezin):",
        "✅ Je antwoord is naar Anna gestuurd.",
        "✏️ Een gewijzigd bericht geef ik niet door. Stuur de nieuwe versie als nieuw bericht.",
        # the first week's polish: the command meant, the answer button, how many children
        "Bedoel je /logeren? Dat werkt in je privéchat met mij.",
        "↩️ Je volgende bericht gaat naar Anna (De Linde).",
        "👧 Met hoeveel kinderen kom je naar Knutselmiddag (woensdag om 15:00)?",
        "✅ Komen: Anna (+2 kinderen)",
        "⏰ Morgen van 15:00 tot 17:00: 🎈 Knutselmiddag",
        # the week ahead, and the hub home's overview with what waits for her
        "🗓️ Your week · 30 November – 6 December",
        "📋 Overzicht De Linde · kerngezin",
        "• Anna · 1 bericht · wacht al 1 minuut",
        "Ja hoor, neem hem gerust mee!",
    ):
        assert expected in transcript
    assert not [line for line in lines if line.lstrip().startswith("! ")], "a call failed"
    # Another bot's command gets no answer: the next line is the next scene's heading.
    other_bot = next(i for i, line in enumerate(lines) if line.endswith("/weer@buienbot"))
    assert "──" in lines[other_bot + 1] or not lines[other_bot + 1].strip()
    assert "\033[" not in transcript  # no colour codes when asked for plain text


def test_without_token_the_cli_explains_and_runs_the_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["NO_COLOR"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "@BotFather" in result.stdout
    assert "Deze groep is nu constellatie De Linde" in result.stdout
    assert "Traceback" not in result.stderr
