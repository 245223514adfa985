"""Delivery that never silently stops or doubles: storage faults, long outages,
expired queued tips, long downtime, pauses meeting schedule changes, unreadable rows.

Expected values are the issue's literals (3 h grace, 24 h broadcast retry budget, 10-minute
stall threshold, 8 workers + 32 unflushed outcomes), never constants read from the code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time as monotonic_time
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path

import asyncpg
import pytest

from bench.fixtures import NewSubscriber, add_subscribers
from bot.core.clock import ManualClock
from bot.core.database_url import PostgresUrl
from bot.core.zones import parse_zone
from bot.delivery.pacer import Pacer
from bot.delivery.scheduler import DailyScheduler
from bot.delivery.sender import Failed, Sender, Sent, Throttled
from bot.services.broadcasts import BroadcastService
from bot.services.subscriptions import Defaults, SubscriptionService
from bot.services.tipfeed import TipFeed
from bot.storage import DailyPlan, Storage
from standin import Fault
from tests.helpers import edit_rows, make_renderer, stored_rows, virtual_pacer
from tips.catalog import TOPICS, load_catalog

pytestmark = pytest.mark.both_engines

DAY0 = datetime(2026, 3, 6, 12, 0, 30, tzinfo=UTC)
NINE = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)


class Transport:
    """Telegram below PTB: records sends; `outage(now)` answers a fault instead."""

    def __init__(self, clock, outage=None, latency=None):
        self.clock = clock
        self.sends: list[tuple[int, datetime, str]] = []
        self.outage = outage or (lambda now: None)
        self.latency = latency

    async def send(self, chat_id, text, markup):
        if self.latency is not None:
            await self.latency()
        fault = self.outage(self.clock.now())
        if fault is not None:
            return fault
        self.sends.append((chat_id, self.clock.now(), text))
        return Sent(len(self.sends))

    def daily_to(self, chat_id):
        return [at for chat, at, text in self.sends if chat == chat_id and "📢" not in text]


class Bench:
    """The real services on one database and a clock the test controls."""

    def __init__(self, storage, database, clock, feed, transport, **sender_options):
        self.storage, self.database, self.clock, self.feed = storage, database, clock, feed
        self.transport = transport
        self.scheduler = DailyScheduler(storage, feed, clock)
        self.sender = Sender(storage, transport, make_renderer(feed, storage, clock), clock,
                             sender_options.pop("pacer", None) or virtual_pacer(clock, None),
                             **sender_options)
        self.subscriptions = SubscriptionService(storage, clock, Defaults("UTC", time(9)))

    def rows(self, sql, params=()):
        return stored_rows(self.database, sql, params)

    async def at(self, when: datetime) -> None:
        """Move the clock, tick once and drain, as the background jobs would."""
        self.clock.set(when)
        await self.scheduler.tick()
        await self.sender.drain_once()

    async def every_minute_until(self, end: datetime) -> None:
        while self.clock.now() < end:
            await self.at(min(end, self.clock.now() + timedelta(minutes=1)))


async def _open(path: Path | PostgresUrl, clock) -> tuple[Storage, TipFeed]:
    storage = await Storage.open(path)
    await storage.tips.sync(load_catalog(), clock.now())
    feed = TipFeed(storage, clock)
    await feed.refresh()
    return storage, feed


@pytest.fixture
async def bench(database):
    clock = ManualClock(DAY0)
    storage, feed = await _open(database, clock)
    yield Bench(storage, database, clock, feed, Transport(clock), backoff_base=60)
    await storage.close()


# ----------------------------------------------------------------- storage faults

class ScaledClock:
    """Real time running `factor` times faster: a 60 s disk outage takes 3 real seconds."""

    def __init__(self, start: datetime, factor: float) -> None:
        self.start, self.factor = start, factor
        self.t0 = monotonic_time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(
            seconds=(monotonic_time.monotonic() - self.t0) * self.factor)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.factor)


async def _outage_bench(path: Path | PostgresUrl, clock: ScaledClock, count: int):
    """The storage-fault tests' setup: `count` tips due at 09:00 in a real database, a
    Telegram answering in 50 ms, an unpaced sender, all on the scaled clock."""
    storage, feed = await _open(path, clock)
    chats = list(range(10_000, 10_000 + count))
    await add_subscribers(storage,
        [NewSubscriber(c, time(9), "UTC", tuple(TOPICS), NINE) for c in chats], clock.now())
    transport = Transport(clock, latency=lambda: clock.sleep(0.05))
    pacer = Pacer(None, monotonic=lambda: clock.now().timestamp(), sleep=clock.sleep)
    sender = Sender(storage, transport, make_renderer(feed, storage, clock), clock, pacer,
                    sleep=clock.sleep)
    return storage, feed, chats, transport, pacer, sender


# A full disk as each engine reports it.
DISK_FULL = {
    "sqlite": sqlite3.OperationalError("database or disk is full"),
    "postgres": asyncpg.DiskFullError("could not extend file: No space left on device"),
}


def fail_writes(storage: Storage, failing, slow: float = 0.0) -> Counter:
    """Make every write transaction end like a full disk while `failing()` is true.

    Injected at the storage mechanism (both ways a transaction runs: `write()` on the
    shared connection, `transact()` on the writer thread), after the statements ran,
    so the transaction is rolled back as on a full disk (SQLITE_FULL, PostgreSQL's
    disk_full). `slow`:
    a failing transaction first takes that many real seconds (as one ending in
    SQLITE_BUSY after the busy timeout does), so sends go on while it fails.
    """
    db = storage._db
    original = db.write
    counts: Counter = Counter()
    full = DISK_FULL[storage.engine]

    @contextlib.asynccontextmanager
    async def write():
        async with original() as tx:
            yield tx
            if failing():
                await asyncio.sleep(slow)
                counts["failed"] += 1
                raise full
            counts["ok"] += 1

    original_transact = db.transact

    async def transact(fn):
        def failing_fn(connection):
            result = fn(connection)
            if failing():
                monotonic_time.sleep(slow)
                counts["failed"] += 1
                raise full
            counts["ok"] += 1
            return result

        return await original_transact(failing_fn)

    db.write = write
    db.transact = transact
    return counts


@pytest.mark.parametrize(("outage_seconds", "slow"), [(5, 0.05), (120, 0.0)])
async def test_storage_write_failures_never_stop_sending(database, outage_seconds, slow):
    """3,000 tips due, writes fail for 5 s / 2 min, then the disk recovers: every tip goes
    out exactly once, sending resumes within seconds, a broadcast confirmed after the
    recovery is sent, and during the outage no more than 8 workers + 32 unflushed
    outcomes' worth of messages go out unrecorded (the crash duplicate bound). In the
    short outage each failing write takes 50 ms (1 s on the test's clock), so sends go
    on while it fails. The operator is told at the first failed write and every 50th
    after it (not once per retry), and once when outcomes are recorded again."""
    factor = 20.0
    clock = ScaledClock(NINE + timedelta(seconds=30), factor)
    path = database
    storage, feed, chats, transport, _pacer, sender = await _outage_bench(path, clock, 3000)
    scheduler = DailyScheduler(storage, feed, clock, on_batch=sender.wake)
    assert (await scheduler.tick()).queued == len(chats)

    fail_from = clock.now() + timedelta(seconds=2)
    recover_at = fail_from + timedelta(seconds=outage_seconds)
    counts = fail_writes(storage, lambda: fail_from <= clock.now() < recover_at, slow=slow)
    told: list[tuple[int, str, int]] = []  # (level, message, failed writes at that moment)

    class Told(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            told.append((record.levelno, record.getMessage(), counts["failed"]))

    heard = Told(logging.WARNING)
    logging.getLogger("bot").addHandler(heard)
    task = asyncio.create_task(sender.run(idle_poll=0.05))
    try:
        await clock.sleep((recover_at - clock.now()).total_seconds() + 0.05)
        broadcasts = BroadcastService(storage, clock, rate_per_second=30,
                                      on_queued=sender.wake)
        draft = await broadcasts.draft(1, "📢 news")
        assert await broadcasts.confirm(draft.broadcast.id, 1, None) == len(chats)
        for _ in range(3000):  # at most 30 real seconds
            if len(transport.sends) >= 2 * len(chats):
                break
            await asyncio.sleep(0.01)
    finally:
        sender.stop()
        await asyncio.wait_for(task, 30)
        logging.getLogger("bot").removeHandler(heard)
    await storage.close()

    assert counts["failed"] > 0, "the outage did happen"
    failed = counts["failed"]
    errors = [(text, at) for level, text, at in told if level == logging.ERROR]
    assert [text.startswith("cannot record ") for text, _at in errors] == [True] * len(errors)
    assert [at for _text, at in errors] == [1, *range(50, failed + 1, 50)], errors
    said = {"sqlite": "(OperationalError: database or disk is full)",
            "postgres": "(DiskFullError: could not extend file: No space left on device)"}
    assert said[storage.engine] in errors[0][0], "says why"
    # A failing disk is not hammered: retries 0.1 s doubling, at most 2 s apart, so about
    # 63 tries in 2 minutes (fewer when the machine is slow, never many more).
    assert failed <= 10 + outage_seconds / 2, failed
    assert [(level, text) for level, text, _at in told if level == logging.WARNING] == [
        (logging.WARNING, f"send outcomes recorded again after {failed} failed writes")]
    daily = Counter(c for c, _at, text in transport.sends if "📢" not in text)
    news = Counter(c for c, _at, text in transport.sends if "📢" in text)
    assert daily == Counter({c: 1 for c in chats}), "every tip exactly once"
    assert news == Counter({c: 1 for c in chats}), "the broadcast after recovery went out"
    during = [at for _c, at, _t in transport.sends if fail_from <= at < recover_at]
    assert len(during) <= 8 + 32
    after = [at for _c, at, _t in transport.sends if at >= recover_at]
    assert after and min(after) - recover_at <= timedelta(seconds=10), "resumes within seconds"
    assert stored_rows(path, "SELECT kind, status, count(*) FROM deliveries "
                             "GROUP BY kind, status ORDER BY kind") == [
        ("broadcast", "sent", len(chats)), ("daily", "sent", len(chats))]


async def test_a_crash_during_a_storage_outage_resends_at_most_the_bound(database):
    """The process dies while writes fail: after the restart, at most 8 + 32 messages
    (requests in flight plus unwritten outcomes) go out a second time; nobody is missed."""
    factor = 20.0
    clock = ScaledClock(NINE + timedelta(seconds=30), factor)
    path = database
    storage, feed, chats, transport, pacer, sender = await _outage_bench(path, clock, 1000)
    await DailyScheduler(storage, feed, clock).tick()
    failing = True
    fail_writes(storage, lambda: failing and len(transport.sends) >= 100)
    task = asyncio.create_task(sender.run(idle_poll=0.05))
    for _ in range(1000):
        await asyncio.sleep(0.01)
        if len(transport.sends) >= 100 and clock.now() > NINE + timedelta(seconds=40):
            break
    task.cancel()  # kill -9: whatever is only in memory is gone
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await storage.close()
    failing = False

    storage, feed = await _open(path, clock)
    restarted = Sender(storage, transport, make_renderer(feed, storage, clock), clock, pacer,
                       sleep=clock.sleep)
    await restarted.drain_once()
    await storage.close()
    got = Counter(c for c, _at, _t in transport.sends)
    assert set(got) == set(chats)
    assert sum(n - 1 for n in got.values()) <= 8 + 32


@pytest.mark.parametrize("recovers", [False, True])
async def test_a_stop_during_a_storage_outage_tries_for_5_s_then_says_what_may_repeat(
        database, caplog, recovers):
    """SIGTERM while writes fail: the sender stops taking rows, tries to record what it sent
    for about 5 s (inside the 10 s the bot gives it), then ends with one ERROR that says
    how many outcomes are unrecorded. Exactly those go out once more after the restart;
    nobody is missed. A write that works again within those 5 s records everything."""
    factor = 5.0  # a loaded test machine's lag counts five times, not twenty
    clock = ScaledClock(NINE + timedelta(seconds=30), factor)
    path = database
    storage, feed, chats, transport, pacer, sender = await _outage_bench(path, clock, 1000)
    await DailyScheduler(storage, feed, clock).tick()
    state = {"failing": False}
    fail_writes(storage, lambda: state["failing"])
    task = asyncio.create_task(sender.run(idle_poll=0.05))
    for _ in range(1000):
        await asyncio.sleep(0.005)
        if len(transport.sends) >= 100:
            break
    state["failing"] = True
    await clock.sleep(0.5)  # sends go on; their outcomes cannot be written
    caplog.clear()
    stopped_at = clock.now()
    sender.stop()
    if recovers:
        await clock.sleep(2)
        state["failing"] = False
    await asyncio.wait_for(task, 30)
    took = (clock.now() - stopped_at).total_seconds()
    sent_before_restart = Counter(c for c, _at, _t in transport.sends)
    await storage.close()
    state["failing"] = False

    storage, feed = await _open(path, clock)
    restarted = Sender(storage, transport, make_renderer(feed, storage, clock), clock, pacer,
                       sleep=clock.sleep)
    await restarted.drain_once()
    await storage.close()
    got = Counter(c for c, _at, _t in transport.sends)
    assert set(got) == set(chats)
    assert len(sent_before_restart) < len(chats), "the stop landed mid-dispatch"
    repeated = sum(n - 1 for n in got.values())
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
              and r.getMessage().startswith("stopping with ")]
    if recovers:
        assert errors == [] and repeated == 0, (errors, repeated)
    else:
        assert len(errors) == 1, errors
        assert errors[0] == (f"stopping with {repeated} send outcomes unrecorded: those "
                             "rows stay pending and may be sent once more after the "
                             "restart")
        assert 1 <= repeated <= 8 + 32
        assert 5 <= took < 10, took


# ---------------------------------------------------------------- the health check

@pytest.mark.sqlite_only("`run.py check` opens DATABASE_PATH; on PostgreSQL it is the CLI's")
async def test_check_fails_in_one_line_when_the_sender_stalls(bench):
    """`run.py check` reads the database: overdue rows and no send attempt for 10 min."""
    from bot.core.config import Settings
    from bot.runtime.cli import _check_database

    settings = Settings(token=None, database_path=bench.database)
    await bench.subscriptions.start(1, 1, "private")
    await add_subscribers(bench.storage,
        [NewSubscriber(2, time(9), "UTC", ("foods",), datetime(2020, 1, 1, 9, tzinfo=UTC))],
        bench.clock.now())
    bench.clock.set(datetime(2020, 1, 1, 9, 0, 30, tzinfo=UTC))
    assert (await bench.scheduler.tick()).queued == 1  # due in 2020, never sent: stalled
    problem = await _check_database(settings, health=True)
    assert problem is not None and "\n" not in problem
    assert "stalled" in problem and "10 min" in problem
    assert await _check_database(settings) is None  # start-up checks don't judge progress

    # A sender that keeps attempting (a backlog, an outage with retries) is not stalled.
    real_now = datetime.now(UTC)
    bench.clock.set(real_now - timedelta(minutes=15))
    await add_subscribers(bench.storage,
        [NewSubscriber(3, time(9), "UTC", ("foods",), real_now - timedelta(minutes=15))],
        bench.clock.now())
    await bench.scheduler.tick()
    bench.clock.set(real_now - timedelta(minutes=2))
    bench.transport.outage = lambda now: Failed("network", retryable=True, detail="Bad Gateway")
    await bench.sender.drain_once()  # attempts the 2020 row (given up) and chat 3's
    assert await _check_database(settings, health=True) is None


async def test_stall_threshold_is_a_setting(monkeypatch):
    from bot.core.config import load_settings

    monkeypatch.setenv("SENDER_STALL_MINUTES", "25")
    assert load_settings().stall_minutes == 25
    monkeypatch.delenv("SENDER_STALL_MINUTES")
    assert load_settings().stall_minutes == 10


# ------------------------------------------------------------ outages and expiry

async def test_a_502_outage_longer_than_the_grace_window_ends_missed_with_the_reason(bench):
    for chat in (1, 2):
        await bench.subscriptions.start(chat, chat, "private")
    back_at = NINE + timedelta(hours=3, minutes=30)
    bench.transport.outage = lambda now: (
        Failed("network", retryable=True, detail="Bad Gateway") if now < back_at else None)
    bench.clock.set(NINE + timedelta(seconds=30))
    await bench.every_minute_until(NINE + timedelta(hours=5))
    assert bench.transport.sends == []
    rows = bench.rows("SELECT status, shown(error, error_cause, error_detail), attempts "
                      "FROM deliveries ORDER BY chat_id")
    assert [status for status, _e, _a in rows] == ["missed", "missed"]
    for _status, error, attempts in rows:
        assert "Bad Gateway" in error and "grace window" in error
        assert attempts > 5  # not "failed after five attempts"
    # The next day is unaffected.
    await bench.every_minute_until(NINE + timedelta(days=1, minutes=2))
    assert sorted(c for c, _at, _t in bench.transport.sends) == [1, 2]


async def test_a_tip_that_failed_and_then_outlived_its_window_while_down_keeps_the_reason(
        bench):
    """A 502 at 09:00:30, the retry due a minute later, but the bot is down until 12:30:
    at the restart the tip is given up unsent, and its row still says what went wrong."""
    await bench.subscriptions.start(1, 1, "private")
    bench.transport.outage = lambda now: Failed("network", retryable=True, detail="Bad Gateway")
    bench.clock.set(NINE + timedelta(seconds=30))
    assert (await bench.scheduler.tick()).queued == 1
    await bench.sender.drain_once()
    bench.transport.outage = lambda now: None
    bench.clock.set(NINE + timedelta(hours=3, minutes=30))  # … back after the 3 h window
    await bench.sender.drain_once()
    assert bench.transport.sends == []
    assert bench.rows("SELECT status, shown(error, error_cause, error_detail), attempts "
                      "FROM deliveries") == [
        ("missed", "network: Bad Gateway; not sent within the grace window", 1)]


@pytest.mark.parametrize(("fault", "error", "timeouts"), [
    (Failed("network", retryable=True, detail="Bad Gateway"), "network: Bad Gateway", 0),
    (Failed("timed_out", retryable=True, timed_out=True), "timed out", 1)])
async def test_a_last_try_that_fails_after_the_window_closed_ends_missed_not_retried(
        bench, fault, error, timeouts):
    """The bot comes back at 11:59:50, ten seconds before the 3-hour window of a 09:00
    tip closes; the send takes 15 s and fails. No retry is queued past the window: the
    row is missed, with the reason, its attempt and (for a timeout) the timeout counted."""
    await bench.subscriptions.start(1, 1, "private")

    async def slow_answer() -> None:
        bench.clock.advance(seconds=15)

    bench.transport.latency = slow_answer
    bench.transport.outage = lambda now: fault
    bench.clock.set(NINE + timedelta(hours=2, minutes=59, seconds=50))
    assert (await bench.scheduler.tick()).queued == 1
    await bench.sender.drain_once()
    assert bench.rows("SELECT status, shown(error, error_cause, error_detail), attempts, timeouts "
                      "FROM deliveries") == [
        ("missed", f"{error}; not sent within the grace window", 1, timeouts)]


async def test_a_502_outage_inside_the_grace_window_still_delivers(bench):
    await bench.subscriptions.start(1, 1, "private")
    back_at = NINE + timedelta(hours=2, minutes=30)  # far longer than ~2.5 min
    bench.transport.outage = lambda now: (
        Failed("network", retryable=True, detail="Bad Gateway") if now < back_at else None)
    bench.clock.set(NINE + timedelta(seconds=30))
    await bench.every_minute_until(NINE + timedelta(hours=4))
    (at,) = bench.transport.daily_to(1)
    assert back_at <= at <= back_at + timedelta(minutes=11)  # backoff is at most 10 min
    assert bench.rows("SELECT status FROM deliveries") == [("sent",)]


async def test_broadcast_copies_retry_for_24_hours_then_fail_with_the_reason(bench):
    for chat in (1, 2):
        await bench.subscriptions.start(chat, chat, "private")
    await bench.subscriptions.stop(2)
    await bench.subscriptions.start(2, 2, "private")
    broadcasts = BroadcastService(bench.storage, bench.clock, rate_per_second=30)
    bench.clock.set(DAY0 + timedelta(minutes=5))
    draft = await broadcasts.draft(1, "📢 news")
    await broadcasts.confirm(draft.broadcast.id, 1, None)
    start = bench.clock.now()
    # Chat 1's Telegram answers 502 for 20 h: still delivered; chat 2's for ever: given up.
    bench.transport.outage = lambda now: None
    faults = {1: start + timedelta(hours=20), 2: start + timedelta(days=9)}
    original_send = bench.transport.send

    async def send(chat_id, text, markup):
        if "📢" in text and bench.clock.now() < faults[chat_id]:
            return Failed("network", retryable=True, detail="server error 502")
        return await original_send(chat_id, text, markup)

    bench.transport.send = send
    for _ in range(400):
        bench.clock.advance(minutes=10)
        await bench.sender.drain_once()
        if bench.clock.now() > start + timedelta(hours=26):
            break
    rows = dict((c, (s, e)) for c, s, e in bench.rows(
        "SELECT chat_id, status, shown(error, error_cause, error_detail) "
        "FROM deliveries WHERE kind = 'broadcast'"))
    assert rows[1][0] == "sent"
    assert rows[2][0] == "failed" and "502" in rows[2][1] and "24 h" in rows[2][1]
    ((last,),) = bench.rows("SELECT last_attempt_at FROM deliveries WHERE chat_id = 2 "
                            "AND kind = 'broadcast'")
    assert start + timedelta(hours=24) <= datetime.fromtimestamp(last, UTC) \
        <= start + timedelta(hours=24, minutes=11)


async def test_a_tip_queued_before_a_crash_expires_instead_of_arriving_late(bench):
    """Queued at 09:00, the process dies before sending, restarts 23 h later: the old
    tip is recorded missed, never sent; that day's own tip is the only one that day."""
    await bench.subscriptions.start(1, 1, "private")
    bench.clock.set(NINE + timedelta(seconds=20))
    assert (await bench.scheduler.tick()).queued == 1  # … and kill -9 before the drain
    bench.clock.set(NINE + timedelta(hours=23))
    await bench.sender.drain_once()
    assert bench.transport.sends == []
    assert bench.rows("SELECT local_date, status, shown(error, error_cause, error_detail) "
                      "FROM deliveries") == [
        ("2026-03-07", "missed", "not sent within the grace window")]
    await bench.every_minute_until(NINE + timedelta(days=1, minutes=2))
    assert bench.transport.daily_to(1) == [NINE + timedelta(days=1)]


@pytest.mark.parametrize(("chat_id", "chat_type"), [(-100_123, "group"),
                                                    (-100_456, "supergroup"), (5, "private")])
async def test_25_broadcasts_at_once_reach_a_group_20_a_minute_and_a_private_chat_1_a_second(
        bench, chat_id, chat_type):
    """Telegram allows 20 messages a minute to one group and one a second to one chat:
    25 broadcasts queued at once reach a group 20 in its first minute and the other 5
    after it; a private chat gets all 25 one second apart, not held to the group limit."""
    await bench.subscriptions.start(chat_id, 7, chat_type)
    broadcasts = BroadcastService(bench.storage, bench.clock, rate_per_second=30)
    for number in range(25):
        draft = await broadcasts.draft(1, f"📢 news {number}")
        assert await broadcasts.confirm(draft.broadcast.id, 1, None) == 1
    stats = await bench.sender.drain_once()
    sent = sorted(at for chat, at, _t in bench.transport.sends if chat == chat_id)
    assert len(sent) == 25
    assert (stats.sent, stats.paid) == (25, 0)  # this transport asks for no paid broadcast
    # Each row holds the id of the message Telegram made of it (the stand-in counts 1, 2, …).
    assert sorted(bench.rows("SELECT message_id FROM deliveries WHERE status = 'sent'")) == [
        (n,) for n in range(1, 26)]
    assert min(b - a for a, b in pairwise(sent)) >= timedelta(seconds=1)
    if chat_type == "private":
        assert sent[-1] - sent[0] < timedelta(seconds=60), "not held to 20 a minute"
    else:
        most_in_a_minute = max(
            sum(1 for t in sent if first <= t < first + timedelta(seconds=60)) for first in sent)
        assert most_in_a_minute == 20
        assert sent[20] - sent[0] >= timedelta(seconds=60)


async def test_a_row_that_crashes_its_worker_is_retried_later_and_the_others_go_out(
        bench, caplog):
    """A bug that raises while one tip is prepared must not stop the others, nor lose
    that tip: its row waits a backoff step (60 s here) marked "internal error", the log
    names the row with the traceback, and the next drain after the fix sends it."""
    for chat in (1, 2, 3):
        await bench.subscriptions.start(chat, chat, "private")
    render = make_renderer(bench.feed, bench.storage, bench.clock)
    broken = {2}

    def flaky_render(row):
        if row.chat_id in broken:
            raise RuntimeError("a bug in rendering")
        return render(row)

    sender = Sender(bench.storage, bench.transport, flaky_render, bench.clock,
                    virtual_pacer(bench.clock, None), backoff_base=60)
    bench.clock.set(NINE + timedelta(seconds=30))
    assert (await bench.scheduler.tick()).queued == 3
    await sender.drain_once()
    assert sorted(c for c, _at, _t in bench.transport.sends) == [1, 3]
    (row_id, status, error, attempts, due_at), = bench.rows(
        "SELECT id, status, shown(error, error_cause, error_detail), attempts, due_at "
        "FROM deliveries WHERE chat_id = 2")
    # Counted, so a row that keeps crashing waits longer each time (10 min at most).
    assert (status, error, attempts) == ("pending", "internal error", 1)
    assert due_at == int((NINE + timedelta(seconds=90)).timestamp())
    crashed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in crashed] == [f"delivery {row_id} crashed; retrying later"]
    assert crashed[0].exc_info and "a bug in rendering" in str(crashed[0].exc_info[1])

    broken.clear()  # the fix is deployed; the retry comes due
    bench.clock.set(NINE + timedelta(seconds=91))
    await sender.drain_once()
    assert sorted(c for c, _at, _t in bench.transport.sends) == [1, 2, 3]
    assert bench.rows("SELECT status FROM deliveries WHERE chat_id = 2") == [("sent",)]


