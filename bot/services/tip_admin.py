"""Tip administration: add, list and retire tips, and the numbers behind /stats.

A service like the others: it speaks in topics and tip ids, never in Telegram objects,
and it is the admin handlers' only way to the tips table. Every change refreshes the
in-memory rotation (TipFeed), so the next /tip and the next daily tick already see it.
A new tip is judged as it will be sent (`check`, bot.ui.limits.tip_problem in the app):
one Telegram would refuse is never stored, so it cannot fail every send later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.clock import Clock
from bot.services.tipfeed import TipFeed
from bot.storage import Stats, Storage
from tips.catalog import TOPICS, Tip, make_tip, validate_tip

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NewTip:
    """The saved tip, or why it was refused (one entry per problem)."""

    tip: Tip | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TipVotes:
    """One /tips row: the tip, its votes, and whether it is out of the rotation."""

    tip: Tip
    up: int
    down: int
    retired: bool


class UnknownTopic(ValueError):
    """/tips was asked for a topic the catalogue does not have."""


class TipAdmin:
    def __init__(self, storage: Storage, feed: TipFeed, clock: Clock,
                 check: Callable[[Tip], str | None] | None = None, *,
                 paid_broadcast: bool = False) -> None:
        self._paid_broadcast = paid_broadcast  # ALLOW_PAID_BROADCAST: /stats counts paid sends
        self._storage = storage
        self._feed = feed
        self._clock = clock
        self._check = check

    async def add(self, topic: str, text: str, source: str, admin_id: int | None) -> NewTip:
        """Validate and store an admin-written tip under the next free adm-NNN id."""
        tip_id = await self._feed.new_tip_id()
        problems = validate_tip(tip_id, topic, text, source)
        if problems:
            return NewTip(None, tuple(problems))
        tip = make_tip(tip_id, topic, text, source)
        problem = self._check(tip) if self._check is not None else None
        if problem is not None:
            log.info("tip refused id=%s by admin user_id=%s: too long to send", tip.id,
                     admin_id)
            return NewTip(None, (problem,))
        await self._storage.tips.add(tip, self._clock.now())
        await self._feed.refresh()
        log.info("tip added id=%s by admin user_id=%s", tip.id, admin_id)
        return NewTip(tip)

    async def listing(self, topic: str | None) -> list[TipVotes]:
        """Every tip (of one topic, if given) with its votes; raises UnknownTopic."""
        if topic is not None and topic not in TOPICS:
            raise UnknownTopic(topic)
        return [TipVotes(stored.tip, up, down, stored.retired)
                for stored, up, down in await self._storage.tips.votes(topic)]

    async def find(self, tip_id: str) -> Tip | None:
        """A tip by id, retired ones included (to broadcast it); None if unknown."""
        stored = await self._storage.tips.get(tip_id)
        return stored.tip if stored is not None else None

    async def retire(self, tip_id: str) -> bool:
        """Take a tip out of the rotation (kept for history); False if none is active."""
        stored = await self._storage.tips.get(tip_id) if tip_id else None
        if stored is None or stored.retired:
            return False
        await self._storage.tips.set_retired(tip_id, True, self._clock.now())
        await self._feed.refresh()
        return True

    async def stats(self) -> Stats:
        """Subscriber and delivery numbers, "today" being the UTC day of the clock."""
        now = self._clock.now()
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return await self._storage.reports.stats(now, day_start, paid=self._paid_broadcast)
