"""`python run.py` as a real process, against the HTTP Bot API stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bench.fixtures import NewSubscriber, add_subscribers
from bot.storage import Storage
from standin import BotApiStandIn
from standin.http import serve
from tips.catalog import TOPICS

REPO = Path(__file__).resolve().parent.parent
TOKEN = "987654321:AAH-e2e-SECRET-token-value-never-logged"
SECRET_PART = TOKEN.split(":", 1)[1]


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "ADMIN_", "DATABASE_", "DEFAULT_", "LOG_"))}
    env.update({"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "PYTHONUNBUFFERED": "1",
                "CONSOLE_DATABASE_PATH": str(tmp_path / "console.sqlite3")})
    env.update(extra)
    return env


async def start_bot(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "run.py"), *args, cwd=env.get("RUN_CWD", str(REPO)),
        env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)


async def wait_for(predicate, limit: float = 20.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while loop.time() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def finish(process: asyncio.subprocess.Process, limit: float = 30) -> str:
    """Wait for a process that ends by itself; returns everything it printed."""
    output, _ = await asyncio.wait_for(process.communicate(), limit)
    return output.decode(errors="replace")


async def stop_bot(process: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> str:
    if process.returncode is None:
        process.send_signal(sig)
    try:
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
    return output.decode(errors="replace")


async def test_run_py_answers_start_and_foods_over_http_and_never_logs_the_token(tmp_path):
    standin = BotApiStandIn()
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN,
                      TELEGRAM_API_BASE_URL=server.base_url, LOG_LEVEL="DEBUG")
        process = await start_bot(env)
        try:
            standin.user_sends(501, "/start")
            # the welcome, then the time-zone question
            await wait_for(lambda: len(standin.messages_to(501)) >= 2, what="/start reply")
            assert "Welcome to MagDaily" in standin.messages_to(501)[0].text
            standin.user_sends(501, "/foods")
            await wait_for(lambda: len(standin.messages_to(501)) >= 3, what="/foods reply")
            foods = standin.messages_to(501)[2].text
            assert "Pumpkin seeds, roasted — 1 oz (28 g): 156 mg (37% DV)" in foods
            assert standin.commands_for("default")
        finally:
            output = await stop_bot(process)
    assert process.returncode == 0, output
    assert "Application started" in output  # DEBUG/INFO logging really ran
    assert TOKEN not in output and SECRET_PART not in output
    rows = sqlite3.connect(tmp_path / "bot.sqlite3").execute(
        "SELECT chat_id, status FROM subscribers").fetchall()
    assert rows == [(501, "active")]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("ADMIN_IDS", "12,abc"), ("DEFAULT_TIMEZONE", "Mars/Base"), ("DEFAULT_SEND_TIME", "25:00"),
     ("TELEGRAM_API_BASE_URL", "ftp://example"), ("TELEGRAM_BOT_TOKEN", "bad-SECRET-token")],
)
async def test_bad_setting_stops_with_one_line_and_exit_2(tmp_path, variable, value):
    env = bot_env(tmp_path, **{variable: value})
    if variable != "TELEGRAM_BOT_TOKEN":
        env["TELEGRAM_BOT_TOKEN"] = TOKEN
    process = await start_bot(env)
    output = await finish(process)
    assert process.returncode == 2
    lines = output.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0] and "e.g." in lines[0], output
    assert "Traceback" not in output and "SECRET" not in output


async def test_missing_token_points_to_console_mode(tmp_path):
    process = await start_bot(bot_env(tmp_path))
    output = await finish(process)
    assert process.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in output and "--console" in output


async def test_check_command(tmp_path):
    process = await start_bot(bot_env(tmp_path), "check")
    output = await finish(process)
    assert process.returncode == 0 and "ok:" in output and "87 tips" in output
    folder = tmp_path / "a-folder"
    folder.mkdir()
    process = await start_bot(bot_env(tmp_path, DATABASE_PATH=str(folder)), "check")
    output = await finish(process)
    assert process.returncode == 2 and "DATABASE_PATH" in output


async def test_console_mode_chats_through_the_same_handlers(tmp_path):
    env = bot_env(tmp_path)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "run.py"), "--console-if-no-token", cwd=str(REPO), env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    script = "/start\n4\n/foods almonds\n1\n/time 25:00\n/quit\n"
    output, _ = await asyncio.wait_for(process.communicate(script.encode()), 60)
    text = output.decode()
    assert process.returncode == 0, text
    assert "Welcome to MagDaily" in text
    assert "[1] 💡 Tip now" in text
    assert "Your settings" in text.split("Welcome to MagDaily", 1)[1]  # button 4 = Settings
    assert "80 mg of magnesium" in text
    # button 1 under the food = "I ate this"
    assert "Logged for today: 1 serving of" in text.split("[1] 🍽 I ate this", 1)[1]
    assert "couldn’t read “25:00”" in text
    # the console's own database holds the console user; the real one stays untouched
    rows = sqlite3.connect(tmp_path / "console.sqlite3").execute(
        "SELECT chat_id, status FROM subscribers").fetchall()
    assert rows == [(1000, "active")]
    assert not (tmp_path / "bot.sqlite3").exists()


async def test_backup_while_the_bot_runs(tmp_path):
    standin = BotApiStandIn()
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url)
        process = await start_bot(env)
        try:
            for chat in range(1, 6):
                standin.user_sends(chat, "/start")
            await wait_for(lambda: all(standin.last_message(c) for c in range(1, 6)),
                           what="five /start replies")
            backup = await start_bot(env, "backup", str(tmp_path / "copy.sqlite3"))
            backup_output = await finish(backup)
        finally:
            await stop_bot(process)
    assert backup.returncode == 0, backup_output
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT count(*) FROM subscribers").fetchone() == (5,)
    assert copy.execute("SELECT count(*) FROM tips").fetchone() == (87,)


async def test_sigkill_mid_dispatch_then_restart_loses_nothing(tmp_path):
    """Kill -9 during a 3,000-subscriber dispatch; the restart finishes it.

    Duplicates are bounded by what can be in flight at the kill: the sender's concurrent
    requests plus the outcomes not yet flushed (8 + 32 = 40 at the default 25/s; here at
    400/s the bot keeps 400 x 100 ms = 40 requests under way: 40 + 32 = 72).
    """
    count = 3000
    chats = await _seed(tmp_path, count, 10_000, datetime.now(UTC) - timedelta(seconds=30))

    standin = BotApiStandIn()
    standin.latency = 0.002
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      SEND_RATE_PER_SECOND="400", ALLOW_PAID_BROADCAST="true",
                      TICK_SECONDS="1")
        first = await start_bot(env)
        try:
            await wait_for(lambda: len(standin.sent) >= 600, limit=60, what="dispatch start")
        finally:
            first.kill()  # SIGKILL: no cleanup, no final flush
            await first.wait()
        received_at_kill = len(standin.sent)
        assert received_at_kill < count, "the kill must land mid-dispatch"

        second = await start_bot(env)
        try:
            await wait_for(lambda: len({m.chat_id for m in standin.sent}) >= count, limit=90,
                           what="every subscriber served after restart")
            await asyncio.sleep(0.5)  # let the last outcomes flush
        finally:
            output = await stop_bot(second)
    per_chat = Counter(m.chat_id for m in standin.sent)
    assert set(per_chat) == set(chats), "nobody lost the tip"
    duplicates = sum(n - 1 for n in per_chat.values())
    print(f"crash test: {received_at_kill} sends before SIGKILL, {duplicates} duplicates "
          f"after restart (bound 72)")
    assert duplicates <= 40 + 32, (duplicates, output[-2000:])
    db = sqlite3.connect(tmp_path / "bot.sqlite3")
    assert db.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall() == [
        ("sent", count)]


async def test_sigterm_mid_dispatch_stops_cleanly_and_the_restart_sends_nobody_twice(tmp_path):
    """A deploy: SIGTERM while 3,000 tips go out and requests are under way (each answer
    takes 200 ms). The bot lets the sends under way finish and records them before it
    closes its connections, so it exits 0 without an error, every message Telegram got is
    stored as sent, and the restart sends the rest: everyone once, nobody twice."""
    count = 3000
    chats = await _seed(tmp_path, count, 10_000, datetime.now(UTC) - timedelta(seconds=30))
    standin = BotApiStandIn()
    standin.latency = 0.2
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      SEND_RATE_PER_SECOND="400", ALLOW_PAID_BROADCAST="true",
                      TICK_SECONDS="1")
        first = await start_bot(env)
        try:
            await wait_for(lambda: len(standin.sent) >= 300, limit=60, what="dispatch start")
        finally:
            first_output = await stop_bot(first)  # SIGTERM
        assert first.returncode == 0, first_output[-2000:]
        await asyncio.sleep(0.5)  # answers to requests cut off by the exit, if any
        received_before = Counter(m.chat_id for m in standin.sent)
        assert len(received_before) < count, "the stop must land mid-dispatch"
        db = sqlite3.connect(tmp_path / "bot.sqlite3")
        stored_sent = {row[0] for row in db.execute(
            "SELECT chat_id FROM deliveries WHERE status = 'sent'")}
        db.close()

        second = await start_bot(env)
        try:
            await wait_for(lambda: len({m.chat_id for m in standin.sent}) >= count, limit=90,
                           what="every subscriber served after restart")
            await asyncio.sleep(0.5)
        finally:
            await stop_bot(second)
    assert "ERROR" not in first_output and "Traceback" not in first_output, first_output[-3000:]
    assert stored_sent == set(received_before), "what Telegram got is what was stored as sent"
    per_chat = Counter(m.chat_id for m in standin.sent)
    assert set(per_chat) == set(chats), "nobody lost the tip"
    assert max(per_chat.values()) == 1, [c for c, n in per_chat.items() if n > 1][:10]


async def _seed(tmp_path: Path, count: int, first: int, due: datetime) -> list[int]:
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    chats = list(range(first, first + count))
    await add_subscribers(storage,
        [NewSubscriber(chat_id, time(0, 0), "UTC", tuple(TOPICS), due) for chat_id in chats],
        datetime.now(UTC))
    await storage.close()
    return chats


ADMIN_ID = 9000


async def _confirm_broadcast(standin: BotApiStandIn, text: str) -> int:
    """The admin sends /broadcast and presses Confirm; returns the progress message id."""
    standin.user_sends(ADMIN_ID, f"/broadcast {text}")
    await wait_for(lambda: any(m.callback_data[:1] == ["bc:go:1"]
                               for m in standin.messages_to(ADMIN_ID)), what="preview")
    confirm = next(m for m in standin.messages_to(ADMIN_ID) if m.callback_data[:1] == ["bc:go:1"])
    standin.user_presses(ADMIN_ID, confirm.message_id, "bc:go:1")
    return confirm.message_id


async def test_paid_sending_keeps_a_round_trip_of_requests_under_way(tmp_path):
    """At 1,000 msg/s with paid broadcasts, a send whose answer takes a while must not hold
    the rate back: the bot keeps 1,000/s x 100 ms = 100 requests under way, over enough
    connections. (Eight at a time, as before, capped paid sending at 160/s against a
    50 ms round trip.) The stand-in answers each sendMessage after a full second here, so
    the most it ever holds at once is how many the bot keeps under way."""
    count = 300
    chats = await _seed(tmp_path, count, 50_000, datetime.now(UTC) + timedelta(seconds=6))
    standin = BotApiStandIn()
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      SEND_RATE_PER_SECOND="1000", ALLOW_PAID_BROADCAST="true",
                      TICK_SECONDS="1")
        process = await start_bot(env)
        try:
            await wait_for(lambda: standin.calls["getUpdates"] >= 1, what="polling")
            sent_before = len(standin.sent)
            standin.latency = 1.0
            await wait_for(lambda: len({m.chat_id for m in standin.sent}) >= count, limit=60,
                           what="every tip sent")
        finally:
            output = await stop_bot(process)
    assert sent_before == 0, "every tip went out with the slow answers"
    assert {m.chat_id for m in standin.sent} == set(chats)
    assert standin.most_in_flight["sendMessage"] >= 100, output[-2000:]


async def test_broadcast_survives_sigkill_and_its_progress_message_continues(tmp_path):
    count = 3000
    chats = await _seed(tmp_path, count, 30_000, datetime.now(UTC) + timedelta(days=1))
    standin = BotApiStandIn()
    standin.latency = 0.002
    text = "Broadcast after crash test"
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      SEND_RATE_PER_SECOND="400", ALLOW_PAID_BROADCAST="true",
                      ADMIN_IDS=str(ADMIN_ID))

        def received() -> list[int]:
            return [m.chat_id for m in standin.sent if m.text == text and m.chat_id != ADMIN_ID]

        first = await start_bot(env)
        try:
            progress_id = await _confirm_broadcast(standin, text)
            await wait_for(lambda: len(received()) >= 500, limit=60, what="broadcast under way")
        finally:
            first.kill()
            await first.wait()
        at_kill = len(received())
        assert at_kill < count
        second = await start_bot(env)
        try:
            await wait_for(lambda: len(set(received())) >= count, limit=90,
                           what="broadcast completed after restart")
            await wait_for(lambda: "finished" in standin.message(ADMIN_ID, progress_id).text,
                           limit=30, what="final report")
        finally:
            await stop_bot(second)
    per_chat = Counter(received())
    assert set(per_chat) == set(chats)
    duplicates = sum(n - 1 for n in per_chat.values())
    print(f"broadcast crash test: {at_kill} sent before SIGKILL, {duplicates} duplicates")
    assert duplicates <= 8 + 32
    final = standin.message(ADMIN_ID, progress_id).text
    assert f"Final report: {count:,} of {count:,} delivered." in final
    db = sqlite3.connect(tmp_path / "bot.sqlite3")
    assert db.execute("SELECT status FROM broadcasts").fetchall() == [("done",)]
    assert db.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall() == [
        ("sent", count)]


async def test_a_users_tip_is_answered_while_a_big_dispatch_runs(tmp_path):
    """The outbox drains at the configured 25 msg/s; /tip must not wait behind it."""
    count = 2000
    await _seed(tmp_path, count, 40_000, datetime.now(UTC) - timedelta(seconds=5))
    standin = BotApiStandIn()
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      TICK_SECONDS="1")
        process = await start_bot(env)
        try:
            await wait_for(lambda: len(standin.sent) >= 20, limit=30, what="dispatch under way")
            standin.user_sends(777, "/start")
            standin.user_sends(777, "/tip")
            await wait_for(lambda: len(standin.messages_to(777)) >= 3, limit=30,
                           what="the user's answers")  # welcome, zone question, tip
            dispatched = sum(1 for m in standin.sent if m.chat_id != 777)
        finally:
            await stop_bot(process)
    assert "Source:" in standin.messages_to(777)[2].text
    # At 25 msg/s the 2,000-message dispatch takes 80 s; the user was answered long before.
    assert dispatched < count / 4, dispatched
