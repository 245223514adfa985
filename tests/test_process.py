"""The bot process as an operator meets it: one instance per database, 409 Conflict,
and every start-up failure as one line without the token (real `python run.py`
processes against the HTTP stand-in on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sqlite3

import pytest

from standin import BotApiStandIn
from standin.http import serve
from tests.test_e2e import TOKEN, bot_env, finish, start_bot, stop_bot, wait_for

SECRET_PART = TOKEN.split(":", 1)[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Output:
    """Collects a running process's output as it comes (stdout and stderr merged)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.text = ""
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(4096):
            self.text += chunk.decode(errors="replace")

    async def close(self, sig: int = signal.SIGTERM, limit: float = 15) -> str:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        try:
            await asyncio.wait_for(self.process.wait(), limit)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        await asyncio.wait_for(self._task, 5)
        return self.text


def no_secret(output: str) -> None:
    assert TOKEN not in output and SECRET_PART not in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]


def problem_lines(output: str) -> list[str]:
    """What the operator reads: every line except DEBUG chatter."""
    return [line for line in output.strip().splitlines() if " DEBUG " not in line]


async def test_one_process_per_database_and_a_kill_9_leaves_no_stale_lock(tmp_path):
    standin = BotApiStandIn()
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url)
        first = await start_bot(env)
        try:
            standin.user_sends(1, "/start")
            await wait_for(lambda: standin.last_message(1) is not None, what="first bot up")

            second = await start_bot(env)
            second_output = await finish(second)
            # (the console has its own database; pointed at the bot's, the lock refuses it)
            console = await start_bot({**env, "CONSOLE_DATABASE_PATH": env["DATABASE_PATH"]},
                                      "--console")
            console_output = await finish(console)
            check = await start_bot(env, "check")
            check_output = await finish(check)
            backup = await start_bot(env, "backup", str(tmp_path / "copy.sqlite3"))
            backup_output = await finish(backup)
            restore = await start_bot(env, "restore", str(tmp_path / "copy.sqlite3"))
            restore_output = await finish(restore)
            gets_before_kill = standin.calls["getUpdates"]
        finally:
            first.kill()  # SIGKILL: the lock must not outlive the process
            await first.wait()

        database = str(tmp_path / "bot.sqlite3")
        for process, output in ((second, second_output), (console, console_output),
                                (restore, restore_output)):
            assert process.returncode == 2, output
            lines = output.strip().splitlines()
            assert len(lines) == 1, output
            assert database in lines[0] and f"pid {first.pid}" in lines[0], lines[0]
        assert "restore" in restore_output
        assert check.returncode == 0 and "ok:" in check_output, check_output
        assert backup.returncode == 0 and "backup written" in backup_output, backup_output
        # The refused process never polled Telegram beside the first one.
        assert gets_before_kill >= 1

        third = await start_bot(env)
        try:
            standin.user_sends(2, "/start")
            await wait_for(lambda: standin.last_message(2) is not None, limit=20,
                           what="a new bot after kill -9 of the first")
        finally:
            third_output = await stop_bot(third)
    assert third.returncode == 0, third_output
    rows = sqlite3.connect(database).execute("SELECT chat_id FROM subscribers ORDER BY 1")
    assert rows.fetchall() == [(1,), (2,)]


async def test_409_conflict_logs_one_error_and_stops_with_exit_2(tmp_path):
    standin = BotApiStandIn()
    answer_call = standin.call
    conflict = False

    async def call(method: str, params: dict):
        if conflict and method.lower() == "getupdates":
            return 409, {"ok": False, "error_code": 409, "description":
                         "Conflict: terminated by other getUpdates request; make sure that "
                         "only one bot instance is running"}
        return await answer_call(method, params)

    standin.call = call
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url)
        process = await start_bot(env)
        output = Output(process)
        try:
            standin.user_sends(7, "/start")
            await wait_for(lambda: standin.last_message(7) is not None, what="bot up")
            conflict = True
            standin.release_pollers()  # end the long poll in flight; the next one gets 409
            await asyncio.wait_for(process.wait(), 15)
        finally:
            text = await output.close()
    assert process.returncode == 2, text
    errors = [line for line in text.splitlines() if " ERROR " in line]
    assert len(errors) == 1, text
    assert "409" in errors[0] and "another process" in errors[0], errors
    no_secret(text)


