"""Rotation state per chat: tips already seen in the current cycle, and 👍/👎 votes.

Reads the subscriber's `cycle_seen` list and owns the `feedback` table: what one chat was
shown in its current cycle and what it thought of tips; the selector reads both to pick
the next tip (seen tips wait for the next cycle, disliked tips are skipped). The seen
list is written with the outbox rows that show the tips (see outbox.py), so a view and
its send are one transaction.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Database, to_ts

_NONE: frozenset[str] = frozenset()


def tip_ids(listed: str | None) -> frozenset[str]:
    """A stored comma-separated list of tip ids (the seen list, a group_concat) as a set.

    Tip ids never hold a comma (tips.catalog.TIP_ID_RE); empty or NULL is no tips.
    """
    return frozenset(listed.split(",")) if listed else _NONE


class RotationQueries:
    """Reads of seen and disliked tips; the one write of a vote."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(self, chat_id: int) -> frozenset[str]:
        """Tip ids this chat has been shown in its current rotation cycle."""
        return tip_ids(await self._db.fetch_value(
            "SELECT cycle_seen FROM subscribers WHERE chat_id = ?", (chat_id,)))

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

    # Votes shown on the tip: read one, clear one (press the marked button again)
    async def vote_of(self, chat_id: int, tip_id: str) -> int:
        """This chat's vote on a tip: 1, -1, or 0 for none."""
        return int(await self._db.fetch_value(
            "SELECT vote FROM feedback WHERE chat_id = ? AND tip_id = ?", (chat_id, tip_id),
            default=0) or 0)

    async def clear_vote(self, chat_id: int, tip_id: str) -> None:
        async with self._db.write() as tx:
            await tx.execute("DELETE FROM feedback WHERE chat_id = ? AND tip_id = ?",
                             (chat_id, tip_id))
