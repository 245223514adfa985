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


CONFLICT_ANSWER = {"ok": False, "error_code": 409, "description":
                   "Conflict: terminated by other getUpdates request; make sure that only "
                   "one bot instance is running"}


class Conflicting:
    """Makes the stand-in answer getUpdates with 409 until `until` (the loop's time; 0: no
    conflict, infinity: for ever), as Telegram does while another process polls."""

    def __init__(self, standin: BotApiStandIn) -> None:
        self.until = 0.0
        self.answered = 0  # 409s given
        self._answer = standin.call
        standin.call = self.call  # type: ignore[method-assign]

    async def call(self, method: str, params: dict):
        if method.lower() == "getupdates" and asyncio.get_running_loop().time() < self.until:
            self.answered += 1
            return 409, CONFLICT_ANSWER
        return await self._answer(method, params)


async def test_409_during_a_deploy_overlap_is_retried_with_one_line_and_the_bot_goes_on(
        tmp_path):
    standin = BotApiStandIn()
    conflict = Conflicting(standin)
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url)
        process = await start_bot(env)
        output = Output(process)
        try:
            standin.user_sends(7, "/start")
            await wait_for(lambda: standin.last_message(7) is not None, what="bot up")
            conflict.until = asyncio.get_running_loop().time() + 3  # the old one drains 3 s
            standin.release_pollers()  # end the long poll in flight; the next ones get 409
            await wait_for(lambda: conflict.answered >= 3, what="several polls answered 409")
            standin.user_sends(8, "/start")
            await wait_for(lambda: standin.last_message(8) is not None, limit=20,
                           what="an answer after the overlap")
            still_running = process.returncode is None
        finally:
            text = await output.close()
    assert still_running, text
    assert process.returncode == 0, text
    conflict_lines = [line for line in text.splitlines() if "409" in line]
    assert len(conflict_lines) == 1, text
    assert " WARNING " in conflict_lines[0] and "60 s" in conflict_lines[0], conflict_lines
    assert [line for line in text.splitlines() if " ERROR " in line] == [], text
    no_secret(text)


async def test_409_lasting_past_the_retry_time_logs_one_error_and_stops_with_exit_2(tmp_path):
    standin = BotApiStandIn()
    conflict = Conflicting(standin)
    async with await serve(standin, token=TOKEN) as server:
        # The 60 s of production, shortened so the suite need not wait a minute.
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      CONFLICT_RETRY_SECONDS="2")
        process = await start_bot(env)
        output = Output(process)
        try:
            standin.user_sends(7, "/start")
            await wait_for(lambda: standin.last_message(7) is not None, what="bot up")
            loop = asyncio.get_running_loop()
            began = loop.time()
            conflict.until = float("inf")
            standin.release_pollers()  # end the long poll in flight; the next one gets 409
            await asyncio.wait_for(process.wait(), 15)
            lasted = loop.time() - began
        finally:
            text = await output.close()
    assert process.returncode == 2, text
    assert lasted >= 2, (lasted, text)  # retried for its 2 s, not stopped at the first 409
    errors = [line for line in text.splitlines() if " ERROR " in line]
    assert len(errors) == 1, text
    assert "409" in errors[0] and "another process" in errors[0], errors
    retrying = [line for line in text.splitlines() if "409" in line and " ERROR " not in line]
    assert len(retrying) == 1, text  # one line for the whole spell, not one per retry
    assert " WARNING " in retrying[0] and "2 s" in retrying[0], retrying
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