async def test_startup_401_is_one_line_without_the_token(tmp_path):
    async with await serve(BotApiStandIn(), token="111111:some-other-bots-token-value") as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      LOG_LEVEL="DEBUG")
        process = await start_bot(env)
        output = await finish(process)
    assert process.returncode == 2, output
    assert problem_lines(output) == [
        "magdaily: Telegram rejected the token (401): check TELEGRAM_BOT_TOKEN, "
        "or get a new one from @BotFather"], output
    no_secret(output)


async def test_startup_404_names_the_base_url(tmp_path):
    async with await serve(BotApiStandIn(), token=TOKEN) as server:
        wrong = server.base_url.removesuffix("/bot") + "/api/bot"
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=wrong,
                      LOG_LEVEL="DEBUG")
        process = await start_bot(env)
        output = await finish(process)
    assert process.returncode == 2, output
    lines = problem_lines(output)
    assert len(lines) == 1, output
    assert f"TELEGRAM_API_BASE_URL {wrong} answered 404" in lines[0]
    no_secret(output)


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/bot", "http://127.0.0.1:0/bot"])
async def test_startup_invalid_port_is_one_line(tmp_path, url):
    process = await start_bot(bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN,
                                      TELEGRAM_API_BASE_URL=url, LOG_LEVEL="DEBUG"))
    output = await finish(process)
    assert process.returncode == 2, output
    lines = problem_lines(output)
    assert len(lines) == 1 and "TELEGRAM_API_BASE_URL" in lines[0], output
    no_secret(output)


async def test_webhook_port_in_use_is_one_line(tmp_path):
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        async with await serve(BotApiStandIn(), token=TOKEN) as server:
            env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN,
                          TELEGRAM_API_BASE_URL=server.base_url, LOG_LEVEL="DEBUG",
                          WEBHOOK_URL=f"http://127.0.0.1:{port}/tg", WEBHOOK_PORT=str(port),
                          WEBHOOK_SECRET="webhook-secret-0123456789")
            process = await start_bot(env)
            output = await finish(process)
            webhook_set = server.standin.webhook_url
    assert process.returncode == 2, output
    lines = problem_lines(output)
    assert len(lines) == 1 and f"webhook port 127.0.0.1:{port} is in use" in lines[0], output
    assert webhook_set == "", "Telegram must not be pointed at a bot that is not listening"
    no_secret(output)
    assert "webhook-secret-0123456789" not in output


async def test_unreachable_telegram_is_retried_with_growing_delays_then_served(tmp_path):
    port = free_port()
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN,
                  TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot", LOG_LEVEL="DEBUG")
    process = await start_bot(env)
    output = Output(process)
    retry = re.compile(rf"cannot reach Telegram at 127\.0\.0\.1:{port} \(connection refused\), "
                       r"retrying in (\d+) s")
    try:
        await wait_for(lambda: len(retry.findall(output.text)) >= 2, limit=10,
                       what="two retry lines")
        assert process.returncode is None, "an unreachable Telegram is not a reason to exit"
        standin = BotApiStandIn()
        async with await serve(standin, port=port, token=TOKEN):
            standin.user_sends(5, "/start")
            await wait_for(lambda: standin.last_message(5) is not None, limit=15,
                           what="served once Telegram is back")
            text = await output.close()
    finally:
        text = await output.close()
    assert [int(n) for n in retry.findall(text)][:2] == [1, 2], text
    assert process.returncode == 0, text
    no_secret(text)


async def test_debug_logs_never_hold_what_a_user_wrote(tmp_path):
    standin = BotApiStandIn()
    words = "my calves cramp at night zebra-7731"
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      LOG_LEVEL="DEBUG")
        process = await start_bot(env)
        try:
            standin.user_sends(9, "/start")
            await wait_for(lambda: standin.last_message(9) is not None, what="/start")
            answered = len(standin.messages_to(9))
            standin.user_sends(9, words)
            await wait_for(lambda: standin.updates_pending == 0, what="update taken")
            await asyncio.sleep(0.5)
            replies = standin.messages_to(9)[answered:]
        finally:
            output = await stop_bot(process)
    assert process.returncode == 0, output
    assert "Processing update" in output  # PTB's DEBUG records are there...
    assert "zebra-7731" not in output and "calves" not in output  # ...without the text
    assert all("zebra-7731" not in m.text for m in replies)
    no_secret(output)
