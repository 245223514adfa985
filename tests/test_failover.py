"""Two bot processes on one PostgreSQL database: the first leads, the second waits as a
standby and takes over when the leader is killed (real `python run.py` processes, the
Bot API stand-in over HTTP on 127.0.0.1, the session's throwaway PostgreSQL server).

Each process talks to its own HTTP front of one shared stand-in, so the test knows which
process made each call: a standby makes none."""

from __future__ import annotations

import asyncio
import collections
import signal
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import aiohttp
import asyncpg

from bench.fixtures import NewSubscriber, add_subscribers
from bot.core.clock import ManualClock
from bot.core.database_url import PostgresUrl, parse_database_url
from bot.runtime.health import Health
from bot.runtime.standby import Candidacy
from bot.storage import Storage
from standin import BotApiStandIn
from standin.http import serve
from tests.helpers import stored_rows
from tests.test_e2e import TOKEN, bot_env, start_bot, wait_for
from tests.test_process import Output, free_port, no_secret
from tips.catalog import TOPICS

ADMIN_ID = 9000
BROADCAST = 10_000
DAILY = 200
TEXT = "Failover broadcast: magnesium and cramps"


class Front:
    """One process's view of the shared stand-in: counts the calls made through it."""

    def __init__(self, standin: BotApiStandIn) -> None:
        self._standin = standin
        self.calls: collections.Counter[str] = collections.Counter()
        self.first_send: float | None = None

    async def call(self, method: str, params: dict) -> Any:
        self.calls[method.lower()] += 1
        if method.lower() == "sendmessage" and self.first_send is None:
            self.first_send = time.monotonic()
        return await self._standin.call(method, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._standin, name)


def postgres(raw: str) -> PostgresUrl:
    url = parse_database_url(raw)
    assert isinstance(url, PostgresUrl)
    return url


async def seed(url: PostgresUrl, broadcast: int = BROADCAST,
               due: int = DAILY) -> tuple[list[int], list[int]]:
    """Broadcast recipients (their daily tip tomorrow) and chats whose tip is due shortly."""
    now = datetime.now(UTC)
    storage = await Storage.open(url)
    try:
        recipients = list(range(100_000, 100_000 + broadcast))
        daily = list(range(300_000, 300_000 + due))
        await add_subscribers(storage, [
            NewSubscriber(chat, clock_time(0, 0), "UTC", tuple(TOPICS), now + timedelta(days=1))
            for chat in recipients], now)
        await add_subscribers(storage, [
            NewSubscriber(chat, clock_time(0, 0), "UTC", tuple(TOPICS), now + timedelta(seconds=6))
            for chat in daily], now)
    finally:
        await storage.close()
    return recipients, daily


