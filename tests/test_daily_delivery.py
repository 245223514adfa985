"""The daily tip, end to end below Telegram: tick → due subscribers → selector → sender → DB.

Time only moves when the test moves the ManualClock; nothing here sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from bench.fixtures import NewSubscriber, add_subscribers
from bot.core.clock import ManualClock
from bot.core.database_url import PostgresUrl
from bot.core.timecalc import local_instant, next_send
from bot.core.zones import resolve_zone
from bot.delivery.pacer import Pacer
from bot.delivery.scheduler import DailyScheduler
from bot.delivery.sender import Failed, Gone, Sender, Sent
from bot.services.subscriptions import Defaults, SubscriptionService
from bot.services.tipfeed import TipFeed
from bot.storage import DeliveryOutcome, Storage
from tests.helpers import (
    edit_rows,
    make_renderer,
    shown_reason,
    stored_rows,
    ten_percent_faults,
    virtual_pacer,
)
from tips.catalog import TOPICS, load_catalog

pytestmark = pytest.mark.both_engines

NINE = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)  # a Saturday, 09:00 UTC
ZONES = [
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Kyiv", "Europe/Moscow", "Asia/Dubai",
    "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dhaka", "Asia/Bangkok",
    "Asia/Shanghai", "Asia/Tokyo", "Australia/Adelaide", "Australia/Sydney",
    "Pacific/Auckland", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Pacific/Honolulu",
    "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago",
    "America/New_York", "America/Halifax", "America/St_Johns", "America/Sao_Paulo",
    "Atlantic/Azores", "UTC+05:30", "UTC-03:30",
]


class RecordingTransport:
    """Stands in for Telegram below the PTB layer: records each send with the clock time."""

    def __init__(self, clock: ManualClock, faults: dict[int, list[object]] | None = None):
        self.clock = clock
        self.sends: list[tuple[int, datetime, str]] = []
        self.faults = faults or {}
        self.calls = 0

    async def send(self, chat_id, text, markup):
        self.calls += 1
        queued = self.faults.get(chat_id)
        if queued:
            return queued.pop(0)
        self.sends.append((chat_id, self.clock.now(), text))
        return Sent(len(self.sends))


class Engine:
    def __init__(self, storage: Storage, database: Path | PostgresUrl, clock: ManualClock,
                 transport, feed: TipFeed):
        self.storage = storage
        self.database = database
        self.clock = clock
        self.transport = transport
        self.feed = feed
        self.scheduler = DailyScheduler(storage, feed, clock)
        self.sender = Sender(storage, transport, make_renderer(feed, storage, clock), clock,
                             virtual_pacer(clock, None), backoff_base=60)
        self.subscriptions = SubscriptionService(storage, clock, Defaults("UTC", time(9)))

    def rows(self, sql: str, params=()) -> list[tuple]:
        return stored_rows(self.database, sql, params)

    async def next_slot(self) -> datetime | None:
        """The earliest upcoming daily slot, so the simulation can jump straight to it
        (read on the bot's own connection: the harness's pace, not a checked fact)."""
        at = await self.storage._db.fetch_value("SELECT min(next_send_at) FROM subscribers "
                                                "WHERE status IN ('active', 'paused')")
        return None if at is None else datetime.fromtimestamp(at, UTC)

    async def run_until(self, end: datetime, step: timedelta = timedelta(minutes=1)) -> None:
        """Tick once a `step`, skipping stretches where nothing is due or pending.

        A skipped stretch is one where a real once-a-minute tick would find nothing, so
        jumping over it changes no outcome, only the test's running time.
        """
        for _ in range(1_000_000):
            now = self.clock.now()
            if now >= end:
                break
            upcoming = [t for t in (await self.next_slot(),
                                    await self.storage.outbox.next_pending_due()) if t is not None]
            target = now + step
            if upcoming and min(upcoming) > target:
                # Land on the first tick at or after the next due instant.
                ticks = -(-(min(upcoming) - now) // step)
                target = now + step * ticks
            self.clock.set(min(target, end) if not upcoming or min(upcoming) <= end else end)
            result = await self.scheduler.tick()
            if result.queued or await self.storage.outbox.next_pending_due() is not None:
                await self.sender.drain_once()


@pytest.fixture
async def engine(database):
    clock = ManualClock(datetime(2026, 3, 6, 12, 0, 30, tzinfo=UTC))
    storage = await Storage.open(database)
    await storage.tips.sync(load_catalog(), clock.now())
    feed = TipFeed(storage, clock)
    await feed.refresh()
    yield Engine(storage, database, clock, RecordingTransport(clock), feed)
    await storage.close()


async def _populate(engine: Engine, count: int, seed: int) -> dict[int, tuple[str, time]]:
    rng = random.Random(seed)
    people: dict[int, tuple[str, time]] = {}
    rows = []
    for chat_id in range(1, count + 1):
        zone = ZONES[chat_id % len(ZONES)]
        # People pick round times; every tenth one picks 02:30, inside the US
        # spring-forward gap (other 02:xx picks land in gaps too).
        at = time(2, 30) if chat_id % 10 == 0 else time(rng.randrange(24),
                                                        rng.choice((0, 15, 30, 45)))
        topics = tuple(t for t in TOPICS if rng.random() < 0.7) or ("foods",)
        first, _ = next_send(at, resolve_zone(zone), engine.clock.now())
        people[chat_id] = (zone, at)
        rows.append(NewSubscriber(chat_id, at, zone, topics, first))
    await add_subscribers(engine.storage, rows, engine.clock.now())
    return people


async def test_ten_thousand_subscribers_three_days_across_dst(engine):
    people = await _populate(engine, 10_000, seed=7)
    start = engine.clock.now()
    # 2026-03-07 … 2026-03-09 (UTC): the US moves its clocks forward on 2026-03-08.
    end = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    await engine.run_until(end)

    by_chat: dict[int, list[datetime]] = defaultdict(list)
    for chat_id, at, _text in engine.transport.sends:
        by_chat[chat_id].append(at)
    assert set(by_chat) == set(people), "every subscriber got at least one tip"

    gap_checked = 0
    for chat_id, (zone, at) in people.items():
        tz = resolve_zone(zone)
        sends = by_chat[chat_id]
        local_days = [s.astimezone(tz).date() for s in sends]
        assert len(local_days) == len(set(local_days)), f"{chat_id} got two tips one day"
        # The expected days: every local date whose slot falls inside the simulated span.
        expected = set()
        day = start.astimezone(tz).date() - timedelta(days=1)
        while day <= end.astimezone(tz).date():
            slot = local_instant(day, at, tz)
            if start <= slot <= end:
                expected.add(day)
            day += timedelta(days=1)
        assert set(local_days) == expected, (chat_id, zone, at)
        for sent_at in sends:
            wall = sent_at.astimezone(tz)
            expected_slot = local_instant(wall.date(), at, tz)
            # Sent within the tick minute of its slot, at the right local minute.
            assert timedelta(0) <= sent_at - expected_slot < timedelta(minutes=1)
            slot_wall = expected_slot.astimezone(tz)
            assert (wall.hour, wall.minute) == (slot_wall.hour, slot_wall.minute)
            if (slot_wall.hour, slot_wall.minute) != (at.hour, at.minute):
                # Only a time inside a DST gap moves: to the first valid instant (03:00).
                assert at.hour == 2 and (wall.hour, wall.minute) == (3, 0)
                gap_checked += 1
    assert gap_checked > 0

    counts = dict(engine.rows(
        "SELECT status, count(*) FROM deliveries WHERE kind = 'daily' GROUP BY status"))
    assert counts == {"sent": len(engine.transport.sends)}
    dupes = engine.rows(
        "SELECT chat_id, local_date, count(*) FROM deliveries WHERE kind = 'daily' "
        "GROUP BY chat_id, local_date HAVING count(*) > 1")
    assert dupes == []


async def test_rotation_never_repeats_until_all_seen_and_alternates(engine):
    chat = 42
    await engine.subscriptions.start(chat, chat, "private")
    topics_on = ("hydration", "rest", "doctor")
    for topic in TOPICS:
        sub = await engine.storage.subscribers.get(chat)
        if (topic in sub.topics) != (topic in topics_on):
            await engine.subscriptions.toggle_topic(chat, topic)
    pool = {t.id for t in engine.feed.candidates(topics_on)}
    await engine.run_until(engine.clock.now() + timedelta(days=len(pool) + 3),
                           step=timedelta(hours=1))
    rows = engine.rows(
        "SELECT d.tip_id, t.topic FROM deliveries d JOIN tips t ON t.id = d.tip_id "
        "WHERE d.chat_id = ? AND d.kind = 'daily' ORDER BY d.local_date", (chat,))
    first_cycle = [tip_id for tip_id, _ in rows[: len(pool)]]
    assert len(set(first_cycle)) == len(pool) and set(first_cycle) == pool
    topics_seq = [topic for _, topic in rows]
    assert all(topic in topics_on for topic in topics_seq)
    repeats = sum(1 for a, b in itertools.pairwise(topics_seq) if a == b)
    assert repeats <= 2, topics_seq  # only the tail of a cycle may run out of other topics


async def test_stopped_and_paused_subscribers_are_never_due(engine):
    for chat in (1, 2, 3):
        await engine.subscriptions.start(chat, chat, "private")
    await engine.subscriptions.stop(2)
    await engine.storage.subscribers.set_status(3, "paused", next_send_at=None,
                                                now=engine.clock.now())
    await engine.run_until(engine.clock.now() + timedelta(days=2), step=timedelta(minutes=30))
    got = {chat for chat, _at, _t in engine.transport.sends}
    assert got == {1}


async def test_time_change_after_todays_tip_waits_for_tomorrow(engine):
    chat = 5
    await engine.subscriptions.start(chat, chat, "private")  # 09:00 UTC
    engine.clock.set(datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
    await engine.subscriptions.set_time(chat, time(9, 0))
    await engine.run_until(datetime(2026, 3, 7, 10, 0, tzinfo=UTC))
    assert len(engine.transport.sends) == 1  # 2026-03-07 09:00
    # Later that day the user moves the time to 20:00 and the zone west: still today.
    await engine.subscriptions.set_time(chat, time(20, 0))
    await engine.run_until(datetime(2026, 3, 7, 23, 59, tzinfo=UTC))
    assert len(engine.transport.sends) == 1, "no second tip on 2026-03-07"
    zone = resolve_zone("America/Los_Angeles")
    from bot.core.zones import parse_zone

    await engine.subscriptions.set_timezone(chat, parse_zone("America/Los_Angeles"))
    await engine.run_until(datetime(2026, 3, 9, 6, 0, tzinfo=UTC))
    days = [at.astimezone(zone).date() for _c, at, _t in engine.transport.sends]
    # 2026-03-07 UTC tip was 01:00 PST on 03-07; LA's 03-07 20:00 is then skipped,
    # and 03-08 20:00 PDT arrives.
    assert len(days) == len(set(days))
    assert engine.transport.sends[-1][1].astimezone(zone).hour == 20


async def test_downtime_within_grace_is_sent_older_is_recorded_missed(engine):
    await engine.subscriptions.start(1, 1, "private")  # due 2026-03-07 09:00 UTC
    await engine.subscriptions.start(2, 2, "private")
    await engine.subscriptions.set_time(2, time(5, 0))  # due 2026-03-07 05:00 UTC
    # The bot was down from 2026-03-07 04:00 until 10:30 (5.5 h after subscriber 2's slot).
    engine.clock.set(datetime(2026, 3, 7, 10, 30, tzinfo=UTC))
    await engine.scheduler.tick()
    await engine.sender.drain_once()
    got = [chat for chat, _at, _t in engine.transport.sends]
    assert got == [1]
    rows = engine.rows(
        "SELECT chat_id, local_date, status FROM deliveries ORDER BY chat_id")
    assert rows == [(1, "2026-03-07", "sent"), (2, "2026-03-07", "missed")]
    sub2 = await engine.storage.subscribers.get(2)
    assert sub2.next_send_at == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


async def test_faults_are_recorded_and_everyone_reachable_is_served(engine):
    for chat in range(1, 7):
        await engine.subscriptions.start(chat, chat, "private")
    engine.transport.faults = {
        2: [Failed("network", retryable=True, detail="Bad Gateway")],       # retried, then sent
        3: [Gone("chat_gone", "Forbidden: bot was blocked by the user")],         # blocked, kept
        4: [Failed("bad_request", retryable=False, detail="message is too long")],
        # Times out for ever: retried until the grace window (3 h) ends, then missed.
        5: [Failed("timed_out", retryable=True, timed_out=True)] * 1000,
    }
    await engine.run_until(datetime(2026, 3, 7, 20, 0, tzinfo=UTC))
    rows = dict(engine.rows(
        "SELECT chat_id, status FROM deliveries WHERE kind = 'daily'"))
    assert rows == {1: "sent", 2: "sent", 3: "blocked", 4: "failed", 5: "missed", 6: "sent"}
    errors = dict(engine.rows(
        "SELECT chat_id, shown(error, error_cause, error_detail) FROM deliveries "
        "WHERE status != 'sent'"))
    assert "blocked" in errors[3] and "too long" in errors[4]
    assert "timed out" in errors[5] and "grace window" in errors[5]
    attempts = dict(engine.rows(
        "SELECT chat_id, attempts FROM deliveries WHERE chat_id IN (2, 5)"))
    assert attempts[2] == 2
    # 60 s doubling, at most 10 min apart, from 09:00 to 12:00: far more than five tries.
    ((tries, timeouts, last),) = engine.rows(
        "SELECT attempts, timeouts, last_attempt_at FROM deliveries WHERE chat_id = 5")
    assert tries > 15 and timeouts == tries
    # Given up at the first tick after 09:00 + 3 h (ticks here fall at hh:mm:30).
    grace_end = int(datetime(2026, 3, 7, 12, 0, tzinfo=UTC).timestamp())
    assert grace_end <= last < grace_end + 60
    blocked = await engine.storage.subscribers.get(3)
    assert blocked.status == "blocked" and blocked.inactive_reason == "chat_gone"
    assert blocked.inactive_detail == "Forbidden: bot was blocked by the user"
    # The blocked subscriber is never tried again on later days.
    engine.transport.faults[5] = []  # chat 5's network is fine again
    calls_before = engine.transport.calls
    await engine.run_until(datetime(2026, 3, 8, 20, 0, tzinfo=UTC), step=timedelta(minutes=10))
    assert engine.transport.calls - calls_before == 5  # 1, 2, 4, 5, 6 — not 3
    # /start brings the blocked subscriber back.
    await engine.subscriptions.start(3, 3, "private")
    assert (await engine.storage.subscribers.get(3)).status == "active"


async def test_daily_dispatch_through_the_faulty_stand_in(bot):
    """~10 % of sends fail (429, 502, timeouts) and some chats are gone (403, 400)."""
    due = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    chats = list(range(50_000, 53_000))
    await add_subscribers(bot.storage,
        [NewSubscriber(c, time(9), "UTC", tuple(TOPICS), due) for c in chats], bot.clock.now())
    blocked, missing = {50_007, 51_234, 52_999}, {50_100, 52_000}
    for chat in blocked:
        bot.standin.user_blocks(chat)
    for chat in missing:
        bot.standin.chat_not_found(chat)
    while bot.standin.next_update_nowait():
        pass  # the my_chat_member updates are not delivered: the sends must find out
    faults = ten_percent_faults(11, retry_after=3)

    bot.standin.fault_policy = faults
    bot.clock.set(due + timedelta(seconds=30))
    assert (await bot.runtime.scheduler.tick()).queued == len(chats)
    for _ in range(30):
        await bot.runtime.sender.drain_once()
        if await bot.storage.outbox.next_pending_due() is None:
            break
        bot.clock.advance(minutes=11)
    reachable = set(chats) - blocked - missing
    received = Counter(m.chat_id for m in bot.standin.sent if m.chat_id in set(chats))
    assert set(received) == reachable and set(received.values()) == {1}
    statuses = dict(bot.rows(
        "SELECT status, count(*) FROM deliveries GROUP BY status"))
    assert statuses == {"sent": len(reachable), "blocked": len(blocked | missing)}
    ok_sends = sum(1 for r in bot.standin.call_log
                   if r.method.lower() == "sendmessage" and r.status == 200)
    assert ok_sends == statuses["sent"]
    faulted = Counter(r.status for r in bot.standin.call_log
                      if r.method.lower() == "sendmessage" and r.status != 200)
    assert faulted[429] > 0 and faulted[502] > 0 and faulted[0] > 0  # 0: no answer
    assert set(bot.pacer.pauses) == {3}
    for chat in blocked | missing:
        sub = await bot.storage.subscribers.get(chat)
        assert sub.status == "blocked" and sub.inactive_reason


async def test_a_claimed_row_is_never_taken_again_until_its_outcome_is_recorded(engine):
    """Regression (found by the benchmark, then by an attack at paid 1,000/s): a refill
    that saw rows still in flight sent them twice. Rows are claimed in the database: two
    refills racing each other share the rows out, a later one gets none of them, and a
    row retried later can be taken again once its outcome is recorded."""
    for chat in range(1, 5):
        await engine.subscriptions.start(chat, chat, "private")
    engine.clock.set(datetime(2026, 3, 7, 9, 0, 30, tzinfo=UTC))
    await engine.scheduler.tick()
    now = engine.clock.now()
    first, second = await asyncio.gather(engine.storage.outbox.claim(now, 3, 1),
                                         engine.storage.outbox.claim(now, 3, 1))
    taken = [row.id for row in first + second]
    assert sorted(taken) == sorted(row[0] for row in engine.rows("SELECT id FROM deliveries"))
    assert await engine.storage.outbox.claim(now, 10, 1) == []
    assert engine.rows("SELECT DISTINCT status, claimed_by FROM deliveries") == [("pending", 1)]
    await engine.storage.outbox.apply_outcomes([
        DeliveryOutcome(taken[0], "sent", now, message_id=7),
        DeliveryOutcome(taken[1], "pending", now, error="timed_out", retry_at=now)], 1)
    assert [row.id for row in await engine.storage.outbox.claim(now, 10, 1)] == [taken[1]]
    assert engine.rows("SELECT claimed_by FROM deliveries WHERE id = ?", (taken[0],)) == [
        (None,)]


async def test_rows_a_crashed_instance_had_claimed_are_sent_once_by_the_next(engine):
    """A kill -9 leaves rows claimed and never recorded: the next instance releases them
    when it starts sending and sends each once; its own claims end with the outcomes."""
    for chat in range(1, 6):
        await engine.subscriptions.start(chat, chat, "private")
    engine.clock.set(datetime(2026, 3, 7, 9, 0, 30, tzinfo=UTC))
    await engine.scheduler.tick()
    crashed = await engine.storage.outbox.claim(engine.clock.now(), 3, 777)
    assert len(crashed) == 3
    await engine.sender.drain_once()
    assert sorted(chat for chat, _, _ in engine.transport.sends) == [1, 2, 3, 4, 5]
    assert engine.rows("SELECT status, claimed_by, count(*) FROM deliveries "
                       "GROUP BY status, claimed_by") == [("sent", None, 5)]


# A worker never waits for the database to record an outcome


async def test_a_writer_holding_the_database_pauses_sending_within_the_crash_bound(engine):
    """While another writer (the tick, a backup) holds the write lock, workers keep sending
    without waiting for their own writes, but never more than the crash bound ahead of
    what is recorded (8 in flight + 32 unwritten = 40): a kill -9 then can resend no more.
    Once the lock is free every outcome is recorded and sending goes on to the end."""
    people = range(1, 401)
    slot = engine.clock.now().replace(second=0)  # 12:00 UTC, half a minute ago
    await add_subscribers(engine.storage,
        [NewSubscriber(chat, time(12), "UTC", tuple(TOPICS), slot) for chat in people],
        engine.clock.now())
    await engine.scheduler.tick()
    queued = engine.rows("SELECT count(*) FROM deliveries WHERE status = 'pending'")[0][0]
    assert queued == len(people)
    release = asyncio.Event()

    async def writer() -> None:
        async with engine.storage._db.write():
            await release.wait()

    drain = asyncio.create_task(engine.sender.drain_once())
    for _ in range(500):  # the rows are claimed once the first send is under way
        if engine.transport.calls:
            break
        await asyncio.sleep(0.01)
    holder = asyncio.create_task(writer())
    for _ in range(50):  # until sending stops for 0.2 s (bounded)
        before = len(engine.transport.sends)
        await asyncio.sleep(0.2)
        if len(engine.transport.sends) in (before, len(people)):
            break
    held = len(engine.transport.sends)
    (recorded,), = engine.rows("SELECT count(*) FROM deliveries WHERE status = 'sent'")
    assert recorded < held < len(people)
    assert 16 <= held - recorded <= 8 + 32, (held, recorded)  # stopped at the bound
    release.set()
    await holder
    await asyncio.wait_for(drain, 30)
    assert len(engine.transport.sends) == len(people)
    assert engine.rows("SELECT count(*) FROM deliveries WHERE status = 'sent'") == [
        (len(people),)]


async def test_a_late_night_slot_missed_before_midnight_is_not_sent_the_next_local_day(engine):
    """Down from 23:00 to 00:01: the 23:30 tip is recorded missed, not sent at 00:01 (that
    would be a second tip on the next local day, whose own 23:30 tip still comes)."""
    chat = 7
    engine.clock.set(datetime(2026, 3, 6, 22, 0, tzinfo=UTC))
    await engine.subscriptions.start(chat, chat, "private")
    await engine.subscriptions.set_time(chat, time(23, 30))
    engine.clock.set(datetime(2026, 3, 7, 0, 1, tzinfo=UTC))  # the bot comes back
    await engine.scheduler.tick()
    await engine.sender.drain_once()
    assert [at for c, at, _ in engine.transport.sends if c == chat] == []
    assert engine.rows("SELECT local_date, status FROM deliveries WHERE chat_id = ?",
                       (chat,)) == [("2026-03-06", "missed")]
    await engine.run_until(datetime(2026, 3, 8, 0, 0, tzinfo=UTC))
    sent = [at for c, at, _ in engine.transport.sends if c == chat]
    assert [at.date() for at in sent] == [datetime(2026, 3, 7).date()]  # one, at 23:30
    assert sent[0].hour == 23 and sent[0].minute == 30


async def test_a_tip_queued_at_23_30_is_not_sent_at_the_stroke_of_midnight(engine):
    """Its grace window ends at the end of its local day; 00:00:00 is the next day's
    first instant, so a send held until then is missed, not a tip on the wrong day."""
    chat = 8
    engine.clock.set(datetime(2026, 3, 6, 22, 0, tzinfo=UTC))
    await engine.subscriptions.start(chat, chat, "private")
    await engine.subscriptions.set_time(chat, time(23, 30))
    engine.clock.set(datetime(2026, 3, 6, 23, 30, 10, tzinfo=UTC))
    assert (await engine.scheduler.tick()).queued == 1  # queued, not sent yet
    engine.clock.set(datetime(2026, 3, 7, 0, 0, 0, tzinfo=UTC))
    await engine.sender.drain_once()
    assert [at for c, at, _ in engine.transport.sends if c == chat] == []
    assert engine.rows("SELECT local_date, status FROM deliveries WHERE chat_id = ?",
                       (chat,)) == [("2026-03-06", "missed")]


async def test_chats_due_at_one_instant_are_each_planned_from_their_own_row(engine):
    """Five chats due at the same instant: the tick works out the calendar side of a plan
    once per (zone, send time, slot, last tip), so a chat that differs from its neighbours
    in any one of them must still get the answer its own row calls for."""
    engine.clock.set(datetime(2026, 3, 7, 8, 0, tzinfo=UTC))
    for chat in (1, 2, 3, 4, 5):
        await engine.subscriptions.start(chat, chat, "private")  # 09:00 UTC, due today
    ts = int(datetime(2026, 3, 7, 9, 0, tzinfo=UTC).timestamp())
    assert engine.rows("SELECT count(*) FROM subscribers WHERE next_send_at = ?",
                       (ts,)) == [(5,)]
    await edit_rows(
        engine.storage,
        # 2: a tip already went out at 06:00 today (its time was moved afterwards)
        ("UPDATE subscribers SET last_daily_at = ? WHERE chat_id = 2", (ts - 3 * 3600,)),
        # 3: the same slot, but the row's time is 21:00
        ("UPDATE subscribers SET send_time = '21:00' WHERE chat_id = 3", ()),
        # 4: the same instant in Tokyo (18:00 there), time 09:00
        ("UPDATE subscribers SET timezone = 'Asia/Tokyo' WHERE chat_id = 4", ()),
        # 5: yesterday's tip went out as usual
        ("UPDATE subscribers SET last_daily_at = ? WHERE chat_id = 5", (ts - 86400,)))
    engine.clock.set(datetime(2026, 3, 7, 9, 0, 30, tzinfo=UTC))
    await engine.scheduler.tick()
    await engine.sender.drain_once()
    assert sorted(chat for chat, _at, _t in engine.transport.sends) == [1, 3, 4, 5]
    assert engine.rows("SELECT chat_id, status, shown(error, error_cause, error_detail) "
                       "FROM deliveries ORDER BY chat_id") == [
        (1, "sent", None), (2, "missed", "a tip already went out that local day"),
        (3, "sent", None), (4, "sent", None), (5, "sent", None)]
    following = {chat: datetime.fromtimestamp(at, UTC) for chat, at in engine.rows(
        "SELECT chat_id, next_send_at FROM subscribers")}
    assert following == {
        1: datetime(2026, 3, 8, 9, 0, tzinfo=UTC),
        2: datetime(2026, 3, 8, 9, 0, tzinfo=UTC),
        3: datetime(2026, 3, 8, 21, 0, tzinfo=UTC),
        4: datetime(2026, 3, 8, 0, 0, tzinfo=UTC),  # 09:00 in Tokyo on 8 March
        5: datetime(2026, 3, 8, 9, 0, tzinfo=UTC),
    }


async def test_one_row_planned_at_two_instants_gets_the_answer_of_each(engine):
    """Inside the grace window (3 hours) the slot gets a tip that expires at its end; asked
    again past it, the same row is a miss — nothing worked out for one instant is reused
    at another."""
    engine.clock.set(datetime(2026, 3, 7, 8, 0, tzinfo=UTC))
    await engine.subscriptions.start(1, 1, "private")  # 09:00 UTC
    early_at = datetime(2026, 3, 7, 9, 0, 30, tzinfo=UTC)
    (due,) = await engine.storage.outbox.due(early_at, 10)
    early = engine.scheduler.plan(due, early_at)
    late = engine.scheduler.plan(due, datetime(2026, 3, 7, 12, 0, 30, tzinfo=UTC))
    assert early.tip_id is not None
    assert early.expires_at == datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    assert early.next_send_at == datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
    assert late.tip_id is None
    assert late.reason == "offline_past_grace"
    assert shown_reason(late.reason) == (
        "bot was offline past the grace window or the end of that local day")
    assert late.next_send_at == datetime(2026, 3, 8, 9, 0, tzinfo=UTC)


def test_a_write_lasts_less_than_the_sender_may_run_with_outcomes_unwritten():
    """The sender stops once 32 outcomes are unwritten (its crash bound), and its flush
    waits while the tick writes: at 1,000 msg/s a tick's write must end within 32 ms, so
    at the ~50 µs a plan took to write on the bench's slowest host, at most 640 plans;
    at 25/s there are 1.28 s and a whole batch of 2,000 goes in one transaction."""
    from bot.delivery.scheduler import write_slice_for

    assert write_slice_for(1000, 32) <= 640
    assert write_slice_for(1000, 32) >= 250  # never so small that every write is a few rows
    assert write_slice_for(25, 32) == 2000
    assert write_slice_for(None, 32) == 2000
    assert write_slice_for(30_000, 32) == 250


async def test_the_same_day_written_in_small_or_whole_slices_stores_the_same_rows(
        database, second_database):
    """How many plans go into one transaction is a speed setting only: 300 chats over two
    days, written 7 at a time or a batch at a time, end with the same outbox and rows."""
    stored = []
    for write_slice, path in ((7, database), (2000, second_database)):
        clock = ManualClock(datetime(2026, 3, 6, 12, 0, 30, tzinfo=UTC))
        storage = await Storage.open(path)
        try:
            await storage.tips.sync(load_catalog(), clock.now())
            feed = TipFeed(storage, clock)
            await feed.refresh()
            engine = Engine(storage, path, clock, RecordingTransport(clock), feed)
            engine.scheduler = DailyScheduler(storage, feed, clock, batch_size=50,
                                              write_slice=write_slice)
            await _populate(engine, 300, seed=11)
            await engine.run_until(datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
                                   step=timedelta(minutes=15))
        finally:
            await storage.close()
        stored.append((
            stored_rows(path, "SELECT chat_id, kind, tip_id, local_date, status, due_at "
                              "FROM deliveries ORDER BY chat_id, due_at"),
            stored_rows(path, "SELECT chat_id, next_send_at, last_daily_at, cycle_seen, "
                              "rotation_cycle, last_topic FROM subscribers ORDER BY chat_id")))
    small, whole = stored
    assert len(small[0]) >= 300  # every chat got at least one daily row
    assert small == whole


# ------------------------------------------------- the tick and the sender on one loop

async def _due_at_nine(engine: Engine, chats) -> None:
    """`chats` subscribe before 09:00 UTC on 7 March for a 09:00 tip on every topic; the
    clock then stands at 09:00:30, where the tick finds them due."""
    engine.clock.set(NINE - timedelta(seconds=30))
    await add_subscribers(engine.storage,
        [NewSubscriber(c, time(9), "UTC", tuple(TOPICS), NINE) for c in chats],
        engine.clock.now())
    engine.clock.set(NINE + timedelta(seconds=30))


class ScriptedLagPacer(Pacer):
    """An unpaced pacer whose `lag` answers from a script: how late the waiting sends
    are is what the test decides."""

    def __init__(self, clock: ManualClock, lags: list[float]) -> None:
        super().__init__(None, monotonic=lambda: clock.now().timestamp())
        self.lags = lags
        self.asked = 0

    def lag(self) -> float:
        self.asked += 1
        return self.lags.pop(0) if self.lags else 0.0


class HeldTransport(RecordingTransport):
    """Every send waits until the test lets it answer: its row stays busy meanwhile."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.answer = asyncio.Event()
        self.waiting = asyncio.Event()

    async def send(self, chat_id, text, markup):
        self.waiting.set()
        await self.answer.wait()
        return await super().send(chat_id, text, markup)


