"""One chat's own data: the tallies /mydata shows, and /forget's single delete.

Owns the per-chat read-outs across subscribers, deliveries and feedback, and the removal
of everything stored about a chat. Forgetting is one DELETE of the subscriber row (which
holds the rotation's seen list) whose ON DELETE CASCADE takes the deliveries and votes
with it: one atomic statement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.storage.db import Database, from_ts
from bot.storage.rotation import tip_ids


class PrivacyQueries:
    """What is stored about one chat, and forgetting it."""

    def __init__(self, db: Database, forgotten: Callable[[int], None] = lambda chat_id: None,
                 ) -> None:
        self._db = db
        self._forgotten = forgotten  # told of each deleted row (languages held in memory)

    async def delivery_tally(self, chat_id: int) -> list[tuple[str, str, int]]:
        """(kind, status, count) of one chat's deliveries."""
        rows = await self._db.fetch_all(
            """SELECT kind, status, count(*) FROM deliveries WHERE chat_id = ?
               GROUP BY kind, status ORDER BY kind, status""",
            (chat_id,),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def recent_deliveries(
        self, chat_id: int, limit: int,
    ) -> list[tuple[str, str, datetime, datetime | None]]:
        """(kind, status, created, sent) of one chat's latest deliveries, newest first."""
        rows = await self._db.fetch_all(
            """SELECT kind, status, created_at, sent_at FROM deliveries WHERE chat_id = ?
               ORDER BY created_at DESC, id DESC LIMIT ?""",
            (chat_id, limit),
        )
        return [(row[0], row[1], from_ts(row[2]) or datetime.min.replace(tzinfo=UTC),
                 from_ts(row[3])) for row in rows]

    async def vote_tally(self, chat_id: int) -> tuple[int, int]:
        """(helpful, not for me) votes one chat has stored."""
        row = await self._db.fetch_one(
            """SELECT count(*) FILTER (WHERE vote = 1), count(*) FILTER (WHERE vote = -1)
               FROM feedback WHERE chat_id = ?""",
            (chat_id,),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def seen_count(self, chat_id: int) -> int:
        """How many 'already seen' marks the rotation keeps for one chat (this cycle's)."""
        return len(tip_ids(await self._db.fetch_value(
            "SELECT cycle_seen FROM subscribers WHERE chat_id = ?", (chat_id,))))

    async def forget(self, chat_id: int) -> bool:
        """Delete a chat's subscriber row (its seen list with it) and, by cascade, its
        deliveries and votes.

        A single statement (rather than several DELETEs) also cannot interleave with
        another coroutine's statements on the shared connection.
        Returns False when there was no row to delete.
        """
        async with self._db.write() as tx:
            cursor = await tx.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,))
        self._forgotten(chat_id)
        return cursor.rowcount > 0
