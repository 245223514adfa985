"""The aiohttp request class the bot uses in production, against the HTTP stand-in."""

from __future__ import annotations

import socket
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery.aiohttp_request import AiohttpRequest, encode_form
from bot.delivery.sender import BotTransport, Sent
from standin import BotApiStandIn, Fault
from standin.http import serve

TOKEN = "123456:aiohttp-request-test-token-abcdefg"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_round_trip_and_errors_map_to_ptb_exceptions():
    standin = BotApiStandIn()
    async with await serve(standin, token=TOKEN) as server:
        bot = Bot(TOKEN, base_url=server.base_url, request=AiohttpRequest(read_timeout=0.5))
        async with bot:
            sent = await bot.send_message(5, "<b>hi</b>", parse_mode="HTML")
            assert sent.text == "hi" and standin.last_message(5).raw_text == "<b>hi</b>"
            with pytest.raises(BadRequest):
                await bot.send_message(5, "<b>broken", parse_mode="HTML")
            standin.user_blocks(6)
            with pytest.raises(Forbidden):
                await bot.send_message(6, "x")
            standin.fault_policy = lambda method, params: Fault("retry_after", retry_after=4)
            with pytest.raises(RetryAfter):
                await bot.send_message(5, "x")
            standin.fault_policy = lambda method, params: Fault("server_error")
            with pytest.raises(NetworkError):
                await bot.send_message(5, "x")
            standin.fault_policy = lambda method, params: Fault("timeout", delay=2.0)
            with pytest.raises(TimedOut):
                await bot.send_message(5, "x")


async def test_nothing_listening_is_a_network_error():
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{free_port()}/bot",
              request=AiohttpRequest(connect_timeout=1))
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError):
            await bot.get_me()
    finally:
        await bot.request.shutdown()


# Keys and values as Telegram's form fields can hold them: any text, short or long.
FIELDS = st.dictionaries(st.text(min_size=1, max_size=12),
                         st.one_of(st.text(max_size=10), st.text(min_size=60, max_size=400)),
                         max_size=6)


@given(FIELDS)
def test_a_form_body_is_what_urlencode_makes_the_first_time_and_every_time(fields):
    expected = urlencode(fields).encode("ascii")
    assert encode_form(fields) == expected
    assert encode_form(fields) == expected  # long values now come from the cache


LONG_TIP = ("<b>Magnesium à table</b> — 100 g de graines de courge ≈ 150 mg; "
            "“spinach”, ½ cup cooked ≈ 78 mg & more 💪 " * 3)


async def test_one_keyboard_under_many_tips_arrives_whole_at_every_chat():
    standin = BotApiStandIn()
    async with await serve(standin, token=TOKEN) as server:
        bot = Bot(TOKEN, base_url=server.base_url, request=AiohttpRequest(read_timeout=2))
        async with bot:
            transport = BotTransport(bot)
            shared = InlineKeyboardMarkup([[InlineKeyboardButton("👍 Helpful",
                                                                 callback_data="fb:up:x")]])
            for chat in (11, 12, 13):
                assert isinstance(await transport.send(chat, LONG_TIP, shared), Sent)
            for chat in (11, 12, 13):
                message = standin.last_message(chat)
                assert message.raw_text == LONG_TIP
                assert message.callback_data == ["fb:up:x"]
                assert message.inline_keyboard[0][0]["text"] == "👍 Helpful"
                assert message.link_preview_options == {"is_disabled": True}
                assert message.parse_mode == "HTML"


async def test_every_new_keyboard_arrives_as_itself_even_after_the_last_one_is_dropped():
    """A keyboard object dropped after its send can leave its memory (and id) to the next
    one: each chat must still get its own buttons, never the previous keyboard's."""
    standin = BotApiStandIn()
    async with await serve(standin, token=TOKEN) as server:
        bot = Bot(TOKEN, base_url=server.base_url, request=AiohttpRequest(read_timeout=2))
        async with bot:
            transport = BotTransport(bot)
            for chat in range(100, 1_300):  # more keyboards than the transport keeps
                markup = InlineKeyboardMarkup([[InlineKeyboardButton(
                    f"night {chat}", callback_data=f"ci:{chat}")]])
                assert isinstance(await transport.send(chat, "How was last night?", markup),
                                  Sent)
                del markup
            for chat in range(100, 1_300):
                assert standin.last_message(chat).callback_data == [f"ci:{chat}"]
