"""Which tip a subscriber gets next, shared by /tip and the daily tick.

The active catalogue is cached in memory because the daily tick asks for it once per
due subscriber; admins changing tips call `refresh()`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.clock import Clock
from bot.storage import DeliveryOutcome, Storage, Subscriber
from tips.catalog import Tip
from tips.selector import Pick, pick_next


@dataclass(frozen=True, slots=True)
class TakenTip:
    """A tip handed out on demand, with the outbox row to settle once the reply is sent."""

    tip: Tip
    delivery_id: int | None


class TipFeed:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock
        self._by_topic: dict[str, list[Tip]] = {}
        self._by_id: dict[str, Tip] = {}

    async def refresh(self) -> None:
        """Reload the active tips after the catalogue or an admin changed them."""
        by_topic: dict[str, list[Tip]] = defaultdict(list)
        stored = await self._storage.tips.all()
        for item in stored:
            if not item.retired:
                by_topic[item.tip.topic].append(item.tip)
        self._by_topic = {topic: sorted(tips, key=lambda t: t.id)
                          for topic, tips in by_topic.items()}
        # Retired tips stay resolvable: a row queued before the retirement still renders.
        self._by_id = {item.tip.id: item.tip for item in stored}

    def tip(self, tip_id: str) -> Tip | None:
        """Any known tip by id, retired ones included."""
        return self._by_id.get(tip_id)

    def candidates(self, topics: tuple[str, ...], excluded: frozenset[str] = frozenset()
                   ) -> list[Tip]:
        found = [tip for topic in topics for tip in self._by_topic.get(topic, ())]
        return [tip for tip in found if tip.id not in excluded] if excluded else found

    def choose(self, subscriber: Subscriber, seen: frozenset[str],
               excluded: frozenset[str] = frozenset()) -> tuple[Pick, int] | None:
        """Pick the next tip and the rotation cycle it belongs to (bumped on a new cycle).

        When 👎 votes and retirements leave nothing on the chosen topics, the rotation
        ignores the votes, then the topics: a subscriber always gets a tip while any
        tip is active, never a silent gap.
        """
        candidates = (self.candidates(subscriber.topics, excluded)
                      or self.candidates(subscriber.topics)
                      or self.candidates(tuple(self._by_topic)))
        pick = pick_next(candidates, seen, subscriber.last_topic, subscriber.chat_id)
        if pick is None:
            return None
        cycle = subscriber.rotation_cycle + 1 if pick.new_cycle else subscriber.rotation_cycle
        return pick, cycle

    async def take_next(self, chat_id: int, kind: str = "on_demand") -> TakenTip | None:
        """The subscriber's next tip now, advancing the same rotation the daily tip uses.

        `kind` says why ('on_demand' for /tip, 'another' for the ➕ button) so limits can
        count each separately.
        """
        subscriber = await self._storage.subscribers.get(chat_id)
        if subscriber is None:
            candidates = self.candidates(tuple(self._by_topic))
            pick = pick_next(candidates, frozenset(), None, chat_id)
            return TakenTip(pick.tip, None) if pick else None
        seen = await self._storage.rotation.seen(chat_id, subscriber.rotation_cycle)
        disliked = await self._storage.rotation.disliked(chat_id)
        chosen = self.choose(subscriber, seen, disliked)
        if chosen is None:
            return None
        pick, cycle = chosen
        delivery_id = await self._storage.outbox.add_on_demand(
            chat_id=chat_id, tip_id=pick.tip.id, cycle=cycle, topic=pick.tip.topic,
            now=self._clock.now(), kind=kind,
        )
        return TakenTip(pick.tip, delivery_id)

    async def new_tip_id(self) -> str:
        """The next free id for an admin-written tip: adm-001, adm-002, …"""
        taken = await self._storage.tips.ids_with_prefix("adm-")
        numbers = [int(t[4:]) for t in taken if t[4:].isdigit()]
        return f"adm-{max(numbers, default=0) + 1:03d}"

    async def settle(self, delivery_id: int | None, message_id: int | None,
                     error: str | None = None) -> None:
        """Record how the on-demand reply went."""
        if delivery_id is None:
            return
        await self._storage.outbox.apply_outcomes([DeliveryOutcome(
            delivery_id=delivery_id, status="sent" if error is None else "failed",
            at=self._clock.now(), message_id=message_id, error=error,
        )])
