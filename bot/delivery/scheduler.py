"""The daily tick: find due subscribers, pick their tips, queue them in the outbox.

One periodic job, not one job per subscriber: due subscribers come from an indexed
`next_send_at` column, so the tick's cost follows how many are due, not how many exist,
and nothing is lost when the process restarts. A slot more than the grace window in the
past (the bot was down) is recorded as missed and the subscriber moves to the first slot
still inside the window (today's, after a long downtime) or the next day's. A queued tip
expires at the end of its grace window (the sender then records it missed), so no tip
is ever sent late or onto the next local day.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from bot.core.clock import Clock
from bot.core.reasons import Reason
from bot.core.timecalc import local_date, local_instant, next_send
from bot.core.zones import resolve_zone
from bot.services.tipfeed import TipFeed
from bot.storage import DailyPlan, DueSubscriber, Storage

log = logging.getLogger(__name__)
_PLAN_SLICE = 250  # a few ms of planning between two chances for the sender to run
# Plans are written in transactions of a size fitted to the send rate. Each
# subscriber's rows are in one transaction (that is all a crash needs: an unwritten
# subscriber is still due), and while a write holds the lock the sender's outcome flush
# waits; the sender stops once `flush_size` (32) outcomes are unwritten (its crash bound).
# So one write should end before 32 messages have gone out: 32 ms at 1,000 msg/s, 1.3 s
# at 25/s. Fewer, larger transactions are cheaper per plan (bench/README.md: 1,000 plans
# per write ticked 8 % faster than 500); a plan took up to ~50 µs to write on the slowest
# host the bench ran on.
_WRITE_COST = 50e-6  # seconds per plan written, on a slow host (bench/README.md)
_SMALLEST_WRITE = 250


def write_slice_for(rate_per_second: float | None, flush_size: int,
                    batch_size: int = 2000) -> int:
    """Plans per write transaction at this send rate (None: no limit configured), for a
    sender that stops at `flush_size` unwritten outcomes (Sender.flush_size)."""
    if not rate_per_second:
        return batch_size
    fits = int(flush_size / rate_per_second / _WRITE_COST)
    return max(_SMALLEST_WRITE, min(batch_size, fits))


# Everyone due in one minute in one zone has the same send time (the slot is
# that time's next instant there), so the calendar half of a plan (local date, deadline,
# next slot, late or already done) is worked out once per (zone, send time, slot, last
# tip) within a tick rather than once per subscriber. Kept for one `now` only.
_FACTS_KEPT = 4096


async def _next_turn() -> None:
    """Without a sender to make room for: one turn of the event loop for everyone else."""
    await asyncio.sleep(0)


class _SlotFacts(NamedTuple):
    day: date
    slot: datetime
    deadline: datetime
    following: datetime
    reason: Reason | None  # missed, and why; None: a tip goes out


@dataclass(frozen=True, slots=True)
class TickResult:
    queued: int
    missed: int
    due: int


class DailyScheduler:
    def __init__(self, storage: Storage, feed: TipFeed, clock: Clock, *,
                 grace: timedelta = timedelta(hours=3), batch_size: int = 2000,
                 write_slice: int | None = None,
                 on_batch: Callable[[], None] = lambda: None,
                 make_room: Callable[[], Awaitable[None]] = _next_turn) -> None:
        self._on_batch = on_batch  # wakes the sender per batch, not after a 100k tick
        self._make_room = make_room  # between slices: the sender's turn
        self._storage = storage
        self._feed = feed
        self._clock = clock
        self._grace = grace
        self._batch_size = batch_size
        self._write_slice = write_slice or batch_size
        self._facts: dict[tuple[object, ...], _SlotFacts] = {}
        self._facts_now: datetime | None = None

    def plan(self, due: DueSubscriber, now: datetime) -> DailyPlan:
        """Decide one due subscriber's slot: which tip, or missed; and the next instant.

        A slot past the grace window is recorded as missed; the next instant is then the
        first slot not yet past the grace window, which may already be due (the bot was
        down for more than a day and today's slot is still inside the window): the tick
        picks the subscriber up again at once and today's tip goes out.
        """
        key = (due.timezone, due.send_time, due.next_send_at, due.last_daily_at)
        if now is not self._facts_now:
            self._facts.clear()
            self._facts_now = now
        facts = self._facts.get(key)
        if facts is None:
            facts = self._slot_facts(due, now)
            if len(self._facts) < _FACTS_KEPT:
                self._facts[key] = facts
        day, slot, deadline, following, reason = facts
        chosen = (None if reason is not None
                  else self._feed.choose(due, due.seen, due.disliked))
        if chosen is None:
            return DailyPlan(due.chat_id, day, slot, following, None,
                             due.rotation_cycle, None,
                             reason=reason or Reason.NO_TIP, resume=due.resume)
        pick, cycle = chosen
        return DailyPlan(due.chat_id, day, slot, following, pick.tip.id, cycle,
                         pick.tip.topic, expires_at=deadline, resume=due.resume)

    def _slot_facts(self, due: DueSubscriber, now: datetime) -> _SlotFacts:
        """The calendar side of a plan: the same for every subscriber due with the same
        zone, send time, slot and last tip at the same `now`."""
        tz = resolve_zone(due.timezone)
        slot = due.next_send_at or now
        day = local_date(slot, tz)
        # The grace window ends early at the end of the slot's local day: a 23:30 tip that
        # could only go out after midnight would be a second tip on the next local day.
        deadline = min(slot + self._grace,
                       local_instant(day + timedelta(days=1), time(0, 0), tz))
        late = now >= deadline
        following, _ = next_send(due.send_time, tz, now - self._grace if late else now,
                                 last_sent=slot)
        already_done = (due.last_daily_at is not None
                        and day <= local_date(due.last_daily_at, tz))
        reason = (Reason.OFFLINE_PAST_GRACE if late
                  else Reason.ALREADY_SENT_THAT_DAY if already_done else None)
        return _SlotFacts(day, slot, deadline, following, reason)

    async def tick(self) -> TickResult:
        """Queue every due subscriber's tip; returns what was queued and missed.

        A subscriber whose row cannot be planned (an unreadable zone, say) is quarantined
        and logged by chat id; the tick goes on for everyone else.
        """
        now = self._clock.now()
        queued = missed = due_total = 0
        for _ in range(10_000):  # bounded; each round advances every row it read
            due = await self._storage.outbox.due(now, self._batch_size)
            if not due:
                break
            for start in range(0, len(due), self._write_slice):
                part = due[start:start + self._write_slice]
                plans: list[DailyPlan] = []
                broken: list[tuple[int, str]] = []
                for index, item in enumerate(part):
                    if index and index % _PLAN_SLICE == 0:  # let the sender run
                        await self._make_room()
                    try:
                        plans.append(self.plan(item, now))
                    except Exception as exc:  # one bad row must not stop the tick
                        broken.append((item.chat_id, type(exc).__name__))
                if broken:
                    await self._storage.subscribers.quarantine(broken, now)
                queued += await self._storage.outbox.apply_daily_plans(plans, now)
                self._on_batch()
                await self._make_room()  # the sender's flush and refill go next
                missed += sum(1 for p in plans if p.tip_id is None)
            due_total += len(due)
        if due_total:
            log.info("tick due=%d queued=%d missed=%d", due_total, queued, missed)
        return TickResult(queued, missed, due_total)
