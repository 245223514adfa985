"""The cramp diary's rows: settings, entries with their trigger tags, check-ins, prompts.

Owns diary_settings, cramp_entries, cramp_entry_triggers, cramp_entry_sources,
diary_checkins and diary_stretches, and the diary prompts' outbox rows. Contracts:
- Every read or write of an entry names the chat as well as the id (`WHERE id = ? AND
  chat_id = ?`): ids travel in button data, which anyone can forge, so an id alone never
  reaches another person's entry.
- Saving an entry also records the message whose button saved it (cramp_entry_sources),
  in the same transaction, and that record outlives Undo: a second press of the same
  fourth-step button, a stale copy or a replay saves nothing.
- A diary_settings row exists for everyone with a diary (created with the first entry,
  check-in or setting); it is what /stats counts as "people with a diary".
- Everything references subscribers ON DELETE CASCADE, so /forget's one DELETE removes
  the whole diary.
- Nothing here logs: diary rows are health data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from bot.core.reasons import Reason
from bot.diary.models import (
    CheckIn,
    CheckInAnswer,
    CrampEntry,
    Duration,
    Muscle,
    Period,
    Severity,
    Trigger,
    When,
)
from bot.storage.columns import RowShape
from bot.storage.db import Database, from_ts, to_ts
from bot.storage.models import DiarySettings, DuePrompt, PromptPlan
from bot.storage.subscribers import SUBSCRIBER, decode_subscriber

PROMPT_KINDS = ("checkin", "stretch", "weekly")
# The kinds the at-most-three-a-day rule counts, queued or sent, per chat and local date.
SCHEDULED_KINDS = "('daily', 'checkin', 'stretch', 'weekly', 'later', 'nudge')"
# Where each planned kind keeps its next slot (the water nudge's is the water log's).
_NEXT_AT = {**{kind: "diary_settings" for kind in PROMPT_KINDS}, "nudge": "water_settings"}


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


@lru_cache(maxsize=2048)
def optional_time(value: str | None) -> time | None:
    """A stored 'HH:MM', or None for a prompt that is off. Cached: a due batch of 2,000
    holds a handful of distinct times, and parsing each was a third of its read."""
    if not value:
        return None
    hour, minute = (int(part) for part in value.split(":"))
    return time(hour, minute)


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def _now_if_missing(value: int | None) -> datetime:
    return from_ts(value) or datetime.now(UTC)


SETTINGS = RowShape(DiarySettings, decode={
    "checkin_time": optional_time, "stretch_time": optional_time, "weekly_enabled": bool,
    "retention_months": int, "checkin_next_at": from_ts, "stretch_next_at": from_ts,
    "weekly_next_at": from_ts})
# The trigger tags are rows of cramp_entry_triggers, read with the entries.
ENTRY = RowShape(CrampEntry, stored_as={"when": "when_band"}, not_stored=("triggers",), decode={
    "muscle": Muscle, "severity": Severity, "duration": Duration, "when": When,
    "logged_at": _now_if_missing, "local_date": date.fromisoformat, "period": Period,
    "woke_up": _bool, "red_flags": _bool})
CHECKIN = RowShape(CheckIn, decode={
    "night_of": date.fromisoformat, "answer": CheckInAnswer, "answered_at": _now_if_missing})
_SETTINGS_COLUMNS = SETTINGS.select()
_ENTRY_COLUMNS = ENTRY.select()
_ENTRY_ID = ENTRY.index("id")


def _settings(row: Sequence[Any]) -> DiarySettings:
    return SETTINGS.decode(row)


class DiaryQueries:
    """Reads and writes of one aggregate: a person's cramp diary."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------ settings

    async def settings(self, chat_id: int) -> DiarySettings | None:
        row = await self._db.fetch_one(
            f"SELECT {_SETTINGS_COLUMNS} FROM diary_settings WHERE chat_id = ?", (chat_id,))
        return _settings(row) if row else None

    async def ensure_settings(self, chat_id: int, weekly_next_at: datetime | None,
                              now: datetime) -> bool:
        """Create the settings row with defaults (weekly on, 12 months) if missing.

        Returns False when the chat has no subscriber row (the diary needs one)."""
        ts = to_ts(now)
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """INSERT INTO diary_settings (chat_id, weekly_next_at, created_at, updated_at)
                   SELECT chat_id, ?, ?, ? FROM subscribers WHERE chat_id = ?
                   ON CONFLICT (chat_id) DO NOTHING""",
                (to_ts(weekly_next_at) if weekly_next_at else None, ts, ts, chat_id))
            if cursor.rowcount:
                return True
            exists = await tx.execute_fetchall(
                "SELECT 1 FROM subscribers WHERE chat_id = ?", (chat_id,))
        return bool(list(exists))

    async def set_prompt(self, chat_id: int, kind: str, at: time | None,
                         next_at: datetime | None, now: datetime) -> None:
        """Turn the check-in or the stretch on at a time (with its next slot) or off."""
        if kind not in ("checkin", "stretch"):
            raise ValueError(kind)
        async with self._db.write() as tx:
            await tx.execute(
                f"""UPDATE diary_settings SET {kind}_time = ?, {kind}_next_at = ?,
                        updated_at = ? WHERE chat_id = ?""",
                (_hhmm(at), to_ts(next_at) if next_at else None, to_ts(now), chat_id))

    async def set_weekly(self, chat_id: int, enabled: bool, next_at: datetime | None,
                         now: datetime) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                """UPDATE diary_settings SET weekly_enabled = ?, weekly_next_at = ?,
                       updated_at = ? WHERE chat_id = ?""",
                (int(enabled), to_ts(next_at) if next_at else None, to_ts(now), chat_id))

    async def set_retention(self, chat_id: int, months: int, now: datetime) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                """UPDATE diary_settings SET retention_months = ?, updated_at = ?
                   WHERE chat_id = ?""", (months, to_ts(now), chat_id))

    # ------------------------------------------------------------- entries

    async def add_entry(self, entry: CrampEntry, source_message_id: int,
                        now: datetime) -> int | None:
        """Save a new entry; None when this message already saved one (even if undone)."""
        async with self._db.write() as tx:
            used = await tx.execute(
                """INSERT INTO cramp_entry_sources (chat_id, message_id, used_at)
                   SELECT chat_id, ?, ? FROM subscribers WHERE chat_id = ?
                   ON CONFLICT DO NOTHING""",
                (source_message_id, to_ts(now), entry.chat_id))
            if used.rowcount == 0:
                return None
            rows = await tx.execute_fetchall(
                """INSERT INTO cramp_entries (chat_id, muscle, severity, duration, when_band,
                       period, local_date, woke_up, red_flags, source_message_id, logged_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                (entry.chat_id, entry.muscle.value, entry.severity.value,
                 entry.duration.value, entry.when.value, entry.period.value,
                 entry.local_date.isoformat(), _flag(entry.woke_up),
                 _flag(entry.red_flags), source_message_id, to_ts(entry.logged_at)))
            entry_id = int(rows[0][0])
            await tx.executemany(
                "INSERT INTO cramp_entry_triggers (entry_id, tag) VALUES (?, ?)",
                [(entry_id, tag.value) for tag in entry.triggers])
        return entry_id

    async def _decode(self, rows: Sequence[Sequence[Any]]) -> list[CrampEntry]:
        if not rows:
            return []
        ids = [row[_ENTRY_ID] for row in rows]
        tags: dict[int, set[Trigger]] = {entry_id: set() for entry_id in ids}
        marks = ",".join("?" * len(ids))
        for entry_id, tag in await self._db.fetch_all(
                f"SELECT entry_id, tag FROM cramp_entry_triggers WHERE entry_id IN ({marks})",
                ids):
            tags[entry_id].add(Trigger(tag))
        return [ENTRY.decode(row, triggers=frozenset(tags[row[_ENTRY_ID]])) for row in rows]

    async def entry(self, chat_id: int, entry_id: int) -> CrampEntry | None:
        """One entry, only if it belongs to `chat_id`."""
        rows = await self._db.fetch_all(
            f"SELECT {_ENTRY_COLUMNS} FROM cramp_entries WHERE id = ? AND chat_id = ?",
            (entry_id, chat_id))
        found = await self._decode(rows)
        return found[0] if found else None

    async def entry_by_source(self, chat_id: int, message_id: int) -> CrampEntry | None:
        """The entry a message's fourth tap saved, if it is still there."""
        rows = await self._db.fetch_all(
            f"""SELECT {_ENTRY_COLUMNS} FROM cramp_entries
                WHERE chat_id = ? AND source_message_id = ?""", (chat_id, message_id))
        found = await self._decode(rows)
        return found[0] if found else None

    async def update_entry(self, entry: CrampEntry) -> bool:
        """Store the optional answers (woke up, tags, safety answer) of an owned entry."""
        assert entry.id is not None
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """UPDATE cramp_entries SET woke_up = ?, red_flags = ?
                   WHERE id = ? AND chat_id = ?""",
                (_flag(entry.woke_up), _flag(entry.red_flags), entry.id, entry.chat_id))
            if cursor.rowcount == 0:
                return False
            await tx.execute("DELETE FROM cramp_entry_triggers WHERE entry_id = ?", (entry.id,))
            await tx.executemany(
                "INSERT INTO cramp_entry_triggers (entry_id, tag) VALUES (?, ?)",
                [(entry.id, tag.value) for tag in entry.triggers])
        return True

    async def delete_entry(self, chat_id: int, entry_id: int) -> bool:
        async with self._db.write() as tx:
            cursor = await tx.execute(
                "DELETE FROM cramp_entries WHERE id = ? AND chat_id = ?", (entry_id, chat_id))
        return cursor.rowcount > 0

    async def recent_entries(self, chat_id: int, limit: int) -> list[CrampEntry]:
        """Newest first (by the night or day they belong to, then by logging time)."""
        return await self._decode(await self._db.fetch_all(
            f"""SELECT {_ENTRY_COLUMNS} FROM cramp_entries WHERE chat_id = ?
                ORDER BY local_date DESC, logged_at DESC, id DESC LIMIT ?""",
            (chat_id, limit)))

    async def entries_since(self, chat_id: int, first: date) -> list[CrampEntry]:
        return await self._decode(await self._db.fetch_all(
            f"""SELECT {_ENTRY_COLUMNS} FROM cramp_entries
                WHERE chat_id = ? AND local_date >= ? ORDER BY local_date, logged_at, id""",
            (chat_id, first.isoformat())))

    async def entry_count(self, chat_id: int) -> int:
        return int(await self._db.fetch_value(
            "SELECT count(*) FROM cramp_entries WHERE chat_id = ?", (chat_id,), default=0))

    # ------------------------------------------------------------ check-ins

    async def record_checkin(self, checkin: CheckIn) -> bool:
        """Store (or change) the answer for one night; False without a subscriber row."""
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """INSERT INTO diary_checkins (chat_id, night_of, answer, answered_at)
                   SELECT chat_id, ?, ?, ? FROM subscribers WHERE chat_id = ?
                   ON CONFLICT (chat_id, night_of) DO UPDATE
                   SET answer = excluded.answer, answered_at = excluded.answered_at""",
                (checkin.night_of.isoformat(), checkin.answer.value,
                 to_ts(checkin.answered_at), checkin.chat_id))
        return cursor.rowcount > 0

    async def checkins_since(self, chat_id: int, first: date) -> list[CheckIn]:
        rows = await self._db.fetch_all(
            f"""SELECT {CHECKIN.select()} FROM diary_checkins
               WHERE chat_id = ? AND night_of >= ? ORDER BY night_of""",
            (chat_id, first.isoformat()))
        return [CHECKIN.decode(row) for row in rows]

    async def checkin_count(self, chat_id: int) -> int:
        return int(await self._db.fetch_value(
            "SELECT count(*) FROM diary_checkins WHERE chat_id = ?", (chat_id,), default=0))

    # ------------------------------------------------------------ evening stretches

    async def record_stretch(self, chat_id: int, day: date, now: datetime) -> None:
        """Store that the person stretched on local date `day`; a second "done" for the
        same day changes nothing, and a chat without a subscriber row stores nothing."""
        async with self._db.write() as tx:
            await tx.execute(
                """INSERT INTO diary_stretches (chat_id, local_date, done_at)
                   SELECT chat_id, CAST(? AS TEXT), CAST(? AS BIGINT)
                   FROM subscribers WHERE chat_id = ?
                   ON CONFLICT (chat_id, local_date) DO NOTHING""",
                (day.isoformat(), to_ts(now), chat_id))

    async def stretch_days(self, chat_id: int, first: date) -> list[date]:
        """The local dates from `first` on that the person stretched, oldest first."""
        rows = await self._db.fetch_all(
            """SELECT local_date FROM diary_stretches WHERE chat_id = ? AND local_date >= ?
               ORDER BY local_date""", (chat_id, first.isoformat()))
        return [date.fromisoformat(row[0]) for row in rows]

    async def stretches(self, chat_id: int) -> list[tuple[date, datetime]]:
        """Every stretch day of one chat as (local date, when it was marked), oldest first:
        what /export writes."""
        rows = await self._db.fetch_all(
            """SELECT local_date, done_at FROM diary_stretches WHERE chat_id = ?
               ORDER BY local_date""", (chat_id,))
        return [(date.fromisoformat(day), datetime.fromtimestamp(done_at, UTC))
                for day, done_at in rows]

    async def stretch_count(self, chat_id: int) -> int:
        return int(await self._db.fetch_value(
            "SELECT count(*) FROM diary_stretches WHERE chat_id = ?", (chat_id,), default=0))

    async def people_stretching(self) -> int:
        """How many people have marked at least one stretch: all /stats shows."""
        return int(await self._db.fetch_value(
            "SELECT count(DISTINCT chat_id) FROM diary_stretches", default=0))

    # ------------------------------------------------------------ prompts

    async def due_prompts(self, now: datetime, limit: int) -> list[DuePrompt]:
        """Prompts whose next slot has come, oldest first, with the person's subscription."""
        ts = to_ts(now)
        width = len(SETTINGS.fields)
        found: list[DuePrompt] = []
        for kind in PROMPT_KINDS:
            rows = await self._db.fetch_all(
                f"""SELECT {SETTINGS.select('d')}, {SUBSCRIBER.select('s')}
                    FROM diary_settings d {self._db.dialect.indexed_by(f"diary_{kind}_due")}
                    JOIN subscribers s ON s.chat_id = d.chat_id
                    WHERE d.{kind}_next_at <= ? ORDER BY d.{kind}_next_at LIMIT ?""",
                (ts, limit))
            for row in rows:
                settings = _settings(row[:width])
                slot = {"checkin": settings.checkin_next_at,
                        "stretch": settings.stretch_next_at,
                        "weekly": settings.weekly_next_at}[kind]
                assert slot is not None
                found.append(DuePrompt(kind, slot, settings, decode_subscriber(row[width:])))
        return sorted(found, key=lambda due: due.slot)[:limit]

    async def kinds_on(self, chat_id: int, day: date) -> set[str]:
        """The scheduled kinds queued or sent to a chat for one local date (the daily cap)."""
        rows = await self._db.fetch_all(
            f"""SELECT DISTINCT kind FROM deliveries
               WHERE chat_id = ? AND local_date = ? AND status IN ('pending', 'sent')
                 AND kind IN {SCHEDULED_KINDS}""",
            (chat_id, day.isoformat()))
        return {row[0] for row in rows}

    async def apply_prompt_plans(self, plans: Sequence[PromptPlan], now: datetime) -> int:
        """Queue the tick's prompt rows (the water nudge's too) and move each to its next
        slot, atomically.

        The unique (chat, kind, local date) index makes a replayed tick a no-op.
        Returns how many rows were queued for sending.
        """
        ts = to_ts(now)
        async with self._db.write() as tx:
            before = tx.total_changes
            await tx.executemany(
                """INSERT INTO deliveries (chat_id, kind, local_date, status, due_at,
                       created_at, expires_at)
                   VALUES (?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT DO NOTHING""",
                [(p.chat_id, p.kind, p.local_date.isoformat(), to_ts(p.due_at), ts,
                  to_ts(p.expires_at) if p.expires_at else None)
                 for p in plans if p.status == "pending"])
            queued = tx.total_changes - before
            await tx.executemany(
                """INSERT INTO deliveries (chat_id, kind, local_date, status, due_at,
                       created_at, error)
                   VALUES (?, ?, ?, 'missed', ?, ?, ?)
                   ON CONFLICT DO NOTHING""",
                [(p.chat_id, p.kind, p.local_date.isoformat(), to_ts(p.due_at), ts,
                  Reason.LATE_OR_QUIET_HOURS)
                 for p in plans if p.status == "missed"])
            for kind, table in _NEXT_AT.items():
                await tx.executemany(
                    f"UPDATE {table} SET {kind}_next_at = ? WHERE chat_id = ?",
                    [(to_ts(p.next_at) if p.next_at else None, p.chat_id)
                     for p in plans if p.kind == kind])
        return queued

    # ------------------------------------------------------------ retention

    async def retention_targets(self) -> list[tuple[int, int, str]]:
        """(chat_id, retention months, time zone) of everyone with a diary."""
        rows = await self._db.fetch_all(
            """SELECT d.chat_id, d.retention_months, s.timezone FROM diary_settings d
               JOIN subscribers s ON s.chat_id = d.chat_id""")
        return [(row[0], row[1], row[2]) for row in rows]

    async def delete_before(self, cutoffs: Sequence[tuple[int, date]],
                            sources_before: datetime) -> int:
        """Delete each chat's entries and check-ins dated before its cut-off, and the undo
        records older than `sources_before`.

        Returns how many entries were deleted."""
        async with self._db.write() as tx:
            before = tx.total_changes
            await tx.executemany(
                "DELETE FROM cramp_entries WHERE chat_id = ? AND local_date < ?",
                [(chat_id, cutoff.isoformat()) for chat_id, cutoff in cutoffs])
            deleted = tx.total_changes - before
            await tx.executemany(
                "DELETE FROM diary_checkins WHERE chat_id = ? AND night_of < ?",
                [(chat_id, cutoff.isoformat()) for chat_id, cutoff in cutoffs])
            await tx.executemany(
                "DELETE FROM diary_stretches WHERE chat_id = ? AND local_date < ?",
                [(chat_id, cutoff.isoformat()) for chat_id, cutoff in cutoffs])
            await tx.execute("DELETE FROM cramp_entry_sources WHERE used_at < ?",
                             (to_ts(sources_before),))
        return deleted

    # ------------------------------------------------------------ counts

    async def people_with_diary(self) -> int:
        return int(await self._db.fetch_value("SELECT count(*) FROM diary_settings",
                                              default=0))

    async def entries_logged_since(self, since: datetime) -> int:
        return int(await self._db.fetch_value(
            "SELECT count(*) FROM cramp_entries WHERE logged_at >= ?", (to_ts(since),),
            default=0))
