"""The water log's rows: one per glass (water_glasses), the settings (water_settings, with
the afternoon nudge's switch and next slot), and the hot days (water_hot_days).

Contracts:
- Every read or write of a glass names the chat as well as the id: ids travel in button
  data, which anyone can forge, so an id alone never reaches another person's glass.
- Every table references subscribers ON DELETE CASCADE, so /forget's one DELETE removes
  the whole log; retention deletes glasses and hot days dated before each person's cut-off.
- A glass cancels its day's nudge while it is still pending, in the same transaction:
  whoever logged a glass is not nudged (a nudge the sender already holds may still go).
- Nothing here logs: the water log is health data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from json import dumps

from bot.core.reasons import Reason
from bot.storage.columns import RowShape
from bot.storage.db import Database, from_ts, to_ts
from bot.storage.diary import SCHEDULED_KINDS, optional_time
from bot.storage.models import DueNudge, Glass, NudgeDay, PromptTimes, WaterSettings

SETTINGS = RowShape(WaterSettings, decode={"nudge": bool, "nudge_next_at": from_ts})
GLASS = RowShape(Glass, decode={"local_date": date.fromisoformat, "logged_at": from_ts})
_SETTINGS_COLUMNS = SETTINGS.select()
_GLASS_COLUMNS = GLASS.select()


@lru_cache(maxsize=4096)
def _slot(value: int) -> datetime:
    """A stored nudge slot (few distinct instants a day: one per zone's afternoon)."""
    slot = from_ts(value)
    assert slot is not None  # the due query reads non-null slots only
    return slot


@lru_cache(maxsize=4096)
def _prompts(checkin: str | None, stretch: str | None, weekly: int) -> PromptTimes:
    """A person's diary prompts as the nudge reads them: few distinct combinations, each
    decoded once (shared: PromptTimes is immutable)."""
    return PromptTimes(optional_time(checkin), optional_time(stretch), bool(weekly))


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

    async def set_nudge(self, chat_id: int, on: bool, next_at: datetime | None,
                        now: datetime) -> bool:
        """Turn the afternoon nudge on or off with its next slot (None: none planned);
        False when the chat has no subscriber row."""
        ts = to_ts(now)
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """INSERT INTO water_settings (chat_id, nudge, nudge_next_at, created_at,
                                               updated_at)
                   SELECT chat_id, ?, ?, ?, ? FROM subscribers WHERE chat_id = ?
                   ON CONFLICT (chat_id) DO UPDATE
                   SET nudge = excluded.nudge, nudge_next_at = excluded.nudge_next_at,
                       updated_at = excluded.updated_at""",
                (int(on), to_ts(next_at) if next_at else None, ts, ts, chat_id))
        return cursor.rowcount > 0

    async def add_hot_day(self, chat_id: int, day: date, slot: datetime | None,
                          now: datetime) -> bool:
        """Record `day` as a hot day (again: no change) and, with `slot`, plan that day's
        nudge unless an earlier one is planned; False when the chat has no subscriber row."""
        ts = to_ts(now)
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """INSERT INTO water_hot_days (chat_id, local_date, created_at)
                   SELECT chat_id, ?, ? FROM subscribers WHERE chat_id = ?
                   ON CONFLICT DO NOTHING""", (day.isoformat(), ts, chat_id))
            if not cursor.rowcount and not await tx.execute_fetchall(
                    "SELECT 1 FROM subscribers WHERE chat_id = ?", (chat_id,)):
                return False
            slot_ts = to_ts(slot) if slot else None
            earlier = self._db.dialect.least("coalesce(water_settings.nudge_next_at, ?2)",
                                             "coalesce(?2, water_settings.nudge_next_at)")
            await tx.execute(
                f"""INSERT INTO water_settings (chat_id, nudge_next_at, created_at, updated_at)
                   VALUES (?1, ?2, ?3, ?3) ON CONFLICT (chat_id) DO UPDATE
                   SET nudge_next_at = {earlier}""",
                (chat_id, slot_ts, ts))
        return True

    async def is_hot(self, chat_id: int, day: date) -> bool:
        return bool(await self._db.fetch_value(
            "SELECT 1 FROM water_hot_days WHERE chat_id = ? AND local_date = ?",
            (chat_id, day.isoformat()), default=0))

    async def hot_days(self, chat_id: int) -> list[date]:
        """Every hot day of one chat, oldest first (what /export writes)."""
        rows = await self._db.fetch_all(
            "SELECT local_date FROM water_hot_days WHERE chat_id = ? ORDER BY local_date",
            (chat_id,))
        return [date.fromisoformat(row[0]) for row in rows]

    async def due_nudges(self, now: datetime, limit: int) -> list[DueNudge]:
        """Nudges whose slot has come, oldest first, with the diary prompts that are on
        (the stretch to keep clear of, the daily cap's plan) and what the decision reads
        of the subscription."""
        rows = await self._db.fetch_all(
            f"""SELECT w.chat_id, w.nudge_next_at, w.nudge, d.chat_id, d.checkin_time,
                      d.stretch_time, d.weekly_enabled, s.timezone, s.status, s.chat_type,
                      s.paused_until
               FROM water_settings w {self._db.dialect.indexed_by("water_nudge_due")}
               JOIN subscribers s ON s.chat_id = w.chat_id
               LEFT JOIN diary_settings d ON d.chat_id = w.chat_id
               WHERE w.nudge_next_at <= ? ORDER BY w.nudge_next_at LIMIT ?""",
            (to_ts(now), limit))
        return [DueNudge(row[0], _slot(row[1]), bool(row[2]),
                         None if row[3] is None else _prompts(row[4], row[5], row[6]),
                         row[7], row[8], row[9],
                         date.fromisoformat(row[10]) if row[10] else None)
                for row in rows]

    async def nudge_days(self, days: Sequence[tuple[int, date]]) -> dict[int, NudgeDay]:
        """Each (chat, local date)'s glass, hot day and scheduled kinds: one statement for
        the whole batch whatever its size (the tick's hot loop asks nothing per person),
        through the (chat, date) indexes and the outbox's per-chat index."""
        if not days:
            return {}
        pairs = dumps([(chat_id, day.isoformat()) for chat_id, day in days])
        dialect = self._db.dialect
        rows = await self._db.fetch_all(
            f"""SELECT p.chat,
                      EXISTS (SELECT 1 FROM water_glasses g
                              WHERE g.chat_id = p.chat AND g.local_date = p.day),
                      EXISTS (SELECT 1 FROM water_hot_days h
                              WHERE h.chat_id = p.chat AND h.local_date = p.day),
                      (SELECT {dialect.group_concat("DISTINCT e.kind")} FROM deliveries e
                       WHERE e.chat_id = p.chat AND e.local_date = p.day
                         AND e.status IN ('pending', 'sent')
                         AND e.kind IN {SCHEDULED_KINDS})
               FROM {dialect.json_rows("?", chat="int", day="text")} AS p""",
            (pairs,))
        return {row[0]: NudgeDay(bool(row[1]), bool(row[2]),
                                 frozenset(row[3].split(",")) if row[3] else frozenset())
                for row in rows}

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
            glass_id = int(rows[0][0])
            await tx.execute(
                """INSERT INTO water_settings (chat_id, created_at, updated_at)
                   VALUES (?, ?, ?) ON CONFLICT (chat_id) DO NOTHING""",
                (chat_id, ts, ts))
            await tx.execute(
                """UPDATE deliveries SET status = 'cancelled', error = ?
                   WHERE chat_id = ? AND kind = 'nudge' AND local_date = ?
                     AND status = 'pending' AND claimed_by IS NULL""",
                (Reason.GLASS_LOGGED, chat_id, day.isoformat()))
        return glass_id

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
        """Delete each chat's glasses and hot days dated before its cut-off; how many
        glasses were deleted."""
        dated = [(chat_id, cutoff.isoformat()) for chat_id, cutoff in cutoffs]
        async with self._db.write() as tx:
            before = tx.total_changes
            await tx.executemany(
                "DELETE FROM water_glasses WHERE chat_id = ? AND local_date < ?", dated)
            deleted = tx.total_changes - before
            await tx.executemany(
                "DELETE FROM water_hot_days WHERE chat_id = ? AND local_date < ?", dated)
            return deleted
