""""⏰ Later": one message (a tip, or the evening stretch) sent again once, when asked.

Speaks in chat ids and plain results; knows nothing of Telegram. Decisions:
- The three choices are "in 1 hour", "this evening" (19:00 local; after 19:00 it is
  tomorrow's) and "tomorrow morning" (08:00 local, or the person's check-in time).
  Local times go through bot.core.timecalc, so a DST day moves nothing by an hour.
- A time inside quiet hours (22:00-07:00) moves to their end, 07:00 local, and says so:
  a reminder the person asked for in the evening must not wake them.
- It counts in the at-most-three-scheduled-messages-a-day rule (what is queued or sent
  that local day, as the prompt scheduler counts it): on a full day it moves to the next
  morning's 07:00 and says so.
- One pending Later per chat and message: a second press moves it, never adds one.
- Only while tips are on: /pause and /stop cancel a pending Later with the other kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.core.clock import Clock
from bot.core.timecalc import local_date, local_instant
from bot.core.zones import zone_or_utc
from bot.diary.prompts import MAX_SCHEDULED_PER_DAY
from bot.storage import Storage

EVENING = time(19, 0)
MORNING = time(8, 0)
QUIET_START = time(22, 0)
QUIET_END = time(7, 0)
# A Later the sender could not send within this of its time is recorded missed: late
# enough, it would arrive at a moment nobody chose (or in quiet hours).
SEND_WINDOW = timedelta(hours=1)


class LaterChoice(StrEnum):
    HOUR = "hour"
    EVENING = "evening"
    MORNING = "morning"


class Moved(StrEnum):
    QUIET = "quiet"  # would have fallen in quiet hours
    CAP = "cap"  # that day already had its three scheduled messages


@dataclass(frozen=True, slots=True)
class LaterPlanned:
    """When the message comes again, in the person's local wall time, and why moved."""

    at: datetime  # local, aware
    moved: Moved | None


@dataclass(frozen=True, slots=True)
class NoLater:
    """Tips are not on in this chat (never started, paused or stopped): nothing queued."""


def _in_quiet(at: time) -> bool:
    return at >= QUIET_START or at < QUIET_END


class LaterService:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def schedule(self, chat_id: int, tip_id: str | None,
                       choice: LaterChoice) -> LaterPlanned | NoLater:
        subscriber = await self._storage.subscribers.get(chat_id)
        if subscriber is None or subscriber.status != "active":
            return NoLater()
        tz = zone_or_utc(subscriber.timezone)
        now = self._clock.now()
        today = local_date(now, tz)
        if choice is LaterChoice.HOUR:
            due = now + timedelta(hours=1)
        elif choice is LaterChoice.EVENING:
            due = local_instant(today, EVENING, tz)
            if due <= now:
                due = local_instant(today + timedelta(days=1), EVENING, tz)
        else:
            settings = await self._storage.diary.settings(chat_id)
            morning = settings.checkin_time if settings and settings.checkin_time else MORNING
            due = local_instant(today + timedelta(days=1), morning, tz)
        moved: Moved | None = None
        wall = due.astimezone(tz)
        if _in_quiet(wall.time()):
            day = wall.date() if wall.time() < QUIET_END else wall.date() + timedelta(days=1)
            due, moved = local_instant(day, QUIET_END, tz), Moved.QUIET
        day = local_date(due, tz)
        for _ in range(7):  # bounded: a day has room again once its own messages are sent
            if len(await self._full_kinds(chat_id, day)) < MAX_SCHEDULED_PER_DAY:
                break
            day += timedelta(days=1)
            due, moved = local_instant(day, QUIET_END, tz), Moved.CAP
        await self._storage.outbox.queue_later(chat_id=chat_id, tip_id=tip_id, day=day,
                                               due_at=due, expires_at=due + SEND_WINDOW,
                                               now=now)
        return LaterPlanned(due.astimezone(tz), moved)

    async def _full_kinds(self, chat_id: int, day: date) -> set[str]:
        """The scheduled kinds already queued or sent that day, this chat's Later aside
        (it is the one being placed)."""
        return await self._storage.diary.kinds_on(chat_id, day) - {"later"}
