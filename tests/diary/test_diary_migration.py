"""The diary's migration upgrades a database in place: deliveries keep their rows and
indexes, take the prompt kinds, and stay unique: prompts per person, kind and local date,
daily tips per person and slot (since migration 7)."""

from __future__ import annotations

import sqlite3

import pytest

from bot.storage import Storage
from bot.storage.schema import MIGRATIONS
from tests.helpers import stored_rows


def _diary_migration() -> int:
    return next(i for i, script in enumerate(MIGRATIONS) if "cramp_entries" in script)


async def test_an_older_database_upgrades_and_keeps_its_deliveries(tmp_path):
    path = tmp_path / "old.sqlite3"
    before = _diary_migration()
    with sqlite3.connect(path) as connection:
        for number in range(before):
            connection.executescript(MIGRATIONS[number])
        connection.execute(f"PRAGMA user_version = {before}")
        connection.execute("INSERT INTO subscribers (chat_id, status, send_time, timezone, "
                           "topics, created_at, updated_at) VALUES "
                           "(5, 'active', '09:00', 'UTC', 'rest', 0, 0)")
        connection.execute("INSERT INTO deliveries (chat_id, kind, local_date, status, "
                           "due_at, created_at) VALUES (5, 'daily', '2026-01-01', 'sent', 1, 1)")
    storage = await Storage.open(path)
    await storage.close()
    assert stored_rows(path, "PRAGMA user_version") == [(len(MIGRATIONS),)]
    assert stored_rows(path, "SELECT chat_id, kind, local_date, status FROM deliveries") \
        == [(5, "daily", "2026-01-01", "sent")]
    indexes = {name for (name,) in stored_rows(
        path, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries'")}
    assert {"deliveries_prompt_once", "deliveries_daily_slot_once",
            "deliveries_broadcast_once", "deliveries_pending", "deliveries_chat",
            "deliveries_broadcast"} <= indexes
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        insert = ("INSERT INTO deliveries (chat_id, kind, local_date, status, due_at, "
                  "created_at) VALUES (5, ?, ?, 'pending', ?, 1)")
        for kind in ("checkin", "stretch", "weekly"):
            connection.execute(insert, (kind, "2026-01-02", 2))
            with pytest.raises(sqlite3.IntegrityError):  # once per person, kind and date
                connection.execute(insert, (kind, "2026-01-02", 3))
        connection.execute(insert, ("daily", "2026-01-02", 2))
        with pytest.raises(sqlite3.IntegrityError):  # once per person and slot
            connection.execute(insert, ("daily", "2026-01-03", 2))
        connection.execute(insert, ("daily", "2026-01-02", 3))  # another zone's same date
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(insert, ("diary", "2026-01-04", 4))  # the CHECK guards kinds
