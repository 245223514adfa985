"""Everything the bot keeps, in SQLite through aiosqlite. All SQL lives in this module.

Times are stored as integer UNIX seconds (UTC) so range queries on the due index stay
cheap; send times as 'HH:MM'; local dates as ISO 'YYYY-MM-DD'. Every statement binds its
values as parameters: nothing a user typed is ever pasted into SQL text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import aiosqlite

from tips.catalog import Tip

# Each entry upgrades the schema by one version (PRAGMA user_version). Never edit a
# shipped entry: add a new one, so existing databases upgrade in place on start.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE subscribers (
        chat_id         INTEGER PRIMARY KEY,
        user_id         INTEGER,
        chat_type       TEXT    NOT NULL DEFAULT 'private',
        status          TEXT    NOT NULL
                        CHECK (status IN ('active', 'paused', 'stopped', 'blocked')),
        send_time       TEXT    NOT NULL,
        timezone        TEXT    NOT NULL,
        topics          TEXT    NOT NULL,
        next_send_at    INTEGER,
        last_daily_at   INTEGER,
        last_topic      TEXT,
        rotation_cycle  INTEGER NOT NULL DEFAULT 0,
        paused_until    TEXT,
        inactive_reason TEXT,
        need_mg         INTEGER,
        need_profile    TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
    );
    CREATE INDEX subscribers_due ON subscribers (next_send_at)
        WHERE status IN ('active', 'paused');
    CREATE INDEX subscribers_status ON subscribers (status);

    CREATE TABLE tips (
        id         TEXT    PRIMARY KEY,
        topic      TEXT    NOT NULL,
        text       TEXT    NOT NULL,
        source     TEXT    NOT NULL,
        origin     TEXT    NOT NULL DEFAULT 'catalog' CHECK (origin IN ('catalog', 'admin')),
        retired    INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );

    CREATE TABLE tip_views (
        chat_id INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        cycle   INTEGER NOT NULL,
        tip_id  TEXT    NOT NULL REFERENCES tips (id),
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (chat_id, cycle, tip_id)
    ) WITHOUT ROWID;

    CREATE TABLE broadcasts (
        id          INTEGER PRIMARY KEY,
        admin_id    INTEGER NOT NULL,
        text        TEXT    NOT NULL,
        status      TEXT    NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'sending', 'done', 'cancelled')),
        progress_chat_id    INTEGER,
        progress_message_id INTEGER,
        created_at  INTEGER NOT NULL,
        started_at  INTEGER,
        finished_at INTEGER
    );

    CREATE TABLE deliveries (
        id           INTEGER PRIMARY KEY,
        chat_id      INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        kind         TEXT    NOT NULL
                     CHECK (kind IN ('daily', 'on_demand', 'another', 'broadcast')),
        tip_id       TEXT    REFERENCES tips (id),
        broadcast_id INTEGER REFERENCES broadcasts (id),
        local_date   TEXT,
        status       TEXT    NOT NULL
                     CHECK (status IN ('pending', 'sent', 'failed', 'blocked', 'missed',
                                       'cancelled')),
        attempts     INTEGER NOT NULL DEFAULT 0,
        error        TEXT,
        message_id   INTEGER,
        due_at       INTEGER NOT NULL,
        created_at   INTEGER NOT NULL,
        sent_at      INTEGER
    );
    CREATE UNIQUE INDEX deliveries_daily_once ON deliveries (chat_id, local_date)
        WHERE kind = 'daily';
    CREATE UNIQUE INDEX deliveries_broadcast_once ON deliveries (broadcast_id, chat_id)
        WHERE kind = 'broadcast';
    CREATE INDEX deliveries_pending ON deliveries (due_at) WHERE status = 'pending';
    CREATE INDEX deliveries_chat ON deliveries (chat_id, created_at);
    CREATE INDEX deliveries_broadcast ON deliveries (broadcast_id, status)
        WHERE broadcast_id IS NOT NULL;

    CREATE TABLE feedback (
        chat_id    INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        tip_id     TEXT    NOT NULL REFERENCES tips (id),
        vote       INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (chat_id, tip_id)
    ) WITHOUT ROWID;
    CREATE INDEX feedback_tip ON feedback (tip_id);
    """,
)


def to_ts(moment: datetime) -> int:
    """Aware datetime → integer UNIX seconds, the storage format for instants."""
    return int(moment.timestamp())


