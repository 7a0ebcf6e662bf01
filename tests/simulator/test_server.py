"""The fake Telegram server, over real HTTP and with the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
)

from bot.simulator import FakeTelegram, SimChat, SimUser
from bot.simulator.server import SECRET_HEADER
from bot.telegram_bot import asked_wait


@pytest.fixture
async def sim() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@asynccontextmanager
async def running_app(
    sim: FakeTelegram,
    handlers: Sequence[BaseHandler[Any, Any, Any]],
    allowed_updates: Sequence[str] | None = None,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """A real PTB Application polling the simulator; shut down cleanly afterwards."""
    app = ApplicationBuilder().token(sim.token).base_url(sim.base_url).build()
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=allowed_updates)
    await app.start()
    await sim.wait_polling(timeout=2)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    # A clean shutdown never trips the simulator's "two bots polling" conflict.
    assert all(call.ok for call in sim.calls_to("getUpdates"))


async def settle(sim: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Wait until the bot fetched and handled everything queued."""
    await sim.wait_confirmed(timeout=2)
    await app.update_queue.join()


def group_with_bot(sim: FakeTelegram, *, admin: bool = False) -> tuple[SimUser, SimChat]:
    anna = sim.add_user("Anna", last_name="de Vries", username="anna_dv")
    group = sim.add_group("Ouders", members=[anna])
    sim.set_member_status(group, sim.bot, "administrator" if admin else "member")
    return anna, group


# -- HTTP level --------------------------------------------------------------------------------


async def test_unknown_method_and_wrong_token_over_http(sim: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sim.base_url}{sim.token}/sendMesage", data={"a": "1"}) as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.get(f"{sim.base_url}999:wrong/getMe") as resp:
            assert resp.status == 401
        async with http.get(f"{sim.base_url}{sim.token}/getMe") as resp:
            body = await resp.json()
    assert body["ok"] is True
    assert body["result"]["username"] == "constellation_test_bot"
    assert body["result"]["can_read_all_group_messages"] is False


