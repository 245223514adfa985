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

The afternoon water nudge rides the same tick, outbox and cap, last in priority. It is
planned at its slot (bot.diary.prompts.nudge_window: 15:00 local, earlier or later to keep
three hours clear of the stretch and of 22:00) and queued only on a dry day: no glass on
the person's local date so far (the same day /water counts, so a nudge never contradicts
the count the person sees), read for the whole batch in one statement. A glass logged
after that cancels the pending nudge (bot.storage.water.add_glass). It is on by the
setting, or for one day by "hot day / training"; it may go out until its window ends
(expires_at), never later.

It also runs the diary's retention sweep, once per UTC day per process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from bot.core.clock import Clock
from bot.core.timecalc import local_instant
from bot.core.zones import resolve_zone, zone_or_utc
from bot.diary.prompts import (
    DEFAULT_GRACE,
    Decision,
    PromptKind,
    decide,
    enabled_kinds,
    next_slot,
    nudge_window,
    receives_prompts,
    slot_date,
    within_daily_cap,
)
from bot.services.diary import DiaryService
from bot.storage import Storage
from bot.storage.models import DueNudge, DuePrompt, NudgeDay, PromptPlan, PromptTimes

LATER_KIND = "later"  # a "⏰ Later" counts in the cap, though no prompt of its own

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PromptTickResult:
    due: int
    queued: int
    swept: int


def _enabled(status: str, prompts: PromptTimes | None) -> set[PromptKind]:
    """The scheduled kinds a person has on, for the day's plan (the nudge aside)."""
    if prompts is None:
        return enabled_kinds(status in ("active", "paused"), None, None, False)
    return enabled_kinds(status in ("active", "paused"), prompts.checkin_time,
                         prompts.stretch_time, prompts.weekly_enabled)


def _room(kind: PromptKind, enabled: set[PromptKind], day: date,
          queued: Collection[str]) -> bool:
    """Whether `kind` keeps its place in the day's cap, given what is queued or sent."""
    already = {PromptKind(k) for k in queued if k != LATER_KIND}
    return within_daily_cap(kind, enabled, day, already, others=int(LATER_KIND in queued))


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
        enabled = _enabled(subscriber.status, PromptTimes(
            settings.checkin_time, settings.stretch_time, settings.weekly_enabled))
        queued = await self._storage.diary.kinds_on(subscriber.chat_id, day)
        if not _room(kind, enabled, day, queued):
            return skip
        return PromptPlan(subscriber.chat_id, kind.value, day, due.slot, following,
                          "pending")

    def plan_nudge(self, due: DueNudge, facts: NudgeDay | None, now: datetime
                   ) -> PromptPlan:
        """One due water nudge: queue it on a dry day inside its window, record it
        missed when too late, or skip it; and its next slot (none while the setting is
        off: a hot day plans its own)."""
        chat_id, prompts, kind = due.chat_id, due.prompts, PromptKind.NUDGE.value
        tz = zone_or_utc(due.timezone)
        planned, latest = nudge_window(prompts.stretch_time if prompts else None)
        day = slot_date(due.slot, tz)
        start, end = local_instant(day, planned, tz), local_instant(day, latest, tz)
        if now < start:  # the window moved later (a new stretch time or zone): wait for it
            return PromptPlan(chat_id, kind, day, due.slot, start, None)
        following = next_slot(PromptKind.NUDGE, planned, tz, now, last_sent=due.slot)[0] \
            if due.enabled else None
        skip = PromptPlan(chat_id, kind, day, due.slot, following, None)
        facts = facts or NudgeDay(False, False, frozenset())
        if not (due.enabled or facts.hot) or facts.glass:
            return skip
        if not receives_prompts(due.status, due.chat_type, due.paused_until, day):
            return skip
        if now > end or now - due.slot > self._grace:
            return PromptPlan(chat_id, kind, day, due.slot, following, "missed")
        enabled = _enabled(due.status, prompts) | {PromptKind.NUDGE}
        if not _room(PromptKind.NUDGE, enabled, day, facts.kinds):
            return skip
        return PromptPlan(chat_id, kind, day, due.slot, following, "pending", expires_at=end)

    async def _nudge_tick(self, now: datetime) -> tuple[int, int]:
        """Every due water nudge, a batch at a time: (due, queued)."""
        due_total = queued = 0
        for _ in range(10_000):  # bounded; each round moves every row it read forward
            due = await self._storage.water.due_nudges(now, self._batch_size)
            if not due:
                break
            days = [(item.chat_id, slot_date(item.slot, zone_or_utc(item.timezone)))
                    for item in due]
            facts = await self._storage.water.nudge_days(days)
            plans = [self.plan_nudge(item, facts.get(item.chat_id), now) for item in due]
            queued += await self._storage.diary.apply_prompt_plans(plans, now)
            self._on_batch()
            due_total += len(due)
            if len(due) < self._batch_size:
                break
        return due_total, queued

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
        nudges_due, nudges_queued = await self._nudge_tick(now)
        due_total += nudges_due
        queued += nudges_queued
        swept = 0
        if self._swept_on != now.date():
            swept = await self._diary.sweep()
            self._swept_on = now.date()
        if due_total or swept:
            log.info("prompt tick due=%d queued=%d retention_deleted=%d",
                     due_total, queued, swept)
        return PromptTickResult(due_total, queued, swept)
