"""The outbox: who is due, the rows queued for sending, and how each send ended.

Owns the `deliveries` table's life cycle. The tick reads `due()` and writes its decisions
with `apply_daily_plans()`; /tip and ➕ write one row with `add_on_demand()`; the sender
claims rows with `claim()` and settles them with `apply_outcomes()`. A row is written
before its message goes out and settled after, so a crash can resend what was in flight
but never lose a tip. Unique indexes make a replayed tick or broadcast confirm a no-op.

`due()` is the hot path of the daily tick: one statement and one hop to the connection's
thread per batch whatever its size (the due index, each due chat's seen tips from its own
row and its disliked ones as a correlated lookup on their primary key), and no per-row
round trip. The rotation's seen list is written here too, with the outbox row that shows
the tip, so a view and its send are one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from json import dumps
from types import MappingProxyType

from bot.core.reasons import Reason
from bot.storage.db import Database, Row, from_ts, to_ts
from bot.storage.dialect import Dialect
from bot.storage.models import DailyPlan, DeliveryOutcome, DueSubscriber, PendingDelivery
from bot.storage.rotation import tip_ids
from bot.storage.subscribers import DUE_COLUMNS, SubscriberQueries, decode_due

# The kinds the sender sends from the outbox (on-demand tips are answered directly);
# the diary's prompts ride the same queue, pacer and outcomes.
SENT_KINDS = "'daily', 'broadcast', 'checkin', 'stretch', 'weekly', 'later', 'nudge'"


# The tick's read: due rows with their current cycle's seen tips and 👎 votes, in one
# statement. INDEXED BY (SQLite only): with the status index also present, SQLite's
# planner otherwise scans every active row and sorts them (measured: 5x slower at 100k).
# Seen tips are a column of the row; disliked ones come along as a list (tip ids never
# hold a comma: tips.catalog.TIP_ID_RE) through their primary key, in the same hop.
# Parameters: (now as UNIX seconds, limit).
def due_where(dialect: Dialect) -> str:
    return f"""FROM subscribers AS s {dialect.indexed_by('subscribers_due')}
    WHERE status IN ('active', 'paused') AND next_send_at <= ?
    ORDER BY next_send_at LIMIT ?"""


def due_sql(dialect: Dialect) -> str:
    return f"""SELECT {DUE_COLUMNS}, cycle_seen,
      (SELECT {dialect.group_concat('f.tip_id')} FROM feedback f
        WHERE f.chat_id = s.chat_id AND f.vote = -1)
    {due_where(dialect)}"""


# The rotation's memory: subscribers.cycle_seen lists the tips shown in the current cycle
# (comma-separated; tip ids hold no comma). A tip shown in a new cycle starts the list
# again; one shown twice in a cycle (a replayed tick) is listed once; NULL (a missed
# slot) leaves it. On the subscriber row rather than in a table of views, so the tick
# reads it with the row instead of one index lookup per due subscriber, and writes it
# with the update it makes anyway. `tip` = the tip id, `cycle` = the plan's cycle; the
# expression reads the row as it was before the UPDATE.
def seen_after(dialect: Dialect, tip: str, cycle: str) -> str:
    listed = dialect.contains("',' || cycle_seen || ','", f"',' || {tip} || ','")
    return f"""CASE WHEN {tip} IS NULL THEN cycle_seen
        WHEN {cycle} != rotation_cycle OR cycle_seen = '' THEN {tip}
        WHEN {listed} THEN cycle_seen
        ELSE cycle_seen || ',' || {tip} END"""


class _Statements:
    """The outbox's statements in one engine's dialect, built once per database."""

    def __init__(self, d: Dialect) -> None:
        self.due = due_sql(d)
        # The tick's writes, one statement each per slice of plans; ?1 is a JSON array of
        # rows (one statement, not one executemany step per row), ?2 now.
        self.insert_sends = f"""INSERT INTO deliveries (chat_id, kind, tip_id, local_date,
                status, due_at, created_at, expires_at)
            SELECT p.chat, 'daily', p.tip, p.day, 'pending', p.due, ?2, p.expires
            FROM {d.json_rows("?1", chat="int", tip="text", day="text", due="int",
                              expires="int")} AS p WHERE true
            ON CONFLICT DO NOTHING"""
        self.insert_misses = f"""INSERT INTO deliveries (chat_id, kind, local_date, status,
                error, due_at, created_at)
            SELECT p.chat, 'daily', p.day, 'missed', p.reason, p.due, ?2
            FROM {d.json_rows("?1", chat="int", day="text", reason="text", due="int")} AS p
            WHERE true
            ON CONFLICT DO NOTHING"""
        # Each plan: (chat id, tip id or null, cycle, next slot, this slot, topic or
        # null); the rotation's seen list as seen_after computes it.
        self.update_planned = f"""UPDATE subscribers
            SET cycle_seen = {seen_after(d, "p.tip", "p.cycle")},
                rotation_cycle = p.cycle, next_send_at = p.next,
                last_daily_at = {d.greatest("coalesce(last_daily_at, 0)", "p.slot")},
                last_topic = coalesce(p.topic, last_topic)
            FROM {d.json_rows("?1", chat="int", tip="text", cycle="int", next="int",
                              slot="int", topic="text")} AS p
            WHERE subscribers.chat_id = p.chat"""
        # /tip and ➕: the seen list with the tip shown (?1 tip, ?2 cycle).
        self.seen_on_demand = seen_after(d, "CAST(?1 AS TEXT)", "CAST(?2 AS INTEGER)")
        # The sender's outcomes, one statement per batch (?1: a JSON array of [delivery
        # id, status, message id, reason code, at, counted attempt 0/1, retry at, timed
        # out 0/1, detail, cause]; ?2 the writer's claim epoch, or NULL for a row sent
        # without a claim: an on-demand reply). Only rows still pending change, so a late
        # or repeated outcome cannot undo a settled one; and only rows still claimed by
        # the writer, so a stale leader's late outcome cannot overwrite a row its
        # successor released or re-claimed (the fence). The sender's claim ends with it
        # (a row retried later is claimed again when due).
        self.settle = f"""UPDATE deliveries
            SET status = p.new_status, message_id = coalesce(p.new_message_id, message_id),
                error = p.new_error, error_detail = p.new_detail, error_cause = p.new_cause,
                sent_at = CASE WHEN p.new_status = 'sent' THEN p.at ELSE sent_at END,
                attempts = attempts + p.counted, due_at = coalesce(p.retry_at, due_at),
                timeouts = timeouts + p.timed_out, last_attempt_at = p.at, claimed_by = NULL
            FROM {d.json_rows("?1", row_id="int", new_status="text", new_message_id="int",
                              new_error="text", at="int", counted="int", retry_at="int",
                              timed_out="int", new_detail="text", new_cause="text")} AS p
            WHERE deliveries.id = p.row_id AND deliveries.status = 'pending'
              AND coalesce(deliveries.claimed_by, 0) = coalesce(CAST(?2 AS BIGINT), 0)"""
        # The sender's refill: claim the oldest unclaimed rows due now (?1 the instance's
        # epoch, ?2 now, ?3 how many), then read what to send for exactly the ids claimed
        # (?1 their JSON array). A claim of an older epoch counts as unclaimed: a stale
        # leader's claim that lands after its successor released the claims cannot hold
        # the row back from the leader. Rows of a chat without a subscriber row cannot exist
        # (foreign key); the join is the one the read needs for the chat's type and
        # language. On PostgreSQL, SKIP LOCKED lets a claim pass rows another
        # transaction is settling instead of waiting for them.
        skip_locked = "FOR UPDATE SKIP LOCKED" if d.postgres else ""
        self.claim = f"""UPDATE deliveries SET claimed_by = ?1
            WHERE id IN (SELECT id FROM deliveries {d.indexed_by('deliveries_pending')}
                         WHERE status = 'pending' AND due_at <= ?2
                           AND (claimed_by IS NULL OR claimed_by < ?1)
                           AND kind IN ({SENT_KINDS})
                         ORDER BY due_at, id LIMIT ?3 {skip_locked})
            RETURNING id"""
        self.claimed_rows = f"""SELECT d.id, d.chat_id, s.chat_type, d.kind, d.tip_id,
                  d.broadcast_id, coalesce(t.text, b.text, ''), d.attempts,
                  d.kind = 'daily' AND s.setup_step IN ('zone', 'time') AND NOT EXISTS (
                      SELECT 1 FROM deliveries e {d.indexed_by('deliveries_chat')}
                      WHERE e.chat_id = d.chat_id AND e.kind = 'daily' AND e.id < d.id),
                  d.local_date, d.expires_at, d.created_at, d.error, d.error_detail,
                  s.language
            FROM deliveries d
            JOIN subscribers s ON s.chat_id = d.chat_id
            LEFT JOIN tips t ON t.id = d.tip_id AND d.kind != 'broadcast'
            LEFT JOIN broadcasts b ON b.id = d.broadcast_id
            WHERE d.id IN ({d.json_values("?1")})
            ORDER BY d.due_at, d.id"""
        # The other languages' texts of the broadcasts among the claimed rows (?1 ids).
        self.broadcast_texts = f"""SELECT broadcast_id, language, text FROM broadcast_texts
            WHERE broadcast_id IN ({d.json_values("?1")})"""
        # Rows backing off after a failed attempt, due now (?1 now).
        self.retry_waiting = f"""UPDATE deliveries SET due_at = ?1
            WHERE status = 'pending' AND claimed_by IS NULL AND due_at > ?1 AND attempts > 0
              AND error IS NOT NULL AND kind IN ({SENT_KINDS})"""
        # Claims left by an instance that stopped or crashed (?1: a JSON array of ids to
        # keep).
        self.release = f"""UPDATE deliveries SET claimed_by = NULL
            WHERE claimed_by IS NOT NULL AND status = 'pending'
              AND id NOT IN ({d.json_values("?1")})"""
        self.stall_overdue = f"""SELECT count(*) FROM deliveries
               {d.indexed_by('deliveries_pending')}
               WHERE status = 'pending' AND due_at <= ? AND kind IN ('daily', 'broadcast')"""
        self.stall_last = f"""SELECT last_attempt_at FROM deliveries
               {d.indexed_by('deliveries_attempted')}
               WHERE last_attempt_at IS NOT NULL AND kind IN ('daily', 'broadcast')
               ORDER BY last_attempt_at DESC LIMIT 1"""


@cache
def statements(dialect: Dialect) -> _Statements:
    """The outbox's statements for one dialect (built on first use)."""
    return _Statements(dialect)


