"""Reactions under a tip: 👍 / 👎 votes and the ➕ "another tip" button.

A 👎 takes that tip out of the subscriber's rotation for good; pressing the marked vote
again takes the vote back. /tip and "another tip" share one generous daily limit
(per local day; per UTC day for guests) so tips stay a treat rather than a feed to scroll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.core.clock import Clock
from bot.core.zones import resolve_zone
from bot.services.tipfeed import TakenTip, TipFeed
from bot.storage import Storage

TIPS_PER_DAY = 10  # /tip and ➕ together
ANOTHER_PER_DAY = TIPS_PER_DAY  # the old name, kept for callers


@dataclass(frozen=True, slots=True)
class VoteResult:
    outcome: str  # 'up' | 'down' | 'cleared' | 'retired' | 'unknown' | 'not_subscribed'
    vote: int = 0  # the chat's vote now: 1, -1 or 0


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
        wanted = 1 if up else -1
        if await self._storage.rotation.vote_of(chat_id, tip_id) == wanted:
            await self._storage.rotation.clear_vote(chat_id, tip_id)
            return VoteResult("cleared", 0)
        await self._storage.rotation.set_vote(chat_id, tip_id, wanted, self._clock.now())
        if stored.retired:
            return VoteResult("retired", wanted)
        return VoteResult("up" if up else "down", wanted)

    async def another(self, chat_id: int) -> AnotherResult:
        """One more tip from the rotation (the ➕ button), within the shared daily limit."""
        return await self.take(chat_id, "another")

    async def take(self, chat_id: int, kind: str = "on_demand") -> AnotherResult:
        """A tip on demand (/tip or ➕), unless today's TIPS_PER_DAY are used up."""
        subscriber = await self._storage.subscribers.get(chat_id)
        if subscriber is None:
            if self._feed.guest_taken_today(chat_id) >= TIPS_PER_DAY:
                return AnotherResult(None, True, None)
            return AnotherResult(await self._feed.take_next(chat_id, kind=kind), False)
        tz = resolve_zone(subscriber.timezone)
        local_now = self._clock.now().astimezone(tz)
        midnight = datetime.combine(local_now.date(), time(0), tzinfo=tz)
        used = sum([await self._storage.outbox.count_since(chat_id, k, midnight)
                    for k in ("on_demand", "another")])
        if used >= TIPS_PER_DAY:
            next_time = subscriber.send_time if subscriber.status == "active" else None
            return AnotherResult(None, True, next_time)
        return AnotherResult(await self._feed.take_next(chat_id, kind=kind), False)