@pytest.mark.parametrize(("late", "sent"), [(timedelta(hours=3) - timedelta(seconds=1), True),
                                             (timedelta(hours=3), False)])
@pytest.mark.parametrize("queued_before_the_outage", [True, False])
async def test_the_tick_and_the_sender_draw_the_3_hour_line_at_the_same_instant(
        bench, late, sent, queued_before_the_outage):
    """A tip may go out up to 3 hours after its slot: one second before that it is sent,
    at 3 hours exactly it is too late. The same whether the row was queued on time and
    the sender comes back late, or the bot comes back late and the tick queues it."""
    await bench.subscriptions.start(1, 1, "private")
    if queued_before_the_outage:
        bench.clock.set(NINE + timedelta(seconds=20))
        assert (await bench.scheduler.tick()).queued == 1  # … then down until NINE + late
    bench.clock.set(NINE + late)
    if not queued_before_the_outage:
        await bench.scheduler.tick()
    await bench.sender.drain_once()
    assert bench.transport.daily_to(1) == ([NINE + late] if sent else [])
    assert bench.rows("SELECT local_date, status FROM deliveries") == [
        ("2026-03-07", "sent" if sent else "missed")]


async def test_after_more_than_a_day_down_todays_tip_still_goes_out_in_the_grace_window(bench):
    await bench.subscriptions.start(1, 1, "private")  # next slot 2026-03-07 09:00 UTC
    back = NINE + timedelta(days=2, hours=1)  # down from before the 7th until 10:00 on the 9th
    await bench.at(back)
    assert bench.transport.daily_to(1) == [back]
    assert bench.rows("SELECT local_date, status FROM deliveries ORDER BY local_date") == [
        ("2026-03-07", "missed"), ("2026-03-09", "sent")]
    sub = await bench.storage.subscribers.get(1)
    assert sub.next_send_at == NINE + timedelta(days=3)


