"""Admin broadcasts: draft, start (one outbox row per active subscriber), finish, count.

Owns the `broadcasts` table and the broadcast rows of the outbox. Starting is atomic and
only from 'draft'; the unique (broadcast_id, chat_id) index makes a replayed confirm
harmless. Cancelling drops the rows not yet sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.core.reasons import Reason
from bot.storage.columns import RowShape
from bot.storage.db import Database, from_ts, to_ts
from bot.storage.models import Broadcast

BROADCAST = RowShape(Broadcast, decode={
    "created_at": lambda value: from_ts(value) or datetime.min.replace(tzinfo=UTC),
    "started_at": from_ts, "finished_at": from_ts})
_COLUMNS = BROADCAST.select()


def _decode(row: Sequence[Any]) -> Broadcast:
    return BROADCAST.decode(row)


class BroadcastQueries:
    """Reads and writes of broadcasts and their outbox rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, admin_id: int, text: str, now: datetime,
                     translations: Mapping[str, str] | None = None) -> int:
        """A new draft with its English `text` and other languages' texts, in one
        transaction; returns its id."""
        async with self._db.write() as tx:
            rows = await tx.execute_fetchall(
                """INSERT INTO broadcasts (admin_id, text, status, created_at)
                   VALUES (?, ?, 'draft', ?) RETURNING id""",
                (admin_id, text, to_ts(now)),
            )
            broadcast_id = int(rows[0][0])
            await tx.executemany(
                "INSERT INTO broadcast_texts (broadcast_id, language, text) VALUES (?, ?, ?)",
                [(broadcast_id, language, translated)
                 for language, translated in (translations or {}).items()])
        return broadcast_id

    async def translations(self, broadcast_id: int) -> dict[str, str]:
        """The broadcast's texts other than the English, by language."""
        rows = await self._db.fetch_all(
            "SELECT language, text FROM broadcast_texts WHERE broadcast_id = ?",
            (broadcast_id,))
        return {row[0]: row[1] for row in rows}

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _decode(row) if row else None

    async def with_status(self, status: str) -> list[Broadcast]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE status = ? ORDER BY id", (status,))
        return [_decode(row) for row in rows]

    async def recent(self, limit: int) -> list[Broadcast]:
        """The latest broadcasts, newest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,))
        return [_decode(row) for row in rows]

    async def start(self, broadcast_id: int, progress_chat_id: int,
                    progress_message_id: int | None, now: datetime) -> int | None:
        """Queue one outbox row per active subscriber, atomically; None if not a draft.

        Returns how many rows were queued.
        """
        ts = to_ts(now)
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """UPDATE broadcasts SET status = 'sending', started_at = ?,
                       progress_chat_id = ?, progress_message_id = ?
                   WHERE id = ? AND status = 'draft'""",
                (ts, progress_chat_id, progress_message_id, broadcast_id),
            )
            if cursor.rowcount == 0:
                return None
            cursor = await tx.execute(
                """INSERT INTO deliveries (chat_id, kind, broadcast_id, status, due_at,
                       created_at)
                   SELECT chat_id, 'broadcast', ?, 'pending', ?, ? FROM subscribers
                   WHERE status = 'active'
                   ON CONFLICT DO NOTHING""",
                (broadcast_id, ts, ts),
            )
            return cursor.rowcount

    async def finish(self, broadcast_id: int, status: str, now: datetime) -> int:
        """Close a broadcast ('done', 'cancelled'); cancelling drops its unsent rows.

        Returns how many pending rows were cancelled.
        """
        async with self._db.write() as tx:
            dropped = 0
            if status == "cancelled":
                cursor = await tx.execute(
                    """UPDATE deliveries SET status = 'cancelled', error = ?
                       WHERE broadcast_id = ? AND status = 'pending'""",
                    (Reason.CANCELLED_BY_ADMIN, broadcast_id),
                )
                dropped = cursor.rowcount
            await tx.execute(
                """UPDATE broadcasts SET status = ?, finished_at = ?
                   WHERE id = ? AND status IN ('draft', 'sending')""",
                (status, to_ts(now), broadcast_id),
            )
        return dropped

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        """The broadcast's outbox rows by status (pending, sent, failed, …)."""
        rows = await self._db.fetch_all(
            """SELECT status, count(*) FROM deliveries WHERE broadcast_id = ?
               GROUP BY status""",
            (broadcast_id,),
        )
        return {row[0]: row[1] for row in rows}
