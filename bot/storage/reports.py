"""Read-only numbers for the admin's /stats, across subscribers, the outbox and votes.

Owns no table: it reads the others' and reuses their queries where one exists (counts by
status, tip votes). Only counts and tip ids leave here; nothing a subscriber wrote or
their health data is part of a report.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Database, to_ts
from bot.storage.models import Failure, Stats
from bot.storage.subscribers import SubscriberQueries
from bot.storage.tips import TipQueries


class ReportQueries:
    """Aggregate reads for admins."""

    def __init__(self, db: Database, subscribers: SubscriberQueries, tips: TipQueries) -> None:
        self._db = db
        self._subscribers = subscribers
        self._tips = tips

    async def stats(self, now: datetime, day_start: datetime, *, paid: bool = False) -> Stats:
        """The numbers behind /stats, read in one go; `paid`: count bulk sends as paid.

        With ALLOW_PAID_BROADCAST on, every outbox send (kinds 'daily' and 'broadcast',
        the ones the sender's BotTransport sends) carries allow_paid_broadcast.
        """
        week_ago = to_ts(now) - 7 * 86400
        by_status = await self._subscribers.count_by_status()
        by_language = await self._subscribers.count_by_language("active")
        new_week = await self._db.fetch_value(
            "SELECT count(*) FROM subscribers WHERE created_at >= ?", (week_ago,), default=0)
        today, week = await self._db.fetch_one(
            """SELECT count(*) FILTER (WHERE sent_at >= ?),
                      count(*) FILTER (WHERE sent_at >= ?)
               FROM deliveries
               WHERE status = 'sent' AND kind != 'broadcast'""",
            (to_ts(day_start), week_ago),
        ) or (0, 0)
        failures = [(Failure(str(row[0]), row[1], row[2]), int(row[3]))
                    for row in await self._db.fetch_all(
            """SELECT coalesce(error, status), error_cause, error_detail, count(*)
               FROM deliveries WHERE status IN ('failed', 'blocked')
               GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 8""")]
        timeouts = await self._db.fetch_value(
            """SELECT sum(timeouts) FROM deliveries
               WHERE timeouts > 0 AND last_attempt_at >= ?""", (week_ago,), default=0)
        votes = [(stored.tip.id, up, down) for stored, up, down in await self._tips.votes()
                 if up or down]
        paid_today = paid_week = None
        if paid:
            paid_today, paid_week = await self._db.fetch_one(
                """SELECT count(*) FILTER (WHERE sent_at >= ?), count(*) FROM deliveries
                   WHERE status = 'sent' AND kind IN ('daily', 'broadcast')
                     AND sent_at >= ?""",
                (to_ts(day_start), week_ago),
            ) or (0, 0)
        ranked = sorted(votes, key=lambda v: (v[1] - v[2], v[1]), reverse=True)
        return Stats(by_status=by_status, new_last_7_days=int(new_week),
                     tips_sent_today=int(today or 0), tips_sent_7_days=int(week or 0),
                     failures=failures, top_tips=[v for v in ranked if v[1] - v[2] > 0][:3],
                     bottom_tips=[v for v in reversed(ranked) if v[1] - v[2] < 0][:3],
                     paid_sends_today=paid_today, paid_sends_7_days=paid_week,
                     timeouts_7_days=int(timeouts), active_by_language=by_language)