# ------------------------------------------------------------- the database's guarantee

async def test_the_same_plan_applied_twice_queues_one_row(bench):
    """The unique (chat, local date) index, not the code, stops a second daily row."""
    await bench.subscriptions.start(1, 1, "private")
    tip = bench.feed.candidates(("foods",))[0]
    plan = DailyPlan(1, date(2026, 3, 7), NINE, NINE + timedelta(days=1), tip.id, 0, "foods")
    assert await bench.storage.outbox.apply_daily_plans([plan], NINE) == 1
    assert await bench.storage.outbox.apply_daily_plans([plan], NINE) == 0
    assert bench.rows("SELECT chat_id, local_date FROM deliveries") == [(1, "2026-03-07")]


async def test_two_ticks_racing_on_two_connections_queue_one_tip_each(bench):
    chats = list(range(1, 201))
    await add_subscribers(bench.storage,
        [NewSubscriber(c, time(9), "UTC", tuple(TOPICS), NINE) for c in chats],
        bench.clock.now())
    other, other_feed = await _open(bench.database, bench.clock)
    try:
        bench.clock.set(NINE + timedelta(seconds=5))
        rival = DailyScheduler(other, other_feed, bench.clock)
        # Both read the due rows before either writes: the plans are the same.
        due_a = await bench.storage.outbox.due(bench.clock.now(), 500)
        due_b = await other.outbox.due(bench.clock.now(), 500)
        plans_a = [bench.scheduler.plan(d, bench.clock.now()) for d in due_a]
        plans_b = [rival.plan(d, bench.clock.now()) for d in due_b]
        queued = await asyncio.gather(
            bench.storage.outbox.apply_daily_plans(plans_a, bench.clock.now()),
            other.outbox.apply_daily_plans(plans_b, bench.clock.now()))
    finally:
        await other.close()
    assert sorted(queued) == [0, len(chats)]
    await bench.sender.drain_once()
    assert Counter(c for c, _a, _t in bench.transport.sends) == Counter(
        {c: 1 for c in chats})