@lru_cache(maxsize=1024)
def _disliked(ids: str | None) -> frozenset[str]:
    """Most chats dislike nothing, and the rest few tips: one shared set per distinct list."""
    return tip_ids(ids)


class OutboxQueries:
    """The daily plan inputs and writes, the pending queue and send outcomes."""

    def __init__(self, db: Database, subscribers: SubscriberQueries) -> None:
        self._db = db
        self._subscribers = subscribers
        self._sql = statements(db.dialect)

    async def due(self, now: datetime, limit: int) -> list[DueSubscriber]:
        """Subscribers whose next send instant has come, with their current cycle's seen tips."""
        rows = await self._db.fetch_all(self._sql.due, (to_ts(now), limit))
        due: list[DueSubscriber] = []
        unreadable: list[tuple[int, str]] = []
        append = due.append
        for row in rows:
            try:
                append(decode_due(row, tip_ids(row[9]), _disliked(row[10])))
            except (ValueError, TypeError, AttributeError, IndexError) as exc:
                unreadable.append((row[0], type(exc).__name__))
        if unreadable:
            # One bad row must not stop the tick for everyone, nor come back every tick.
            await self._subscribers.quarantine(unreadable, now)
        return due

    async def apply_daily_plans(self, plans: Sequence[DailyPlan], now: datetime) -> int:
        """Write the tick's decisions atomically: outbox rows, rotation, next instants.

        The unique (chat_id, due_at) index of daily rows turns a second row for the same
        slot into a no-op, so even a replayed tick cannot queue a second tip; a second slot
        on one local day is refused by the plan (DailyScheduler.plan, `already_done`).
        Returns how many new pending rows were queued.

        The whole transaction is one hop to the writer thread (`Database.transact`), and
        each statement takes its rows as one JSON array (`json_each`): one statement per
        slice instead of a Python call and a parameter binding per row (bench/README.md).
        """
        if not plans:
            return 0
        ts = to_ts(now)
        # A slice's plans share a few instants and dates (one per zone and slot),
        # so each is converted once: five conversions per plan were a tenth of the tick.
        stamps: dict[datetime, int] = {}
        days: dict[date, str] = {}

        def stamp(moment: datetime) -> int:
            found = stamps.get(moment)
            if found is None:
                found = stamps[moment] = to_ts(moment)
            return found

        def day(value: date) -> str:
            found = days.get(value)
            if found is None:
                found = days[value] = value.isoformat()
            return found

        sends = dumps([(p.chat_id, p.tip_id, day(p.local_date), stamp(p.due_at),
                        stamp(p.expires_at) if p.expires_at else None)
                       for p in plans if p.tip_id is not None])
        misses = dumps([(p.chat_id, day(p.local_date),
                         p.reason or Reason.OFFLINE_PAST_GRACE, stamp(p.due_at))
                        for p in plans if p.tip_id is None])
        updates = dumps([(p.chat_id, p.tip_id, p.cycle, stamp(p.next_send_at),
                          stamp(p.due_at), p.last_topic) for p in plans])
        resumes = [(p.chat_id,) for p in plans if p.resume]

        sql = self._sql

        def write(tx: sqlite3.Connection) -> int:
            queued = tx.execute(sql.insert_sends, (sends, ts)).rowcount
            if misses != "[]":
                tx.execute(sql.insert_misses, (misses, ts))
            tx.execute(sql.update_planned, (updates,))
            if resumes:
                # A paused subscriber becomes due on the day the pause ends: it resumes
                # here. Apart from the update above, so the status index is only
                # rewritten for the few rows that change (setting it on every row costs
                # 40 % of the update), and only for the plans whose row was read paused.
                tx.executemany(
                    """UPDATE subscribers SET status = 'active', paused_until = NULL
                       WHERE chat_id = ? AND (status != 'active' OR paused_until IS NOT NULL)""",
                    resumes)
            return queued

        return await self._db.transact(write)

    async def add_on_demand(
        self, *, chat_id: int, tip_id: str, cycle: int, topic: str, now: datetime,
        kind: str = "on_demand",
    ) -> int:
        """Advance the rotation and add an on-demand outbox row; returns its id.

        The row is written as 'pending' before the reply goes out and marked afterwards,
        so a failed reply is recorded rather than silently counted as delivered.
        """
        ts = to_ts(now)
        async with self._db.write() as tx:
            await tx.execute(
                f"""UPDATE subscribers SET cycle_seen = {self._sql.seen_on_demand},
                       rotation_cycle = ?2, last_topic = ?3, updated_at = ?4
                   WHERE chat_id = ?5""",
                (tip_id, cycle, topic, ts, chat_id),
            )
            async with tx.execute(
                """INSERT INTO deliveries (chat_id, kind, tip_id, status, due_at, created_at)
                   VALUES (?, ?, ?, 'pending', ?, ?) RETURNING id""",
                (chat_id, kind, tip_id, ts, ts),
            ) as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def queue_later(self, *, chat_id: int, tip_id: str | None, day: date,
                          due_at: datetime, expires_at: datetime, now: datetime) -> None:
        """Queue a "Later" of one message (a tip, or the stretch when `tip_id` is None),
        or move the chat's pending one of it: a second press never queues a second."""
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """UPDATE deliveries SET due_at = ?1, local_date = ?2, expires_at = ?5
                   WHERE chat_id = ?3 AND kind = 'later' AND status = 'pending'
                     AND coalesce(tip_id, '') = coalesce(?4, '')""",
                (to_ts(due_at), day.isoformat(), chat_id, tip_id, to_ts(expires_at)))
            if cursor.rowcount == 0:
                await tx.execute(
                    """INSERT INTO deliveries (chat_id, kind, tip_id, local_date, status,
                                               due_at, expires_at, created_at)
                       VALUES (?, 'later', ?, ?, 'pending', ?, ?, ?)""",
                    (chat_id, tip_id, day.isoformat(), to_ts(due_at), to_ts(expires_at),
                     to_ts(now)))

    async def count_since(self, chat_id: int, kind: str, since: datetime) -> int:
        """How many rows of `kind` one chat got since an instant (the ➕ daily cap)."""
        return int(await self._db.fetch_value(
            """SELECT count(*) FROM deliveries
               WHERE chat_id = ? AND kind = ? AND created_at >= ?""",
            (chat_id, kind, to_ts(since)), default=0))

    async def claim(self, now: datetime, limit: int, epoch: int) -> list[PendingDelivery]:
        """Take up to `limit` unclaimed rows due now, oldest first, for the sender instance
        `epoch`; returns them with the text to send.

        The claim is written in the same transaction that reads them (the writer thread,
        under the write lock, so it sees every outcome recorded before it): a row stays
        claimed until its outcome is recorded, and no later claim can take it, so a row
        cannot be sent twice by one running bot whatever the refill's timing. (The
        PostgreSQL outbox: the same UPDATE … RETURNING with FOR UPDATE SKIP LOCKED.)
        """
        sql = self._sql

        def take(tx: sqlite3.Connection) -> tuple[list[Row], list[Row]]:
            claimed = dumps([row[0] for row in tx.execute(sql.claim,
                                                          (epoch, to_ts(now), limit))])
            if claimed == "[]":  # nothing due: the idle sender's poll, no second read
                return [], []
            rows = tx.execute(sql.claimed_rows, (claimed,)).fetchall()
            broadcasts = dumps(sorted({row[5] for row in rows if row[5] is not None}))
            if broadcasts == "[]":  # daily tips and prompts: no second read
                return rows, []
            return rows, tx.execute(sql.broadcast_texts, (broadcasts,)).fetchall()

        rows, texts = await self._db.transact(take)
        translations: dict[int, dict[str, str]] = {}
        for broadcast_id, language, text in texts:
            translations.setdefault(broadcast_id, {})[language] = text
        shared = {key: MappingProxyType(value) for key, value in translations.items()}
        return [PendingDelivery(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                                remind_setup=bool(row[8]), local_date=row[9],
                                expires_at=from_ts(row[10]), created_at=from_ts(row[11]),
                                last_error=row[12], last_error_detail=row[13],
                                language=row[14],
                                translations=shared.get(row[5]))
                for row in rows]

    async def release_claims(self, keep: Collection[int] = ()) -> int:
        """Unclaim every pending row but `keep` (rows whose outcome the caller still holds);
        returns how many. For the sender when it starts: what a stopped or crashed instance
        had claimed was never recorded as sent, so it is sent now (the crash bound counts
        the ones that were in flight)."""
        kept = dumps(sorted(keep))

        sql = self._sql

        def release(tx: sqlite3.Connection) -> int:
            return int(tx.execute(sql.release, (kept,)).rowcount)

        return await self._db.transact(release)

    async def retry_waiting(self, now: datetime) -> int:
        """Bring every unclaimed row waiting out a backoff after a failed attempt forward
        to `now` (Telegram answers again); returns how many. Rows never attempted keep
        their time, and an expired one is given up when the sender takes it."""
        sql = self._sql

        def write(tx: sqlite3.Connection) -> int:
            return int(tx.execute(sql.retry_waiting, (to_ts(now),)).rowcount)

        return await self._db.transact(write)

    async def next_pending_due(self) -> datetime | None:
        """When the earliest pending row (a retry, a later broadcast) comes due."""
        return from_ts(await self._db.fetch_value(
            f"""SELECT min(due_at) FROM deliveries
               WHERE status = 'pending' AND kind IN ({SENT_KINDS})"""))

    async def apply_outcomes(self, outcomes: Sequence[DeliveryOutcome],
                             epoch: int | None = None) -> None:
        """Record a batch of send results in one transaction (one fsync, not one per send).

        Only rows still pending change, so a late or repeated outcome cannot undo a settled one.
        Only rows still claimed by `epoch` (the sender's claim; None: rows nobody claimed,
        an on-demand reply) change: with PostgreSQL a leader that lost its lock may still
        write the outcomes of sends that were in flight, after its successor released
        and re-claimed those rows; that late write is ignored.
        Every outcome stamps `last_attempt_at` (the health check's sign of progress) and a
        timed-out attempt adds one to `timeouts`.

        One hop and one statement (`Database.transact`, the batch as a JSON array): through
        the shared connection a flush was three hops (BEGIN, the statement, COMMIT), each
        waiting for a turn of the event loop while holding the write lock, and the sender
        stops at 32 unwritten outcomes. With a tick planning on the same loop, a flush held
        the lock 16 ms on average and up to 156 ms (paid 1,000/s, bench/README.md).
        Outcomes for one row in a batch cannot happen (a row stays busy until its outcome
        is written); should they, only the first counts.
        """
        if not outcomes:
            return
        first: dict[int, DeliveryOutcome] = {}
        for outcome in outcomes:  # one per row (a row is busy until flushed); the first wins
            first.setdefault(outcome.delivery_id, outcome)
        batch = dumps([(o.delivery_id, o.status, o.message_id, o.error, to_ts(o.at),
                        int(o.count_attempt), to_ts(o.retry_at) if o.retry_at else None,
                        int(o.timed_out), o.detail and o.detail[:200], o.cause)
                       for o in first.values()])

        sql = self._sql

        def write(tx: sqlite3.Connection) -> None:
            tx.execute(sql.settle, (batch, epoch))

        await self._db.transact(write)

    async def stall(self, now: datetime, after: timedelta) -> int:
        """How many sendable rows are overdue by `after` while nothing was attempted for
        as long: 0 when the sender keeps up or keeps making progress (the health check).
        """
        since = to_ts(now - after)
        overdue = int(await self._db.fetch_value(self._sql.stall_overdue, (since,), default=0))
        if not overdue:
            return 0
        last = await self._db.fetch_value(self._sql.stall_last)
        return overdue if last is None or last < since else 0