async def get(port: int, path: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{port}{path}", timeout=aiohttp.ClientTimeout(total=5)) as answer:
        return answer.status, await answer.json()


def environment(tmp_path, api: Any, pg_url: str, health_port: int) -> dict[str, str]:
    variables = bot_env(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=pg_url, ADMIN_IDS=str(ADMIN_ID), SEND_RATE_PER_SECOND="1000",
        ALLOW_PAID_BROADCAST="true", TICK_SECONDS="1", HEALTH_PORT=str(health_port),
        LOG_LEVEL="INFO")
    del variables["DATABASE_PATH"]  # DATABASE_URL names the one database
    return variables


def broadcast_copies(standin: BotApiStandIn) -> list[int]:
    return [m.chat_id for m in standin.sent if m.text == TEXT and m.chat_id != ADMIN_ID]


async def confirm_broadcast(standin: BotApiStandIn) -> None:
    standin.user_sends(ADMIN_ID, f"/broadcast {TEXT}")
    await wait_for(lambda: any(m.callback_data[:1] == ["bc:go:1"]
                               for m in standin.messages_to(ADMIN_ID)), what="preview")
    confirm = next(m for m in standin.messages_to(ADMIN_ID)
                   if m.callback_data[:1] == ["bc:go:1"])
    standin.user_presses(ADMIN_ID, confirm.message_id, "bc:go:1")


async def test_a_standby_takes_over_a_killed_leaders_broadcast_within_10_s(pg_url, tmp_path):
    url = postgres(pg_url)
    recipients, daily = await seed(url)
    standin = BotApiStandIn()
    standin.latency = 0.002
    fronts = [Front(standin), Front(standin)]
    health = [free_port(), free_port()]
    async with await serve(fronts[0], token=TOKEN) as first_api, \
            await serve(fronts[1], token=TOKEN) as second_api:  # type: ignore[arg-type]
        def env(api: Any, port: int) -> dict[str, str]:
            return environment(tmp_path, api, pg_url, port)

        def received() -> list[int]:
            return broadcast_copies(standin)

        first = Output(await start_bot(env(first_api, health[0])))
        second: Output | None = None
        try:
            await wait_for(lambda: "leading with epoch 1" in first.text, limit=30,
                           what="the first instance leading")
            second = Output(await start_bot(env(second_api, health[1])))
            await wait_for(lambda: "waiting as a standby" in second.text, limit=30,
                           what="the second instance waiting as a standby")
            await wait_for(lambda: fronts[0].calls["getupdates"] >= 1, limit=30,
                           what="the first instance polling")
            assert await get(health[1], "/readyz") == (503, {"status": "standby",
                                                             "leader": False})
            status, _ = await get(health[1], "/healthz")
            assert status == 200
            assert (await get(health[0], "/readyz"))[0] == 200

            await confirm_broadcast(standin)
            await wait_for(lambda: len(received()) >= 3000, limit=30,
                           what="the broadcast under way")
        finally:
            first.process.kill()  # SIGKILL: no goodbye, the lock goes with the session
            killed_at = time.monotonic()
            await first.process.wait()
        at_kill = len(received())
        standby_calls_before = sum(fronts[1].calls.values())
        try:
            assert second is not None
            await wait_for(lambda: fronts[1].first_send is not None, limit=10,
                           what="the standby sending within 10 s of the kill")
            takeover = fronts[1].first_send - killed_at  # type: ignore[operator]
            everyone = set(recipients) | set(daily)
            await wait_for(lambda: set(received()) >= everyone, limit=60,
                           what="the broadcast finished by the new leader")
            await wait_for(lambda: {m.chat_id for m in standin.sent if m.chat_id in set(daily)
                                    and m.text != TEXT} >= set(daily), limit=30,
                           what="the daily tips due that minute")
            assert (await get(health[1], "/readyz"))[0] == 200
        finally:
            second_output = await second.close(signal.SIGTERM) if second else ""
            first_output = await first.close()
    per_chat = collections.Counter(received())
    duplicates = sum(n - 1 for n in per_chat.values())
    print(f"failover: {at_kill} of {BROADCAST + DAILY} broadcast copies sent before SIGKILL; "
          f"the standby sent {takeover:.2f} s after it; {duplicates} sent twice")
    assert standby_calls_before == 0, "the standby called Telegram while the leader led"
    assert fronts[1].calls["getupdates"] >= 1
    assert takeover < 10
    assert set(per_chat) == set(recipients) | set(daily)
    # At most the sends under way at the kill (100 at 1,000/s) and the outcomes not yet
    # written (32): those the new leader cannot know were sent.
    assert duplicates <= 100 + 32, duplicates
    tips = collections.Counter(m.chat_id for m in standin.sent
                               if m.chat_id in set(daily) and m.text != TEXT)
    assert tips == collections.Counter({chat: 1 for chat in daily})
    assert stored_rows(url, "SELECT kind, status, count(*) FROM deliveries "
                            "GROUP BY kind, status ORDER BY kind") == [
        ("broadcast", "sent", BROADCAST + DAILY), ("daily", "sent", DAILY)]
    assert stored_rows(url, "SELECT epoch FROM leadership") == [(2,)]
    assert second is not None and second.process.returncode == 0, second_output[-3000:]
    for output in (first_output, second_output):
        no_secret(output)
    assert "leading with epoch 2" in second_output


LOCK_HOLDER = """SELECT pid FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND database = (
        SELECT oid FROM pg_database WHERE datname = current_database())"""


async def test_a_leader_that_loses_its_lock_stops_sending_at_once_and_exits_3(
        pg_url, tmp_path):
    """The leader's lock connection is cut (as a network fault or a server restart would)
    while it sends a broadcast: it starts no further send, says so in one line and exits
    with code 3; the standby takes over and finishes; the stale leader's late outcomes do
    not undo the new leader's."""
    url = postgres(pg_url)
    recipients, _ = await seed(url, broadcast=3000, due=0)
    standin = BotApiStandIn()
    standin.latency = 0.002
    fronts = [Front(standin), Front(standin)]
    async with await serve(fronts[0], token=TOKEN) as first_api, \
            await serve(fronts[1], token=TOKEN) as second_api:  # type: ignore[arg-type]
        first = Output(await start_bot(environment(tmp_path, first_api, pg_url, free_port())))
        await wait_for(lambda: "leading with epoch 1" in first.text, limit=30,
                       what="the first instance leading")
        second = Output(await start_bot(environment(tmp_path, second_api, pg_url,
                                                    free_port())))
        try:
            await wait_for(lambda: "waiting as a standby" in second.text, limit=30,
                           what="the second instance waiting as a standby")
            await wait_for(lambda: fronts[0].calls["getupdates"] >= 1, limit=30,
                           what="the first instance polling")
            await confirm_broadcast(standin)
            await wait_for(lambda: len(broadcast_copies(standin)) >= 500, limit=30,
                           what="the broadcast under way")
            admin = await asyncpg.connect(pg_url)
            try:
                holder = await admin.fetchval(LOCK_HOLDER)
                sends_at_loss = fronts[0].calls["sendmessage"]
                assert await admin.fetchval("SELECT pg_terminate_backend($1)", holder)
            finally:
                await admin.close()
            await asyncio.wait_for(first.process.wait(), 30)
            sends_after_loss = fronts[0].calls["sendmessage"] - sends_at_loss
            await wait_for(lambda: set(broadcast_copies(standin)) >= set(recipients), limit=30,
                           what="the broadcast finished by the new leader")
        finally:
            first_output = await first.close()
            second_output = await second.close()
    print(f"lost lock: {sends_after_loss} sends reached the stand-in from the old leader "
          "after its lock connection was cut")
    assert first.process.returncode == 3, first_output[-3000:]
    assert [line for line in first_output.splitlines() if "lost the leadership" in line], \
        first_output[-3000:]
    # Only sends already under way (100 at 1,000/s) may still arrive.
    assert sends_after_loss <= 100
    assert stored_rows(url, "SELECT kind, status, count(*) FROM deliveries "
                            "GROUP BY kind, status") == [("broadcast", "sent", 3000)]
    assert "leading with epoch 2" in second_output
    for output in (first_output, second_output):
        no_secret(output)


async def test_a_lost_lock_calls_every_stop_at_once_and_the_instance_is_no_longer_ready(
        pg_url):
    """In process: the callbacks `run` and the wiring register (stop the sender, stop the
    process) run as soon as the lock connection is cut, and /readyz turns "standby"."""
    async def reachable() -> bool:
        return True

    health = Health(ManualClock(datetime(2026, 12, 7, tzinfo=UTC)), database_ok=reachable)
    candidacy = Candidacy(postgres(pg_url), health)
    assert await asyncio.wait_for(candidacy.wait(asyncio.Event()), 10)
    assert candidacy.epoch == 1 and (await health.ready())[0]
    called: list[str] = []
    candidacy.on_lost(lambda: called.append("sender"))
    candidacy.on_lost(lambda: called.append("process"))
    admin = await asyncpg.connect(pg_url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)",
                                    await admin.fetchval(LOCK_HOLDER))
    finally:
        await admin.close()
    await asyncio.wait_for(candidacy.lost.wait(), 5)
    assert called == ["sender", "process"]
    assert await health.ready() == (False, {"status": "standby", "leader": False})
    await candidacy.release()