# ---------------------------------------------------------------- pauses and schedule

@pytest.mark.parametrize("change", ["time", "timezone"])
async def test_a_schedule_change_during_a_pause_keeps_the_pause_end(bench, change):
    await bench.subscriptions.start(1, 1, "private")  # 09:00 UTC
    bench.clock.set(datetime(2026, 3, 7, 6, 0, tzinfo=UTC))
    paused = await bench.subscriptions.pause(1, 2)  # skips the 7th and the 8th
    assert paused.paused_until == date(2026, 3, 9)
    if change == "time":
        changed = await bench.subscriptions.set_time(1, time(10, 0))
        expected = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    else:
        changed = await bench.subscriptions.set_timezone(1, parse_zone("Asia/Tokyo"))
        expected = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # 09:00 JST on the 9th
    assert changed.status == "paused" and changed.paused_until == date(2026, 3, 9)
    assert changed.next_send_at == expected
    await bench.every_minute_until(expected + timedelta(minutes=2))
    assert bench.transport.daily_to(1) == [expected]
    assert (await bench.storage.subscribers.get(1)).status == "active"


# ---------------------------------------------------------------- rotation and bad rows

async def test_a_subscriber_who_disliked_every_tip_still_gets_one(bench):
    await bench.subscriptions.start(1, 1, "private")
    for topic in list(TOPICS)[1:]:
        await bench.subscriptions.toggle_topic(1, topic)
    sub = await bench.storage.subscribers.get(1)
    for tip in bench.feed.candidates(sub.topics):
        await bench.storage.rotation.set_vote(1, tip.id, -1, bench.clock.now())
    await bench.every_minute_until(NINE + timedelta(minutes=2))
    assert len(bench.transport.daily_to(1)) == 1
    assert bench.rows("SELECT status FROM deliveries") == [("sent",)]


