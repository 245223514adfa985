"""Subscriber rows: who gets tips, when, on which topics, and whether they still want them.

Owns the `subscribers` table's reads and writes, and the row → Subscriber decoding the
outbox's due query reuses. Stopping, pausing or a block also settles the chat's pending
outbox rows in the same transaction, so nobody who said stop is sent a tip queued earlier;
a new zone or time moves the chat's diary prompts in the same transaction (`change`).
Send times are stored as 'HH:MM', topics as a comma-separated list, instants as UNIX seconds.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any, NamedTuple

from bot.core.reasons import Reason
from bot.storage.columns import RowShape
from bot.storage.db import Database, from_ts, to_ts
from bot.storage.models import (
    Changed,
    DueSubscriber,
    PromptTimes,
    Subscriber,
    SubscriberChange,
)

log = logging.getLogger(__name__)

_EPOCH_FLOOR = datetime.min.replace(tzinfo=UTC)
# How many chats' languages are held in memory (about 100 bytes each); beyond it the
# oldest is read again when its chat next writes.
LANGUAGES_HELD = 100_000


class Language(NamedTuple):
    """A chat's stored language: a bot.core.i18n locale, and whether it was chosen."""

    locale: str
    chosen: bool

# Decoding is the daily tick's hot path (2,000 rows per batch at 1,000,000
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


def _day_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


SUBSCRIBER = RowShape(Subscriber, decode={
    "send_time": _send_time, "topics": _topics, "next_send_at": _slot, "last_daily_at": _slot,
    "paused_until": _day_or_none, "created_at": _instant_or_floor,
    "updated_at": _instant_or_floor, "language_chosen": bool})
SUBSCRIBER_COLUMNS = SUBSCRIBER.select()
# Each field's slot setter and decoder (None: the stored value as it is), in column order.
_STEPS = tuple((getattr(Subscriber, name).__set__, decode)
               for name, decode in zip(SUBSCRIBER.fields, SUBSCRIBER.decoders, strict=True))
_new = object.__new__


def decode_subscriber(row: Sequence[Any]) -> Subscriber:
    """One row selected as SUBSCRIBER_COLUMNS → Subscriber (every field from its column:
    a row of another width is an error, never a field left at its default)."""
    if len(row) != len(_STEPS):
        raise ValueError(f"a subscriber row has {len(row)} columns, the model {len(_STEPS)}")
    subscriber = _new(Subscriber)
    for (setter, decode), value in zip(_STEPS, row, strict=True):
        setter(subscriber, value if decode is None else decode(value))
    return subscriber


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


def _instant(moment: datetime | None) -> int | None:
    return to_ts(moment) if moment else None


# A settings action's rule: the row as it is (and the diary prompts that are on, when
# asked for) → what to write, or None to leave everything as it is.
Decide = Callable[[Subscriber, PromptTimes | None], SubscriberChange | None]

# Kinds of pending rows a stop or a pause cancels (a block settles every pending row).
_CANCELLED_KINDS = ("('daily', 'broadcast', 'checkin', 'stretch', 'weekly', 'later', "
                    "'nudge')")

# move_chat's new values, typed: PostgreSQL cannot infer a parameter's type in a SELECT list.
_CASTS = {"chat_id": "CAST(? AS BIGINT)", "chat_type": "CAST(? AS TEXT)",
          "updated_at": "CAST(? AS BIGINT)"}


def _prompt_times(connection: sqlite3.Connection, chat_id: int) -> PromptTimes | None:
    row = connection.execute(
        "SELECT checkin_time, stretch_time, weekly_enabled FROM diary_settings"
        " WHERE chat_id = ?", (chat_id,)).fetchone()
    if row is None:
        return None
    return PromptTimes(_send_time(row[0]) if row[0] else None,
                       _send_time(row[1]) if row[1] else None, bool(row[2]))


