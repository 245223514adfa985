"""The water log as a service: one glass at a time on the person's local day, Undo of that
one glass, and the person's own glass size and daily target.

Speaks in chat ids and plain results; knows nothing of Telegram. Decisions:
- The day a glass counts for is the person's local date in their zone at the moment it
  is logged (DST changes the hour, never which day it is).
- Undo names one glass by id and removes only that glass, only in the asking chat: a
  second press finds it gone, and an Undo from yesterday's message names yesterday's
  glass, never today's.
- Glass sizes are fixed choices (200, 250, 300 ml or a US cup of 8 fl oz, about 240 ml);
  the target is a number of glasses the person picks, or none. No formula from weight:
  such targets are ones people do not reach, and the right amount depends on thirst,
  weather, activity and health, which a bot cannot see.
- Like the diary, the log needs a subscriber row (everything cascades from it on /forget).
- The afternoon nudge is off until the person turns it on; "hot day / training" turns
  it on for that one local day (stored as a fact per chat and date, pressing it twice
  changes nothing). When it comes is bot.diary.prompts.nudge_window's rule, whether it
  comes is the prompt scheduler's (a dry day, the daily cap, tips on).
- Nothing here logs anything: the water log is health data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, tzinfo

from bot.core.clock import Clock
from bot.core.timecalc import local_date, local_instant
from bot.core.zones import zone_or_utc
from bot.diary.prompts import (
    PromptKind,
    day_plan,
    enabled_kinds,
    next_slot,
    nudge_crowded_out,
    nudge_window,
    receives_prompts,
)
from bot.storage import Storage
from bot.storage.models import Subscriber, WaterSettings

# glass size code -> millilitres; 'cup' is a US cup of 8 fl oz (236.6 ml), about 240 ml
GLASS_ML: dict[str, int] = {"ml200": 200, "ml250": 250, "ml300": 300, "cup": 240}
DEFAULT_GLASS = "ml250"
TARGETS: tuple[int, ...] = (6, 7, 8, 9, 10)  # glasses a day offered; or none


@dataclass(frozen=True, slots=True)
class NoWaterLog:
    """The chat has no subscriber row: the water log needs /start first."""


NO_WATER_LOG = NoWaterLog()


@dataclass(frozen=True, slots=True)
class WaterDay:
    """One local day's count as the person sees it."""

    day: date
    glasses: int
    ml: int
    glass: str  # the glass size code now (how the count is shown)
    target: int | None
    glass_id: int | None = None  # the glass just logged (its Undo), if any
    undone: date | None = None  # the day an Undo just removed a glass from
    nudge: bool = False  # the afternoon nudge is on
    nudge_at: time = time(15, 0)  # when it comes, given the person's stretch time
    nudge_room: bool = True  # False: tip, check-in and stretch leave it no place in a day


@dataclass(frozen=True, slots=True)
class HotDay:
    """A hot or training day recorded for `day`; `nudge_at` is when that day's nudge comes
    (local, aware) if no glass is logged by then, or None when none can come any more
    (its time has passed, tips are off, or the day's three messages are taken)."""

    day: date
    nudge_at: datetime | None


@dataclass(frozen=True, slots=True)
class WaterCounts:
    """What /mydata lists: a count and the settings, never the glasses themselves."""

    glasses: int
    settings: WaterSettings | None
    hot_days: int = 0