async def test_a_subscriber_whose_topics_are_all_retired_still_gets_a_tip(bench):
    await bench.subscriptions.start(1, 1, "private")
    sub = await bench.storage.subscribers.get(1)
    for topic in TOPICS:
        if topic != sub.topics[0]:
            await bench.subscriptions.toggle_topic(1, topic)
    for tip in bench.feed.candidates((await bench.storage.subscribers.get(1)).topics):
        await bench.storage.tips.set_retired(tip.id, True, bench.clock.now())
    await bench.feed.refresh()
    await bench.every_minute_until(NINE + timedelta(minutes=2))
    assert len(bench.transport.daily_to(1)) == 1


async def test_one_unreadable_subscriber_is_quarantined_and_the_tick_goes_on(bench, caplog):
    for chat in (1, 2, 3):
        await bench.subscriptions.start(chat, chat, "private")
    await edit_rows(bench.storage,
                    ("UPDATE subscribers SET send_time = 'soon' WHERE chat_id = 2", ()),
                    ("UPDATE subscribers SET timezone = 'Mars/Base', "
                     "need_profile = 'SECRET-HEALTH' WHERE chat_id = 3", ()))
    await bench.every_minute_until(NINE + timedelta(minutes=2))
    assert sorted(c for c, _a, _t in bench.transport.sends) == [1]
    rows = bench.rows("SELECT chat_id, status, inactive_reason FROM subscribers "
                      "WHERE chat_id IN (2, 3) ORDER BY chat_id")
    assert [(c, s) for c, s, _r in rows] == [(2, "stopped"), (3, "stopped")]
    assert all(r.startswith("quarantined") for _c, _s, r in rows)
    logged = caplog.text
    assert "quarantined" in logged and "SECRET-HEALTH" not in logged and "Mars" not in logged
    await bench.every_minute_until(NINE + timedelta(days=1, minutes=2))
    assert sorted(c for c, _a, _t in bench.transport.sends) == [1, 1]


