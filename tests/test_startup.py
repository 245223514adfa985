"""Reaching Telegram at start-up: which answers stop the bot and which are waited out."""

from __future__ import annotations

import asyncio
import itertools
import socket

import pytest
from aiohttp import web

from bot.core.config import Settings
from bot.runtime.startup import (
    Fatal,
    Reached,
    Unreachable,
    backoff_delays,
    probe,
    wait_for_telegram,
)

TOKEN = "5550001234:AAF-startup-SECRET-key-never-printed"


async def fake_api(status: int, body: bytes = b"{}", delay: float = 0.0):
    async def answer(request: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        return web.Response(status=status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/bot"


def settings_for(base: str) -> Settings:
    return Settings(token=TOKEN, api_base_url=base)


def test_backoff_grows_and_is_capped_at_a_minute():
    assert list(itertools.islice(backoff_delays(), 9)) == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.parametrize(("status", "body", "expected"), [
    (200, b'{"ok": true, "result": {"id": 1, "username": "MagBot"}}', Reached("MagBot")),
    (401, b'{"ok": false, "error_code": 401, "description": "Unauthorized"}', Fatal),
    (404, b"404: Not Found", Fatal),
    (403, b"{}", Fatal),
    (200, b"<html>captive portal</html>", Fatal),
    (502, b"Bad Gateway", Unreachable),
    (429, b'{"ok": false, "error_code": 429}', Unreachable),
])
async def test_probe_classifies_answers(status, body, expected):
    runner, base = await fake_api(status, body)
    try:
        verdict = await probe(settings_for(base))
    finally:
        await runner.cleanup()
    if isinstance(expected, type):
        assert isinstance(verdict, expected), verdict
    else:
        assert verdict == expected
    if isinstance(verdict, Fatal):
        assert TOKEN not in verdict.line and "\n" not in verdict.line
    if status == 401:
        assert verdict.line.startswith("Telegram rejected the token (401)")
    if status == 404:
        assert f"TELEGRAM_API_BASE_URL {base} answered 404" in verdict.line


async def test_a_server_that_never_answers_is_unreachable_not_fatal():
    runner, base = await fake_api(200, delay=5)
    try:
        verdict = await probe(settings_for(base), probe_timeout=0.3)
    finally:
        await runner.cleanup()
    assert verdict == Unreachable("no answer within 0.3 s")


async def test_wait_retries_until_telegram_answers(caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}/bot"
    stop = asyncio.Event()
    task = asyncio.create_task(wait_for_telegram(settings_for(base), stop,
                                                 delays=iter([0.05, 0.1, 0.2, 5])))
    await asyncio.sleep(0.25)
    assert not task.done()
    runner, _ = None, None
    app = web.Application()

    async def get_me(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": {"id": 1, "username": "MagBot"}})

    app.router.add_route("*", "/{tail:.*}", get_me)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        stop_later = asyncio.get_running_loop().call_later(10, stop.set)
        verdict = await asyncio.wait_for(task, 10)
        stop_later.cancel()
    finally:
        await runner.cleanup()
    assert verdict == Reached("MagBot")
    waits = [r.getMessage() for r in caplog.records if "cannot reach" in r.getMessage()]
    assert waits[:3] == [
        f"cannot reach Telegram at 127.0.0.1:{port} (connection refused), retrying in {n} s"
        for n in ("0.05", "0.1", "0.2")]
    assert all(TOKEN not in line for line in waits)


async def test_a_stop_signal_ends_the_wait():
    stop = asyncio.Event()
    task = asyncio.create_task(wait_for_telegram(settings_for("http://127.0.0.1:1/bot"), stop,
                                                 delays=itertools.repeat(30.0)))
    await asyncio.sleep(0.1)
    stop.set()
    assert await asyncio.wait_for(task, 2) is None
