"""Subscription rules: who gets a daily tip, when, and on which topics.

Pure service code: it speaks in chat ids, times and zone names, never in Telegram
objects, so the console, the tests and the handlers all reach the same rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo

from bot.core.clock import Clock
from bot.core.reasons import Reason
from bot.core.timecalc import local_instant, next_send
from bot.core.zones import Zone, resolve_zone
from bot.diary.prompts import PromptKind, next_slot
from bot.storage import Storage, Subscriber
from bot.storage.models import Changed, PromptSlots, PromptTimes, SubscriberChange
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


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    subscriber: Subscriber  # as stored now
    was_step: str | None  # the sign-up question open before: 'zone', 'time', 'done', None


class NotSubscribed(Exception):
    """The chat has never pressed /start, so there is nothing to change yet."""


def _written(row: Subscriber | None) -> SubscriberChange | None:
    return None if row is None else SubscriberChange(row)


def _moved(prompts: PromptTimes, send_time: time, tz: tzinfo, now: datetime) -> PromptSlots:
    """Each prompt that is on, at its next slot in zone `tz` (the weekly picture at the
    daily tip's time)."""

    def slot(kind: PromptKind, at: time | None) -> datetime | None:
        return None if at is None else next_slot(kind, at, tz, now)[0]

    return PromptSlots(slot(PromptKind.CHECK_IN, prompts.checkin_time),
                       slot(PromptKind.STRETCH, prompts.stretch_time),
                       slot(PromptKind.WEEKLY, send_time if prompts.weekly_enabled else None))


async def chat_gone(storage: Storage, clock: Clock, chat_id: int, reason: Reason,
                    detail: str | None = None) -> None:
    """The one road for "the chat is gone" (blocked, kicked, deactivated), whoever noticed
    it: no more daily tips, every pending send settled, and the reason kept for /mydata."""
    await storage.subscribers.mark_blocked(chat_id, reason, clock.now(), detail)


class SubscriptionService:
    def __init__(self, storage: Storage, clock: Clock, defaults: Defaults) -> None:
        self._storage = storage
        self._clock = clock
        self.defaults = defaults

    async def get(self, chat_id: int) -> Subscriber | None:
        return await self._storage.subscribers.get(chat_id)

    async def _change(self, chat_id: int,
                      decide: Callable[[Subscriber], Subscriber | None]) -> Changed:
        """One settings action on the subscriber row: read, rule, write, in one transaction."""
        changed = await self._storage.subscribers.change(
            chat_id, lambda row, _prompts: _written(decide(row)), self._clock.now())
        if changed is None:
            raise NotSubscribed(chat_id)
        return changed

    def _next_instant(self, subscriber: Subscriber, tz: tzinfo, send_time: time) -> datetime:
        instant, _day = next_send(send_time, tz, self._clock.now(),
                                  last_sent=subscriber.last_daily_at)
        return instant

    def _rescheduled(self, subscriber: Subscriber, tz: tzinfo,
                     send_time: time) -> datetime | None:
        """The next slot after a /time or /timezone change; a pause keeps its end date.

        A paused subscriber's first tip is on `paused_until` (a date in their zone, the
        same calendar date in the new one) at the new time, never "no next tip".
        """
        if subscriber.status == "active":
            return self._next_instant(subscriber, tz, send_time)
        if subscriber.status != "paused" or subscriber.paused_until is None:
            return None
        instant, _day = next_send(send_time, tz, self._clock.now(),
                                  subscriber.paused_until - timedelta(days=1),
                                  last_sent=subscriber.last_daily_at)
        return instant

    def _activated(self, subscriber: Subscriber) -> Subscriber | None:
        """Tips on again (from paused, stopped or blocked); None when they are on already."""
        if subscriber.status == "active":
            return None
        return replace(subscriber, status="active", inactive_reason=None, paused_until=None,
                       next_send_at=self._next_instant(
                           subscriber, resolve_zone(subscriber.timezone),
                           subscriber.send_time))

    async def start(self, chat_id: int, user_id: int | None, chat_type: str, *,
                    language: str = "en", language_chosen: bool = False) -> StartResult:
        """Subscribe, or reactivate an existing subscription; never creates a second row.

        A new row stores the language the chat is answered in (chosen or followed)."""
        existing = await self._storage.subscribers.get(chat_id)
        if existing is None:
            now = self._clock.now()
            tz = resolve_zone(self.defaults.timezone)
            instant, _ = next_send(self.defaults.send_time, tz, now)
            created = await self._storage.subscribers.create(
                chat_id=chat_id, user_id=user_id, chat_type=chat_type, status="active",
                send_time=self.defaults.send_time, timezone=self.defaults.timezone,
                topics=self.defaults.topics, next_send_at=instant, now=now,
                # groups set their zone with /timezone
                setup_step="zone" if chat_type == "private" else None,
                language=language, language_chosen=language_chosen,
            )
            if created is not None:
                return StartResult(created, True, None)
        changed = await self.reactivate(chat_id)
        return StartResult(changed.subscriber, False, changed.before.status)

    async def reactivate(self, chat_id: int) -> Changed:
        """Daily tips on again, whatever stopped them (a no-op when they are on)."""
        return await self._change(chat_id, self._activated)

    async def stop(self, chat_id: int) -> Subscriber:
        """Stop daily tips; the row and its history stay so /subscribe can resume."""
        return (await self.stop_change(chat_id)).subscriber

    async def stop_change(self, chat_id: int) -> Changed:
        """stop, with the row as it was (to tell "stopped" from "already stopped")."""
        return await self._change(chat_id, lambda row: None if row.status == "stopped"
                                  else replace(row, status="stopped", next_send_at=None,
                                               inactive_reason=None, paused_until=None))

    async def schedule_changed(self, chat_id: int, *, zone: Zone | None = None,
                               send_time: time | None = None) -> ScheduleChange:
        """The chat's daily schedule changed: a new zone, or a new time of day.

        One transaction sets it, moves the next tip, moves every diary prompt that is on
        to its next slot in the new zone (the weekly picture also follows the daily time;
        a slot already used today cannot repeat: the outbox keeps one row per person, kind
        and local date), and takes the sign-up one question further. `zone` is used as
        given, never resolved again.
        """
        now = self._clock.now()

        def decide(row: Subscriber, prompts: PromptTimes | None) -> SubscriberChange:
            tz = zone.tz if zone is not None else resolve_zone(row.timezone)
            at = send_time or row.send_time
            step = row.setup_step
            if zone is not None and step == "zone":
                step = "time"
            if send_time is not None and step in ("zone", "time"):
                step = "done"
            return SubscriberChange(
                replace(row, timezone=zone.name if zone is not None else row.timezone,
                        send_time=at, next_send_at=self._rescheduled(row, tz, at),
                        setup_step=step),
                None if prompts is None else _moved(prompts, at, tz, now))

        changed = await self._storage.subscribers.change(chat_id, decide, now, prompts=True)
        if changed is None:
            raise NotSubscribed(chat_id)
        return ScheduleChange(changed.subscriber, changed.before.setup_step)

    async def set_time(self, chat_id: int, send_time: time) -> Subscriber:
        return (await self.schedule_changed(chat_id, send_time=send_time)).subscriber

    async def set_timezone(self, chat_id: int, zone: Zone) -> Subscriber:
        return (await self.schedule_changed(chat_id, zone=zone)).subscriber

    async def toggle_topic(self, chat_id: int, topic: str) -> TopicToggle:
        """Flip one topic on or off; the last one left stays on so tips never run dry."""
        refused = False

        def decide(row: Subscriber) -> Subscriber | None:
            nonlocal refused
            if topic not in TOPICS:
                return None
            chosen = set(row.topics)
            if topic in chosen:
                if len(chosen) == 1:
                    refused = True
                    return None
                chosen.remove(topic)
            else:
                chosen.add(topic)
            return replace(row, topics=tuple(t for t in TOPICS if t in chosen))

        changed = await self._change(chat_id, decide)
        return TopicToggle(changed.subscriber, refused)

    async def pause(self, chat_id: int, days: int) -> Subscriber | None:
        """Skip the next `days` daily tips' dates; the tick resumes the subscriber itself.

        The first skipped date is the one the next tip was due on (today, unless today's
        tip already went out), so "/pause 3" always means three dates without a tip.
        None when tips are stopped (or blocked): there is nothing to pause.
        """

        def decide(row: Subscriber) -> Subscriber | None:
            if row.status not in ("active", "paused"):
                return None
            tz = resolve_zone(row.timezone)
            _, first_skipped = next_send(row.send_time, tz, self._clock.now(),
                                         last_sent=row.last_daily_at)
            resume_on = first_skipped + timedelta(days=days)
            return replace(row, status="paused", inactive_reason=None, paused_until=resume_on,
                           next_send_at=local_instant(resume_on, row.send_time, tz))

        changed = await self._change(chat_id, decide)
        return changed.subscriber if changed.subscriber.status == "paused" else None

    async def resume(self, chat_id: int) -> Subscriber | None:
        """End a pause now; None when there was no pause to end."""
        changed = await self._change(
            chat_id, lambda row: self._activated(row) if row.status == "paused" else None)
        return changed.subscriber if changed.before.status == "paused" else None

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

    async def mark_unreachable(self, chat_id: int, reason: Reason,
                               detail: str | None = None) -> None:
        """The chat blocked or removed the bot: no more daily tips, and say why (/mydata)."""
        await chat_gone(self._storage, self._clock, chat_id, reason, detail)

    # The sign-up questions (time zone, then time of day)
    async def set_setup_step(self, chat_id: int, step: str | None) -> None:
        await self._storage.subscribers.set_setup_step(chat_id, step, self._clock.now())

    def should_ask_zone(self, subscriber: Subscriber) -> bool:
        """Someone from before onboarding, still on the default zone, is asked once."""
        return (subscriber.setup_step is None and subscriber.chat_type == "private"
                and subscriber.timezone == self.defaults.timezone
                and subscriber.status != "blocked")
