"""The diary's prompts on the tick: morning check-ins, evening stretches, weekly pictures.

Runs from the same periodic job as the daily tip (bot.app.tick_job), after it, and queues
through the same outbox, sender and pacer. The rules are bot.diary.prompts':
- opt-in (a check-in or stretch with no time is off; the weekly picture can be turned
  off), private chats only, and only while tips are on (/pause and /stop silence them);
- one slot per local date, computed with the daily tip's DST arithmetic;
- a prompt late past the grace window, or late into quiet hours (22:00-07:00) the person
  did not choose, is recorded as missed instead of sent;
- at most three scheduled messages per person and local date, the daily tip included,
  by the fixed priority daily tip > check-in > weekly > stretch;
- the unique (chat, kind, local date) index makes a crash or a replayed tick a no-op.
Only the facts are queued (kind, chat, local date): every prompt, the weekly picture with
its numbers too, is worded when it is sent (bot.ui.outbox).

It also runs the diary's retention sweep, once per UTC day per process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from bot.core.clock import Clock
from bot.core.zones import resolve_zone
from bot.diary.prompts import (
    DEFAULT_GRACE,
    Decision,
    PromptKind,
    decide,
    next_slot,
    receives_prompts,
    slot_date,
    within_daily_cap,
)
from bot.services.diary import DiaryService
from bot.storage import Storage
from bot.storage.models import DuePrompt, PromptPlan

LATER_KIND = "later"  # a "⏰ Later" counts in the cap, though no prompt of its own

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PromptTickResult:
    due: int
    queued: int
    swept: int


class PromptScheduler:
    def __init__(self, storage: Storage, diary: DiaryService, clock: Clock, *,
                 grace: timedelta = DEFAULT_GRACE, batch_size: int = 2000,
                 on_batch: Callable[[], None] = lambda: None) -> None:
        self._storage = storage
        self._diary = diary
        self._clock = clock
        self._grace = grace
        self._batch_size = batch_size
        self._on_batch = on_batch
        self._swept_on: date | None = None

    async def plan(self, due: DuePrompt, now: datetime) -> PromptPlan:
        """One due prompt: queue it, record it missed, or skip it; and its next slot."""
        kind = PromptKind(due.kind)
        subscriber, settings = due.subscriber, due.settings
        try:
            tz: tzinfo = resolve_zone(subscriber.timezone)
        except ValueError:
            tz = UTC
        day = slot_date(due.slot, tz)
        chosen = {PromptKind.CHECK_IN: settings.checkin_time,
                  PromptKind.STRETCH: settings.stretch_time,
                  PromptKind.WEEKLY: subscriber.send_time if settings.weekly_enabled
                  else None}[kind]
        if chosen is None:  # turned off since the slot was set
            return PromptPlan(subscriber.chat_id, kind.value, day, due.slot, None, None)
        following, _ = next_slot(kind, chosen, tz, now, last_sent=due.slot)
        skip = PromptPlan(subscriber.chat_id, kind.value, day, due.slot, following, None)
        if not receives_prompts(subscriber.status, subscriber.chat_type,
                                subscriber.paused_until, day):
            return skip
        if decide(due.slot, chosen, now, tz, self._grace) is not Decision.SEND:
            return PromptPlan(subscriber.chat_id, kind.value, day, due.slot, following,
                              "missed")
        enabled = {PromptKind.DAILY_TIP} if subscriber.status in ("active", "paused") \
            else set()
        if settings.checkin_time is not None:
            enabled.add(PromptKind.CHECK_IN)
        if settings.stretch_time is not None:
            enabled.add(PromptKind.STRETCH)
        if settings.weekly_enabled:
            enabled.add(PromptKind.WEEKLY)
        queued = await self._storage.diary.kinds_on(subscriber.chat_id, day)
        already = {PromptKind(k) for k in queued if k != LATER_KIND}
        if not within_daily_cap(kind, enabled, day, already,
                                others=int(LATER_KIND in queued)):
            return skip
        return PromptPlan(subscriber.chat_id, kind.value, day, due.slot, following,
                          "pending")

    async def tick(self) -> PromptTickResult:
        now = self._clock.now()
        due_total = queued = 0
        for _ in range(10_000):  # bounded; each round moves every row it read forward
            due = await self._storage.diary.due_prompts(now, self._batch_size)
            if not due:
                break
            plans = [await self.plan(item, now) for item in due]
            queued += await self._storage.diary.apply_prompt_plans(plans, now)
            self._on_batch()
            due_total += len(due)
            if len(due) < self._batch_size:
                break
        swept = 0
        if self._swept_on != now.date():
            swept = await self._diary.sweep()
            self._swept_on = now.date()
        if due_total or swept:
            log.info("prompt tick due=%d queued=%d retention_deleted=%d",
                     due_total, queued, swept)
        return PromptTickResult(due_total, queued, swept)
