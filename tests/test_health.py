"""/healthz and /readyz as a platform's checker sees them (aiohttp on 127.0.0.1), and in
the running bot with HEALTH_PORT set."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import aiohttp
import pytest

from bot.core.clock import ManualClock
from bot.runtime.health import Health, local_address, probe, serve
from bot.storage import Storage
from standin import BotApiStandIn
from standin.http import serve as serve_standin
from tests.helpers import START
from tests.test_e2e import TOKEN, bot_env, finish, start_bot, wait_for
from tests.test_process import Output, free_port, no_secret


async def _true() -> bool:
    return True


async def _false() -> bool:
    return False


@pytest.fixture
async def checker():
    """Starts a Health on a free loopback port; returns a GET → (status, json) function."""
    runners = []
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def start(health: Health):
        port = free_port()
        runners.append(await serve(health, "127.0.0.1", port))

        async def get(path: str):
            async with session.get(f"http://127.0.0.1:{port}{path}") as response:
                return response.status, await response.json()

        return get

    yield start
    await session.close()
    for runner in runners:
        await runner.cleanup()


async def test_alive_while_updates_arrive_within_two_minutes_then_stale(checker):
    clock = ManualClock(START)
    health = Health(clock, database_ok=_true)
    get = await checker(health)
    health.updates_seen()
    clock.advance(seconds=120)
    assert await get("/healthz") == (200, {"status": "ok", "last_update_seconds": 120})
    clock.advance(seconds=1)
    assert await get("/healthz") == (503, {"status": "stale", "last_update_seconds": 121})
    health.updates_seen()
    assert await get("/healthz") == (200, {"status": "ok", "last_update_seconds": 0})


async def test_the_probe_of_run_py_health_passes_only_on_a_200():
    clock = ManualClock(START)
    health = Health(clock, database_ok=_true)
    port = free_port()
    runner = await serve(health, "127.0.0.1", port)
    try:
        health.updates_seen()
        assert await asyncio.to_thread(probe, "127.0.0.1", port) is None
        clock.advance(seconds=121)
        line = await asyncio.to_thread(probe, "127.0.0.1", port)
    finally:
        await runner.cleanup()
    assert line == (f"health check http://127.0.0.1:{port}/healthz answered 503 "
                    '{"last_update_seconds": 121, "status": "stale"}')
    line = await asyncio.to_thread(probe, "127.0.0.1", port)  # nothing listens any more
    assert line is not None and line.startswith(
        f"health check http://127.0.0.1:{port}/healthz did not answer ("), line


def test_the_probe_reaches_a_server_on_every_interface_over_loopback():
    assert local_address("0.0.0.0") == "127.0.0.1"
    assert local_address("::") == "::1"
    assert local_address("127.0.0.1") == "127.0.0.1"
    assert local_address("10.0.0.5") == "10.0.0.5"


async def test_run_py_health_without_a_health_port_runs_the_checks_of_check(tmp_path):
    process = await start_bot(bot_env(tmp_path), "health")
    output = await finish(process)
    assert process.returncode == 0, output
    assert output.startswith("ok: config valid, database schema current"), output
    process = await start_bot(bot_env(tmp_path, DEFAULT_SEND_TIME="noon"), "health")
    output = await finish(process)
    assert process.returncode == 1, output  # Docker's "unhealthy"
    assert len(output.strip().splitlines()) == 1 and "DEFAULT_SEND_TIME" in output, output


async def test_run_py_health_with_nothing_on_the_health_port_is_unhealthy(tmp_path):
    port = free_port()
    process = await start_bot(bot_env(tmp_path, HEALTH_PORT=str(port)), "health")
    output = await finish(process)
    assert process.returncode == 1, output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert f"http://127.0.0.1:{port}/healthz did not answer" in lines[0], output


async def test_a_fresh_process_gets_the_same_two_minutes_for_its_first_poll(checker):
    clock = ManualClock(START)
    get = await checker(Health(clock, database_ok=_true))
    clock.advance(seconds=120)
    assert await get("/healthz") == (200, {"status": "ok", "last_update_seconds": None})
    clock.advance(seconds=1)
    assert await get("/healthz") == (503, {"status": "stale", "last_update_seconds": None})


async def test_a_quiet_webhook_bot_is_not_stale(checker):
    clock = ManualClock(START)
    get = await checker(Health(clock, stale_after=None, database_ok=_true))
    clock.advance(hours=5)
    status, body = await get("/healthz")
    assert status == 200 and body["status"] == "ok"


async def test_the_leader_with_a_reachable_database_is_ready(checker):
    get = await checker(Health(ManualClock(START), database_ok=_true))
    assert await get("/readyz") == (200, {"status": "ok", "leader": True})


async def test_a_standby_is_not_ready(checker):
    health = Health(ManualClock(START), database_ok=_true, leader=False)
    get = await checker(health)
    assert await get("/readyz") == (503, {"status": "standby", "leader": False})
    health.leader = True  # it took over
    assert (await get("/readyz"))[0] == 200


async def _raises() -> bool:
    raise OSError("disk gone")


async def _hangs() -> bool:
    await asyncio.sleep(60)
    return True


@pytest.mark.parametrize("check", [_false, _raises, _hangs])
async def test_a_database_that_fails_or_does_not_answer_is_not_ready(checker, check):
    get = await checker(Health(ManualClock(START), database_ok=check))
    started = time.monotonic()
    assert await get("/readyz") == (503, {"status": "database unreachable", "leader": True})
    assert time.monotonic() - started < 5


async def test_the_sqlite_storage_answers_the_readiness_probe_until_closed(tmp_path):
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    assert await storage.reachable()
    await storage.close()
    assert not await storage.reachable()


def test_the_threshold_is_two_minutes():
    assert Health(ManualClock(START)).stale_after == timedelta(minutes=2)


async def test_the_running_bot_serves_health_checks_on_health_port(tmp_path):
    standin = BotApiStandIn()
    port = free_port()
    async with await serve_standin(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      HEALTH_PORT=str(port))
        output = Output(await start_bot(env))
        standin.user_sends(5, "/start")  # a poll that returns at once, not after 10 s
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:

                async def get(path: str):
                    try:
                        async with session.get(f"http://127.0.0.1:{port}{path}") as response:
                            return response.status, await response.json()
                    except aiohttp.ClientError:
                        return None, None

                answers: dict[str, tuple] = {}

                async def polled() -> bool:
                    answers["healthz"] = await get("/healthz")
                    body = answers["healthz"][1]
                    return body is not None and body["last_update_seconds"] is not None

                deadline = time.monotonic() + 20
                while not await polled():
                    assert time.monotonic() < deadline, output.text[-2000:]
                    await asyncio.sleep(0.1)
                assert answers["healthz"][0] == 200
                assert await get("/readyz") == (200, {"status": "ok", "leader": True})
            docker_check = await start_bot(env, "health")
            docker_output = await finish(docker_check)
            assert docker_check.returncode == 0, docker_output
            assert docker_output.strip() == "ok: /healthz answered 200", docker_output
        finally:
            text = await output.close()
    no_secret(text)
    assert output.process.returncode == 0, text


async def test_in_webhook_mode_the_platforms_one_port_serves_webhook_and_health(tmp_path):
    from tests.test_webhook import SECRET, post_update, start_update

    standin = BotApiStandIn()
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg"
    # Another loopback address than the default one, so `run.py health` must look where the
    # webhook listens.
    served = f"http://127.0.0.2:{port}"
    async with await serve_standin(standin, token=TOKEN) as server:
        # As a platform runs it: one PORT; loopback here only because this is a test.
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET, PORT=str(port),
                      WEBHOOK_LISTEN="127.0.0.2")
        output = Output(await start_bot(env))
        try:
            await wait_for(lambda: standin.webhook_url == url, what="setWebhook")
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:

                async def get(path: str):
                    async with session.get(served + path) as response:
                        return response.status, await response.json()

                assert await get("/healthz") == (
                    200, {"status": "ok", "last_update_seconds": None})
                assert await get("/readyz") == (200, {"status": "ok", "leader": True})
                posted = await post_update(session, served + "/tg", start_update(standin, 611),
                                         SECRET)
                assert posted == 200
                await wait_for(lambda: standin.last_message(611) is not None,
                               what="/start answered through the webhook")
                status, body = await get("/healthz")
                assert status == 200 and body["last_update_seconds"] is not None, body
            docker_check = await start_bot(env, "health")
            docker_output = await finish(docker_check)
            assert docker_check.returncode == 0, docker_output
        finally:
            text = await output.close()
    no_secret(text)
    assert output.process.returncode == 0, text
    assert "Welcome to MagDaily" in standin.messages_to(611)[0].text
