"""Which tip a subscriber gets next, shared by /tip and the daily tick.

The active catalogue is cached in memory because the daily tick asks for it once per
due subscriber; admins changing tips call `refresh()`.

A tip Telegram would refuse as sent (`check`: bot.ui.limits.tip_problem in the app) is
quarantined at load: logged with its id and left out of the rotation, so a stored tip
that is too long never fails every send.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from bot.core.clock import Clock
from bot.core.reasons import Reason
from bot.storage import DeliveryOutcome, Storage
from tips.catalog import Tip
from tips.selector import CandidateSet, Pick, pick_next

_MAX_SETS = 4096

log = logging.getLogger(__name__)


class RotationState(Protocol):
    """What the rotation reads of a chat: a Subscriber, or the tick's lean DueSubscriber."""

    @property
    def chat_id(self) -> int: ...
    @property
    def topics(self) -> tuple[str, ...]: ...
    @property
    def last_topic(self) -> str | None: ...
    @property
    def rotation_cycle(self) -> int: ...


@dataclass(frozen=True, slots=True)
class TakenTip:
    """A tip handed out on demand, with the outbox row to settle once the reply is sent."""

    tip: Tip
    delivery_id: int | None


# Guest rotation: chats without a subscription (before /start, after /forget)
GUEST_CHATS_KEPT = 10_000  # in memory only, oldest dropped first; tip ids and a count, no more


@dataclass(slots=True)
class _GuestState:
    """What a guest chat was shown today: tip ids of this cycle, last topic, a day count."""

    seen: set[str] = field(default_factory=set)
    last_topic: str | None = None
    day: date | None = None
    taken_today: int = 0


class TipFeed:
    def __init__(self, storage: Storage, clock: Clock,
                 check: Callable[[Tip], str | None] | None = None) -> None:
        self._storage = storage
        self._clock = clock
        self._check = check
        self.quarantined: dict[str, str] = {}  # tip id -> why it cannot be sent
        self._by_topic: dict[str, list[Tip]] = {}
        self._by_id: dict[str, Tip] = {}
        # One grouped candidate list per distinct topic choice (a few hundred at
        # most), so the tick does not regroup the catalogue for every due subscriber.
        self._sets: dict[tuple[str, ...], CandidateSet] = {}
        self._guests: OrderedDict[int, _GuestState] = OrderedDict()

    def _guest(self, chat_id: int) -> _GuestState:
        state = self._guests.pop(chat_id, None) or _GuestState()
        self._guests[chat_id] = state
        while len(self._guests) > GUEST_CHATS_KEPT:
            self._guests.popitem(last=False)
        today = self._clock.now().date()
        if state.day != today:
            state.day, state.taken_today = today, 0
        return state

    def guest_taken_today(self, chat_id: int) -> int:
        """How many tips a guest chat took today (UTC day), for the shared daily limit."""
        return self._guest(chat_id).taken_today

    def _take_as_guest(self, chat_id: int) -> TakenTip | None:
        """A guest's next tip: a rotation kept in memory, so /tip does not repeat one tip."""
        state = self._guest(chat_id)
        pick = pick_next(self.candidates(tuple(self._by_topic)), state.seen,
                         state.last_topic, chat_id)
        if pick is None:
            return None
        if pick.new_cycle:
            state.seen.clear()
        state.seen.add(pick.tip.id)
        state.last_topic = pick.tip.topic
        state.taken_today += 1
        return TakenTip(pick.tip, None)

    async def refresh(self) -> None:
        """Reload the active tips after the catalogue or an admin changed them."""
        by_topic: dict[str, list[Tip]] = defaultdict(list)
        stored = await self._storage.tips.all()
        quarantined: dict[str, str] = {}
        for item in stored:
            if item.retired:
                continue
            problem = self._check(item.tip) if self._check is not None else None
            if problem is not None:
                quarantined[item.tip.id] = problem
                continue
            by_topic[item.tip.topic].append(item.tip)
        for tip_id in sorted(quarantined.keys() - self.quarantined.keys()):
            log.warning("tip id=%s quarantined, not sent: %s", tip_id, quarantined[tip_id])
        self.quarantined = quarantined
        self._by_topic = {topic: sorted(tips, key=lambda t: t.id)
                          for topic, tips in by_topic.items()}
        # Retired tips stay resolvable: a row queued before the retirement still renders.
        self._by_id = {item.tip.id: item.tip for item in stored}
        self._sets = {}

    def tip(self, tip_id: str) -> Tip | None:
        """Any known tip by id, retired ones included."""
        return self._by_id.get(tip_id)

    def candidates(self, topics: tuple[str, ...], excluded: frozenset[str] = frozenset()
                   ) -> list[Tip]:
        found = [tip for topic in topics for tip in self._by_topic.get(topic, ())]
        return [tip for tip in found if tip.id not in excluded] if excluded else found

    def _candidate_set(self, topics: tuple[str, ...]) -> CandidateSet:
        """The grouped candidates for these topics (cached; cleared by refresh)."""
        found = self._sets.get(topics)
        if found is None:
            if len(self._sets) >= _MAX_SETS:  # topic lists are few; this only bounds memory
                self._sets.clear()
            found = self._sets[topics] = CandidateSet(self.candidates(topics))
        return found

    def choose(self, subscriber: RotationState, seen: frozenset[str],
               excluded: frozenset[str] = frozenset()) -> tuple[Pick, int] | None:
        """Pick the next tip and the rotation cycle it belongs to (bumped on a new cycle).

        When 👎 votes and retirements leave nothing on the chosen topics, the rotation
        ignores the votes, then the topics: a subscriber always gets a tip while any
        tip is active, never a silent gap.
        """
        pick = None
        if not excluded:  # the shared, cached candidate set of these topics
            pick = self._candidate_set(subscriber.topics).pick(
                seen, subscriber.last_topic, subscriber.chat_id)
        if pick is None:  # a chat's own dislikes (its own list), or nothing left there
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
            return self._take_as_guest(chat_id)
        seen = await self._storage.rotation.seen(chat_id)
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
        """Record how the on-demand reply went; `error`: Telegram's error, as it said it."""
        if delivery_id is None:
            return
        await self._storage.outbox.apply_outcomes([DeliveryOutcome(
            delivery_id=delivery_id, status="sent" if error is None else "failed",
            at=self._clock.now(), message_id=message_id,
            error=None if error is None else Reason.TELEGRAM_ERROR,
            detail=None if error is None else error[:200],
        )])