async def test_the_tick_waits_for_late_paced_sends_at_most_50_ms_at_a_time(engine):
    """Between slices of planning the tick lets sends that fell behind their schedule go
    first: it sleeps while a send could have gone more than 2 ms ago, but never more than
    50 ms in one go (a tick is slowed, never stopped), and not at all when nothing is
    being sent."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0)

    pacer = ScriptedLagPacer(engine.clock, [1.0] * 1000)
    transport = HeldTransport(engine.clock)
    render = make_renderer(engine.feed, engine.storage, engine.clock)
    sender = Sender(engine.storage, transport, render, engine.clock, pacer, sleep=sleep)
    await sender.make_room()
    assert slept == [] and pacer.asked == 0  # nothing is being sent: no reason to wait

    await _due_at_nine(engine, [1])
    assert (await engine.scheduler.tick()).queued == 1
    drain = asyncio.create_task(sender.drain_once())
    await asyncio.wait_for(transport.waiting.wait(), 5)  # a send is under way

    await sender.make_room()  # always behind: bounded
    assert 0 < round(sum(slept), 6) <= 0.050
    slept.clear()
    pacer.lags[:] = [0.5, 0.5, 0.0]
    await sender.make_room()  # behind for two looks, then caught up
    assert len(slept) == 2
    slept.clear()
    pacer.lags[:] = [0.0015]
    await sender.make_room()  # within 2 ms: on time
    assert slept == []

    transport.answer.set()
    assert (await drain).sent == 1
    assert engine.rows("SELECT chat_id, status FROM deliveries") == [(1, "sent")]


async def test_the_tick_gives_the_sender_a_turn_at_least_every_250_plans(engine):
    """The sender shares the tick's event loop: 1,000 due at once, planned and written
    with a turn for the sender (make_room) after at most 250 plans each time."""
    await _due_at_nine(engine, range(1, 1001))
    planned = 0
    turns: list[int] = []

    async def make_room() -> None:
        turns.append(planned)

    scheduler = DailyScheduler(engine.storage, engine.feed, engine.clock,
                               write_slice=400, make_room=make_room)
    plan = scheduler.plan

    def counting_plan(due, now):
        nonlocal planned
        planned += 1
        return plan(due, now)

    scheduler.plan = counting_plan  # type: ignore[method-assign]
    assert (await scheduler.tick()).queued == 1000
    marks = [0, *turns, planned]
    assert planned == 1000
    assert max(b - a for a, b in pairwise(marks)) <= 250
    assert turns[-1] == 1000  # and after the last write, before the tick returns


def test_the_bot_as_built_makes_room_for_its_own_sender(bot):
    """attach_runtime hands the tick its sender's make_room, not a bare event-loop turn."""
    assert bot.runtime.scheduler._make_room == bot.runtime.sender.make_room