def from_ts(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One chat's subscription and rotation state, as stored."""

    chat_id: int
    user_id: int | None
    chat_type: str
    status: str
    send_time: time
    timezone: str
    topics: tuple[str, ...]
    next_send_at: datetime | None
    last_daily_at: datetime | None  # UTC instant of the last daily slot (sent or missed)
    last_topic: str | None
    rotation_cycle: int
    paused_until: date | None
    inactive_reason: str | None
    created_at: datetime
    updated_at: datetime
    need_mg: int | None = None
    need_profile: str | None = None


_SUBSCRIBER_COLUMNS = (
    "chat_id, user_id, chat_type, status, send_time, timezone, topics, next_send_at, "
    "last_daily_at, last_topic, rotation_cycle, paused_until, inactive_reason, "
    "created_at, updated_at, need_mg, need_profile"
)


def _subscriber(row: sqlite3.Row | tuple[Any, ...]) -> Subscriber:
    hour, minute = (int(part) for part in row[4].split(":"))
    return Subscriber(
        chat_id=row[0],
        user_id=row[1],
        chat_type=row[2],
        status=row[3],
        send_time=time(hour, minute),
        timezone=row[5],
        topics=tuple(t for t in row[6].split(",") if t),
        next_send_at=from_ts(row[7]),
        last_daily_at=from_ts(row[8]),
        last_topic=row[9],
        rotation_cycle=row[10],
        paused_until=date.fromisoformat(row[11]) if row[11] else None,
        inactive_reason=row[12],
        created_at=from_ts(row[13]) or datetime.min.replace(tzinfo=UTC),
        updated_at=from_ts(row[14]) or datetime.min.replace(tzinfo=UTC),
        need_mg=row[15],
        need_profile=row[16],
    )


def _tip(row: sqlite3.Row | tuple[Any, ...]) -> Tip:
    return Tip(id=row[0], topic=row[1], text=row[2], source=row[3])


@dataclass(frozen=True, slots=True)
class NewSubscriber:
    """A subscriber row to create in bulk."""

    chat_id: int
    send_time: time
    timezone: str
    topics: tuple[str, ...]
    next_send_at: datetime | None
    status: str = "active"
    chat_type: str = "private"
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredTip:
    """A tip with its database-only facts (who added it, whether it is retired)."""

    tip: Tip
    origin: str
    retired: bool


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    admin_id: int
    text: str
    status: str
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


_BROADCAST_COLUMNS = (
    "id, admin_id, text, status, progress_chat_id, progress_message_id, created_at, "
    "started_at, finished_at"
)


def _broadcast(row: sqlite3.Row | tuple[Any, ...]) -> Broadcast:
    return Broadcast(
        id=row[0], admin_id=row[1], text=row[2], status=row[3], progress_chat_id=row[4],
        progress_message_id=row[5], created_at=from_ts(row[6]) or datetime.min.replace(tzinfo=UTC),
        started_at=from_ts(row[7]), finished_at=from_ts(row[8]),
    )


@dataclass(frozen=True, slots=True)
class Stats:
    by_status: dict[str, int]
    new_last_7_days: int
    tips_sent_today: int
    tips_sent_7_days: int
    failures: list[tuple[str, int]]
    top_tips: list[tuple[str, int, int]]
    bottom_tips: list[tuple[str, int, int]]


@dataclass(frozen=True, slots=True)
class DueSubscriber:
    """A subscriber whose daily tip is due, with what the selector needs to pick it."""

    subscriber: Subscriber
    seen: frozenset[str]
    disliked: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class DailyPlan:
    """What the scheduler decided for one due subscriber, written in one transaction."""

    chat_id: int
    local_date: date
    due_at: datetime
    next_send_at: datetime
    tip_id: str | None  # None: the slot was missed (too late) and is recorded as such
    cycle: int
    last_topic: str | None


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """An outbox row ready to send, joined with the text it carries."""

    id: int
    chat_id: int
    chat_type: str
    kind: str
    tip_id: str | None
    broadcast_id: int | None
    text: str
    attempts: int


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """How one send ended; applied to the outbox in batches."""

    delivery_id: int
    status: str  # 'sent' | 'failed' | 'blocked' | 'pending' (retry later)
    at: datetime
    message_id: int | None = None
    error: str | None = None
    retry_at: datetime | None = None
    count_attempt: bool = True


class Storage:
    """The bot's SQLite database: one aiosqlite connection in WAL mode."""

    def __init__(self, connection: aiosqlite.Connection, path: Path | str) -> None:
        self._db = connection
        self.path = path
        self._write_lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[None]:
        """One write transaction at a time on the shared connection.

        Every coroutine shares this one connection, so without the lock one task's
        statements could land inside another task's open transaction (and be committed or
        rolled back with it). IMMEDIATE takes SQLite's write lock up front, so a backup or
        a second process never sees half of a change.
        """
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self._db.rollback()
                raise
            await self._db.commit()

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        """Open (creating folders and file as needed) and migrate to the latest schema."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path))
        storage = cls(connection, path)
        try:
            await storage._configure()
            await storage._migrate()
        except BaseException:
            await connection.close()
            raise
        return storage

    async def close(self) -> None:
        await self._db.close()

    async def _configure(self) -> None:
        await self._db.execute("PRAGMA journal_mode = WAL")
        await self._db.execute("PRAGMA foreign_keys = ON")
        await self._db.execute("PRAGMA synchronous = NORMAL")
        await self._db.execute("PRAGMA busy_timeout = 5000")

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = row[0] if row else 0
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"database schema version {version} is newer than this bot "
                f"({len(MIGRATIONS)}); upgrade the bot"
            )
        for number in range(version, len(MIGRATIONS)):
            # executescript commits first; the version bump rides in the same script so a
            # crash mid-migration leaves the previous version number in place.
            await self._db.executescript(
                "BEGIN;\n" + MIGRATIONS[number] + f"\nPRAGMA user_version = {number + 1};\nCOMMIT;"
            )

    async def integrity_ok(self) -> bool:
        async with self._db.execute("PRAGMA quick_check") as cursor:
            row = await cursor.fetchone()
        return bool(row) and row[0] == "ok"

    # ---------------------------------------------------------------- tips

    async def sync_catalog(self, tips: Sequence[Tip], now: datetime) -> int:
        """Insert new catalogue tips and refresh edited ones; admin tips and retirements stay.

        Returns how many rows were inserted or changed.
        """
        ts = to_ts(now)
        async with self._tx():
            before = self._db.total_changes
            await self._db.executemany(
                """
                INSERT INTO tips (id, topic, text, source, origin, retired, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'catalog', 0, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    topic = excluded.topic, text = excluded.text, source = excluded.source,
                    updated_at = excluded.updated_at
                WHERE tips.origin = 'catalog'
                  AND (tips.topic, tips.text, tips.source)
                      IS NOT (excluded.topic, excluded.text, excluded.source)
                """,
                [(t.id, t.topic, t.text, t.source, ts, ts) for t in tips],
            )
        return self._db.total_changes - before

    async def all_tips(self, topic: str | None = None) -> list[StoredTip]:
        async with self._db.execute(
            """SELECT id, topic, text, source, origin, retired FROM tips
               WHERE (? IS NULL OR topic = ?) ORDER BY topic, id""",
            (topic, topic),
        ) as cursor:
            return [StoredTip(_tip(r), r[4], bool(r[5])) for r in await cursor.fetchall()]

    async def get_tip(self, tip_id: str) -> StoredTip | None:
        async with self._db.execute(
            "SELECT id, topic, text, source, origin, retired FROM tips WHERE id = ?", (tip_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return StoredTip(_tip(row), row[4], bool(row[5])) if row else None

    async def add_tip(self, tip: Tip, now: datetime) -> bool:
        """Store an admin-written tip; False when the id is taken."""
        ts = to_ts(now)
        try:
            async with self._tx():
                await self._db.execute(
                    """INSERT INTO tips (id, topic, text, source, origin, retired, created_at,
                       updated_at) VALUES (?, ?, ?, ?, 'admin', 0, ?, ?)""",
                    (tip.id, tip.topic, tip.text, tip.source, ts, ts),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    async def set_tip_retired(self, tip_id: str, retired: bool, now: datetime) -> bool:
        async with self._tx():
            cursor = await self._db.execute(
                "UPDATE tips SET retired = ?, updated_at = ? WHERE id = ?",
                (int(retired), to_ts(now), tip_id),
            )
        return cursor.rowcount > 0

    async def tip_ids_with_prefix(self, prefix: str) -> list[str]:
        async with self._db.execute(
            "SELECT id FROM tips WHERE substr(id, 1, ?) = ?", (len(prefix), prefix)
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    # --------------------------------------------------------- subscribers

    async def get_subscriber(self, chat_id: int) -> Subscriber | None:
        async with self._db.execute(
            f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _subscriber(row) if row else None

    async def insert_subscriber(
        self, *, chat_id: int, user_id: int | None, chat_type: str, status: str,
        send_time: time, timezone: str, topics: Iterable[str],
        next_send_at: datetime | None, now: datetime,
    ) -> bool:
        """Create a subscriber; False if the chat already has a row (a second /start)."""
        ts = to_ts(now)
        async with self._tx():
            cursor = await self._db.execute(
                """INSERT INTO subscribers (chat_id, user_id, chat_type, status, send_time,
                       timezone, topics, next_send_at, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (chat_id) DO NOTHING""",
                (chat_id, user_id, chat_type, status, send_time.strftime("%H:%M"), timezone,
                 ",".join(topics), to_ts(next_send_at) if next_send_at else None, ts, ts),
            )
        return cursor.rowcount > 0

    async def insert_subscribers_bulk(self, rows: Sequence[NewSubscriber], now: datetime) -> None:
        """Many subscribers in one transaction: for imports, load tests and benchmarks."""
        ts = to_ts(now)
        async with self._tx():
            await self._db.executemany(
                """INSERT INTO subscribers (chat_id, user_id, chat_type, status, send_time,
                       timezone, topics, next_send_at, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (chat_id) DO NOTHING""",
                [(r.chat_id, r.user_id, r.chat_type, r.status, r.send_time.strftime("%H:%M"),
                  r.timezone, ",".join(r.topics),
                  to_ts(r.next_send_at) if r.next_send_at else None, ts, ts) for r in rows],
            )

    async def set_status(
        self, chat_id: int, status: str, *, next_send_at: datetime | None,
        now: datetime, reason: str | None = None, paused_until: date | None = None,
    ) -> bool:
        async with self._tx():
            cursor = await self._db.execute(
                """UPDATE subscribers SET status = ?, next_send_at = ?, inactive_reason = ?,
                       paused_until = ?, updated_at = ?
                   WHERE chat_id = ?""",
                (status, to_ts(next_send_at) if next_send_at else None, reason,
                 paused_until.isoformat() if paused_until else None, to_ts(now), chat_id),
            )
            changed = cursor.rowcount > 0
            if status in ("stopped", "paused"):
                # Someone who just said stop must not get a tip or broadcast queued earlier.
                await self._db.execute(
                    """UPDATE deliveries SET status = 'cancelled', error = ?
                       WHERE chat_id = ? AND status = 'pending'
                         AND kind IN ('daily', 'broadcast')""",
                    (f"subscriber {status}", chat_id),
                )
        return changed

    async def set_schedule(
        self, chat_id: int, *, send_time: time, timezone: str,
        next_send_at: datetime | None, now: datetime,
    ) -> None:
        async with self._tx():
            await self._db.execute(
                """UPDATE subscribers SET send_time = ?, timezone = ?, next_send_at = ?,
                       updated_at = ? WHERE chat_id = ?""",
                (send_time.strftime("%H:%M"), timezone,
                 to_ts(next_send_at) if next_send_at else None, to_ts(now), chat_id),
            )

    async def set_topics(self, chat_id: int, topics: Iterable[str], now: datetime) -> None:
        async with self._tx():
            await self._db.execute(
                "UPDATE subscribers SET topics = ?, updated_at = ? WHERE chat_id = ?",
                (",".join(topics), to_ts(now), chat_id),
            )

    async def mark_chat_blocked(self, chat_id: int, reason: str, now: datetime) -> bool:
        """Telegram said the chat is gone or blocked us: stop sending, keep the history."""
        async with self._tx():
            cursor = await self._db.execute(
                """UPDATE subscribers SET status = 'blocked', inactive_reason = ?,
                       next_send_at = NULL, updated_at = ?
                   WHERE chat_id = ? AND status != 'blocked'""",
                (reason[:200], to_ts(now), chat_id),
            )
            await self._db.execute(
                """UPDATE deliveries SET status = 'blocked', error = ?
                   WHERE chat_id = ? AND status = 'pending'""",
                (reason[:200], chat_id),
            )
        return cursor.rowcount > 0

    async def count_by_status(self) -> dict[str, int]:
        async with self._db.execute(
            "SELECT status, count(*) FROM subscribers GROUP BY status"
        ) as cursor:
            return {row[0]: row[1] for row in await cursor.fetchall()}

    # ------------------------------------------------------------ rotation

    async def seen_in_cycle(self, chat_id: int, cycle: int) -> frozenset[str]:
        async with self._db.execute(
            "SELECT tip_id FROM tip_views WHERE chat_id = ? AND cycle = ?", (chat_id, cycle)
        ) as cursor:
            return frozenset(row[0] for row in await cursor.fetchall())

    async def disliked_tips(self, chat_id: int) -> frozenset[str]:
        async with self._db.execute(
            "SELECT tip_id FROM feedback WHERE chat_id = ? AND vote = -1", (chat_id,)
        ) as cursor:
            return frozenset(row[0] for row in await cursor.fetchall())

    async def set_feedback(self, chat_id: int, tip_id: str, vote: int, now: datetime) -> None:
        """Store a 👍 (+1) or 👎 (-1); a later vote on the same tip replaces the earlier one."""
        async with self._tx():
            await self._db.execute(
                """INSERT INTO feedback (chat_id, tip_id, vote, updated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (chat_id, tip_id) DO UPDATE SET
                       vote = excluded.vote, updated_at = excluded.updated_at""",
                (chat_id, tip_id, vote, to_ts(now)),
            )

    async def count_deliveries_since(self, chat_id: int, kind: str, since: datetime) -> int:
        async with self._db.execute(
            """SELECT count(*) FROM deliveries
               WHERE chat_id = ? AND kind = ? AND created_at >= ?""",
            (chat_id, kind, to_ts(since)),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def record_on_demand(
        self, *, chat_id: int, tip_id: str, cycle: int, topic: str, now: datetime,
        kind: str = "on_demand",
    ) -> int:
        """Advance the rotation and add an on-demand outbox row; returns its id.

        The row is written as 'pending' before the reply goes out and marked afterwards,
        so a failed reply is recorded rather than silently counted as delivered.
        """
        ts = to_ts(now)
        async with self._tx():
            await self._db.execute(
                """INSERT OR IGNORE INTO tip_views (chat_id, cycle, tip_id, seen_at)
                   VALUES (?, ?, ?, ?)""",
                (chat_id, cycle, tip_id, ts),
            )
            await self._db.execute(
                """UPDATE subscribers SET rotation_cycle = ?, last_topic = ?, updated_at = ?
                   WHERE chat_id = ?""",
                (cycle, topic, ts, chat_id),
            )
            cursor = await self._db.execute(
                """INSERT INTO deliveries (chat_id, kind, tip_id, status, due_at, created_at)
                   VALUES (?, ?, ?, 'pending', ?, ?)""",
                (chat_id, kind, tip_id, ts, ts),
            )
        return int(cursor.lastrowid or 0)

    # -------------------------------------------------------------- outbox

    async def due_subscribers(self, now: datetime, limit: int) -> list[DueSubscriber]:
        """Active subscribers whose next send instant has come, with their current-cycle views."""
        async with self._db.execute(
            # INDEXED BY: with the status index also present, SQLite's planner otherwise
            # scans every active row and sorts them (measured: 5x slower at 100k).
            f"""SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers INDEXED BY subscribers_due
                WHERE status IN ('active', 'paused') AND next_send_at <= ?
                ORDER BY next_send_at LIMIT ?""",
            (to_ts(now), limit),
        ) as cursor:
            subscribers = [_subscriber(row) for row in await cursor.fetchall()]
        if not subscribers:
            return []
        seen: dict[int, set[str]] = {s.chat_id: set() for s in subscribers}
        async with self._db.execute(
            """SELECT v.chat_id, v.tip_id
               FROM json_each(?) AS due
               JOIN tip_views v ON v.chat_id = CAST(due.key AS INTEGER) AND v.cycle = due.value""",
            (json.dumps({str(s.chat_id): s.rotation_cycle for s in subscribers}),),
        ) as cursor:
            for chat_id, tip_id in await cursor.fetchall():  # one thread hop, not one per 64
                bucket = seen.get(chat_id)
                if bucket is not None:
                    bucket.add(tip_id)
        disliked: dict[int, set[str]] = {s.chat_id: set() for s in subscribers}
        async with self._db.execute(
            """SELECT f.chat_id, f.tip_id FROM json_each(?) AS due
               JOIN feedback f ON f.chat_id = due.value AND f.vote = -1""",
            (json.dumps([s.chat_id for s in subscribers]),),
        ) as cursor:
            for chat_id, tip_id in await cursor.fetchall():
                disliked[chat_id].add(tip_id)
        return [DueSubscriber(s, frozenset(seen[s.chat_id]), frozenset(disliked[s.chat_id]))
                for s in subscribers]

    async def next_due_at(self) -> datetime | None:
        """The earliest upcoming daily slot: lets a simulation jump straight to it."""
        async with self._db.execute(
            """SELECT min(next_send_at) FROM subscribers INDEXED BY subscribers_due
               WHERE status IN ('active', 'paused')"""
        ) as cursor:
            row = await cursor.fetchone()
        return from_ts(row[0]) if row and row[0] is not None else None

    async def apply_daily_plans(self, plans: Sequence[DailyPlan], now: datetime) -> int:
        """Write the tick's decisions atomically: outbox rows, rotation, next instants.

        The unique (chat_id, local_date) index turns a second daily row for the same local
        day into a no-op, so even a replayed tick cannot queue a second tip.
        Returns how many new pending rows were queued.
        """
        ts = to_ts(now)
        queued_before = self._db.total_changes
        async with self._tx():
            sends = [p for p in plans if p.tip_id is not None]
            misses = [p for p in plans if p.tip_id is None]
            await self._db.executemany(
                """INSERT INTO deliveries (chat_id, kind, tip_id, local_date, status, due_at,
                       created_at)
                   VALUES (?, 'daily', ?, ?, 'pending', ?, ?)
                   ON CONFLICT DO NOTHING""",
                [(p.chat_id, p.tip_id, p.local_date.isoformat(), to_ts(p.due_at), ts)
                 for p in sends],
            )
            queued = self._db.total_changes - queued_before
            await self._db.executemany(
                """INSERT INTO deliveries (chat_id, kind, local_date, status, error, due_at,
                       created_at)
                   VALUES (?, 'daily', ?, 'missed', 'bot was offline past the grace window',
                           ?, ?)
                   ON CONFLICT DO NOTHING""",
                [(p.chat_id, p.local_date.isoformat(), to_ts(p.due_at), ts) for p in misses],
            )
            await self._db.executemany(
                """INSERT OR IGNORE INTO tip_views (chat_id, cycle, tip_id, seen_at)
                   VALUES (?, ?, ?, ?)""",
                [(p.chat_id, p.cycle, p.tip_id, ts) for p in sends],
            )
            # A paused subscriber becomes due on the day the pause ends: it resumes here.
            await self._db.executemany(
                """UPDATE subscribers SET next_send_at = ?,
                       status = 'active', paused_until = NULL,
                       last_daily_at = max(coalesce(last_daily_at, 0), ?),
                       rotation_cycle = ?, last_topic = coalesce(?, last_topic)
                   WHERE chat_id = ?""",
                [(to_ts(p.next_send_at), to_ts(p.due_at), p.cycle, p.last_topic,
                  p.chat_id) for p in plans],
            )
        return queued

    async def pending_deliveries(self, now: datetime, limit: int,
                                 exclude: Collection[int] = ()) -> list[PendingDelivery]:
        """Outbox rows due now, oldest first, with the text to send."""
        # Snapshot first: the caller's set shrinks when a flush commits mid-query, and a
        # row it still held when the query began must not come back to be sent again.
        skip = set(exclude)
        async with self._db.execute(
            """SELECT d.id, d.chat_id, s.chat_type, d.kind, d.tip_id, d.broadcast_id,
                      coalesce(t.text, b.text, ''), d.attempts
               FROM deliveries d
               JOIN subscribers s ON s.chat_id = d.chat_id
               LEFT JOIN tips t ON t.id = d.tip_id AND d.kind != 'broadcast'
               LEFT JOIN broadcasts b ON b.id = d.broadcast_id
               WHERE d.status = 'pending' AND d.due_at <= ? AND d.kind IN ('daily', 'broadcast')
               ORDER BY d.due_at, d.id LIMIT ?""",
            (to_ts(now), limit + len(skip)),
        ) as cursor:
            rows = await cursor.fetchall()
        return [PendingDelivery(*row) for row in rows if row[0] not in skip][:limit]

    async def next_pending_due(self) -> datetime | None:
        async with self._db.execute(
            """SELECT min(due_at) FROM deliveries
               WHERE status = 'pending' AND kind IN ('daily', 'broadcast')"""
        ) as cursor:
            row = await cursor.fetchone()
        return from_ts(row[0]) if row and row[0] is not None else None

    async def apply_outcomes(self, outcomes: Sequence[DeliveryOutcome]) -> None:
        """Record a batch of send results in one transaction (one fsync, not one per send)."""
        if not outcomes:
            return
        async with self._tx():
            await self._db.executemany(
                """UPDATE deliveries SET status = ?, message_id = coalesce(?, message_id),
                       error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,
                       attempts = attempts + ?, due_at = coalesce(?, due_at)
                   WHERE id = ? AND status = 'pending'""",
                [(o.status, o.message_id, o.error, o.status, to_ts(o.at),
                  int(o.count_attempt), to_ts(o.retry_at) if o.retry_at else None,
                  o.delivery_id) for o in outcomes],
            )

    async def delivery_counts(self, kind: str | None = None) -> dict[str, int]:
        async with self._db.execute(
            """SELECT status, count(*) FROM deliveries WHERE (? IS NULL OR kind = ?)
               GROUP BY status""",
            (kind, kind),
        ) as cursor:
            return {row[0]: row[1] for row in await cursor.fetchall()}

    # ---------------------------------------------------------------- admin

    async def create_broadcast(self, admin_id: int, text: str, now: datetime) -> int:
        async with self._tx():
            cursor = await self._db.execute(
                """INSERT INTO broadcasts (admin_id, text, status, created_at)
                   VALUES (?, ?, 'draft', ?)""",
                (admin_id, text, to_ts(now)),
            )
        return int(cursor.lastrowid or 0)

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None:
        async with self._db.execute(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _broadcast(row) if row else None

    async def broadcasts_with_status(self, status: str) -> list[Broadcast]:
        async with self._db.execute(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE status = ? ORDER BY id",
            (status,),
        ) as cursor:
            return [_broadcast(row) for row in await cursor.fetchall()]

    async def recent_broadcasts(self, limit: int) -> list[Broadcast]:
        async with self._db.execute(
            f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
        ) as cursor:
            return [_broadcast(row) for row in await cursor.fetchall()]

    async def start_broadcast(self, broadcast_id: int, progress_chat_id: int,
                              progress_message_id: int | None, now: datetime) -> int | None:
        """Queue one outbox row per active subscriber, atomically; None if not a draft.

        The unique (broadcast_id, chat_id) index makes a replayed confirm harmless.
        """
        ts = to_ts(now)
        async with self._tx():
            cursor = await self._db.execute(
                """UPDATE broadcasts SET status = 'sending', started_at = ?,
                       progress_chat_id = ?, progress_message_id = ?
                   WHERE id = ? AND status = 'draft'""",
                (ts, progress_chat_id, progress_message_id, broadcast_id),
            )
            if cursor.rowcount == 0:
                return None
            cursor = await self._db.execute(
                """INSERT INTO deliveries (chat_id, kind, broadcast_id, status, due_at,
                       created_at)
                   SELECT chat_id, 'broadcast', ?, 'pending', ?, ? FROM subscribers
                   WHERE status = 'active'
                   ON CONFLICT DO NOTHING""",
                (broadcast_id, ts, ts),
            )
            return cursor.rowcount

    async def set_broadcast_progress_message(self, broadcast_id: int, chat_id: int,
                                             message_id: int) -> None:
        async with self._tx():
            await self._db.execute(
                """UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ?
                   WHERE id = ?""",
                (chat_id, message_id, broadcast_id),
            )

    async def finish_broadcast(self, broadcast_id: int, status: str, now: datetime) -> int:
        """Close a broadcast ('done', 'cancelled'); cancelling drops its unsent rows.

        Returns how many pending rows were cancelled.
        """
        async with self._tx():
            dropped = 0
            if status == "cancelled":
                cursor = await self._db.execute(
                    """UPDATE deliveries SET status = 'cancelled', error = 'cancelled by admin'
                       WHERE broadcast_id = ? AND status = 'pending'""",
                    (broadcast_id,),
                )
                dropped = cursor.rowcount
            await self._db.execute(
                """UPDATE broadcasts SET status = ?, finished_at = ?
                   WHERE id = ? AND status IN ('draft', 'sending')""",
                (status, to_ts(now), broadcast_id),
            )
        return dropped

    async def broadcast_counts(self, broadcast_id: int) -> dict[str, int]:
        async with self._db.execute(
            """SELECT status, count(*) FROM deliveries WHERE broadcast_id = ?
               GROUP BY status""",
            (broadcast_id,),
        ) as cursor:
            return {row[0]: row[1] for row in await cursor.fetchall()}

    async def count_subscribers(self, status: str) -> int:
        async with self._db.execute(
            "SELECT count(*) FROM subscribers WHERE status = ?", (status,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def tip_votes(self, topic: str | None = None) -> list[tuple[StoredTip, int, int]]:
        """Every tip with its 👍 and 👎 counts."""
        async with self._db.execute(
            """SELECT t.id, t.topic, t.text, t.source, t.origin, t.retired,
                      coalesce(sum(f.vote = 1), 0), coalesce(sum(f.vote = -1), 0)
               FROM tips t LEFT JOIN feedback f ON f.tip_id = t.id
               WHERE (? IS NULL OR t.topic = ?)
               GROUP BY t.id ORDER BY t.topic, t.id""",
            (topic, topic),
        ) as cursor:
            return [(StoredTip(_tip(r), r[4], bool(r[5])), int(r[6]), int(r[7]))
                    for r in await cursor.fetchall()]

    async def stats(self, now: datetime, day_start: datetime) -> Stats:
        """The numbers behind /stats, read in one go."""
        week_ago = to_ts(now) - 7 * 86400
        by_status = await self.count_by_status()
        async with self._db.execute(
            "SELECT count(*) FROM subscribers WHERE created_at >= ?", (week_ago,)
        ) as cursor:
            new_week = (await cursor.fetchone() or (0,))[0]
        async with self._db.execute(
            """SELECT sum(sent_at >= ?), sum(sent_at >= ?) FROM deliveries
               WHERE status = 'sent' AND kind != 'broadcast'""",
            (to_ts(day_start), week_ago),
        ) as cursor:
            today, week = await cursor.fetchone() or (0, 0)
        async with self._db.execute(
            """SELECT coalesce(error, status), count(*) FROM deliveries
               WHERE status IN ('failed', 'blocked') GROUP BY 1 ORDER BY 2 DESC LIMIT 8"""
        ) as cursor:
            failures = [(str(r[0]), int(r[1])) for r in await cursor.fetchall()]
        votes = [(stored.tip.id, up, down) for stored, up, down in await self.tip_votes()
                 if up or down]
        ranked = sorted(votes, key=lambda v: (v[1] - v[2], v[1]), reverse=True)
        return Stats(by_status=by_status, new_last_7_days=int(new_week),
                     tips_sent_today=int(today or 0), tips_sent_7_days=int(week or 0),
                     failures=failures, top_tips=[v for v in ranked if v[1] - v[2] > 0][:3],
                     bottom_tips=[v for v in reversed(ranked) if v[1] - v[2] < 0][:3])

    # ------------------------------------------------- personal data (issue 5)
    # (personal-data queries go here)

    async def set_need(self, chat_id: int, need_mg: int, profile: str, now: datetime) -> bool:
        """Remember a /need answer; False (and nothing written) if the chat has no row."""
        async with self._tx():
            cursor = await self._db.execute(
                """UPDATE subscribers SET need_mg = ?, need_profile = ?, updated_at = ?
                   WHERE chat_id = ?""",
                (need_mg, profile, to_ts(now), chat_id),
            )
        return cursor.rowcount > 0

    async def delivery_tally(self, chat_id: int) -> list[tuple[str, str, int]]:
        """(kind, status, count) of one chat's deliveries, for /mydata."""
        async with self._db.execute(
            """SELECT kind, status, count(*) FROM deliveries WHERE chat_id = ?
               GROUP BY kind, status ORDER BY kind, status""",
            (chat_id,),
        ) as cursor:
            return [(row[0], row[1], row[2]) for row in await cursor.fetchall()]

    async def recent_deliveries(
        self, chat_id: int, limit: int,
    ) -> list[tuple[str, str, datetime, datetime | None]]:
        """(kind, status, created, sent) of one chat's latest deliveries, newest first."""
        async with self._db.execute(
            """SELECT kind, status, created_at, sent_at FROM deliveries WHERE chat_id = ?
               ORDER BY created_at DESC, id DESC LIMIT ?""",
            (chat_id, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(row[0], row[1], from_ts(row[2]) or datetime.min.replace(tzinfo=UTC),
                 from_ts(row[3])) for row in rows]

    async def feedback_tally(self, chat_id: int) -> tuple[int, int]:
        """(helpful, not for me) votes one chat has stored."""
        async with self._db.execute(
            """SELECT coalesce(sum(vote = 1), 0), coalesce(sum(vote = -1), 0)
               FROM feedback WHERE chat_id = ?""",
            (chat_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def tip_view_count(self, chat_id: int) -> int:
        """How many (cycle, tip) 'already seen' marks the rotation keeps for one chat."""
        async with self._db.execute(
            "SELECT count(*) FROM tip_views WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def forget_chat(self, chat_id: int) -> bool:
        """Delete a chat's subscriber row; ON DELETE CASCADE removes its deliveries,
        tip views and feedback in the same statement, so it is one atomic transaction.

        A single statement (rather than BEGIN … several DELETEs … COMMIT) also cannot
        interleave with another coroutine's statements on this shared connection.
        Returns False when there was no row to delete.
        """
        async with self._tx():
            cursor = await self._db.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,))
        return cursor.rowcount > 0

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read-only escape hatch for tests and benchmarks that check what is stored."""
        if not sql.lstrip().upper().startswith(("SELECT", "WITH", "PRAGMA")):
            raise ValueError("fetch_all only reads")
        async with self._db.execute(sql, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

