"""Subscription rules: who gets a daily tip, when, and on which topics.

Pure service code: it speaks in chat ids, times and zone names, never in Telegram
objects, so the console, the tests and the handlers all reach the same rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.core.clock import Clock
from bot.core.reasons import Reason
from bot.core.timecalc import local_instant, next_send
from bot.core.zones import Zone, resolve_zone
from bot.storage import Storage, Subscriber
from tips.catalog import TOPICS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Defaults:
    """What a new subscriber starts with (from DEFAULT_TIMEZONE / DEFAULT_SEND_TIME)."""

    timezone: str
    send_time: time
    topics: tuple[str, ...] = tuple(TOPICS)


@dataclass(frozen=True, slots=True)
class StartResult:
    subscriber: Subscriber
    created: bool
    was_status: str | None


@dataclass(frozen=True, slots=True)
class TopicToggle:
    subscriber: Subscriber
    refused_last: bool  # turning off the only topic left is refused


class NotSubscribed(Exception):
    """The chat has never pressed /start, so there is nothing to change yet."""


class SubscriptionService:
    def __init__(self, storage: Storage, clock: Clock, defaults: Defaults) -> None:
        self._storage = storage
        self._clock = clock
        self.defaults = defaults

    async def get(self, chat_id: int) -> Subscriber | None:
        return await self._storage.subscribers.get(chat_id)

    async def _require(self, chat_id: int) -> Subscriber:
        subscriber = await self._storage.subscribers.get(chat_id)
        if subscriber is None:
            raise NotSubscribed(chat_id)
        return subscriber

    def _next_instant(self, subscriber: Subscriber, *, send_time: time | None = None,
                      timezone: str | None = None) -> datetime:
        tz = resolve_zone(timezone or subscriber.timezone)
        instant, _day = next_send(send_time or subscriber.send_time, tz, self._clock.now(),
                                  last_sent=subscriber.last_daily_at)
        return instant

    def _rescheduled(self, subscriber: Subscriber, *, send_time: time | None = None,
                     timezone: str | None = None) -> datetime | None:
        """The next slot after a /time or /timezone change; a pause keeps its end date.

        A paused subscriber's first tip is on `paused_until` (a date in their zone, the
        same calendar date in the new one) at the new time, never "no next tip".
        """
        if subscriber.status == "active":
            return self._next_instant(subscriber, send_time=send_time, timezone=timezone)
        if subscriber.status != "paused" or subscriber.paused_until is None:
            return None
        tz = resolve_zone(timezone or subscriber.timezone)
        instant, _day = next_send(send_time or subscriber.send_time, tz, self._clock.now(),
                                  subscriber.paused_until - timedelta(days=1),
                                  last_sent=subscriber.last_daily_at)
        return instant

    async def start(self, chat_id: int, user_id: int | None, chat_type: str) -> StartResult:
        """Subscribe, or reactivate an existing subscription; never creates a second row."""
        now = self._clock.now()
        existing = await self._storage.subscribers.get(chat_id)
        if existing is None:
            tz = resolve_zone(self.defaults.timezone)
            instant, _ = next_send(self.defaults.send_time, tz, now)
            await self._storage.subscribers.add(
                chat_id=chat_id, user_id=user_id, chat_type=chat_type, status="active",
                send_time=self.defaults.send_time, timezone=self.defaults.timezone,
                topics=self.defaults.topics, next_send_at=instant, now=now,
            )
            if chat_type == "private":  # groups set their zone with /timezone
                await self._storage.subscribers.set_setup_step(chat_id, "zone", now)
            return StartResult(await self._require(chat_id), True, None)
        if existing.status != "active":
            await self._activate(existing)
        return StartResult(await self._require(chat_id), False, existing.status)

    async def _activate(self, subscriber: Subscriber) -> None:
        await self._storage.subscribers.set_status(
            subscriber.chat_id, "active", next_send_at=self._next_instant(subscriber),
            now=self._clock.now(),
        )

    async def stop(self, chat_id: int) -> Subscriber:
        """Stop daily tips; the row and its history stay so /subscribe can resume."""
        subscriber = await self._require(chat_id)
        if subscriber.status != "stopped":
            await self._storage.subscribers.set_status(chat_id, "stopped", next_send_at=None,
                                           now=self._clock.now())
        return await self._require(chat_id)

    async def set_time(self, chat_id: int, send_time: time) -> Subscriber:
        subscriber = await self._require(chat_id)
        await self._storage.subscribers.set_schedule(
            chat_id, send_time=send_time, timezone=subscriber.timezone,
            next_send_at=self._rescheduled(subscriber, send_time=send_time),
            now=self._clock.now(),
        )
        return await self._require(chat_id)

    async def set_timezone(self, chat_id: int, zone: Zone) -> Subscriber:
        subscriber = await self._require(chat_id)
        await self._storage.subscribers.set_schedule(
            chat_id, send_time=subscriber.send_time, timezone=zone.name,
            next_send_at=self._rescheduled(subscriber, timezone=zone.name),
            now=self._clock.now(),
        )
        return await self._require(chat_id)

    async def toggle_topic(self, chat_id: int, topic: str) -> TopicToggle:
        """Flip one topic on or off; the last one left stays on so tips never run dry."""
        subscriber = await self._require(chat_id)
        if topic not in TOPICS:
            return TopicToggle(subscriber, False)
        chosen = set(subscriber.topics)
        if topic in chosen:
            if len(chosen) == 1:
                return TopicToggle(subscriber, True)
            chosen.remove(topic)
        else:
            chosen.add(topic)
        ordered = [t for t in TOPICS if t in chosen]
        await self._storage.subscribers.set_topics(chat_id, ordered, self._clock.now())
        return TopicToggle(await self._require(chat_id), False)

    async def pause(self, chat_id: int, days: int) -> Subscriber | None:
        """Skip the next `days` daily tips' dates; the tick resumes the subscriber itself.

        The first skipped date is the one the next tip was due on (today, unless today's
        tip already went out), so "/pause 3" always means three dates without a tip.
        """
        subscriber = await self._require(chat_id)
        if subscriber.status not in ("active", "paused"):
            return None
        tz = resolve_zone(subscriber.timezone)
        _, first_skipped = next_send(subscriber.send_time, tz, self._clock.now(),
                                     last_sent=subscriber.last_daily_at)
        resume_on = first_skipped + timedelta(days=days)
        await self._storage.subscribers.set_status(
            chat_id, "paused", next_send_at=local_instant(resume_on, subscriber.send_time, tz),
            now=self._clock.now(), paused_until=resume_on,
        )
        return await self._require(chat_id)

    async def resume(self, chat_id: int) -> Subscriber | None:
        """End a pause now; None when there was no pause to end."""
        subscriber = await self._require(chat_id)
        if subscriber.status != "paused":
            return None
        await self._activate(subscriber)
        return await self._require(chat_id)

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group upgraded to a supergroup: its subscription and history follow it.

        False when there was nothing to move (done already, or the group never subscribed)
        or the new chat already has a subscription of its own, which is then left as it is.
        """
        moved = await self._storage.subscribers.move_chat(old_chat_id, new_chat_id,
                                                          self._clock.now())
        log.info("chat_id=%s migrated to chat_id=%s moved=%s", old_chat_id, new_chat_id,
                 moved)
        return moved

    async def mark_unreachable(self, chat_id: int, reason: Reason) -> None:
        """The chat blocked or removed the bot: no more daily tips, and say why (/mydata)."""
        await self._storage.subscribers.mark_blocked(chat_id, reason, self._clock.now())

    # --- onboarding: the sign-up questions (time zone, then time of day)
    async def set_setup_step(self, chat_id: int, step: str | None) -> None:
        await self._storage.subscribers.set_setup_step(chat_id, step, self._clock.now())

    def should_ask_zone(self, subscriber: Subscriber) -> bool:
        """Someone from before onboarding, still on the default zone, is asked once."""
        return (subscriber.setup_step is None and subscriber.chat_type == "private"
                and subscriber.timezone == self.defaults.timezone
                and subscriber.status != "blocked")