async def test_form_json_and_multipart_bodies(sim: FakeTelegram) -> None:
    _, group = group_with_bot(sim)
    markup = {"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}
    url = f"{sim.base_url}{sim.token}"
    async with aiohttp.ClientSession() as http:
        form = {"chat_id": str(group.id), "text": "123", "reply_markup": json.dumps(markup)}
        async with http.post(f"{url}/sendMessage", data=form) as resp:
            sent = await resp.json()
        async with http.post(f"{url}/sendMessage", json={"chat_id": group.id, "text": "x"}) as r:
            assert (await r.json())["ok"] is True
        upload = aiohttp.FormData()
        upload.add_field("chat_id", str(group.id))
        upload.add_field("caption", "<b>Lijst</b>")
        upload.add_field("parse_mode", "HTML")
        upload.add_field("document", b"a,b\n", filename="lijst.csv")
        async with http.post(f"{url}/sendDocument", data=upload) as resp:
            doc = await resp.json()
    assert sent["result"]["text"] == "123"
    assert sent["result"]["reply_markup"] == markup
    assert sim.calls_to("sendMessage")[0].params["chat_id"] == group.id
    document = doc["result"]["document"]
    assert document["file_name"] == "lijst.csv"
    assert doc["result"]["caption"] == "Lijst"
    assert doc["result"]["caption_entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert sim.file_content(document["file_id"]) == b"a,b\n"


async def test_button_data_limit_is_64_bytes(sim: FakeTelegram) -> None:
    _, group = group_with_bot(sim)

    def markup(data: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}

    ok = await sim.api(
        "sendMessage", {"chat_id": group.id, "text": "a", "reply_markup": markup("é" * 32)}
    )
    assert ok["ok"] is True
    bad = await sim.api(
        "sendMessage", {"chat_id": group.id, "text": "a", "reply_markup": markup("x" * 65)}
    )
    assert bad == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: BUTTON_DATA_INVALID",
    }
    plain = await sim.api(
        "sendMessage",
        {"chat_id": group.id, "text": "a", "reply_markup": {"inline_keyboard": [[{"text": "x"}]]}},
    )
    assert plain["error_code"] == 400


async def test_text_limits_and_html_errors(sim: FakeTelegram) -> None:
    _, group = group_with_bot(sim)
    assert (await sim.api("sendMessage", {"chat_id": group.id, "text": "a" * 4096}))["ok"]
    too_long = await sim.api("sendMessage", {"chat_id": group.id, "text": "a" * 4097})
    assert too_long["description"] == "Bad Request: message is too long"
    bad_html = await sim.api(
        "sendMessage", {"chat_id": group.id, "text": "<b>x", "parse_mode": "HTML"}
    )
    assert bad_html["description"].startswith("Bad Request: can't parse entities: ")
    assert len(sim.bot_messages(group)) == 1
    assert [e.kind for e in sim.transcript][-2:] == ["error", "error"]


async def test_unknown_real_methods_answer_true_and_are_recorded(sim: FakeTelegram) -> None:
    _, group = group_with_bot(sim)
    answer = await sim.api("setChatTitle", {"chat_id": group.id, "title": "Nieuw"})
    assert answer == {"ok": True, "result": True}
    assert sim.calls_to("setChatTitle")[0].ok
    unsupported = await sim.api(
        "sendLocation", {"chat_id": group.id, "latitude": 1, "longitude": 2}
    )
    assert unsupported["error_code"] == 400


# -- getUpdates --------------------------------------------------------------------------------


async def test_get_updates_offset_and_long_poll(sim: FakeTelegram) -> None:
    anna = sim.add_user("Anna")
    await sim.send_message(anna, sim.private_chat(anna), "hallo")
    await sim.send_message(anna, sim.private_chat(anna), "nog eens")
    first, second = sim.pending_update_ids()
    body = await sim.api("getUpdates", {"limit": 1})
    assert [u["update_id"] for u in body["result"]] == [first]
    body = await sim.api("getUpdates", {"offset": first + 1})
    assert [u["update_id"] for u in body["result"]] == [second]
    assert body["result"][0]["message"]["text"] == "nog eens"

    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(sim.api("getUpdates", {"offset": second + 1, "timeout": 10}))
    await asyncio.sleep(0.05)
    await sim.send_message(anna, sim.private_chat(anna), "/start")
    body = await poll
    assert loop.time() - started < 1
    assert body["result"][0]["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]


async def test_concurrent_polls_conflict_and_stop_answers_at_once() -> None:
    sim = FakeTelegram()
    await sim.start()
    first = asyncio.create_task(sim.api("getUpdates", {"timeout": 2}))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(sim.api("getUpdates", {"timeout": 2}))
    assert (await first)["error_code"] == 409
    loop = asyncio.get_running_loop()
    started = loop.time()
    await sim.stop()
    assert (await second) == {"ok": True, "result": []}
    assert loop.time() - started < 0.5


async def test_wait_confirmed_times_out_without_a_bot(sim: FakeTelegram) -> None:
    anna = sim.add_user("Anna")
    await sim.send_message(anna, sim.private_chat(anna), "hallo")
    with pytest.raises(TimeoutError):
        await sim.wait_confirmed(timeout=0.05)


# -- python-telegram-bot's Bot -----------------------------------------------------------------


async def test_bot_sends_edits_and_gets_telegram_errors(sim: FakeTelegram) -> None:
    anna, group = group_with_bot(sim)
    stranger = sim.add_user("Bram")
    outsider = sim.add_group("Elders", members=[anna])
    async with Bot(sim.token, base_url=sim.base_url) as bot:
        me = await bot.get_me()
        assert me.username == "constellation_test_bot"
        sent = await bot.send_message(group.id, "<i>Welkom</i>", parse_mode="HTML")
        assert sent.text == "Welkom"
        assert sent.from_user is not None
        assert sent.from_user.id == sim.bot.id
        with pytest.raises(Forbidden, match="can't initiate conversation"):
            await bot.send_message(stranger.id, "hoi")
        with pytest.raises(Forbidden, match="not a member of the group chat"):
            await bot.send_message(outsider.id, "hoi")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(-999, "hoi")
        edited = await bot.edit_message_text("Welkom allemaal", group.id, sent.message_id)
        assert isinstance(edited, type(sent))
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text("Welkom allemaal", group.id, sent.message_id)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", group.id, 999)
        sim.start_private(stranger)
        await bot.send_message(stranger.id, "nu wel")
        sim.block_bot(stranger)
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(stranger.id, "en nu?")
    message = sim.bot_messages(group)[0]
    assert message.plain_text == "Welkom allemaal"
    assert message.history == ["<i>Welkom</i>"]
    assert sim.last_bot_message(sim.private_chat(stranger)) is not None


async def test_chat_info_members_and_commands(sim: FakeTelegram) -> None:
    anna = sim.add_user("Anna")
    boss = sim.add_user("Bea")
    group = sim.add_group("Ouders", members=[anna], creator=boss, supergroup=True)
    sim.set_member_status(group, sim.bot, "administrator")
    async with Bot(sim.token, base_url=sim.base_url) as bot:
        info = await bot.get_chat(group.id)
        assert info.title == "Ouders"
        assert (await bot.get_chat_member(group.id, anna.id)).status == "member"
        assert (await bot.get_chat_member(group.id, sim.add_user("C").id)).status == "left"
        admins = await bot.get_chat_administrators(group.id)
        assert {a.user.id for a in admins} == {boss.id, sim.bot.id}
        assert any(isinstance(a, ChatMemberAdministrator) for a in admins)
        assert await bot.get_chat_member_count(group.id) == 3
        await bot.set_my_commands([("hulp", "Hulp vragen")], language_code="nl")
        assert [c.command for c in await bot.get_my_commands(language_code="nl")] == ["hulp"]
        with pytest.raises(BadRequest):
            await bot.set_my_commands([("Hulp!", "x")])
    assert sim.commands(language_code="nl") == [{"command": "hulp", "description": "Hulp vragen"}]
    assert sim.commands() == []
    raw = (await sim.api("getChat", {"chat_id": group.id}))["result"]
    assert set(sim.spec.required_fields("ChatFullInfo")) <= set(raw)


async def test_privacy_mode_and_the_bots_own_rights(sim: FakeTelegram) -> None:
    """getMe says whether privacy mode is on; getChatMember about the bot itself says whether
    it is an admin (every field api.json requires); an admin promotes it later by a
    my_chat_member update, after which it gets the messages privacy mode kept from it."""
    anna, group = group_with_bot(sim)
    seen: list[str] = []

    async def promoted(update: Update, _: object) -> None:
        change = update.my_chat_member
        assert change is not None
        seen.append(f"{change.old_chat_member.status}->{change.new_chat_member.status}")

    async with Bot(sim.token, base_url=sim.base_url) as bot:
        assert (await bot.get_me()).can_read_all_group_messages is False
        sim.privacy_mode = False
        assert (await bot.get_me()).can_read_all_group_messages is True
        sim.privacy_mode = True
        assert (await bot.get_chat_member(group.id, sim.bot.id)).status == "member"
    await sim.send_message(anna, group, "hoi allemaal")
    assert sim.pending_update_ids() == []  # privacy mode: plain chat never reaches the bot
    async with running_app(sim, [ChatMemberHandler(promoted, ChatMemberHandler.MY_CHAT_MEMBER)]):
        await sim.set_bot_admin(group, by=anna, admin=True)
        await sim.wait_confirmed(timeout=2)
        await sim.set_bot_admin(group, by=anna, admin=False)
        await sim.wait_confirmed(timeout=2)
    assert seen == ["member->administrator", "administrator->member"]
    await sim.set_bot_admin(group, by=anna, admin=True)
    raw = (await sim.api("getChatMember", {"chat_id": group.id, "user_id": sim.bot.id}))["result"]
    assert set(sim.spec.required_fields("ChatMemberAdministrator")) <= set(raw)
    before = len(sim.pending_update_ids())  # the promotion's update
    await sim.send_message(anna, group, "nu wel")
    assert len(sim.pending_update_ids()) == before + 1


# PTB warns about RetryAfter.retry_after becoming a timedelta when the error is rendered.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_faults_rate_limit_and_slow_answers(sim: FakeTelegram) -> None:
    _, group = group_with_bot(sim)
    sim.inject_fault(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 5", retry_after=5
    )
    async with Bot(sim.token, base_url=sim.base_url) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(group.id, "eerste")
        assert asked_wait(caught.value) == timedelta(seconds=5)
        await bot.send_message(group.id, "tweede")
        sim.inject_fault(None, delay=0.2)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await bot.send_message(group.id, "traag")
        assert loop.time() - started >= 0.2
    assert [m.text for m in sim.bot_messages(group)] == ["tweede", "traag"]
    assert not sim.faults


async def test_dropped_connections_before_and_after_the_effect(sim: FakeTelegram) -> None:
    _, group = group_with_bot(sim)
    async with Bot(sim.token, base_url=sim.base_url) as bot:
        sim.inject_fault("sendMessage", drop="before")
        with pytest.raises(NetworkError):
            await bot.send_message(group.id, "nooit aangekomen")
        sim.inject_fault("sendMessage", drop="after")
        with pytest.raises(NetworkError):
            await bot.send_message(group.id, "wel aangekomen")
        await bot.send_message(group.id, "gewoon")
    assert [m.text for m in sim.bot_messages(group)] == ["wel aangekomen", "gewoon"]
    assert not sim.faults


# -- python-telegram-bot's Application ---------------------------------------------------------


async def test_application_answers_a_command_in_a_group(sim: FakeTelegram) -> None:
    anna = sim.add_user("Anna")
    group = sim.add_group("Ouders", members=[anna])

    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("pong")

    async with running_app(sim, [CommandHandler("ping", ping)]) as app:
        await sim.add_bot_to_group(group, by=anna)
        command = await sim.send_message(anna, group, "/ping@constellation_test_bot")
        # Privacy mode: plain chatter in a group never reaches a non-admin bot.
        await sim.send_message(anna, group, "gewoon een praatje")
        await settle(sim, app)
    reply = sim.last_bot_message(group)
    assert reply is not None
    assert reply.text == "pong"
    assert reply.reply_to is command
    assert [e.kind for e in sim.transcript] == ["event", "user", "user", "bot"]


async def test_callback_button_round_trip(sim: FakeTelegram) -> None:
    anna, group = group_with_bot(sim)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ik help", callback_data="help:1")]])

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Wie helpt?", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        assert query.data == "help:1"
        await query.answer("Dank je!")
        await query.edit_message_text(f"{query.from_user.first_name} helpt")

    handlers = [CommandHandler("vraag", ask), CallbackQueryHandler(pressed)]
    async with running_app(sim, handlers) as app:
        await sim.send_message(anna, group, "/vraag")
        await settle(sim, app)
        question = sim.last_bot_message(group)
        assert question is not None
        assert question.buttons[0][0].callback_data == "help:1"
        query_id = await sim.press_button(anna, question, "Ik help")
        answer = await sim.wait_callback_answer(query_id, timeout=2)
        await settle(sim, app)
    assert answer.text == "Dank je!"
    assert question.plain_text == "Anna helpt"
    assert question.buttons == []  # an edit without reply_markup drops the keyboard
    with pytest.raises(AssertionError, match="no button"):
        await sim.press_button(anna, question, "Ik help")
    again = await sim.api("answerCallbackQuery", {"callback_query_id": query_id})
    assert again["error_code"] == 400


async def test_allowed_updates_controls_chat_member_updates(sim: FakeTelegram) -> None:
    _, group = group_with_bot(sim, admin=True)
    seen: list[ChatMemberUpdated] = []

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.chat_member is not None
        seen.append(update.chat_member)

    handler = ChatMemberHandler(member, ChatMemberHandler.CHAT_MEMBER)
    async with running_app(sim, [handler]) as app:
        await sim.user_joins(group, sim.add_user("Bram"))
        await settle(sim, app)
    assert seen == []  # Telegram's default leaves chat_member out

    async with running_app(sim, [handler], allowed_updates=["message", "chat_member"]) as app:
        cees = sim.add_user("Cees")
        await sim.user_joins(group, cees)
        await settle(sim, app)
    assert [(u.new_chat_member.user.id, u.new_chat_member.status) for u in seen] == [
        (cees.id, "member")
    ]


# -- world model and transcript ----------------------------------------------------------------


async def test_private_chat_rules_block_and_unblock(sim: FakeTelegram) -> None:
    anna = sim.add_user("Anna")
    chat = sim.private_chat(anna)
    assert chat.id == anna.id
    assert not sim.has_started(anna)
    await sim.send_message(anna, chat, "/start")
    assert sim.has_started(anna)
    sim.block_bot(anna)
    body = await sim.api("getUpdates", {})
    kinds = [next(k for k in update if k != "update_id") for update in body["result"]]
    assert kinds == ["message", "my_chat_member"]
    assert body["result"][1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    failed = await sim.api("sendMessage", {"chat_id": anna.id, "text": "hoi"})
    assert failed["description"] == "Forbidden: bot was blocked by the user"
    await sim.send_message(anna, chat, "/start")  # restarting the bot unblocks it
    assert not sim.is_blocked(anna)
    assert (await sim.api("sendMessage", {"chat_id": anna.id, "text": "hoi"}))["ok"]


async def test_groups_without_the_bot_produce_no_updates(sim: FakeTelegram) -> None:
    anna = sim.add_user("Anna")
    group = sim.add_group("Ouders", members=[anna])
    assert group.id == -100
    assert sim.add_group("Opa's", supergroup=True).id == -1001000000001
    await sim.send_message(anna, group, "/ping")
    assert sim.pending_update_ids() == []
    await sim.add_bot_to_group(group, by=anna)
    assert len(sim.pending_update_ids()) == 2  # my_chat_member + new_chat_members message
    with pytest.raises(AssertionError, match="not a member"):
        await sim.send_message(sim.add_user("Bram"), group, "hoi")


async def test_transcript_reads_like_a_conversation(sim: FakeTelegram) -> None:
    anna, group = group_with_bot(sim)
    await sim.send_message(anna, group, "/vraag")
    markup = {
        "inline_keyboard": [
            [{"text": "Ja", "callback_data": "y"}, {"text": "Nee", "callback_data": "n"}]
        ]
    }
    await sim.api(
        "sendMessage",
        {
            "chat_id": group.id,
            "text": "Kun je\n<b>helpen</b>?",
            "parse_mode": "HTML",
            "reply_markup": markup,
        },
    )
    message = sim.last_bot_message(group)
    assert message is not None
    assert message.button_texts == [["Ja", "Nee"]]
    assert sim.format_transcript() == (
        "[Ouders] Anna de Vries: /vraag\n[Ouders] Constellatie: Kun je\n    helpen?\n    [Ja] [Nee]"
    )


async def test_webhook_delivery_mode(sim: FakeTelegram) -> None:
    """setWebhook switches from getUpdates (now 409) to posts with the secret header, one at
    a time, until deleteWebhook; a post the receiver refuses is retried."""
    received: list[tuple[dict[str, Any], str | None]] = []
    answers = [500]  # the first post is refused, then all are taken

    async def receive(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get(SECRET_HEADER)))
        return web.Response(status=answers.pop() if answers else 200)

    receiver = web.Application()
    receiver.router.add_post("/hook/path", receive)
    runner = web.AppRunner(receiver)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        sim.webhook_upstream = f"http://127.0.0.1:{runner.addresses[0][1]}"
        plain = await sim.api("setWebhook", {"url": "http://example.org/hook/path"})
        assert plain["error_code"] == 400
        bad = await sim.api("setWebhook", {"url": "https://x.org/h", "secret_token": "a b"})
        assert bad["error_code"] == 400
        ok = await sim.api(
            "setWebhook", {"url": "https://bot.example.org/hook/path", "secret_token": "s3cr-t_"}
        )
        assert ok["result"] is True
        assert (await sim.api("getUpdates"))["error_code"] == 409
        anna = sim.add_user("Anna")
        await sim.send_message(anna, sim.private_chat(anna), "een")
        await sim.send_message(anna, sim.private_chat(anna), "twee")
        await sim.wait_confirmed()
        texts = [update["message"]["text"] for update, _ in received]
        assert texts == ["een", "een", "twee"]  # refused once, then in order
        assert {secret for _, secret in received} == {"s3cr-t_"}
        info = (await sim.api("getWebhookInfo"))["result"]
        assert info["url"] == "https://bot.example.org/hook/path"
        assert info["pending_update_count"] == 0
        assert info["last_error_message"].startswith("Wrong response from the webhook: 500")
        assert (await sim.api("deleteWebhook"))["result"] is True
        await sim.send_message(anna, sim.private_chat(anna), "drie")
        polled = await sim.api("getUpdates")
        assert [u["message"]["text"] for u in polled["result"]] == ["drie"]
        assert len(received) == 3
    finally:
        await runner.cleanup()
