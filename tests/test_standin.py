"""Tests of the Bot API stand-in, in-process (StandInRequest) and over loopback HTTP.

The stand-in is what every other MagDaily test trusts instead of Telegram, so these tests pin
down that PTB sees through it exactly the answers and exceptions real Telegram produces.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from standin import (
    ERR_BLOCKED,
    NO_ANSWER_STATUS,
    BotApiStandIn,
    Fault,
    StandInRequest,
    parse_formatted_text,
)
from standin.http import StandInServer, serve

TOKEN = "123456:TEST-token"
ROOT = Path(__file__).resolve().parent.parent


async def wait_until(predicate: Callable[[], bool], within: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


@pytest.fixture
def standin() -> BotApiStandIn:
    return BotApiStandIn()


@pytest.fixture
async def bot(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, request=StandInRequest(standin), get_updates_request=StandInRequest(standin)
    ) as the_bot:
        yield the_bot


@pytest.fixture
async def server(standin: BotApiStandIn) -> AsyncIterator[StandInServer]:
    running = await serve(standin, token=TOKEN)
    try:
        yield running
    finally:
        await running.close()


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


def in_process_app(standin: BotApiStandIn) -> Application:
    return (
        ApplicationBuilder()
        .token(TOKEN)
        .request(StandInRequest(standin))
        .get_updates_request(StandInRequest(standin))
        .build()
    )


async def reply_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "<b>Welcome</b> to MagDaily", parse_mode="HTML", reply_markup=keyboard("tip")
    )


# ------------------------------------------------------------------ a real Bot, in-process


async def test_get_me_send_and_edit(bot: Bot, standin: BotApiStandIn) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (standin.bot_id, "MagDailyBot", True)

    message = await bot.send_message(42, "Drink <i>water</i>", parse_mode="HTML",
                                     reply_markup=keyboard("yes", "no"))
    assert message.text == "Drink water"
    assert message.text_html == "Drink <i>water</i>"
    assert message.chat.id == 42 and message.chat.type == "private"
    assert message.from_user is not None and message.from_user.id == standin.bot_id
    assert message.reply_markup == keyboard("yes", "no")

    edited = await bot.edit_message_text("Done", chat_id=42, message_id=message.message_id)
    assert isinstance(edited, type(message)) and edited.text == "Done"
    assert edited.edit_date is not None

    sent = standin.last_message(42)
    assert sent is not None and sent.message_id == message.message_id
    assert sent.text == "Done" and sent.raw_text == "Done"
    # As on Telegram, an edit without reply_markup removes the inline keyboard.
    assert sent.reply_markup is None
    assert [edit.text for edit in sent.edits] == ["Done"]
    assert standin.calls["sendMessage"] == 1 and standin.calls["editMessageText"] == 1
    assert standin.internal_errors == []


async def test_message_ids_are_per_chat_and_shared_with_user(bot: Bot,
                                                             standin: BotApiStandIn) -> None:
    standin.user_sends(1, "hello")
    first = await bot.send_message(1, "a")
    other = await bot.send_message(2, "b")
    second = await bot.send_message(1, "c")
    assert (first.message_id, other.message_id, second.message_id) == (2, 1, 3)
    assert [m.text for m in standin.messages_to(1)] == ["a", "c"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<b>bold", 'find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
        ("<blink>x</blink>", 'unsupported start tag "blink" at byte offset 0'),
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
    ],
)
async def test_bad_html_raises_bad_request(bot: Bot, standin: BotApiStandIn, text: str,
                                           fragment: str) -> None:
    with pytest.raises(BadRequest, match="parse entities") as caught:
        await bot.send_message(1, text, parse_mode="HTML")
    assert fragment in caught.value.message.lower()
    assert standin.sent == []
    assert standin.call_log[-1].status == 400


async def test_good_html_entities_and_escapes(bot: Bot) -> None:
    message = await bot.send_message(
        1,
        '  <pre><code class="language-py">x &lt; 1</code></pre> &amp; '
        '<a href="https://t.me">link</a> <tg-spoiler>s</tg-spoiler> &nbsp; 😀<u>u</u>  ',
        parse_mode="HTML",
    )
    assert message.text == "x < 1 & link s &nbsp; 😀u"
    kinds = [(e.type, e.offset, e.length) for e in message.entities]
    assert kinds == [("pre", 0, 5), ("text_link", 8, 4), ("spoiler", 13, 1), ("underline", 24, 1)]
    assert message.entities[0].language == "py"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Message text is empty"),
        ("   \n ", "Message text is empty"),
        ("<b></b>", "Message text is empty"),
        ("x" * 4097, "Message is too long"),
    ],
)
async def test_text_limits(bot: Bot, text: str, error: str) -> None:
    with pytest.raises(BadRequest, match=error):
        await bot.send_message(1, text, parse_mode="HTML")


async def test_length_is_counted_after_entity_parsing(bot: Bot) -> None:
    message = await bot.send_message(1, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(message.text) == 4096


@pytest.mark.parametrize("mode", ["MarkdownV2", "Markdown"])
async def test_parse_modes_other_than_html_are_refused(bot: Bot, standin: BotApiStandIn,
                                                      mode: str) -> None:
    """Only HTML is modelled: another parse mode must fail loudly, not pass unchecked."""
    with pytest.raises(BadRequest, match=r"(?i)unsupported parse_mode"):
        await bot.send_message(1, "*Tip* no. 1", parse_mode=mode)
    assert standin.sent == []


def test_parse_formatted_text_counts_utf16_offsets() -> None:
    parsed = parse_formatted_text("😀 <b>b</b>", "HTML")
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 1}]


async def test_button_data_over_64_bytes_is_rejected(bot: Bot, standin: BotApiStandIn) -> None:
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(1, "x", reply_markup=keyboard("é" * 33))
    await bot.send_message(1, "x", reply_markup=keyboard("é" * 32))
    assert len(standin.sent) == 1


async def test_reply_keyboard_is_stored_but_not_echoed(bot: Bot, standin: BotApiStandIn) -> None:
    markup = ReplyKeyboardMarkup([[KeyboardButton("Tip"), "Stop"]], resize_keyboard=True)
    message = await bot.send_message(1, "choose", reply_markup=markup)
    assert message.reply_markup is None
    sent = standin.last_message(1)
    assert sent is not None and sent.reply_markup is not None
    assert sent.reply_markup["keyboard"][0][1]["text"] == "Stop"


async def test_edit_errors_match_telegram(bot: Bot, standin: BotApiStandIn) -> None:
    message = await bot.send_message(1, "same", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", chat_id=1, message_id=message.message_id,
                                    reply_markup=keyboard("a"))
    # The same text with other buttons is a change.
    await bot.edit_message_text("same", chat_id=1, message_id=message.message_id,
                                reply_markup=keyboard("b"))
    assert standin.last_message(1).callback_data == ["b"]  # type: ignore[union-attr]
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=1, message_id=999)
    users = standin.user_sends(1, "hello")["message"]["message_id"]
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", chat_id=1, message_id=users)


# ------------------------------------------------------------------ faults and user state


async def test_retry_after_fault(bot: Bot, standin: BotApiStandIn,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta, no warning
    standin.fault_policy = lambda method, params: (
        Fault("retry_after", retry_after=7) if method == "sendMessage" else None
    )
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1, "hi")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert standin.sent == []
    assert standin.call_log[-1] == ("sendMessage", 1, 429)


async def test_other_faults_map_to_ptb_exceptions(bot: Bot, standin: BotApiStandIn) -> None:
    expected = {
        "forbidden": Forbidden,
        "chat_not_found": BadRequest,
        "bad_request": BadRequest,
        "server_error": NetworkError,
        "timeout": TimedOut,
    }
    for kind, exception in expected.items():
        standin.fault_policy = lambda method, params, kind=kind: Fault(kind)  # type: ignore[misc]
        with pytest.raises(exception):
            await bot.send_message(1, "hi")
    assert standin.sent == []
    sends = [record.status for record in standin.call_log if record.method == "sendMessage"]
    assert sends == [403, 400, 400, 502, NO_ANSWER_STATUS]


async def test_timeout_fault_may_still_deliver(bot: Bot, standin: BotApiStandIn) -> None:
    standin.fault_policy = lambda method, params: Fault("timeout", deliver=True)
    with pytest.raises(TimedOut):
        await bot.send_message(1, "maybe")
    assert [m.text for m in standin.sent] == ["maybe"]


async def test_latency_beyond_read_timeout_times_out(standin: BotApiStandIn) -> None:
    request = StandInRequest(standin, read_timeout=0.05)
    async with Bot(TOKEN, request=request, get_updates_request=StandInRequest(standin)) as slow:
        standin.latency = 0.2
        with pytest.raises(TimedOut):
            await slow.send_message(1, "late")
    assert standin.sent == []


async def test_failed_sends_are_never_recorded_as_sent(bot: Bot, standin: BotApiStandIn,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    kinds = ["retry_after", "server_error", "timeout", None]
    sends = iter(range(1000))

    def every_fourth_gets_through(method: str, params: dict) -> Fault | None:
        kind = kinds[next(sends) % 4] if method == "sendMessage" else None
        return Fault(kind, retry_after=1, delay=0.05) if kind else None

    standin.fault_policy = every_fourth_gets_through
    delivered = 0
    for i in range(40):
        try:
            await bot.send_message(1, f"m{i}")
            delivered += 1
        except (RetryAfter, NetworkError):  # TimedOut is a NetworkError
            pass
    assert delivered == 10
    assert len(standin.sent) == delivered
    ok_sends = [r for r in standin.call_log if r.method == "sendMessage" and r.status == 200]
    assert len(ok_sends) == delivered


async def test_blocking_user_gives_forbidden(bot: Bot, standin: BotApiStandIn) -> None:
    await bot.send_message(5, "hello")
    update = Update.de_json(standin.user_blocks(5), bot)
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match=ERR_BLOCKED):
        await bot.send_message(5, "are you there?")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("x", chat_id=5, message_id=1)
    standin.user_unblocks(5)
    await bot.send_message(5, "welcome back")
    assert [m.text for m in standin.messages_to(5)] == ["hello", "welcome back"]


async def test_writing_again_unblocks(standin: BotApiStandIn) -> None:
    standin.user_blocks(9)
    standin.user_sends(9, "/start")
    kinds = [next(k for k in u if k != "update_id") for u in
             iter(standin.next_update_nowait, None)]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]


async def test_chat_not_found(bot: Bot, standin: BotApiStandIn) -> None:
    standin.chat_not_found(77)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(77, "x")
    standin.auto_create_chats = False
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(78, "x")


async def test_unknown_method_is_404(standin: BotApiStandIn) -> None:
    status, body = await standin.call("sendCarrierPigeon", {})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await standin.call("GETME", {})
    assert status == 200 and body["result"]["username"] == "MagDailyBot"
    assert standin.calls["getMe"] == 1


async def test_form_style_string_params_are_decoded_per_field(standin: BotApiStandIn) -> None:
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    status, body = await standin.call(
        "sendMessage", {"chat_id": "12", "text": "true", "reply_markup": markup}
    )
    assert status == 200
    assert body["result"]["text"] == "true" and body["result"]["chat"]["id"] == 12
    assert standin.last_message(12).callback_data == ["a"]  # type: ignore[union-attr]
    status, body = await standin.call("sendMessage", {"chat_id": 12, "text": "x",
                                                      "reply_markup": "{nope"})
    assert status == 400 and "reply keyboard markup" in body["description"]


# ------------------------------------------------------------------ updates and commands


async def test_get_updates_offset_limit_and_long_poll(bot: Bot, standin: BotApiStandIn) -> None:
    for i in range(3):
        standin.user_sends(1, f"m{i}")
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["m0", "m1"]  # type: ignore[union-attr]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["m2"]  # type: ignore[union-attr]
    assert standin.updates_pending == 1  # confirmed only by the next offset

    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(offset=rest[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    standin.user_sends(1, "wake")
    woken = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in woken] == ["wake"]  # type: ignore[union-attr]
    assert loop.time() - started < 1

    assert await bot.get_updates(offset=woken[-1].update_id + 1, timeout=0.05) == ()


async def test_second_poller_gets_conflict(bot: Bot, standin: BotApiStandIn) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(bot.get_updates(timeout=0))
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)
    assert await second == ()


async def test_set_my_commands_per_scope(bot: Bot, standin: BotApiStandIn) -> None:
    await bot.set_my_commands([BotCommand("start", "Subscribe"), BotCommand("tip", "A tip")])
    await bot.set_my_commands([BotCommand("admin", "Stats")], scope=BotCommandScopeChat(99))
    await bot.set_my_commands([BotCommand("start", "Abonnieren")],
                              scope=BotCommandScopeAllPrivateChats(), language_code="de")
    assert standin.commands_for("chat:99") == [{"command": "admin", "description": "Stats"}]
    assert [c["command"] for c in standin.commands[("default", "")]] == ["start", "tip"]
    assert standin.commands_for("all_private_chats", "de")[0]["description"] == "Abonnieren"  # type: ignore[index]
    assert standin.visible_commands(99)[0]["command"] == "admin"
    assert standin.visible_commands(5, language_code="de")[0]["description"] == "Abonnieren"
    assert standin.visible_commands(5)[0]["description"] == "Subscribe"
    await bot.set_my_commands([], scope=BotCommandScopeChat(99))  # an empty list deletes
    assert standin.commands_for("chat:99") is None
    assert standin.visible_commands(99)[0]["command"] == "start"
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "x")])


async def test_webhook_methods_stickers_and_unmodelled_methods(bot: Bot,
                                                              standin: BotApiStandIn) -> None:
    assert await bot.set_webhook("https://example.invalid/hook") is True
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook() is True
    sticker = Update.de_json(standin.user_sends_sticker(3), bot)
    assert sticker.message is not None and sticker.message.sticker is not None
    # A method the bot does not call gets Telegram's answer to an unknown method (404).
    with pytest.raises(InvalidToken, match="Not Found"):
        await bot.send_chat_action(3, "typing")
    assert standin.call_log[-1] == ("sendChatAction", 3, 404)


# ------------------------------------------------------------------ full PTB applications


async def test_application_polls_and_replies_in_process(standin: BotApiStandIn) -> None:
    app = in_process_app(standin)
    app.add_handler(CommandHandler("start", reply_start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            standin.user_sends(1, "/start")
            await wait_until(lambda: standin.last_message(1) is not None)
        finally:
            await app.updater.stop()
            await app.stop()
    reply = standin.last_message(1)
    assert reply is not None and reply.text == "Welcome to MagDaily"
    assert reply.raw_text == "<b>Welcome</b> to MagDaily"
    assert standin.updates_pending == 0  # the updater confirmed what it processed
    assert standin.internal_errors == []


async def test_callback_round_trip(standin: BotApiStandIn) -> None:
    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer(f"got {query.data}")
        await query.edit_message_text(f"You chose {query.data}", reply_markup=keyboard("undo"))

    app = in_process_app(standin)
    app.add_handler(CommandHandler("start", reply_start))
    app.add_handler(CallbackQueryHandler(on_press))
    async with app:
        standin.user_sends(1, "/start@MagDailyBot")
        while (data := standin.next_update_nowait()) is not None:
            await app.process_update(Update.de_json(data, app.bot))
        menu = standin.last_message(1)
        assert menu is not None and menu.callback_data == ["tip"]

        pressed = standin.user_presses(1, menu.message_id, "tip")
        assert pressed["callback_query"]["message"]["text"] == "Welcome to MagDaily"
        await app.process_update(Update.de_json(standin.next_update_nowait(), app.bot))

        assert standin.answered_callbacks[-1].text == "got tip"
        assert menu.text == "You chose tip" and menu.callback_data == ["undo"]
        # The next press sees the message in its edited state; stale buttons can't be pressed.
        again = standin.user_presses(1, menu.message_id, "undo")
        assert again["callback_query"]["message"]["text"] == "You chose tip"
        with pytest.raises(ValueError, match="no button"):
            standin.user_presses(1, menu.message_id, "tip")
    assert standin.internal_errors == []


async def test_application_over_http(standin: BotApiStandIn, server: StandInServer) -> None:
    app = ApplicationBuilder().token(TOKEN).base_url(server.base_url).build()
    app.add_handler(CommandHandler("start", reply_start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            standin.user_sends(1, "/start")
            await wait_until(lambda: standin.last_message(1) is not None)
        finally:
            await app.updater.stop()
            await app.stop()
    reply = standin.last_message(1)
    assert reply is not None and reply.text == "Welcome to MagDaily"
    assert reply.callback_data == ["tip"]
    assert standin.internal_errors == []


async def test_http_errors_and_faults(standin: BotApiStandIn, server: StandInServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with Bot(TOKEN, base_url=server.base_url) as http_bot:
        with pytest.raises(BadRequest, match="parse entities"):
            await http_bot.send_message(1, "<b>", parse_mode="HTML")
        standin.fault_policy = lambda method, params: Fault("retry_after", retry_after=4)
        with pytest.raises(RetryAfter) as caught:
            await http_bot.send_message(1, "x")
        assert caught.value.retry_after == dtm.timedelta(seconds=4)
        standin.fault_policy = lambda method, params: Fault("timeout", delay=0.5)
        with pytest.raises(TimedOut):
            await http_bot.send_message(1, "x", read_timeout=0.1)
        standin.fault_policy = None
        standin.user_blocks(1)
        with pytest.raises(Forbidden):
            await http_bot.send_message(1, "x")
    assert standin.sent == []


async def test_http_raw_bodies_and_token(standin: BotApiStandIn, server: StandInServer) -> None:
    base = f"{server.base_url}{TOKEN}"
    async with httpx.AsyncClient() as client:
        as_json = await client.post(f"{base}/sendMessage", json={"chat_id": 3, "text": "j"})
        as_form = await client.post(f"{base}/SENDMESSAGE", data={"chat_id": "3", "text": "f"})
        as_query = await client.get(f"{base}/sendMessage", params={"chat_id": 3, "text": "q"})
        multipart = await client.post(f"{base}/sendMessage", data={"chat_id": "3", "text": "m"},
                                      files={"unused": ("a.txt", b"abc")})
        wrong = await client.post(f"{server.base_url}999:nope/getMe")
        missing = await client.post(f"{base}/noSuchMethod")
    for response in (as_json, as_form, as_query, multipart):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
    assert [m.text for m in standin.messages_to(3)] == ["j", "f", "q", "m"]
    assert wrong.status_code == 401 and wrong.json()["description"] == "Unauthorized"
    assert missing.status_code == 404 and missing.json()["description"] == "Not Found"


async def test_close_releases_a_pending_long_poll(standin: BotApiStandIn) -> None:
    server = await serve(standin, host="localhost")
    async with httpx.AsyncClient() as client:
        poll = asyncio.create_task(
            client.post(f"{server.base_url}{TOKEN}/getUpdates", data={"timeout": "30"},
                        timeout=35)
        )
        await wait_until(lambda: standin.calls["getUpdates"] == 1)
        await asyncio.sleep(0.02)
        await asyncio.wait_for(server.close(), 3)
        response = await asyncio.wait_for(poll, 3)
    assert response.json() == {"ok": True, "result": []}


async def test_group_chat_messages(bot: Bot, standin: BotApiStandIn) -> None:
    data = standin.user_sends(-100123, "/tip@MagDailyBot now", chat_type="supergroup",
                              user_id=7, first_name="Ann")
    update = Update.de_json(data, bot)
    assert update.effective_chat is not None and update.effective_chat.title == "Group -100123"
    assert update.effective_user is not None and update.effective_user.first_name == "Ann"
    assert data["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 16}]
    assert "entities" not in standin.user_sends(1, "/")["message"]
    standin.user_blocks(-100123)
    with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
        await bot.send_message(-100123, "x")


async def test_serve_refuses_non_loopback(standin: BotApiStandIn) -> None:
    for host in ("0.0.0.0", "192.168.1.5", "example.com", "::"):
        with pytest.raises(ValueError, match="loopback"):
            await serve(standin, host=host)


def test_module_runs_as_a_server() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "standin.http", "--port", "0", "--token", TOKEN]
    with subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/bot")
            me = httpx.get(f"{base_url}{TOKEN}/getMe", timeout=5).json()
            assert me["ok"] and me["result"]["username"] == "MagDailyBot"
            control = base_url.removesuffix("/bot") + "/_standin"
            update = httpx.post(f"{control}/user_sends", json={"chat_id": 1, "text": "/start"},
                                timeout=5).json()
            assert update["message"]["entities"][0]["type"] == "bot_command"
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
