"""Subscriber rows: who gets tips, when, on which topics, and whether they still want them.

Owns the `subscribers` table's reads and writes, and the row → Subscriber decoding the
outbox's due query reuses. Stopping, pausing or a block also settles the chat's pending
outbox rows in the same transaction, so nobody who said stop is sent a tip queued earlier.
Send times are stored as 'HH:MM', topics as a comma-separated list, instants as UNIX seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from bot.core.reasons import Reason
from bot.storage.db import Database, from_ts, to_ts
from bot.storage.models import DueSubscriber, NewSubscriber, Subscriber

SUBSCRIBER_COLUMNS = (
    "chat_id, user_id, chat_type, status, send_time, timezone, topics, next_send_at, "
    "last_daily_at, last_topic, rotation_cycle, paused_until, inactive_reason, "
    "created_at, updated_at, need_mg, need_profile, setup_step, inactive_detail"
)

log = logging.getLogger(__name__)

_EPOCH_FLOOR = datetime.min.replace(tzinfo=UTC)

# --- perf: decoding is the daily tick's hot path (2,000 rows per batch at 1,000,000
# subscribers). Send times, topic lists and minute-aligned instants repeat across rows, so
# each distinct value is parsed once; the object is built without the frozen dataclass's
# per-field object.__setattr__ (same fields, same values, equal to Subscriber(...)).


@lru_cache(maxsize=2048)
def _send_time(text: str) -> time:
    hour, minute = (int(part) for part in text.split(":"))
    return time(hour, minute)


@lru_cache(maxsize=4096)
def _topics(text: str) -> tuple[str, ...]:
    return tuple(t for t in text.split(",") if t)


@lru_cache(maxsize=1 << 14)
def _slot(value: int | None) -> datetime | None:
    """next_send_at / last_daily_at: local wall-clock minutes, so few distinct values a day."""
    return from_ts(value)


def _instant_or_floor(value: int | None) -> datetime:
    return _EPOCH_FLOOR if value is None else datetime.fromtimestamp(value, UTC)


_FIELDS = tuple(Subscriber.__dataclass_fields__)
_SETTERS = tuple(getattr(Subscriber, name).__set__ for name in _FIELDS)
_new = object.__new__


def _build(values: tuple[Any, ...]) -> Subscriber:
    """Subscriber(*values), without the frozen __setattr__ detour per field."""
    if len(values) != len(_SETTERS):  # a field added with a default: the normal way
        return Subscriber(*values)
    subscriber = _new(Subscriber)
    for setter, value in zip(_SETTERS, values):  # noqa: B905 (lengths checked above)
        setter(subscriber, value)
    return subscriber


def decode_subscriber(row: Sequence[Any]) -> Subscriber:
    """One row selected as SUBSCRIBER_COLUMNS → Subscriber."""
    return _build((
        row[0], row[1], row[2], row[3], _send_time(row[4]), row[5], _topics(row[6]),
        _slot(row[7]), _slot(row[8]), row[9], row[10],
        date.fromisoformat(row[11]) if row[11] else None, row[12],
        _instant_or_floor(row[13]), _instant_or_floor(row[14]), row[15], row[16], row[17],
        row[18],
    ))


DUE_COLUMNS = (
    "chat_id, send_time, timezone, topics, next_send_at, last_daily_at, last_topic, "
    "rotation_cycle, status != 'active' OR paused_until IS NOT NULL"
)
_due_row = tuple.__new__


def decode_due(row: Sequence[Any], seen: frozenset[str],
               disliked: frozenset[str]) -> DueSubscriber:
    """One row selected as DUE_COLUMNS (and the two sets) → DueSubscriber.

    Same checks as decode_subscriber on the same columns (a bad send time or instant
    raises), built as the tuple it is rather than through NamedTuple's keyword __new__.
    """
    if row[3] is None or row[7] is None:  # NOT NULL columns: a damaged row, not a default
        raise TypeError("subscriber row misses topics or rotation cycle")
    return _due_row(DueSubscriber, (
        row[0], _send_time(row[1]), row[2], _topics(row[3]), _slot(row[4]), _slot(row[5]),
        row[6], row[7], bool(row[8]), seen, disliked))


async def _references(tx: Any) -> list[tuple[str, str]]:
    """(table, column) of every foreign key that points at subscribers.chat_id."""
    found: list[tuple[str, str]] = []
    async with tx.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        tables = [row[0] for row in await cursor.fetchall()]
    for table in tables:
        async with tx.execute(f"PRAGMA foreign_key_list({table})") as cursor:
            for row in await cursor.fetchall():
                if row[2] == "subscribers" and row[4] in (None, "chat_id"):
                    found.append((table, row[3]))
    return found


def _instant(moment: datetime | None) -> int | None:
    return to_ts(moment) if moment else None


class SubscriberQueries:
    """Reads and writes of the subscribers table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, chat_id: int) -> Subscriber | None:
        row = await self._db.fetch_one(
            f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE chat_id = ?", (chat_id,))
        return decode_subscriber(row) if row else None

    async def add(
        self, *, chat_id: int, user_id: int | None, chat_type: str, status: str,
        send_time: time, timezone: str, topics: Iterable[str],
        next_send_at: datetime | None, now: datetime,
    ) -> bool:
        """Create a subscriber; False if the chat already has a row (a second /start)."""
        ts = to_ts(now)
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """INSERT INTO subscribers (chat_id, user_id, chat_type, status, send_time,
                       timezone, topics, next_send_at, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (chat_id) DO NOTHING""",
                (chat_id, user_id, chat_type, status, send_time.strftime("%H:%M"), timezone,
                 ",".join(topics), _instant(next_send_at), ts, ts),
            )
        return cursor.rowcount > 0

    async def add_many(self, rows: Sequence[NewSubscriber], now: datetime) -> None:
        """Many subscribers in one transaction (imports, load tests, benchmarks).

        Existing chats are left as they are.
        """
        ts = to_ts(now)
        async with self._db.write() as tx:
            await tx.executemany(
                """INSERT INTO subscribers (chat_id, user_id, chat_type, status, send_time,
                       timezone, topics, next_send_at, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (chat_id) DO NOTHING""",
                [(r.chat_id, r.user_id, r.chat_type, r.status, r.send_time.strftime("%H:%M"),
                  r.timezone, ",".join(r.topics), _instant(r.next_send_at), ts, ts)
                 for r in rows],
            )

    async def set_status(
        self, chat_id: int, status: str, *, next_send_at: datetime | None,
        now: datetime, paused_until: date | None = None,
    ) -> bool:
        """Change a subscription's status; stopping or pausing cancels its pending sends.

        Returns False when the chat has no row.
        """
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """UPDATE subscribers SET status = ?, next_send_at = ?, inactive_reason = NULL,
                       inactive_detail = NULL, paused_until = ?, updated_at = ?
                   WHERE chat_id = ?""",
                (status, _instant(next_send_at),
                 paused_until.isoformat() if paused_until else None, to_ts(now), chat_id),
            )
            changed = cursor.rowcount > 0
            if status in ("stopped", "paused"):
                # Someone who just said stop must not get a tip or broadcast queued earlier.
                await tx.execute(
                    """UPDATE deliveries SET status = 'cancelled', error = ?
                       WHERE chat_id = ? AND status = 'pending'
                         AND kind IN ('daily', 'broadcast', 'checkin', 'stretch',
                                      'weekly')""",
                    (Reason.SUBSCRIBER_STOPPED if status == "stopped"
                     else Reason.SUBSCRIBER_PAUSED, chat_id),
                )
        return changed

    async def set_schedule(
        self, chat_id: int, *, send_time: time, timezone: str,
        next_send_at: datetime | None, now: datetime,
    ) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                """UPDATE subscribers SET send_time = ?, timezone = ?, next_send_at = ?,
                       updated_at = ? WHERE chat_id = ?""",
                (send_time.strftime("%H:%M"), timezone, _instant(next_send_at), to_ts(now),
                 chat_id),
            )

    # --- onboarding
    async def set_setup_step(self, chat_id: int, step: str | None, now: datetime) -> None:
        """Record which sign-up question the chat was asked last ('done' when finished)."""
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE subscribers SET setup_step = ?, updated_at = ? WHERE chat_id = ?",
                (step, to_ts(now), chat_id))

    async def set_topics(self, chat_id: int, topics: Iterable[str], now: datetime) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE subscribers SET topics = ?, updated_at = ? WHERE chat_id = ?",
                (",".join(topics), to_ts(now), chat_id),
            )

    async def set_need(self, chat_id: int, need_mg: int, profile: str, now: datetime) -> bool:
        """Remember a /need answer; False (and nothing written) if the chat has no row."""
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """UPDATE subscribers SET need_mg = ?, need_profile = ?, updated_at = ?
                   WHERE chat_id = ?""",
                (need_mg, profile, to_ts(now), chat_id),
            )
        return cursor.rowcount > 0

    async def mark_blocked(self, chat_id: int, reason: Reason, now: datetime,
                           detail: str | None = None) -> bool:
        """Telegram said the chat is gone or blocked us: stop sending, keep the history.

        `detail` is Telegram's description, where it gave one. Returns False when the chat
        was already blocked (or has no row).
        """
        detail = detail[:200] if detail else None
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """UPDATE subscribers SET status = 'blocked', inactive_reason = ?,
                       inactive_detail = ?, next_send_at = NULL, updated_at = ?
                   WHERE chat_id = ? AND status != 'blocked'""",
                (reason, detail, to_ts(now), chat_id),
            )
            await tx.execute(
                """UPDATE deliveries SET status = 'blocked', error = ?, error_detail = ?
                   WHERE chat_id = ? AND status = 'pending'""",
                (reason, detail, chat_id),
            )
        return cursor.rowcount > 0

    async def move_chat(self, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
        """Give a subscriber row, and every row that refers to it, a new chat id.

        For a group upgraded to a supergroup. The referring tables are found from the
        schema's foreign keys, so history added by later migrations moves too. False (and
        nothing changed) when the old chat has no row or the new one already has its own.
        """
        async with self._db.write() as tx:
            async with tx.execute("SELECT 1 FROM subscribers WHERE chat_id = ?",
                                  (new_chat_id,)) as cursor:
                if await cursor.fetchone() is not None:
                    return False
            async with tx.execute("PRAGMA table_info(subscribers)") as cursor:
                columns = [row[1] for row in await cursor.fetchall()]
            replaced: dict[str, object] = {"chat_id": new_chat_id, "chat_type": "supergroup",
                                           "updated_at": to_ts(now)}
            copied = ", ".join("?" if name in replaced else name for name in columns)
            inserted = await tx.execute(
                f"INSERT INTO subscribers ({', '.join(columns)}) "
                f"SELECT {copied} FROM subscribers WHERE chat_id = ?",
                (*(replaced[name] for name in columns if name in replaced), old_chat_id))
            if inserted.rowcount == 0:
                return False
            for table, column in await _references(tx):
                await tx.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?",
                                 (new_chat_id, old_chat_id))
            await tx.execute("DELETE FROM subscribers WHERE chat_id = ?", (old_chat_id,))
        return True

    async def quarantine(self, problems: Sequence[tuple[int, str]], now: datetime) -> None:
        """Take rows the code cannot read out of the schedule, saying why (chat id and the
        kind of error only: a row can hold health data, so no value is ever logged).

        The row becomes 'stopped' with the reason 'quarantined' (the kind of error as its
        detail), so an operator can find it (`SELECT … WHERE inactive_reason =
        'quarantined'`), fix it and /start again.
        """
        for chat_id, kind in problems:
            log.warning("subscriber %s quarantined: unreadable row (%s)", chat_id, kind)
        async with self._db.write() as tx:
            await tx.executemany(
                """UPDATE subscribers SET status = 'stopped', next_send_at = NULL,
                       inactive_reason = ?, inactive_detail = ?, updated_at = ?
                   WHERE chat_id = ?""",
                [(Reason.QUARANTINED, kind[:200], to_ts(now), chat_id)
                 for chat_id, kind in problems],
            )

    async def count(self, status: str) -> int:
        """How many subscribers have this status."""
        return int(await self._db.fetch_value(
            "SELECT count(*) FROM subscribers WHERE status = ?", (status,), default=0))

    async def count_by_status(self) -> dict[str, int]:
        rows = await self._db.fetch_all("SELECT status, count(*) FROM subscribers GROUP BY status")
        return {row[0]: row[1] for row in rows}