class WaterService:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def _zone(self, chat_id: int) -> tzinfo | None:
        subscriber = await self._storage.subscribers.get(chat_id)
        if subscriber is None:
            return None
        return zone_or_utc(subscriber.timezone)

    async def _nudge_at(self, chat_id: int) -> time:
        """Today's nudge time for this person: it keeps clear of their stretch time."""
        diary = await self._storage.diary.settings(chat_id)
        return nudge_window(diary.stretch_time if diary else None)[0]

    async def _day(self, chat_id: int, day: date, *, glass_id: int | None = None,
                   ) -> WaterDay:
        settings = await self._storage.water.settings(chat_id)
        glasses, ml = await self._storage.water.day_total(chat_id, day)
        diary = await self._storage.diary.settings(chat_id)
        checkin, stretch = (diary.checkin_time, diary.stretch_time) if diary else (None, None)
        return WaterDay(day, glasses, ml, settings.glass if settings else DEFAULT_GLASS,
                        settings.target if settings else None, glass_id,
                        nudge=bool(settings and settings.nudge),
                        nudge_at=nudge_window(stretch)[0],
                        nudge_room=not nudge_crowded_out(checkin, stretch))

    async def log_glass(self, chat_id: int) -> WaterDay | NoWaterLog:
        """One glass of the current size on the person's local today."""
        zone = await self._zone(chat_id)
        if zone is None:
            return NO_WATER_LOG
        now = self._clock.now()
        today = local_date(now, zone)
        settings = await self._storage.water.settings(chat_id)
        ml = GLASS_ML[settings.glass if settings else DEFAULT_GLASS]
        glass_id = await self._storage.water.add_glass(chat_id, today, ml, now)
        if glass_id is None:
            return NO_WATER_LOG
        return await self._day(chat_id, today, glass_id=glass_id)

    async def undo(self, chat_id: int, glass_id: int) -> WaterDay | NoWaterLog:
        """Remove that one glass if it is still there; today's count after it, with the
        day the glass was removed from (`undone`), or None if nothing was removed."""
        zone = await self._zone(chat_id)
        if zone is None:
            return NO_WATER_LOG
        glass = await self._storage.water.glass(chat_id, glass_id)
        removed = glass is not None and await self._storage.water.remove_glass(
            chat_id, glass_id)
        today = await self._day(chat_id, local_date(self._clock.now(), zone))
        return replace(today, undone=glass.local_date if glass and removed else None)

    async def today(self, chat_id: int) -> WaterDay | NoWaterLog:
        zone = await self._zone(chat_id)
        if zone is None:
            return NO_WATER_LOG
        return await self._day(chat_id, local_date(self._clock.now(), zone))

    async def set_glass(self, chat_id: int, glass: str) -> WaterDay | NoWaterLog | None:
        """Store a glass size; None for a code that is no choice (a forged button)."""
        if glass not in GLASS_ML:
            return None
        if not await self._storage.water.set_glass(chat_id, glass, self._clock.now()):
            return NO_WATER_LOG
        return await self.today(chat_id)

    async def set_target(self, chat_id: int, target: int | None,
                         ) -> WaterDay | NoWaterLog | None:
        """Store a daily target in glasses, or none; None for a number that is no choice."""
        if target is not None and target not in TARGETS:
            return None
        if not await self._storage.water.set_target(chat_id, target, self._clock.now()):
            return NO_WATER_LOG
        return await self.today(chat_id)

    async def set_nudge(self, chat_id: int, on: bool) -> WaterDay | NoWaterLog:
        """Turn the afternoon nudge on (from its next slot) or off (a hot day today keeps
        today's)."""
        subscriber = await self._storage.subscribers.get(chat_id)
        if subscriber is None:
            return NO_WATER_LOG
        tz, now = zone_or_utc(subscriber.timezone), self._clock.now()
        at = await self._nudge_at(chat_id)
        today = local_date(now, tz)
        if on:
            next_at: datetime | None = next_slot(PromptKind.NUDGE, at, tz, now)[0]
        else:
            start = local_instant(today, at, tz)
            hot = await self._storage.water.is_hot(chat_id, today)
            next_at = start if hot and start > now else None
        if not await self._storage.water.set_nudge(chat_id, on, next_at, now):
            return NO_WATER_LOG
        return await self._day(chat_id, today)

    async def hot_day(self, chat_id: int) -> HotDay | NoWaterLog:
        """Record today as a hot or training day, which turns today's nudge on."""
        subscriber = await self._storage.subscribers.get(chat_id)
        if subscriber is None:
            return NO_WATER_LOG
        tz, now = zone_or_utc(subscriber.timezone), self._clock.now()
        today = local_date(now, tz)
        start = local_instant(today, await self._nudge_at(chat_id), tz)
        slot = start if start > now else None
        if not await self._storage.water.add_hot_day(chat_id, today, slot, now):
            return NO_WATER_LOG
        comes = slot is not None and await self._nudge_has_room(subscriber, today)
        return HotDay(today, start.astimezone(tz) if comes else None)

    async def _nudge_has_room(self, subscriber: Subscriber, day: date) -> bool:
        """Whether a nudge on `day` would be sent as things stand: tips on, and a place in
        the day's plan (the prompt scheduler checks again, with what is queued then)."""
        if not receives_prompts(subscriber.status, subscriber.chat_type,
                                subscriber.paused_until, day):
            return False
        diary = await self._storage.diary.settings(subscriber.chat_id)
        enabled = enabled_kinds(True, diary.checkin_time, diary.stretch_time,
                                diary.weekly_enabled) if diary else {PromptKind.DAILY_TIP}
        return PromptKind.NUDGE in day_plan(enabled | {PromptKind.NUDGE}, day)

    async def counts(self, chat_id: int) -> WaterCounts:
        return WaterCounts(await self._storage.water.glass_count(chat_id),
                           await self._storage.water.settings(chat_id),
                           len(await self._storage.water.hot_days(chat_id)))

    async def people_keeping(self) -> int:
        """How many people keep a water log: all /stats may show."""
        return await self._storage.water.people_keeping()
