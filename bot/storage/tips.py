"""The tip catalogue as stored: sync from tips/, admin-written tips, retirements, votes.

Owns the `tips` table. Catalogue tips are refreshed from the files on every start; admin
tips and retirements are never overwritten by that sync. Tips are never deleted: outbox
rows and votes keep pointing at them, so a retired tip still renders where it was queued.

A catalogue tip whose id is no longer in the files is retired by the sync (its wording may
be wrong: a content review retired 17 ids, one with a hard 350 mg ceiling),
and flagged `left_catalog` so the sync can tell its own retirements from an admin's: when
the files bring the id back it returns to rotation, unless an admin has retired it since.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.storage.columns import RowShape
from bot.storage.db import Database, to_ts
from bot.storage.models import StoredTip
from tips.catalog import Tip

# The urgency level is worked out from a tip's placeholders when the files are read; the
# table keeps what an admin or the files wrote.
TIP = RowShape(Tip, not_stored=("level",))
_COLUMNS = f"{TIP.select()}, origin, retired"
_T_COLUMNS = f"{TIP.select('t')}, t.origin, t.retired"
_N = len(TIP.fields)


def _decode(row: Sequence[Any]) -> StoredTip:
    """A row selected as _COLUMNS (then anything else) → StoredTip."""
    return StoredTip(TIP.decode(row[:_N]), row[_N], bool(row[_N + 1]))


class TipQueries:
    """Reads and writes of the tips table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def sync(self, tips: Sequence[Tip], now: datetime) -> int:
        """Make the catalogue rows match the files; admin tips and admin retirements stay.

        Inserts new catalogue tips, refreshes edited ones, retires catalogue tips the files
        no longer hold and brings back those the sync itself retired once they return.
        An empty list retires nothing: no catalogue at all is a loading fault, not an edit.
        Returns how many rows were inserted or changed.
        """
        ts = to_ts(now)
        ids = json.dumps([t.id for t in tips])
        listed = self._db.dialect.json_values("?", "text")
        async with self._db.write() as tx:
            before = tx.total_changes
            if tips:
                await tx.execute(
                    f"""UPDATE tips SET retired = 1, left_catalog = 1, updated_at = ?
                       WHERE origin = 'catalog' AND left_catalog = 0 AND retired = 0
                         AND id NOT IN ({listed})""",
                    (ts, ids),
                )
            await tx.execute(
                f"""UPDATE tips SET retired = 0, left_catalog = 0, updated_at = ?
                   WHERE origin = 'catalog' AND left_catalog = 1
                     AND id IN ({listed})""",
                (ts, ids),
            )
            await tx.executemany(
                """
                INSERT INTO tips (id, topic, text, source, origin, retired, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'catalog', 0, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    topic = excluded.topic, text = excluded.text, source = excluded.source,
                    updated_at = excluded.updated_at
                WHERE tips.origin = 'catalog'
                  AND (tips.topic, tips.text, tips.source)
                      <> (excluded.topic, excluded.text, excluded.source)
                """,
                [(t.id, t.topic, t.text, t.source, ts, ts) for t in tips],
            )
            return tx.total_changes - before

    async def all(self, topic: str | None = None) -> list[StoredTip]:
        """Every tip (of one topic, if given), retired ones included, by topic and id."""
        rows = await self._db.fetch_all(
            f"""SELECT {_COLUMNS} FROM tips
               WHERE (CAST(?1 AS TEXT) IS NULL OR topic = ?1) ORDER BY topic, id""",
            (topic,),
        )
        return [_decode(row) for row in rows]

    async def get(self, tip_id: str) -> StoredTip | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM tips WHERE id = ?", (tip_id,))
        return _decode(row) if row else None

    async def add(self, tip: Tip, now: datetime) -> bool:
        """Store an admin-written tip; False when the id is taken."""
        ts = to_ts(now)
        async with self._db.write() as tx:
            cursor = await tx.execute(
                """INSERT INTO tips (id, topic, text, source, origin, retired, created_at,
                   updated_at) VALUES (?, ?, ?, ?, 'admin', 0, ?, ?)
                   ON CONFLICT (id) DO NOTHING""",
                (tip.id, tip.topic, tip.text, tip.source, ts, ts),
            )
        return bool(cursor.rowcount > 0)

    async def set_retired(self, tip_id: str, retired: bool, now: datetime) -> bool:
        """Take a tip out of (or back into) rotation; False when there is no such tip.

        An admin's decision clears `left_catalog`, so the catalogue sync never reverses it.
        """
        async with self._db.write() as tx:
            cursor = await tx.execute(
                "UPDATE tips SET retired = ?, left_catalog = 0, updated_at = ? WHERE id = ?",
                (int(retired), to_ts(now), tip_id),
            )
        return cursor.rowcount > 0

    async def ids_with_prefix(self, prefix: str) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT id FROM tips WHERE substr(id, 1, ?) = ?", (len(prefix), prefix))
        return [row[0] for row in rows]

    async def votes(self, topic: str | None = None) -> list[tuple[StoredTip, int, int]]:
        """Every tip (of one topic, if given) with its 👍 and 👎 counts."""
        rows = await self._db.fetch_all(
            f"""SELECT {_T_COLUMNS},
                      count(f.vote) FILTER (WHERE f.vote = 1),
                      count(f.vote) FILTER (WHERE f.vote = -1)
               FROM tips t LEFT JOIN feedback f ON f.tip_id = t.id
               WHERE (CAST(?1 AS TEXT) IS NULL OR t.topic = ?1)
               GROUP BY t.id ORDER BY t.topic, t.id""",
            (topic,),
        )
        return [(_decode(row), int(row[_N + 2]), int(row[_N + 3])) for row in rows]