# ---------------------------------------------------------------- timeouts

async def test_timed_out_sends_are_counted_and_shown_in_stats(bench):
    from bot.ui import texts

    await bench.subscriptions.start(1, 1, "private")
    tries = iter([Failed("timed_out", retryable=True, timed_out=True)] * 2)
    bench.transport.outage = lambda now: next(tries, None)
    bench.clock.set(NINE + timedelta(seconds=30))
    await bench.every_minute_until(NINE + timedelta(minutes=10))
    assert bench.rows("SELECT status, attempts, timeouts FROM deliveries") == [("sent", 3, 2)]
    stats = await bench.storage.reports.stats(bench.clock.now(), NINE)
    assert stats.timeouts_7_days == 2
    assert "Timed-out sends in the last 7 days (each may have arrived twice): 2" \
        in texts.stats(stats)


# ---------------------------------------------------------------- a midnight DST jump

async def test_a_clock_jump_that_swallows_the_evening_still_gives_one_tip_a_day(bench):
    """America/Nuuk, 2026-03-28: 23:00 local jumps to 00:00. A 23:30 subscriber gets the
    28th's tip in the minute before the jump, and one tip on each local day around it."""
    await bench.subscriptions.start(1, 1, "private")
    bench.clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    await bench.subscriptions.set_timezone(1, parse_zone("America/Nuuk"))
    await bench.subscriptions.set_time(1, time(23, 30))
    await bench.every_minute_until(datetime(2026, 3, 31, 12, 0, tzinfo=UTC))
    nuuk = parse_zone("America/Nuuk").tz
    local = [at.astimezone(nuuk) for at in bench.transport.daily_to(1)]
    assert [d.date() for d in local] == [date(2026, 3, d) for d in (27, 28, 29, 30)]
    assert [(d.hour, d.minute) for d in local] == [(23, 30), (22, 59), (23, 30), (23, 30)]


