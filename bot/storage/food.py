"""The food log's rows (food_log): one per "I ate this".

Contracts:
- Every read or write of an entry names the chat as well as the id: ids travel in button
  data, which anyone can forge, so an id alone never reaches another person's entry.
- The table references subscribers ON DELETE CASCADE, so /forget's one DELETE removes
  the whole log; retention deletes entries dated before each person's cut-off.
- Rows hold the food's code and the figures, never a rendered label.
- Nothing here logs: the food log is health data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.storage.columns import RowShape
from bot.storage.db import Database, from_ts, to_ts
from bot.storage.models import FoodEntry

ENTRY = RowShape(FoodEntry, decode={"local_date": date.fromisoformat, "logged_at": from_ts})
_ENTRY_COLUMNS = ENTRY.select()


class FoodLogQueries:
    """Reads and writes of one aggregate: a person's food log."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, chat_id: int, day: date, food: str, mg: int, now: datetime,
                  ) -> int | None:
        """Log one serving; its id, or None when the chat has no subscriber row."""
        async with self._db.write() as tx:
            rows = await tx.execute_fetchall(
                """INSERT INTO food_log (chat_id, local_date, food, servings, mg, logged_at)
                   SELECT chat_id, CAST(? AS TEXT), CAST(? AS TEXT), 1, CAST(? AS INTEGER),
                          CAST(? AS BIGINT)
                   FROM subscribers WHERE chat_id = ? RETURNING id""",
                (day.isoformat(), food, mg, to_ts(now), chat_id))
        return int(rows[0][0]) if rows else None

    async def entry(self, chat_id: int, entry_id: int) -> FoodEntry | None:
        row = await self._db.fetch_one(
            f"SELECT {_ENTRY_COLUMNS} FROM food_log WHERE id = ? AND chat_id = ?",
            (entry_id, chat_id))
        return ENTRY.decode(row) if row else None

    async def remove(self, chat_id: int, entry_id: int) -> bool:
        """Delete that one entry of this chat; False if it is not there (any more)."""
        async with self._db.write() as tx:
            cursor = await tx.execute(
                "DELETE FROM food_log WHERE id = ? AND chat_id = ?", (entry_id, chat_id))
        return cursor.rowcount > 0

    async def total(self, chat_id: int, first: date, last: date) -> tuple[int, int]:
        """(entries, mg) logged for the local dates first..last, both included."""
        row = await self._db.fetch_one(
            """SELECT count(*), coalesce(sum(mg), 0) FROM food_log
               WHERE chat_id = ? AND local_date BETWEEN ? AND ?""",
            (chat_id, first.isoformat(), last.isoformat()))
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def entries(self, chat_id: int) -> list[FoodEntry]:
        """Every entry of one chat, oldest first (what /export writes)."""
        rows = await self._db.fetch_all(
            f"""SELECT {_ENTRY_COLUMNS} FROM food_log WHERE chat_id = ?
                ORDER BY logged_at, id""", (chat_id,))
        return [ENTRY.decode(row) for row in rows]

    async def count(self, chat_id: int) -> int:
        return int(await self._db.fetch_value(
            "SELECT count(*) FROM food_log WHERE chat_id = ?", (chat_id,), default=0))

    async def people_keeping(self) -> int:
        """How many people have at least one entry: all /stats shows."""
        return int(await self._db.fetch_value(
            "SELECT count(DISTINCT chat_id) FROM food_log", default=0))

    async def retention_targets(self) -> list[tuple[int, int, str]]:
        """(chat_id, retention months, time zone) of everyone with a food log: the
        diary's retention where they chose one, else the diary's default of 12."""
        rows = await self._db.fetch_all(
            """SELECT s.chat_id, coalesce(d.retention_months, 12), s.timezone
               FROM subscribers s LEFT JOIN diary_settings d ON d.chat_id = s.chat_id
               WHERE EXISTS (SELECT 1 FROM food_log f WHERE f.chat_id = s.chat_id)""")
        return [(row[0], row[1], row[2]) for row in rows]

    async def delete_before(self, cutoffs: Sequence[tuple[int, date]]) -> int:
        """Delete each chat's entries dated before its cut-off; how many were deleted."""
        async with self._db.write() as tx:
            before = tx.total_changes
            await tx.executemany(
                "DELETE FROM food_log WHERE chat_id = ? AND local_date < ?",
                [(chat_id, cutoff.isoformat()) for chat_id, cutoff in cutoffs])
            return tx.total_changes - before
