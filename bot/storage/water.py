"""The water log's rows: one per glass (water_glasses), and the settings (water_settings).

Contracts:
- Every read or write of a glass names the chat as well as the id: ids travel in button
  data, which anyone can forge, so an id alone never reaches another person's glass.
- Both tables reference subscribers ON DELETE CASCADE, so /forget's one DELETE removes
  the whole log; retention deletes glasses dated before each person's cut-off.
- Nothing here logs: the water log is health data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.storage.columns import RowShape
from bot.storage.db import Database, from_ts, to_ts
from bot.storage.models import Glass, WaterSettings

SETTINGS = RowShape(WaterSettings)
GLASS = RowShape(Glass, decode={"local_date": date.fromisoformat, "logged_at": from_ts})
_SETTINGS_COLUMNS = SETTINGS.select()
_GLASS_COLUMNS = GLASS.select()


class WaterQueries:
    """Reads and writes of one aggregate: a person's water log."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def settings(self, chat_id: int) -> WaterSettings | None:
        row = await self._db.fetch_one(
            f"SELECT {_SETTINGS_COLUMNS} FROM water_settings WHERE chat_id = ?", (chat_id,))
        return SETTINGS.decode(row) if row else None

    async def set_glass(self, chat_id: int, glass: str, now: datetime) -> bool:
        """Store the glass size code; False when the chat has no subscriber row."""
        return await self._upsert(chat_id, "glass", glass, now)

    async def set_target(self, chat_id: int, target: int | None, now: datetime) -> bool:
        """Store the daily target (None: off); False when the chat has no subscriber row."""
        return await self._upsert(chat_id, "target", target, now)

    async def _upsert(self, chat_id: int, column: str, value: object, now: datetime) -> bool:
        ts = to_ts(now)
        async with self._db.write() as tx:
            cursor = await tx.execute(
                f"""INSERT INTO water_settings (chat_id, {column}, created_at, updated_at)
                    SELECT chat_id, ?, ?, ? FROM subscribers WHERE chat_id = ?
                    ON CONFLICT (chat_id) DO UPDATE
                    SET {column} = excluded.{column}, updated_at = excluded.updated_at""",
                (value, ts, ts, chat_id))
        return cursor.rowcount > 0

    async def add_glass(self, chat_id: int, day: date, ml: int, now: datetime) -> int | None:
        """Log one glass (and the settings row with defaults, if missing) in one
        transaction; its id, or None when the chat has no subscriber row."""
        ts = to_ts(now)
        async with self._db.write() as tx:
            rows = await tx.execute_fetchall(
                """INSERT INTO water_glasses (chat_id, local_date, ml, logged_at)
                   SELECT chat_id, CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS BIGINT)
                   FROM subscribers WHERE chat_id = ? RETURNING id""",
                (day.isoformat(), ml, ts, chat_id))
            if not rows:
                return None
            await tx.execute(
                """INSERT INTO water_settings (chat_id, created_at, updated_at)
                   VALUES (?, ?, ?) ON CONFLICT (chat_id) DO NOTHING""",
                (chat_id, ts, ts))
        return int(rows[0][0])

    async def glass(self, chat_id: int, glass_id: int) -> Glass | None:
        row = await self._db.fetch_one(
            f"SELECT {_GLASS_COLUMNS} FROM water_glasses WHERE id = ? AND chat_id = ?",
            (glass_id, chat_id))
        return GLASS.decode(row) if row else None

    async def remove_glass(self, chat_id: int, glass_id: int) -> bool:
        """Delete that one glass of this chat; False if it is not there (any more)."""
        async with self._db.write() as tx:
            cursor = await tx.execute(
                "DELETE FROM water_glasses WHERE id = ? AND chat_id = ?", (glass_id, chat_id))
        return cursor.rowcount > 0

    async def day_total(self, chat_id: int, day: date) -> tuple[int, int]:
        """(glasses, ml) logged for one local date."""
        row = await self._db.fetch_one(
            """SELECT count(*), coalesce(sum(ml), 0) FROM water_glasses
               WHERE chat_id = ? AND local_date = ?""", (chat_id, day.isoformat()))
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def glasses(self, chat_id: int) -> list[Glass]:
        """Every glass of one chat, oldest first (what /export writes)."""
        rows = await self._db.fetch_all(
            f"""SELECT {_GLASS_COLUMNS} FROM water_glasses WHERE chat_id = ?
                ORDER BY logged_at, id""", (chat_id,))
        return [GLASS.decode(row) for row in rows]

    async def glass_count(self, chat_id: int) -> int:
        return int(await self._db.fetch_value(
            "SELECT count(*) FROM water_glasses WHERE chat_id = ?", (chat_id,), default=0))

    async def people_keeping(self) -> int:
        """How many people have a water log (a settings row): all /stats shows."""
        return int(await self._db.fetch_value("SELECT count(*) FROM water_settings",
                                              default=0))

    async def retention_targets(self) -> list[tuple[int, int, str]]:
        """(chat_id, retention months, time zone) of everyone with a water log: the
        diary's retention where they chose one, else the diary's default of 12."""
        rows = await self._db.fetch_all(
            """SELECT w.chat_id, coalesce(d.retention_months, 12), s.timezone
               FROM water_settings w JOIN subscribers s ON s.chat_id = w.chat_id
               LEFT JOIN diary_settings d ON d.chat_id = w.chat_id""")
        return [(row[0], row[1], row[2]) for row in rows]

    async def delete_before(self, cutoffs: Sequence[tuple[int, date]]) -> int:
        """Delete each chat's glasses dated before its cut-off; how many were deleted."""
        async with self._db.write() as tx:
            before = tx.total_changes
            await tx.executemany(
                "DELETE FROM water_glasses WHERE chat_id = ? AND local_date < ?",
                [(chat_id, cutoff.isoformat()) for chat_id, cutoff in cutoffs])
            return tx.total_changes - before