async def test_rows_that_expire_unsent_are_given_up_without_counting_an_attempt(bench):
    """The process is down for 26 h with a daily tip and a broadcast copy queued: at the
    restart neither is sent; the tip is `missed`, the copy `failed` after its 24 h, each
    saying it was never sent, and neither counts as an attempt (nothing reached Telegram)."""
    await bench.subscriptions.start(1, 1, "private")
    bench.clock.set(NINE + timedelta(seconds=20))
    assert (await bench.scheduler.tick()).queued == 1
    broadcasts = BroadcastService(bench.storage, bench.clock, rate_per_second=30)
    draft = await broadcasts.draft(1, "📢 news")
    assert await broadcasts.confirm(draft.broadcast.id, 1, None) == 1
    bench.clock.set(NINE + timedelta(hours=26))  # … kill -9 before the drain, back 26 h later
    await bench.sender.drain_once()
    assert bench.transport.sends == []
    assert bench.rows("SELECT kind, status, shown(error, error_cause, error_detail), attempts "
                      "FROM deliveries ORDER BY kind") == [
        ("broadcast", "failed", "not sent; gave up after retrying for 24 h", 0),
        ("daily", "missed", "not sent within the grace window", 0)]


@pytest.mark.parametrize("retry_after", [30, 10])
async def test_a_429_pause_that_outlasts_the_grace_window_does_not_send_the_tip_late(
        bench, retry_after):
    """11:59:50, the last seconds of a 09:00 tip's 3-hour window: Telegram answers 429
    retry_after=30 (or 10: the pause ends at 12:00:00 exactly, the window's end and no
    longer inside it). Waiting out the pause takes the tip to or past 12:00, so it is not
    sent then (that would be late); it is recorded `missed`, and the next day's tip still
    comes on time."""
    await bench.subscriptions.start(1, 1, "private")
    answers = iter([Throttled(retry_after)])
    bench.transport.outage = lambda now: next(answers, None)
    await bench.at(NINE + timedelta(hours=2, minutes=59, seconds=50))
    assert bench.transport.daily_to(1) == []
    assert bench.rows("SELECT status, shown(error, error_cause, error_detail), attempts "
                      "FROM deliveries") == [
        ("missed", "not sent within the grace window", 0)]
    await bench.every_minute_until(NINE + timedelta(days=1, minutes=2))
    (next_day,) = bench.transport.daily_to(1)  # the first once-a-minute tick after 09:00
    assert NINE + timedelta(days=1) <= next_day < NINE + timedelta(days=1, minutes=1)


