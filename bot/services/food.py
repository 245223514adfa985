"""The food log as a service: one serving of a /foods row on the person's local day, Undo
of that one entry, and the week's rough magnesium estimate from what was logged.

Speaks in chat ids, food codes and plain results; knows nothing of Telegram. Decisions:
- The day an entry counts for is the person's local date in their zone at the moment it
  is logged (DST changes the hour, never which day it is).
- An entry stores the food's code and the magnesium of one serving as the table gives it
  at that moment: the past is not rewritten when the table changes.
- Undo names one entry by id and removes only that entry, only in the asking chat.
- The weekly estimate compares the logged magnesium with the person's /need figure for
  seven days, or with the adult figure (the 420 mg Daily Value the /foods table uses) when
  they have none; it is an estimate from what was logged, not from everything eaten.
- Like the diary, the log needs a subscriber row (everything cascades from it on /forget).
- Nothing here logs anything: the food log is health data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.clock import Clock
from bot.core.timecalc import local_date
from bot.core.zones import zone_or_utc
from bot.storage import Storage
from tips.foods import Food


@dataclass(frozen=True, slots=True)
class NoFoodLog:
    """The chat has no subscriber row: the food log needs /start first."""


NO_FOOD_LOG = NoFoodLog()


@dataclass(frozen=True, slots=True)
class FoodLogged:
    """One serving just logged: which food, its magnesium, and the id its Undo names."""

    entry_id: int
    food: str
    mg: int


@dataclass(frozen=True, slots=True)
class FoodUndone:
    """The answer to an Undo: the food code removed, or None when nothing was there."""

    food: str | None


@dataclass(frozen=True, slots=True)
class FoodWeek:
    """The weekly picture's estimate: the logged servings and their magnesium against a
    figure for seven days; `own_need` says whether the figure is the person's /need."""

    servings: int
    mg: int
    need_mg: int  # per day
    own_need: bool


class FoodLogService:
    def __init__(self, storage: Storage, clock: Clock, adult_need_mg: int) -> None:
        self._storage = storage
        self._clock = clock
        self._adult_need_mg = adult_need_mg

    async def log(self, chat_id: int, food: Food) -> FoodLogged | NoFoodLog:
        """One serving of `food` on the person's local today."""
        subscriber = await self._storage.subscribers.get(chat_id)
        if subscriber is None:
            return NO_FOOD_LOG
        zone = zone_or_utc(subscriber.timezone)
        now = self._clock.now()
        entry_id = await self._storage.food.add(chat_id, local_date(now, zone), food.name,
                                                food.mg, now)
        if entry_id is None:
            return NO_FOOD_LOG
        return FoodLogged(entry_id, food.name, food.mg)

    async def undo(self, chat_id: int, entry_id: int) -> FoodUndone:
        """Remove that one entry if it is still there."""
        entry = await self._storage.food.entry(chat_id, entry_id)
        if entry is None or not await self._storage.food.remove(chat_id, entry_id):
            return FoodUndone(None)
        return FoodUndone(entry.food)

    async def week(self, chat_id: int, first: date, today: date) -> FoodWeek | None:
        """The estimate for the local dates first..today; None when nothing was logged."""
        servings, mg = await self._storage.food.total(chat_id, first, today)
        if not servings:
            return None
        subscriber = await self._storage.subscribers.get(chat_id)
        own = subscriber.need_mg if subscriber is not None else None
        return FoodWeek(servings, mg, own or self._adult_need_mg, own is not None)

    async def count(self, chat_id: int) -> int:
        return await self._storage.food.count(chat_id)

    async def people_keeping(self) -> int:
        """How many people keep a food log: all /stats may show."""
        return await self._storage.food.people_keeping()