async def test_a_tick_over_several_batches_counts_everyone_and_wakes_the_sender_early(engine):
    """130 due at once, read 50 at a time and written 20 at a time: 100 inside the 3-hour
    grace window are queued, 30 whose slot passed 4 hours ago are recorded missed; the
    result counts all of them, and the sender is woken as soon as the first rows are in
    the outbox, not once the whole tick is done."""
    engine.clock.set(datetime(2026, 3, 7, 4, 59, 30, tzinfo=UTC))
    await add_subscribers(engine.storage,
        [NewSubscriber(c, time(9), "UTC", tuple(TOPICS), NINE) for c in range(1, 101)]
        + [NewSubscriber(c, time(5), "UTC", tuple(TOPICS), NINE - timedelta(hours=4))
           for c in range(101, 131)], engine.clock.now())
    outbox_at_wake: list[int] = []

    def wake() -> None:
        ((rows,),) = engine.rows("SELECT count(*) FROM deliveries")
        outbox_at_wake.append(rows)

    scheduler = DailyScheduler(engine.storage, engine.feed, engine.clock, batch_size=50,
                               write_slice=20, on_batch=wake)
    engine.clock.set(NINE + timedelta(seconds=30))
    result = await scheduler.tick()
    assert (result.due, result.queued, result.missed) == (130, 100, 30)
    assert dict(engine.rows("SELECT status, count(*) FROM deliveries GROUP BY status")) \
        == {"pending": 100, "missed": 30}
    assert 0 < outbox_at_wake[0] <= 20  # woken after the first write
    assert outbox_at_wake[-1] == 130


async def test_a_subscriber_whose_plan_fails_in_any_way_is_quarantined_and_the_rest_served(
        engine, caplog):
    """Whatever goes wrong while planning one row (here a RuntimeError from the tip
    choice), that chat is taken out of the schedule with the kind of error, by chat id,
    and everyone else due at that minute is queued."""
    await _due_at_nine(engine, (1, 2, 3))
    choose = engine.feed.choose

    def failing_for_chat_2(due, seen, excluded=frozenset()):
        if due.chat_id == 2:
            raise RuntimeError("the tip choice failed")
        return choose(due, seen, excluded)

    engine.feed.choose = failing_for_chat_2  # type: ignore[method-assign]
    result = await engine.scheduler.tick()
    assert result.queued == 2
    assert [c for (c,) in engine.rows("SELECT chat_id FROM deliveries ORDER BY chat_id")] \
        == [1, 3]
    assert engine.rows("SELECT status, inactive_reason, inactive_detail, "
                       "shown(inactive_reason, NULL, inactive_detail) FROM subscribers "
                       "WHERE chat_id = 2") \
        == [("stopped", "quarantined", "RuntimeError",
             "quarantined: unreadable row (RuntimeError)")]
    assert "subscriber 2 quarantined" in caplog.text
