"""When Telegram fails the bot apologises in the chat's language; logs hold no text or names."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.logs import configure_logging
from tests.e2e.conftest import Scene


async def test_failed_reply_is_followed_by_an_apology(scene: Scene) -> None:
    await scene.set_up("De Linde")
    scene.sim.inject_fault("sendMessage", error_code=400, description="Bad Request: boom")
    await scene.say(scene.anna, scene.group, "/leden")
    assert "Sorry, er ging iets mis aan mijn kant" in scene.last(scene.group).plain_text
    private = scene.private(scene.bert)
    scene.sim.inject_fault("sendMessage", error_code=400, description="Bad Request: boom")
    await scene.say(scene.bert, private, "/help")
    assert "Sorry, something went wrong on my side" in scene.last(private).plain_text


async def test_a_press_that_fails_after_its_answer_still_gets_an_apology(scene: Scene) -> None:
    """Presses are answered first; when the edit after it fails, the pop-up is spent, so the
    apology comes as a message in the chat (never a silent failure)."""
    await scene.with_roles(linked=(scene.anna,))
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/hulpvraag")
    scene.sim.inject_fault("editMessageText", error_code=500, description="Internal Server Error")
    await scene.press(scene.anna, scene.last(chat), "🧸 Oppas")
    assert scene.last(chat).plain_text.startswith("Sorry, er ging iets mis aan mijn kant")


async def test_start_again_on_the_first_question_is_no_error(scene: Scene) -> None:
    """ "Opnieuw beginnen" when nothing was answered yet shows the same question: no error."""
    await scene.with_roles(linked=(scene.anna,))
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/hulpvraag")
    flow = scene.last(chat)
    await scene.press(scene.anna, flow, "🧸 Oppas")
    await scene.say(scene.anna, chat, "Wie kan zaterdag oppassen?")
    for label in ("Geen datum", "Nee, niet dringend", "👥 De hele groep"):
        await scene.press(scene.anna, scene.last(chat), label)
    preview = scene.last(chat)
    redo = next(b.callback_data for row in preview.buttons for b in row if "Opnieuw" in b.text)
    assert redo is not None
    await scene.press(scene.anna, preview, redo)
    first = scene.refreshed(preview)
    assert "Waar heb je hulp bij nodig?" in first.plain_text
    # A second "start again" (a double tap arriving late) shows the very same question.
    answer = await scene.forge(scene.anna, first, redo)
    assert "Sorry" not in (answer or "")
    assert not any("Sorry" in text for text in scene.bot_texts(chat))
    assert "Waar heb je hulp bij nodig?" in scene.refreshed(first).plain_text


@pytest.fixture
def production_logging(scene: Scene, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Logging as ``constellation-bot run`` sets it up, at DEBUG, put back afterwards."""
    names = ("bot", "telegram", "aiosqlite", "httpx", "httpcore", "apscheduler")
    saved = {name: logging.getLogger(name).level for name in names}
    factory = logging.getLogRecordFactory()
    token = scene.sim.token
    configure_logging("DEBUG", secrets=(token, token.partition(":")[2]))
    caplog.set_level(logging.DEBUG, logger="bot")
    yield
    logging.setLogRecordFactory(factory)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every log line as a handler would write it, tracebacks included."""
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


@pytest.mark.usefixtures("production_logging")
async def test_full_scenarios_log_no_text_names_or_token(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    secrets = ["nare nacht", "Geheime Linde", "Zwemles", "Zwembad", "Hanneke", "Sandra"]
    secrets += ["Anna", "Lotte", "Noor slaapt slecht", "Bert", scene.sim.token]
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    await scene.say(scene.admin, scene.group, "/instellen Geheime Linde")
    secret = await scene.say(scene.anna, scene.group, "Sem had een nare nacht, vertrouwelijk")
    # Telegram's own words about an error are not logged either (they may quote what was sent).
    secrets.append("Telegram quotes Sem")
    scene.sim.inject_fault(
        "sendMessage", error_code=400, description="Bad Request: Telegram quotes Sem"
    )
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=secret)
    # A help request claimed and finished, with a claim notice that first meets a 500.
    await scene.say(scene.anna, scene.group, "/hulpvraag Noor slaapt slecht, wie heeft tips?")
    card = scene.last(scene.group)
    scene.sim.inject_fault("sendMessage", error_code=500)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    await scene.bot.tick()
    await scene.press(scene.hubhome, scene.refreshed(card), "✅ Afronden")
    # An activity with answers, a reminder fan-out, the private line, and forgetting.
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemles | Zwembad")
    await scene.press(scene.anna, scene.last(scene.group), "✅ Ik kom")
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    clock.set(datetime(2026, 11, 27, 13, 0, tzinfo=UTC))
    await scene.bot.tick()
    await scene.say(scene.anna, scene.private(scene.anna), "Noor slaapt slecht sinds het bezoek")
    await scene.say(scene.bert, scene.private(scene.bert), "/vergeetmij")
    await scene.press(scene.bert, scene.last(scene.private(scene.bert)), "🗑️ Yes, erase everything")

    text = logged(caplog)
    assert "error while handling update" in text  # the failure was logged, with ids
    assert "will be retried" in text  # and so was the notice that met the 500
    for private_text in secrets:
        assert private_text not in text


@pytest.mark.usefixtures("production_logging")
async def test_the_token_is_scrubbed_from_whatever_a_library_logs(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{scene.sim.base_url}{scene.sim.token}/sendMessage"
    logging.getLogger("httpx").warning("HTTP Request: POST %s", url)
    try:
        raise ConnectionError(f"cannot reach {url}")
    except ConnectionError:
        logging.getLogger("telegram.ext.Updater").exception("network trouble")
    text = logged(caplog)
    assert "HTTP Request: POST http://127.0.0.1" in text
    assert "ConnectionError: cannot reach" in text
    assert "/bot<token>/sendMessage" in text
    assert scene.sim.token not in text
    assert scene.sim.token.partition(":")[2] not in text


@pytest.mark.usefixtures("production_logging")
async def test_an_update_nobody_can_read_is_skipped_not_jamming_polling(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """One update python-telegram-bot could not parse jammed polling for good (thousands of
    getUpdates a second, later updates never handled), and each retry logged the whole batch
    — other members' texts and names — at CRITICAL."""
    await scene.set_up("De Linde")
    message = (await scene.say(scene.anna, scene.group, "Goedemorgen")).to_api()
    broken = {**message, "date": "gisteren", "text": "Noor is vannacht weggelopen"}
    broken["from"] = {**message["from"], "first_name": "Wilhelmina"}
    polls = len([c for c in scene.sim.calls if c.method == "getUpdates"])
    bad_id = await scene.sim.send_raw_update("message", broken)
    await scene.say(scene.bert, scene.group, "/leden")  # after it: still handled
    assert scene.last(scene.group).plain_text.startswith("Constellatie De Linde")
    assert bad_id is not None and bad_id not in scene.sim.pending_update_ids()
    polled = len([c for c in scene.sim.calls if c.method == "getUpdates"]) - polls
    assert polled < 20  # it was thousands
    text = logged(caplog)
    assert f"update {bad_id} could not be read and was skipped" in text
    for secret in ("Noor is vannacht", "Wilhelmina", "gisteren"):
        assert secret not in text
