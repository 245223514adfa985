"""A stateful property test of the daily tip: random /start, /stop, /subscribe, /pause,
/resume, /time, /timezone, restarts and clock moves across DST changes (Europe and
Nuuk's midnight jump on 2026-03-29, Sydney's fall-back on 2026-04-05).

The real SubscriptionService, DailyScheduler and Sender run on one SQLite file and a
manual clock; Telegram is a recording fake. Two promises are checked after every step:
- none gets two: of two daily tips to one chat, the earlier fell on an earlier local
  date in the zone the chat had at the later one;
- exactly one per local day: every local date that an active, unpaused subscriber spent
  entirely without changing anything (and whose end has passed) had exactly one tip.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from bot.app import make_renderer
from bot.clock import ManualClock
from bot.delivery import Sender, Sent
from bot.scheduler import DailyScheduler
from bot.storage import Storage
from bot.subscriptions import Defaults, NotSubscribed, SubscriptionService
from bot.timecalc import local_date, local_instant
from bot.tipfeed import TipFeed
from bot.zones import parse_zone, resolve_zone
from tests.helpers import virtual_pacer
from tips.catalog import load_catalog

CHATS = (1,)
ZONES = ("UTC", "Europe/Berlin", "America/Nuuk", "Australia/Sydney", "Asia/Kolkata",
         "America/New_York")
TIMES = (time(0, 0), time(2, 30), time(9, 0), time(23, 30))
START = datetime(2026, 3, 26, 7, 0, tzinfo=UTC)
CATALOG = load_catalog()


class Recorder:
    def __init__(self, clock: ManualClock, zone_of) -> None:
        self.clock = clock
        self.zone_of = zone_of
        self.sends: dict[int, list[tuple[datetime, str]]] = {c: [] for c in CHATS}

    async def send(self, chat_id, text, markup):
        self.sends[chat_id].append((self.clock.now(), self.zone_of(chat_id)))
        return Sent(1)


def _midnight(day: date, zone: str) -> datetime:
    return local_instant(day, time(0, 0), resolve_zone(zone))


class DailyTips(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = Path(tempfile.mkdtemp(prefix="magdaily-stateful-"))
        self.clock = ManualClock(START)
        self.zone: dict[int, str] = {}
        self.status: dict[int, str] = {}
        self.clean_since: dict[int, datetime | None] = {}
        self.up_since = START  # the last start after a downtime: no promise before it
        self.transport = Recorder(self.clock, lambda chat: self.zone.get(chat, "UTC"))
        self.storage: Storage | None = None
        self.run(self._open())

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    async def _open(self) -> None:
        self.storage = await Storage.open(self.folder / "bot.sqlite3")
        await self.storage.tips.sync(CATALOG, self.clock.now())
        feed = TipFeed(self.storage, self.clock)
        await feed.refresh()
        self.service = SubscriptionService(self.storage, self.clock, Defaults("UTC", time(9)))
        self.scheduler = DailyScheduler(self.storage, feed, self.clock)
        self.sender = Sender(self.storage, self.transport, make_renderer(feed), self.clock,
                             virtual_pacer(self.clock, None))

    def teardown(self) -> None:
        if self.storage is not None:
            self.run(self.storage.close())
        self.loop.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -------------------------------------------------------------- the model

    def _after(self, chat: int, subscriber) -> None:
        """Record what a command left: the status, the zone, since when days count."""
        self.status[chat] = subscriber.status
        self.zone[chat] = subscriber.timezone
        if subscriber.status == "active":
            self.clean_since[chat] = self.clock.now()
        elif subscriber.status == "paused" and subscriber.paused_until is not None:
            self.clean_since[chat] = max(
                _midnight(subscriber.paused_until, subscriber.timezone), self.up_since)
        else:
            self.clean_since[chat] = None

    # -------------------------------------------------------------- commands

    @initialize()
    def first_start(self):
        for chat in CHATS:
            self._after(chat, self.run(self.service.start(chat, chat, "private")).subscriber)

    @rule(chat=st.sampled_from(CHATS), command=st.sampled_from(("start", "subscribe")))
    def start(self, chat, command):
        before = self.status.get(chat)
        result = self.run(self.service.start(chat, chat, "private"))
        if before != "active":
            self._after(chat, result.subscriber)

    @precondition(lambda self: self.status)
    @rule(chat=st.sampled_from(CHATS))
    def stop(self, chat):
        if chat in self.status:
            self._after(chat, self.run(self.service.stop(chat)))

    @precondition(lambda self: self.status)
    @rule(chat=st.sampled_from(CHATS), days=st.integers(1, 3))
    def pause(self, chat, days):
        if chat in self.status:
            paused = self.run(self.service.pause(chat, days))
            if paused is not None:
                self._after(chat, paused)

    @precondition(lambda self: self.status)
    @rule(chat=st.sampled_from(CHATS))
    def resume(self, chat):
        if chat in self.status:
            resumed = self.run(self.service.resume(chat))
            if resumed is not None:
                self._after(chat, resumed)

    @precondition(lambda self: self.status)
    @rule(chat=st.sampled_from(CHATS), at=st.sampled_from(TIMES))
    def set_time(self, chat, at):
        try:
            changed = self.run(self.service.set_time(chat, at))
        except NotSubscribed:
            return
        self._after(chat, changed)

    @precondition(lambda self: self.status)
    @rule(chat=st.sampled_from(CHATS), zone=st.sampled_from(ZONES))
    def set_timezone(self, chat, zone):
        try:
            changed = self.run(self.service.set_timezone(chat, parse_zone(zone)))
        except NotSubscribed:
            return
        self._after(chat, changed)

    @precondition(lambda self: self.status)
    @rule(chat=st.sampled_from(CHATS), days=st.integers(1, 3),
          change=st.one_of(st.sampled_from(TIMES), st.sampled_from(ZONES)))
    def pause_then_reschedule(self, chat, days, change):
        """A pause followed by a new time or zone: the pause must still end (issue 10)."""
        self.pause(chat, days)
        if isinstance(change, time):
            self.set_time(chat, change)
        else:
            self.set_timezone(chat, change)

    @rule(hours=st.integers(1, 60))
    def downtime(self, hours):
        """The process is down for a while (no tick, no sender), then starts again.

        Days from the restart on must each get their tip; nothing queued before the
        outage may arrive late on top of a day's own tip (the none-gets-two promise).
        """
        assert self.storage is not None
        self.sender.stop()
        self.run(self.storage.close())
        self.storage = None
        self.clock.set(self.clock.now() + timedelta(hours=hours))
        self.up_since = self.clock.now()
        self.run(self._open())
        for chat, since in self.clean_since.items():
            if since is not None:
                self.clean_since[chat] = max(since, self.clock.now())

    @rule()
    def restart(self):
        assert self.storage is not None
        self.sender.stop()
        self.run(self.storage.close())
        self.storage = None
        self.run(self._open())

    @rule(minutes=st.integers(1, 60 * 36))
    def clock_moves(self, minutes):
        """Time passes with the bot running: a tick at every due instant, then the end."""
        end = self.clock.now() + timedelta(minutes=minutes)
        self.run(self._run_until(end))

    @rule(days=st.integers(1, 4))
    def days_pass(self, days):
        self.run(self._run_until(self.clock.now() + timedelta(days=days)))

    async def _run_until(self, end: datetime) -> None:
        for _ in range(1_000):
            due = await self.storage.outbox.due(self.clock.now() + timedelta(days=30), 10)
            upcoming = [d.next_send_at for d in due if d.next_send_at]
            pending = await self.storage.outbox.next_pending_due()
            if pending is not None:
                upcoming.append(pending)
            step = min([u for u in upcoming if u <= end], default=end)
            self.clock.set(max(self.clock.now(), step))
            await self.scheduler.tick()
            await self.sender.drain_once()
            if self.clock.now() >= end:
                break
        # The tick also turns a finished pause into "active" by itself.
        for chat in list(self.status):
            stored = await self.storage.subscribers.get(chat)
            self.status[chat] = stored.status

    # -------------------------------------------------------------- promises

    @invariant()
    def none_gets_two_tips_on_one_local_day(self):
        for chat, sends in self.transport.sends.items():
            for (first, _z1), (later, zone) in itertools.pairwise(sends):
                tz = resolve_zone(zone)
                assert local_date(first, tz) < local_date(later, tz), (chat, sends)

    @invariant()
    def every_clean_local_day_has_exactly_one_tip(self):
        now = self.clock.now()
        for chat, since in self.clean_since.items():
            if since is None:
                continue
            zone = self.zone[chat]
            tz = resolve_zone(zone)
            days = [local_date(at, tz) for at, z in self.transport.sends[chat] if z == zone]
            day = local_date(since, tz)
            if _midnight(day, zone) < since:
                day += timedelta(days=1)  # only whole days count
            while _midnight(day + timedelta(days=1), zone) <= now:
                assert days.count(day) == 1, (chat, zone, day, self.transport.sends[chat])
                day += timedelta(days=1)


DailyTips.TestCase.settings = settings(
    max_examples=80, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_daily_tips_one_per_local_day = DailyTips.TestCase
