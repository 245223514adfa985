"""Webhook mode: `python run.py` with WEBHOOK_URL serves PTB's webhook server on loopback.

Telegram's side is the HTTP stand-in (it records setWebhook); the test plays Telegram
pushing an update, with no, a wrong, and the right secret token.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
import sqlite3
from pathlib import Path

import aiohttp

from bot.core.config import Settings
from bot.runtime.webhook import secret_matches, url_path, webhook_problem
from standin import BotApiStandIn
from standin.http import serve
from tests.test_e2e import TOKEN, bot_env, finish, start_bot, stop_bot, wait_for

SECRET = "webhook-secret-0123456789-abcdef"
WRONG_SECRET = "not-the-webhook-secret"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def post_update(session: aiohttp.ClientSession, url: str, update: dict,
                      secret: str | None, limit: float = 10.0) -> int:
    """POST like Telegram does; retries only while the server is not listening yet
    (PTB registers the webhook just before it starts serving)."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[HEADER] = secret
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        try:
            async with session.post(url, data=json.dumps(update), headers=headers) as response:
                return response.status
        except aiohttp.ClientConnectorError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.05)


def start_update(standin: BotApiStandIn, chat_id: int) -> dict:
    """A /start update built by the stand-in, taken off its polling queue."""
    standin.user_sends(chat_id, "/start")
    update = standin.next_update_nowait()
    assert update is not None and update["message"]["chat"]["id"] == chat_id
    return update


async def test_webhook_accepts_only_updates_with_the_secret(tmp_path: Path):
    standin = BotApiStandIn()
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg"
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      LOG_LEVEL="DEBUG", WEBHOOK_URL=url, WEBHOOK_LISTEN="127.0.0.1",
                      WEBHOOK_PORT=str(port), WEBHOOK_SECRET=SECRET)
        process = await start_bot(env)
        try:
            await wait_for(lambda: standin.webhook_url == url, what="setWebhook")
            assert standin.webhook_params.get("secret_token") == SECRET
            async with aiohttp.ClientSession() as session:
                no_secret = await post_update(session, url, start_update(standin, 601), None)
                wrong = await post_update(session, url, start_update(standin, 602), WRONG_SECRET)
                right = await post_update(session, url, start_update(standin, 603), SECRET)
            assert (no_secret, wrong, right) == (403, 403, 200)
            await wait_for(lambda: standin.last_message(603) is not None, what="/start reply")
            assert "Welcome to MagDaily" in standin.messages_to(603)[0].text
            # Updates are handled in arrival order, so had either refused one been taken,
            # its reply would already be here.
            assert standin.messages_to(601) == [] and standin.messages_to(602) == []
            assert standin.calls["getUpdates"] == 0, "webhook mode must not poll"
        finally:
            output = await stop_bot(process)
    assert process.returncode == 0, output
    assert SECRET not in output and TOKEN.split(":", 1)[1] not in output
    rows = sqlite3.connect(tmp_path / "bot.sqlite3").execute(
        "SELECT chat_id FROM subscribers").fetchall()
    assert rows == [(603,)]


async def test_webhook_without_a_secret_refuses_to_start(tmp_path: Path):
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN,
                  WEBHOOK_URL="https://bot.example.org/tg", WEBHOOK_PORT=str(free_port()))
    env.pop("WEBHOOK_SECRET", None)
    process = await start_bot(env)
    output = await finish(process)
    assert process.returncode == 2
    lines = output.strip().splitlines()
    assert len(lines) == 1 and "WEBHOOK_SECRET" in lines[0] and "e.g." in lines[0], output
    assert "Traceback" not in output


def test_url_path_follows_the_public_url():
    assert url_path("https://bot.example.org/tg") == "tg"
    assert url_path("https://bot.example.org/hooks/magdaily/") == "hooks/magdaily"
    assert url_path("https://bot.example.org") == ""


def test_webhook_problem_names_the_missing_secret():
    assert webhook_problem(Settings(token=None)) is None
    assert webhook_problem(Settings(token=None, webhook_url="https://x.org/tg",
                                    webhook_secret="s3cret")) is None
    problem = webhook_problem(Settings(token=None, webhook_url="https://x.org/tg"))
    assert problem is not None and "WEBHOOK_SECRET" in problem


def test_the_secret_is_compared_in_constant_time(monkeypatch):
    """`==` stops at the first differing character; hmac.compare_digest does not."""
    compared = []
    real = hmac.compare_digest

    def spy(given, secret):
        compared.append((given, secret))
        return real(given, secret)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert secret_matches(SECRET, SECRET)
    assert not secret_matches(WRONG_SECRET, SECRET)
    assert not secret_matches(SECRET[:-1], SECRET)
    assert not secret_matches(None, SECRET)
    assert compared == [(s.encode(), SECRET.encode()) for s in (SECRET, WRONG_SECRET, SECRET[:-1])]


# ------------------------------------------------ the receiver, in process on loopback

async def _receiver_posts(bot, bodies: list[bytes]) -> list[int]:
    """POST each body with the right secret to the receiver; the HTTP statuses."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.runtime.webhook import receiver

    statuses = []
    server = TestServer(receiver(bot.app, SECRET, "tg"), host="127.0.0.1")
    async with TestClient(server) as client:
        for body in bodies:
            response = await client.post("/tg", data=body, headers={HEADER: SECRET})
            statuses.append(response.status)
    return statuses


async def _process_queued(bot) -> int:
    """Handle what the receiver queued, as the running Application would; how many."""
    handled = 0
    while not bot.app.update_queue.empty():
        await bot.app.process_update(bot.app.update_queue.get_nowait())
        handled += 1
    return handled


async def test_a_deeply_nested_body_is_a_400_without_a_traceback(bot, caplog):
    caplog.set_level(logging.DEBUG)
    statuses = await _receiver_posts(bot, [b"[" * 100_000, b"{" * 50_000, b"not json",
                                           b"[]", b'{"update_id": "x"}'])
    assert statuses == [400, 400, 400, 400, 400]
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert bot.app.update_queue.empty()


async def test_the_same_update_posted_twice_is_handled_once(bot):
    update = start_update(bot.standin, 604)
    body = json.dumps(update).encode()
    assert await _receiver_posts(bot, [body, body]) == [200, 200]  # Telegram sees its 200
    assert await _process_queued(bot) == 1
    welcomes = [m for m in bot.standin.messages_to(604) if "Welcome to MagDaily" in m.text]
    assert len(welcomes) == 1


def test_recent_update_ids_are_bounded():
    from bot.runtime.webhook import RecentIds

    recent = RecentIds(size=3)
    assert [recent.first_time(i) for i in (1, 2, 3, 1, 4)] == [True, True, True, False, True]
    assert recent.first_time(1) is True  # forgotten once 3 newer ids came
    assert recent.first_time(4) is False