async def _one_broadcast_copy(bench) -> datetime:
    """One subscriber, one confirmed broadcast; returns when it was confirmed."""
    await bench.subscriptions.start(1, 1, "private")
    broadcasts = BroadcastService(bench.storage, bench.clock, rate_per_second=30)
    bench.clock.set(DAY0 + timedelta(minutes=5))
    draft = await broadcasts.draft(1, "📢 news")
    assert await broadcasts.confirm(draft.broadcast.id, 1, None) == 1
    return bench.clock.now()


async def test_a_broadcast_copy_that_times_out_for_24_hours_counts_every_timeout(bench):
    """Every attempt times out (each may have arrived): after 24 h the copy `failed`, and
    every attempt, the last one included, is counted as a timeout for /stats."""
    start = await _one_broadcast_copy(bench)
    bench.transport.outage = lambda now: Failed("timed_out", retryable=True, timed_out=True)
    while bench.clock.now() <= start + timedelta(hours=25):
        await bench.sender.drain_once()
        bench.clock.advance(minutes=10)
    ((status, attempts, timeouts),) = bench.rows(
        "SELECT status, attempts, timeouts FROM deliveries WHERE kind = 'broadcast'")
    assert status == "failed" and attempts > 5 and timeouts == attempts


@pytest.mark.parametrize(("fault", "text"), [
    ("forbidden", "x" * 300),
    ("bad_request", "Bad Request: user is deactivated " + "x" * 300),  # the chat is gone
    ("bad_request", "Bad Request: " + "x" * 300),  # any other bad request
    ("server_error", "x" * 300),
])
async def test_a_very_long_telegram_error_is_stored_cut_to_200_characters(bot, fault, text):
    """Telegram's error text is stored beside the row's reason code, cut to 200 characters
    (the length the bot keeps of Telegram's words, as for a subscriber's reason)."""
    due = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    await add_subscribers(bot.storage,
        [NewSubscriber(5, time(9), "UTC", ("foods",), due)], bot.clock.now())
    bot.standin.fault_policy = lambda method, params: (
        Fault(fault, description=text) if method.lower() == "sendmessage" else None)
    bot.clock.set(due + timedelta(seconds=30))
    await bot.runtime.scheduler.tick()
    await bot.runtime.sender.drain_once()
    ((error,),) = bot.rows("SELECT error_detail FROM deliveries")
    assert len(error) == 200 and error.endswith("x" * 50)


async def test_a_broadcast_given_up_with_a_very_long_reason_stores_200_characters(bench):
    """A give-up keeps the 200-character limit for Telegram's words too."""
    start = await _one_broadcast_copy(bench)
    answers = iter([Failed("network", retryable=True, detail="y" * 300)])
    bench.transport.outage = lambda now: next(answers, None)
    await bench.sender.drain_once()  # fails once with the long reason …
    bench.clock.set(start + timedelta(hours=25))  # … and the bot is down for a day
    await bench.sender.drain_once()
    ((status, reason, cause, error),) = bench.rows(
        "SELECT status, error, error_cause, error_detail FROM deliveries "
        "WHERE kind = 'broadcast'")
    assert (status, reason, cause) == ("failed", "retries_exhausted", "network")
    assert len(error) == 200 and error.startswith("y" * 150)


async def test_a_tip_queued_without_an_expiry_still_gets_3_hours_not_24(bench):
    """A daily row written before rows carried their expiry (expires_at empty) expires 3 h
    after it was queued, like any tip; the 24-hour budget is for broadcast copies only."""
    await bench.subscriptions.start(1, 1, "private")
    tip = bench.feed.candidates(("foods",))[0]
    plan = DailyPlan(1, date(2026, 3, 7), NINE, NINE + timedelta(days=1), tip.id, 0, "foods")
    assert await bench.storage.outbox.apply_daily_plans([plan], NINE) == 1
    bench.clock.set(NINE + timedelta(hours=3, minutes=30))
    await bench.sender.drain_once()
    assert bench.transport.sends == []
    assert bench.rows("SELECT status FROM deliveries") == [("missed",)]
