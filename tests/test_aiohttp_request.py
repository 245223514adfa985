"""The aiohttp request class the bot uses in production, against the HTTP stand-in."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.aiohttp_request import AiohttpRequest
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
