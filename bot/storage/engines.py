"""Which engine a database target opens: a file path SQLite, a PostgresUrl PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from bot.core.database_url import PostgresUrl
from bot.storage.db import Database
from bot.storage.postgres_engine import PostgresDatabase
from bot.storage.sqlite_engine import SqliteDatabase


async def open_database(target: Path | str | PostgresUrl) -> Database:
    """Connect to the database `target` names (not yet migrated: see schema.migrate)."""
    if isinstance(target, PostgresUrl):
        return await PostgresDatabase.open(target)
    return await SqliteDatabase.open(target)
