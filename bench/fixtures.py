"""Benchmark databases: N subscribers, schema made by the bot's own Storage, rows bulk-loaded.

Three shapes, each built once per run and copied for every scenario that changes it:

* ``all``: every subscriber due now (the worst minute: the whole base at once, as when
  everyone keeps the default 09:00);
* ``sample``: ``due`` subscribers due now, the rest spread over the next 23 hours
  (a busy minute in an ordinary day; what the limiter-on runs and the due query see);
* ``day``: ``due`` subscribers due now, the rest spread evenly over the next 24 hours to
  the minute (about N / 1,440 a minute: the simulated day at 1,000,000).

A row's send time is the local time of its next slot in its zone, as the bot itself stores
them (its slot is where that time next falls), so the subscribers due in one minute share
one send time per zone, as real ones do; slots are whole minutes.

Every subscriber has already seen ``VIEWS`` tips in its current rotation cycle (its
``cycle_seen`` list), so the selector works on realistic rows, not on empty lists.

Rows go in with plain sqlite3 ``executemany`` in one transaction (set-up, not measured):
1,000,000 subscribers take well under a minute, where the bot's
aiosqlite bulk API would spend that long building NewSubscriber objects alone.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from bot.core.zones import resolve_zone
from bot.storage import Storage
from tips.catalog import TOPICS, load_catalog

ZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Kyiv", "Asia/Dubai", "Asia/Kolkata",
    "Asia/Kathmandu", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
    "America/Los_Angeles", "America/Chicago", "America/New_York", "America/Sao_Paulo",
    "UTC+05:30", "UTC-03:30",
)
VIEWS = 3
SEED = 20260307
INSERT = ("INSERT INTO subscribers (chat_id, user_id, chat_type, status, send_time, "
          "timezone, topics, next_send_at, created_at, updated_at, cycle_seen) "
          "VALUES (?, ?, 'private', 'active', ?, ?, ?, ?, ?, ?, ?)")


def _near_midnight(instant: int, zone: str) -> bool:
    """Whether the local day at `instant` ends within 15 minutes in `zone`."""
    local = datetime.fromtimestamp(instant, resolve_zone(zone))
    return local.hour == 23 and local.minute >= 45


@lru_cache(maxsize=1 << 16)
def _wall_time(instant: int, zone: str) -> str:
    """The local "HH:MM" at `instant` in `zone`: the send time whose slot `instant` is."""
    return datetime.fromtimestamp(instant, resolve_zone(zone)).strftime("%H:%M")


def subscriber_rows(n: int, now: datetime, shape: str, due: int, ids: list[str]
                    ) -> Iterator[tuple[object, ...]]:
    """The subscribers table's rows, generated lazily (1,000,000 tuples never sit in memory)."""
    rng = random.Random(SEED + n)
    views = random.Random(SEED)
    ts = int(now.timestamp()) // 60 * 60  # slots are whole minutes, as the bot makes them
    due_at = ts - 60
    topic_sets = [",".join(t for i, t in enumerate(TOPICS) if mask >> i & 1) or "foods"
                  for mask in range(1 << len(TOPICS))]
    spread = max(1, n - due)
    # Rows due now get a zone whose local day does not end within the next 15 minutes:
    # a slot planned after its local midnight is (rightly) recorded missed, and a run
    # started at 08:00 UTC would otherwise lose Los Angeles's 1/17 of the base.
    calm = [zone for zone in ZONES if not _near_midnight(due_at, zone)]
    for chat_id in range(1, n + 1):
        topics = topic_sets[sum(1 << i for i in range(len(TOPICS)) if rng.random() < 0.7)]
        zone = ZONES[chat_id % len(ZONES)]
        if shape == "all" or chat_id <= due:
            next_at = due_at
            zone = calm[chat_id % len(calm)]
        elif shape == "day":  # evenly over the next 24 h, to the minute
            next_at = ts + 60 * (1 + (chat_id - due) * 1439 // spread)
        else:
            next_at = ts + 3600 + 60 * rng.randrange(22 * 60)
        at = _wall_time(next_at, zone)
        seen = ",".join(views.sample(ids, VIEWS))
        yield (chat_id, chat_id, at, zone, topics, next_at, ts, ts, seen)


async def populate(path: Path, n: int, shape: str, due: int = 500) -> dict[str, object]:
    """Create the database at `path` (which must not exist) and return what it holds."""
    now = datetime.now(UTC)
    catalog = load_catalog()
    storage = await Storage.open(path)  # the schema exactly as the bot makes it
    try:
        await storage.tips.sync(catalog, now)
    finally:
        await storage.close()
    return _bulk(path, n, shape, due, now, [tip.id for tip in catalog])


def _bulk(path: Path, n: int, shape: str, due: int, now: datetime, ids: list[str]
          ) -> dict[str, object]:
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous = OFF")
        with connection:
            connection.executemany(INSERT, subscriber_rows(n, now, shape, due, ids))
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (due_now,) = connection.execute(
            "SELECT count(*) FROM subscribers WHERE status = 'active' AND next_send_at <= ?",
            (int(now.timestamp()),)).fetchone()
        (views,) = connection.execute(
            "SELECT sum(length(cycle_seen) - length(replace(cycle_seen, ',', '')) + 1) "
            "FROM subscribers WHERE cycle_seen != ''").fetchone()
    finally:
        connection.close()
    return {"path": str(path), "subscribers": n, "shape": shape, "due_now": due_now,
            "seen_marks": views, "bytes": path.stat().st_size, "now": now.timestamp()}