class SubscriberQueries:
    """Reads and writes of the subscribers table."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._languages: dict[int, Language | None] = {}

    async def get(self, chat_id: int) -> Subscriber | None:
        if chat_id in self._languages and self._languages[chat_id] is None:
            return None  # known to have no row (see `language`): no read
        row = await self._db.fetch_one(
            f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE chat_id = ?", (chat_id,))
        return decode_subscriber(row) if row else None

    async def add(
        self, *, chat_id: int, user_id: int | None, chat_type: str, status: str,
        send_time: time, timezone: str, topics: Iterable[str],
        next_send_at: datetime | None, now: datetime,
    ) -> bool:
        """Create a subscriber; False if the chat already has a row (a second /start)."""
        return await self.create(
            chat_id=chat_id, user_id=user_id, chat_type=chat_type, status=status,
            send_time=send_time, timezone=timezone, topics=topics,
            next_send_at=next_send_at, now=now) is not None

    async def create(
        self, *, chat_id: int, user_id: int | None, chat_type: str, status: str,
        send_time: time, timezone: str, topics: Iterable[str],
        next_send_at: datetime | None, now: datetime, setup_step: str | None = None,
        language: str = "en", language_chosen: bool = False,
    ) -> Subscriber | None:
        """Create a subscriber and return it as stored (RETURNING: no second read); None
        if the chat already has a row (a second /start), which is left as it is."""
        ts = to_ts(now)
        async with self._db.write() as tx:
            rows = await tx.execute_fetchall(
                f"""INSERT INTO subscribers (chat_id, user_id, chat_type, status, send_time,
                       timezone, topics, next_send_at, created_at, updated_at, setup_step,
                       language, language_chosen)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (chat_id) DO NOTHING
                   RETURNING {SUBSCRIBER_COLUMNS}""",
                (chat_id, user_id, chat_type, status, send_time.strftime("%H:%M"), timezone,
                 ",".join(topics), _instant(next_send_at), ts, ts, setup_step, language,
                 int(language_chosen)),
            )
        created = next((decode_subscriber(row) for row in rows), None)
        if created is not None:
            self._hold(chat_id, Language(created.language, created.language_chosen))
        return created

    async def change(self, chat_id: int, decide: Decide, now: datetime, *,
                     prompts: bool = False) -> Changed | None:
        """Read the row, let `decide` say what it becomes, write that: one transaction.

        For the settings actions. The rule sees the row as it is under the write lock (no
        tick or second press can change it in between), the row comes back from the
        UPDATE itself (RETURNING), and what follows from it is written in the same
        transaction: a stop or a new pause cancels the chat's pending sends, and a new zone
        or time moves the diary prompts (`prompts` reads them for the rule), so a crash can
        never leave the prompts in the old zone. `decide` runs on the writer thread and
        must not wait on anything. None when the chat has no row; an unchanged row when
        `decide` said None (nothing is written then).
        """
        ts = to_ts(now)

        def run(connection: sqlite3.Connection) -> Changed | None:
            row = connection.execute(
                f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE chat_id = ?",
                (chat_id,)).fetchone()
            if row is None:
                return None
            before = decode_subscriber(row)
            change = decide(before, _prompt_times(connection, chat_id) if prompts else None)
            if change is None:
                return Changed(before, before)
            new = change.subscriber
            (row,) = connection.execute(
                f"""UPDATE subscribers SET status = ?, send_time = ?, timezone = ?, topics = ?,
                        next_send_at = ?, paused_until = ?, inactive_reason = ?,
                        setup_step = ?, updated_at = ?
                    WHERE chat_id = ? RETURNING {SUBSCRIBER_COLUMNS}""",
                (new.status, new.send_time.strftime("%H:%M"), new.timezone,
                 ",".join(new.topics), _instant(new.next_send_at),
                 new.paused_until.isoformat() if new.paused_until else None,
                 new.inactive_reason, new.setup_step, ts, chat_id)).fetchall()
            if new.status in ("stopped", "paused") and (
                    (new.status, new.paused_until) != (before.status, before.paused_until)):
                # Someone who just said stop must not get a tip or broadcast queued earlier.
                connection.execute(
                    f"""UPDATE deliveries SET status = 'cancelled', error = ?
                        WHERE chat_id = ? AND status = 'pending'
                          AND kind IN {_CANCELLED_KINDS}""",
                    (Reason.SUBSCRIBER_STOPPED if new.status == "stopped"
                     else Reason.SUBSCRIBER_PAUSED, chat_id))
            if change.prompts is not None:
                slots = change.prompts
                connection.execute(
                    """UPDATE diary_settings SET
                           checkin_next_at = coalesce(?, checkin_next_at),
                           stretch_next_at = coalesce(?, stretch_next_at),
                           weekly_next_at = coalesce(?, weekly_next_at),
                           updated_at = ?
                       WHERE chat_id = ?""",
                    (_instant(slots.checkin_next_at), _instant(slots.stretch_next_at),
                     _instant(slots.weekly_next_at), ts, chat_id))
            return Changed(before, decode_subscriber(row))

        return await self._db.transact(run)

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
                    f"""UPDATE deliveries SET status = 'cancelled', error = ?
                        WHERE chat_id = ? AND status = 'pending'
                          AND kind IN {_CANCELLED_KINDS}""",
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

    async def language(self, chat_id: int) -> Language | None:
        """The chat's stored language and whether it was chosen; None when it has no row.

        Asked for every update (the gate), so it is read once per chat and then held: every
        write of a language, a row or its removal goes through this object (create,
        set_language, move_chat, `forgotten`), which keeps what it holds true. One bot per
        database (the instance lock) makes that enough. A chat held as having no row is
        answered by `get` without a read too (the first /start costs one read, not two).
        """
        if chat_id in self._languages:
            return self._languages[chat_id]
        row = await self._db.fetch_one(
            "SELECT language, language_chosen FROM subscribers WHERE chat_id = ?", (chat_id,))
        if chat_id in self._languages:  # a write while this read was under way knows better
            return self._languages[chat_id]
        return self._hold(chat_id, Language(row[0], bool(row[1])) if row else None)

    def _hold(self, chat_id: int, language: Language | None) -> Language | None:
        if chat_id not in self._languages and len(self._languages) >= LANGUAGES_HELD:
            del self._languages[next(iter(self._languages))]  # the oldest goes
        self._languages[chat_id] = language
        return language

    def forgotten(self, chat_id: int) -> None:
        """The chat's row was deleted (/forget): its language is no longer stored."""
        self._languages.pop(chat_id, None)

    async def set_language(self, chat_id: int, language: str, *, chosen: bool,
                           now: datetime) -> bool:
        """Store the chat's language: a choice (/language) always, one that follows
        Telegram's language_code only over another that did too. False when nothing was
        written (no row, or a chosen language kept)."""
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """UPDATE subscribers SET language = ?, language_chosen = ?, updated_at = ?
                   WHERE chat_id = ? AND (? = 1 OR language_chosen = 0)""",
                (language, int(chosen), to_ts(now), chat_id, int(chosen)))
        self._languages.pop(chat_id, None)  # read again when next asked: the row decides
        if cursor.rowcount > 0:
            self._hold(chat_id, Language(language, chosen))
        return cursor.rowcount > 0

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
            columns = await self._db.columns_of("subscribers")
            replaced: dict[str, object] = {"chat_id": new_chat_id, "chat_type": "supergroup",
                                           "updated_at": to_ts(now)}
            copied = ", ".join(_CASTS.get(name, "?") if name in replaced else name
                               for name in columns)
            inserted = await tx.execute(
                f"INSERT INTO subscribers ({', '.join(columns)}) "
                f"SELECT {copied} FROM subscribers WHERE chat_id = ?",
                (*(replaced[name] for name in columns if name in replaced), old_chat_id))
            if inserted.rowcount == 0:
                return False
            for table, column in await self._db.references_to("subscribers", "chat_id"):
                await tx.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?",
                                 (new_chat_id, old_chat_id))
            await tx.execute("DELETE FROM subscribers WHERE chat_id = ?", (old_chat_id,))
        for chat_id in (old_chat_id, new_chat_id):
            self._languages.pop(chat_id, None)
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

    async def count_by_language(self, status: str) -> dict[str, int]:
        """How many subscribers with this status read each language, most first."""
        rows = await self._db.fetch_all(
            """SELECT language, count(*) FROM subscribers WHERE status = ?
               GROUP BY language ORDER BY 2 DESC, 1""", (status,))
        return {row[0]: row[1] for row in rows}

    async def count_by_status(self) -> dict[str, int]:
        rows = await self._db.fetch_all("SELECT status, count(*) FROM subscribers GROUP BY status")
        return {row[0]: row[1] for row in rows}
