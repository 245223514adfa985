"""The outbox's fence between leaders: a row's outcome is written only by the sender that
still holds its claim, so a leader that lost its lock (and kept sending what was in
flight) cannot overwrite what its successor does with the same rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.clock import ManualClock
from bot.delivery.pacer import Dispatch, Pacer
from bot.delivery.sender import Sender, Sent
from bot.services.tipfeed import TipFeed
from bot.storage import Storage
from bot.storage.models import DeliveryOutcome
from tests.helpers import make_renderer, stored_rows
from tips.catalog import load_catalog

pytestmark = pytest.mark.both_engines

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
OLD, NEW = 1, 2  # the epochs of a stale leader and of its successor


async def queued(storage: Storage, chats: range) -> None:
    """One sendable row per chat, due now (a "Later" of the stretch: kind 'later')."""
    for chat in chats:
        await storage.subscribers.add(
            chat_id=chat, user_id=chat, chat_type="private", status="active",
            send_time=time(9), timezone="UTC", topics=("foods",), next_send_at=None, now=NOW)
        await storage.outbox.queue_later(chat_id=chat, tip_id=None, day=date(2026, 12, 7),
                                         due_at=NOW, expires_at=NOW + timedelta(hours=3),
                                         now=NOW)


def by_chat(database, sql: str) -> dict[int, tuple]:
    return {row[0]: tuple(row[1:]) for row in stored_rows(database, sql)}


async def test_a_stale_leaders_late_outcomes_change_nothing_its_successor_claimed(database):
    storage = await Storage.open(database)
    try:
        await queued(storage, range(1, 5))
        stale = await storage.outbox.claim(NOW, 10, OLD)
        assert sorted(row.chat_id for row in stale) == [1, 2, 3, 4]
        # The successor starts sending: it releases the old claims and takes the rows.
        assert await storage.outbox.release_claims() == 4
        taken = await storage.outbox.claim(NOW, 2, NEW)
        assert sorted(row.chat_id for row in taken) == [1, 2]
        # The stale leader's sends that were in flight come back late.
        later = NOW + timedelta(seconds=5)
        await storage.outbox.apply_outcomes(
            [DeliveryOutcome(row.id, "failed", later, error="telegram_error") if row.chat_id == 1
             else DeliveryOutcome(row.id, "sent", later, message_id=500 + row.chat_id)
             for row in stale], OLD)
        rows = by_chat(database, "SELECT chat_id, status, claimed_by, message_id, error "
                                 "FROM deliveries")
        assert rows == {1: ("pending", NEW, None, None), 2: ("pending", NEW, None, None),
                        3: ("pending", None, None, None), 4: ("pending", None, None, None)}
        # The successor's own outcomes are written, and end its claims.
        await storage.outbox.apply_outcomes(
            [DeliveryOutcome(row.id, "sent", later, message_id=900 + row.chat_id)
             for row in taken], NEW)
        rows = by_chat(database, "SELECT chat_id, status, claimed_by, message_id "
                                 "FROM deliveries WHERE chat_id IN (1, 2)")
        assert rows == {1: ("sent", None, 901), 2: ("sent", None, 902)}
    finally:
        await storage.close()


async def test_a_claim_a_stale_leader_made_after_the_release_does_not_hold_rows_back(database):
    """The stale leader's last refill lands after its successor released the claims: the
    successor (a higher epoch) takes those rows all the same, and they are sent once."""
    storage = await Storage.open(database)
    try:
        await queued(storage, range(1, 4))
        await storage.outbox.release_claims()
        late_claim = await storage.outbox.claim(NOW, 10, OLD)
        assert len(late_claim) == 3
        taken = await storage.outbox.claim(NOW, 10, NEW)
        assert sorted(row.chat_id for row in taken) == [1, 2, 3]
        assert await storage.outbox.claim(NOW, 10, OLD) == []  # nothing back the other way
        await storage.outbox.apply_outcomes(
            [DeliveryOutcome(row.id, "sent", NOW, message_id=1) for row in late_claim], OLD)
        assert stored_rows(database, "SELECT DISTINCT status, claimed_by FROM deliveries") == [
            ("pending", NEW)]
    finally:
        await storage.close()


async def test_a_reply_nobody_claimed_is_settled_without_an_epoch_but_not_with_one(database):
    """On-demand replies are never claimed: their outcome carries no epoch. A sender's
    outcome (an epoch) for a row nobody holds is a stale one and changes nothing."""
    storage = await Storage.open(database)
    try:
        await queued(storage, range(1, 3))
        ids = [row[0] for row in stored_rows(database, "SELECT id FROM deliveries ORDER BY id")]
        await storage.outbox.apply_outcomes([DeliveryOutcome(ids[0], "sent", NOW, message_id=7)])
        await storage.outbox.apply_outcomes([DeliveryOutcome(ids[1], "sent", NOW, message_id=8)],
                                            NEW)
        assert stored_rows(database, "SELECT status, message_id FROM deliveries ORDER BY id") == [
            ("sent", 7), ("pending", None)]
    finally:
        await storage.close()


class GatedPacer(Pacer):
    """Holds every send at the pacer until the test opens the gate (a rate limit's wait)."""

    def __init__(self) -> None:
        super().__init__(None)
        self.gate = asyncio.Event()
        self.waiting = 0

    async def acquire(self, chat_id: int, is_group: bool = False) -> Dispatch:
        self.waiting += 1
        await self.gate.wait()
        return await super().acquire(chat_id, is_group)


class CountingTransport:
    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, chat_id, text, markup):
        self.sent.append(chat_id)
        return Sent(len(self.sent))


async def test_a_halted_sender_starts_no_send_even_for_rows_waiting_at_the_pacer(database):
    """What a leader does when its lock is lost: the sends waiting for their turn at the
    pacer never start; their rows stay pending for the next leader, which sends each once."""
    storage = await Storage.open(database)
    try:
        clock = ManualClock(NOW)
        await storage.tips.sync(load_catalog(), NOW)
        feed = TipFeed(storage, clock)
        await feed.refresh()
        await queued(storage, range(1, 7))
        pacer, transport = GatedPacer(), CountingTransport()
        stale = Sender(storage, transport, make_renderer(feed, storage, clock), clock, pacer,
                       concurrency=4, epoch=OLD)
        drain = asyncio.create_task(stale.drain_once())
        for _ in range(500):  # bounded: four workers reach the pacer within a few turns
            if pacer.waiting == 4:
                break
            await asyncio.sleep(0.01)
        assert pacer.waiting == 4
        stale.stop()
        pacer.gate.set()
        await asyncio.wait_for(drain, 10)
        assert transport.sent == []
        assert stored_rows(database, "SELECT DISTINCT status FROM deliveries") == [("pending",)]
        successor = Sender(storage, transport, make_renderer(feed, storage, clock), clock,
                           Pacer(None), concurrency=4, epoch=NEW)
        await successor.drain_once()
        assert sorted(transport.sent) == [1, 2, 3, 4, 5, 6]
        assert stored_rows(database, "SELECT DISTINCT status, claimed_by FROM deliveries") == [
            ("sent", None)]
    finally:
        await storage.close()
