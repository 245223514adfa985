"""Benchmark databases: N subscribers written through the bot's own Storage.

Two shapes, each built once per run and copied for every scenario that changes it:

* ``all``: every subscriber due now (the worst minute: the whole base at once);
* ``sample``: ``due`` subscribers due now, the rest spread over the next 23 hours
  (a busy minute in an ordinary day; what the limiter-on runs and the due query see).

Every subscriber has already seen ``VIEWS`` tips in its current rotation cycle, so the
selector and the due query's seen-tips join work on realistic rows, not on empty tables.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.storage import NewSubscriber, Storage
from tips.catalog import TOPICS, load_catalog

ZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Kyiv", "Asia/Dubai", "Asia/Kolkata",
    "Asia/Kathmandu", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
    "America/Los_Angeles", "America/Chicago", "America/New_York", "America/Sao_Paulo",
    "UTC+05:30", "UTC-03:30",
)
VIEWS = 3
SEED = 20260307


def subscribers(n: int, now: datetime, shape: str, due: int) -> list[NewSubscriber]:
    rng = random.Random(SEED + n)
    rows = []
    due_at = now - timedelta(seconds=30)
    for chat_id in range(1, n + 1):
        topics = tuple(t for t in TOPICS if rng.random() < 0.7) or ("foods",)
        at = time(rng.randrange(24), rng.choice((0, 15, 30, 45)))
        if shape == "all" or chat_id <= due:
            next_at = due_at
        else:
            next_at = now + timedelta(hours=1, seconds=rng.randrange(22 * 3600))
        rows.append(NewSubscriber(chat_id, at, ZONES[chat_id % len(ZONES)], topics, next_at,
                                  user_id=chat_id))
    return rows


async def populate(path: Path, n: int, shape: str, due: int = 500) -> dict[str, object]:
    """Create the database at `path` (which must not exist) and return what it holds."""
    now = datetime.now(UTC)
    catalog = load_catalog()
    storage = await Storage.open(path)
    try:
        await storage.tips.sync(catalog, now)
        await storage.subscribers.add_many(subscribers(n, now, shape, due), now)
    finally:
        await storage.close()
    return _add_views(path, n, shape, now, [tip.id for tip in catalog])


def _add_views(path: Path, n: int, shape: str, now: datetime, ids: list[str]
               ) -> dict[str, object]:
    """Rotation history: VIEWS tips already seen in cycle 0 (plain sqlite3: the bot has no
    bulk API for views, and this is set-up, not measured)."""
    rng = random.Random(SEED)
    ts = int(now.timestamp()) - 86_400
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executemany(
                "INSERT OR IGNORE INTO tip_views (chat_id, cycle, tip_id, seen_at) "
                "VALUES (?, 0, ?, ?)",
                ((chat_id, tip_id, ts) for chat_id in range(1, n + 1)
                 for tip_id in rng.sample(ids, VIEWS)))
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (due_now,) = connection.execute(
            "SELECT count(*) FROM subscribers WHERE status = 'active' AND next_send_at <= ?",
            (int(now.timestamp()),)).fetchone()
        (views,) = connection.execute("SELECT count(*) FROM tip_views").fetchone()
    finally:
        connection.close()
    return {"path": str(path), "subscribers": n, "shape": shape, "due_now": due_now,
            "tip_views": views, "bytes": path.stat().st_size}
