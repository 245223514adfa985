"""A Telegram outage, on the test's clock: the waiting rows go at once when Telegram is
back, and the log says "not answering" once per spell and "answers again" once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

import pytest

from bench.fixtures import NewSubscriber, add_subscribers
from bot.core.clock import ManualClock
from bot.delivery.scheduler import DailyScheduler
from bot.delivery.sender import Failed, Sent
from bot.delivery.sender import Sender as OutboxSender
from bot.handlers import common
from bot.services.tipfeed import TipFeed
from bot.storage import Storage
from standin import Fault
from tests.helpers import OTHER_USER, USER, make_renderer, stored_rows, virtual_pacer
from tips.catalog import TOPICS, load_catalog

pytestmark = pytest.mark.both_engines

NINE = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)


class Telegram:
    """Answers every send, or fails it like a 502 while `down`."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.down = True
        self.sent: list[tuple[int, datetime]] = []
        self.failed = 0

    async def send(self, chat_id, text, markup):
        if self.down:
            self.failed += 1
            return Failed("network", retryable=True, detail="Bad Gateway")
        self.sent.append((chat_id, self.clock.now()))
        return Sent(len(self.sent))


async def test_when_telegram_answers_again_the_waiting_tips_go_at_once(database, caplog):
    caplog.set_level(logging.INFO)
    clock = ManualClock(NINE + timedelta(seconds=30))
    storage = await Storage.open(database)
    try:
        await storage.tips.sync(load_catalog(), clock.now())
        feed = TipFeed(storage, clock)
        await feed.refresh()
        await add_subscribers(storage,
            [NewSubscriber(chat, time(9), "UTC", tuple(TOPICS), NINE) for chat in (1, 2, 3)]
            + [NewSubscriber(4, time(9, 1), "UTC", tuple(TOPICS),
                             NINE + timedelta(minutes=1))], clock.now())
        telegram = Telegram(clock)
        scheduler = DailyScheduler(storage, feed, clock)
        sender = OutboxSender(storage, telegram, make_renderer(feed, storage, clock), clock,
                              virtual_pacer(clock, None))

        async def minute(at: timedelta) -> None:
            clock.set(NINE + at)
            await scheduler.tick()
            await sender.drain_once()

        await minute(timedelta(seconds=30))  # 1-3 fail: retried in 10 s
        await minute(timedelta(seconds=40))  # fail again: retried in 20 s, at 09:01:00
        await minute(timedelta(minutes=1))  # 1-3 fail a third time (40 s), 4 a first (10 s)
        waiting = stored_rows(database, "SELECT chat_id, due_at FROM deliveries ORDER BY chat_id")
        assert [at - int(NINE.timestamp()) for _, at in waiting] == [100, 100, 100, 70]
        telegram.down = False
        await minute(timedelta(minutes=1, seconds=10))  # 4 goes through, and 1-3 with it
    finally:
        await storage.close()
    back = NINE + timedelta(minutes=1, seconds=10)
    assert sorted(telegram.sent) == [(1, back), (2, back), (3, back), (4, back)]
    assert telegram.failed == 10
    lines = [(r.levelname, r.getMessage()) for r in caplog.records
             if r.levelno >= logging.WARNING]
    assert lines == [
        ("WARNING", "Telegram is not answering (network: Bad Gateway): sends wait and are "
                    "retried, replies fail until it answers again"),
        ("WARNING", "Telegram answers again after 10 failed calls"),
    ]


@pytest.fixture
def waits(monkeypatch, clock):
    """The reply path's waits between tries, made on the test's clock."""

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    monkeypatch.setattr(common, "REPLY_RETRY", common.RetryPolicy(sleep=sleep))


async def test_replies_failing_in_an_outage_log_one_line_not_an_error_each(bot, waits,
                                                                          caplog):
    await bot.start(USER)
    await bot.start(OTHER_USER)
    caplog.set_level(logging.INFO)
    bot.standin.fault_policy = lambda method, params: (
        Fault("server_error") if method.lower() == "sendmessage" else None)
    for chat in (USER, OTHER_USER, USER):
        assert await bot.say("/tip", chat) == []
    problems = [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records
                if r.levelno >= logging.WARNING]
    assert len(problems) == 1, problems
    level, message, traceback = problems[0]
    assert level == "WARNING" and message.startswith("Telegram is not answering (")
    assert traceback is None
