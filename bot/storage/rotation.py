"""Rotation state per chat: tips already seen in the current cycle, and 👍/👎 votes.

Owns the `tip_views` and `feedback` tables as one chat's history of what it was shown and
what it thought of it; the selector reads both to pick the next tip (seen tips wait for
the next cycle, disliked tips are skipped). Views are written with the outbox rows that
show them (see outbox.py), so a view and its send are one transaction.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Database, to_ts


class RotationQueries:
    """Reads of seen and disliked tips; the one write of a vote."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(self, chat_id: int, cycle: int) -> frozenset[str]:
        """Tip ids this chat has been shown in rotation cycle `cycle`."""
        rows = await self._db.fetch_all(
            "SELECT tip_id FROM tip_views WHERE chat_id = ? AND cycle = ?", (chat_id, cycle))
        return frozenset(row[0] for row in rows)

    async def disliked(self, chat_id: int) -> frozenset[str]:
        """Tip ids this chat voted 👎."""
        rows = await self._db.fetch_all(
            "SELECT tip_id FROM feedback WHERE chat_id = ? AND vote = -1", (chat_id,))
        return frozenset(row[0] for row in rows)

    async def set_vote(self, chat_id: int, tip_id: str, vote: int, now: datetime) -> None:
        """Store a 👍 (+1) or 👎 (-1); a later vote on the same tip replaces the earlier one."""
        async with self._db.write() as tx:
            await tx.execute(
                """INSERT INTO feedback (chat_id, tip_id, vote, updated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (chat_id, tip_id) DO UPDATE SET
                       vote = excluded.vote, updated_at = excluded.updated_at""",
                (chat_id, tip_id, vote, to_ts(now)),
            )

    # --- votes shown on the tip: read one, clear one (press the marked button again)
    async def vote_of(self, chat_id: int, tip_id: str) -> int:
        """This chat's vote on a tip: 1, -1, or 0 for none."""
        return int(await self._db.fetch_value(
            "SELECT vote FROM feedback WHERE chat_id = ? AND tip_id = ?", (chat_id, tip_id),
            default=0) or 0)

    async def clear_vote(self, chat_id: int, tip_id: str) -> None:
        async with self._db.write() as tx:
            await tx.execute("DELETE FROM feedback WHERE chat_id = ? AND tip_id = ?",
                             (chat_id, tip_id))
