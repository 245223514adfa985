"""Everything the bot keeps, in SQLite (the default) or PostgreSQL. All SQL lives here.

`Storage` composes one small mechanism (db.py's interface: the one serialised write path
with its one-hop bulk form, read helpers; sqlite_engine.py and postgres_engine.py
implement it, dialect.py spells what the two disagree on), the migrations (schema.py and
schema_postgres.py, numbered per engine) and one query object per aggregate:

    storage.subscribers  who gets tips, when, on what          (subscribers.py)
    storage.rotation     seen tips per cycle, 👍/👎 votes        (rotation.py)
    storage.outbox       due chats, queued rows, send outcomes  (outbox.py)
    storage.broadcasts   admin broadcasts and their rows        (broadcasts.py)
    storage.tips         the stored catalogue, admin tips       (tips.py)
    storage.privacy      one chat's /mydata tallies, /forget    (privacy.py)
    storage.reports      /stats numbers across the others       (reports.py)
    storage.diary        the cramp diary and its prompts        (diary.py)

files.py holds the file-level checks and copies of `run.py check`, backup and restore.
columns.py derives each model's column list from the model's fields, so a field added to
a model is read from its column rather than left at its default.

The domain records live in models.py, which needs no database: presentation code imports
`bot.storage.models`. They are re-exported here so `from bot.storage import Subscriber`
keeps working.

Times are stored as integer UNIX seconds (UTC) so range queries on the due index stay
cheap; send times as 'HH:MM'; local dates as ISO 'YYYY-MM-DD'. Every statement binds its
values as parameters: nothing a user typed is ever pasted into SQL text.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg

from bot.core.database_url import PostgresUrl
from bot.storage.broadcasts import BroadcastQueries
from bot.storage.db import Database
from bot.storage.diary import DiaryQueries
from bot.storage.engines import open_database
from bot.storage.food import FoodLogQueries
from bot.storage.models import (
    Broadcast,
    DailyPlan,
    DeliveryOutcome,
    DueSubscriber,
    PendingDelivery,
    Stats,
    StoredTip,
    Subscriber,
)
from bot.storage.outbox import OutboxQueries
from bot.storage.privacy import PrivacyQueries
from bot.storage.reports import ReportQueries
from bot.storage.rotation import RotationQueries
from bot.storage.schema import migrate
from bot.storage.subscribers import SubscriberQueries
from bot.storage.tips import TipQueries
from bot.storage.water import WaterQueries

__all__ = [
    "Broadcast",
    "DailyPlan",
    "DeliveryOutcome",
    "DueSubscriber",
    "PendingDelivery",
    "Stats",
    "Storage",
    "StoredTip",
    "Subscriber",
]


class Storage:
    """The bot's database: one file and one write path, reached through one query object
    per aggregate."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.subscribers = SubscriberQueries(db)
        self.rotation = RotationQueries(db)
        self.outbox = OutboxQueries(db, self.subscribers)
        self.broadcasts = BroadcastQueries(db)
        self.tips = TipQueries(db)
        self.privacy = PrivacyQueries(db, self.subscribers.forgotten)
        self.reports = ReportQueries(db, self.subscribers, self.tips)
        self.diary = DiaryQueries(db)
        self.water = WaterQueries(db)
        self.food = FoodLogQueries(db)

    @classmethod
    async def open(cls, target: Path | str | PostgresUrl) -> Storage:
        """Open a SQLite file (creating folders and file as needed) or a PostgreSQL
        database, and migrate it to the latest schema."""
        db = await open_database(target)
        try:
            await migrate(db)
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        await self._db.close()

    async def integrity_ok(self) -> bool:
        return await self._db.integrity_ok()

    async def reachable(self) -> bool:
        """The database answers a trivial query (readiness, bot.health)."""
        try:
            return bool(await self._db.fetch_value("SELECT 1") == 1)
        except (OSError, sqlite3.Error, ValueError,  # ValueError: the connection is closed
                asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            return False

    @property
    def engine(self) -> str:
        """"sqlite" or "postgres"."""
        return self._db.engine
