"""A daily tip goes out once, even at paid 1,000/s while people use the bot.

The load test runs the real Application, the in-process stand-in, the real pacer and the
JobQueue's tick on the wall clock, since what it guards against is a race between the
event loop, aiosqlite's thread and the writer thread; the subscribers' schedule runs on
the test's clock. The claim tests below it run on the test's clock alone.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time as wall
from collections import Counter
from datetime import time, timedelta

import pytest
from telegram import Update

from bench.fixtures import NewSubscriber, add_subscribers
from bot.core.clock import ManualClock
from bot.delivery.pacer import Pacer
from bot.runtime.app import attach_runtime, build_application, detach_runtime
from bot.storage import Storage
from standin import BotApiStandIn, StandInRequest
from tests.helpers import START, settings_for, stored_rows
from tips.catalog import TOPICS

pytestmark = pytest.mark.both_engines

DUE_FIRST = 500_000
USER_ACTIONS = ("/tip", "👍", "➕", "/settings", "/topics", "/foods", "/diary")


async def _seed(path, due: list[int], users: list[int]) -> None:
    storage = await Storage.open(path)
    try:
        later = START + timedelta(days=1)
        await add_subscribers(storage,
            [NewSubscriber(chat, time(0, 0), "UTC", tuple(TOPICS), START) for chat in due]
            + [NewSubscriber(chat, time(0, 0), "UTC", tuple(TOPICS), later) for chat in users],
            START)
    finally:
        await storage.close()


async def _daily_dispatch_with_users_typing(database, tmp_path, *, due_count: int,
                                            user_count: int, typing_for: float, pause: float):
    """Everyone due at once at paid 1,000/s (TICK_SECONDS=1) while users type; returns
    (daily messages per due chat, how many of the users' actions were made while the
    dispatch was under way, the due chats, the users, the standin)."""
    due = list(range(DUE_FIRST, DUE_FIRST + due_count))
    users = list(range(1, user_count + 1))
    await _seed(database, due, users)
    settings = settings_for(database, tmp_path, send_rate_per_second=1000.0,
                            allow_paid_broadcast=True, tick_seconds=1.0)
    standin = BotApiStandIn()
    app = build_application(settings, request=StandInRequest(standin), clock=ManualClock(START))
    await app.initialize()
    await app.start()  # the JobQueue: the tick every TICK_SECONDS
    await attach_runtime(app, settings, clock=ManualClock(START), pacer=Pacer(1000.0))
    progress = {"read": 0, "daily": 0, "during": 0}

    def note_progress() -> None:
        """Counts an action made after the first daily tip went out and before the last."""
        fresh = standin.sent[progress["read"]:]
        progress["read"] += len(fresh)
        progress["daily"] += sum(1 for m in fresh if m.chat_id >= DUE_FIRST)
        progress["during"] += 0 < progress["daily"] < due_count

    async def typing(chat: int) -> None:
        rng = random.Random(chat)
        stop = wall.monotonic() + typing_for
        while wall.monotonic() < stop:  # bounded by the wall clock
            action = rng.choice(USER_ACTIONS)
            tip = next((m for m in reversed(standin.messages_to(chat))
                        if len(m.callback_data) >= 3), None)
            if action in ("👍", "➕") and tip is not None:
                update = standin.user_presses(
                    chat, tip.message_id, tip.callback_data[0 if action == "👍" else 2])
            else:
                update = standin.user_sends(chat, "/tip" if action in ("👍", "➕") else action)
            await app.process_update(Update.de_json(update, app.bot))
            note_progress()
            await asyncio.sleep(pause)

    try:
        await asyncio.gather(*(typing(chat) for chat in users))
        for _ in range(300):  # at most 30 s for the rest of the dispatch
            if stored_rows(database, "SELECT count(*) FROM deliveries WHERE kind = 'daily' "
                                     "AND status = 'pending'") == [(0,)]:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)  # anything sent twice would arrive by now
    finally:
        await detach_runtime(app)
        await app.stop()
        await app.shutdown()
    daily = Counter(m.chat_id for m in standin.sent if m.chat_id >= DUE_FIRST)
    return daily, progress["during"], due, users, standin


async def test_each_daily_tip_goes_out_once_at_paid_1000_per_second_while_users_type(
        database, tmp_path, caplog):
    """The attack's shape, bounded: a crowd due at one minute, paid 1,000/s, 40 people
    typing /tip, 👍, ➕, /settings, /topics, /foods and /diary every 50 ms meanwhile.
    Before the fix a read on the shared connection could see a snapshot older than the
    sender's last recorded outcomes: tips went twice to runs of consecutive chats, and
    handlers failed with "database is locked"."""
    caplog.set_level(logging.WARNING)
    daily, during, due, users, standin = await _daily_dispatch_with_users_typing(
        database, tmp_path, due_count=1500, user_count=40, typing_for=2.5, pause=0.05)
    assert set(daily) == set(due), "everyone got the tip"
    assert [chat for chat, n in daily.items() if n > 1] == [], "nobody got it twice"
    assert stored_rows(database,
                       "SELECT status, count(*), sum(attempts) FROM deliveries "
                       "WHERE kind = 'daily' GROUP BY status") == [("sent", 1500, 1500)]
    assert during >= 40 * 2, "the users were busy during the dispatch"
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], failures[:5]
    assert all(standin.messages_to(chat) for chat in users)
    assert not any("went wrong" in m.text.lower() for chat in users
                   for m in standin.messages_to(chat))
