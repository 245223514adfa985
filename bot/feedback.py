"""Reactions under a tip: 👍 / 👎 votes and the ➕ "another tip" button.

A 👎 takes that tip out of the subscriber's rotation for good; "another tip" is capped
per local day so the button stays a treat rather than a feed to scroll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.clock import Clock
from bot.storage import Storage
from bot.tipfeed import TakenTip, TipFeed
from bot.zones import resolve_zone

ANOTHER_PER_DAY = 3


@dataclass(frozen=True, slots=True)
class VoteResult:
    outcome: str  # 'up' | 'down' | 'retired' | 'unknown' | 'not_subscribed'


@dataclass(frozen=True, slots=True)
class AnotherResult:
    taken: TakenTip | None
    limit_reached: bool
    next_time: time | None = None


class FeedbackService:
    def __init__(self, storage: Storage, feed: TipFeed, clock: Clock) -> None:
        self._storage = storage
        self._feed = feed
        self._clock = clock

    async def vote(self, chat_id: int, tip_id: str, up: bool) -> VoteResult:
        stored = await self._storage.tips.get(tip_id)
        if stored is None:
            return VoteResult("unknown")
        if await self._storage.subscribers.get(chat_id) is None:
            return VoteResult("not_subscribed")
        await self._storage.rotation.set_vote(chat_id, tip_id, 1 if up else -1, self._clock.now())
        if stored.retired:
            return VoteResult("retired")
        return VoteResult("up" if up else "down")

    async def another(self, chat_id: int) -> AnotherResult:
        """One more tip from the rotation, unless today's extra tips are used up."""
        subscriber = await self._storage.subscribers.get(chat_id)
        if subscriber is None:
            taken = await self._feed.take_next(chat_id, kind="another")
            return AnotherResult(taken, False)
        tz = resolve_zone(subscriber.timezone)
        local_now = self._clock.now().astimezone(tz)
        midnight = datetime.combine(local_now.date(), time(0), tzinfo=tz)
        used = await self._storage.outbox.count_since(chat_id, "another", midnight)
        if used >= ANOTHER_PER_DAY:
            return AnotherResult(None, True, subscriber.send_time)
        return AnotherResult(await self._feed.take_next(chat_id, kind="another"), False)
