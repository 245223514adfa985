"""Every column list storage reads a model from matches that model and the schema.

A field added to a model must be read from its column, and a column added by a migration
must be read into a field or named here as kept outside the model: otherwise a setting
reads silently as its default for everyone. The expected columns are written out here
from the models' fields and the tables' documented extras, never taken from the code's
own column lists.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.core.database_url import PostgresUrl
from bot.diary.models import CheckIn, CrampEntry
from bot.storage import Storage
from bot.storage.broadcasts import _COLUMNS as BROADCAST_COLUMNS
from bot.storage.columns import RowShape
from bot.storage.diary import _ENTRY_COLUMNS, _SETTINGS_COLUMNS, CHECKIN
from bot.storage.food import _ENTRY_COLUMNS as FOOD_ENTRY_COLUMNS
from bot.storage.models import (
    Broadcast,
    DiarySettings,
    DueSubscriber,
    FoodEntry,
    Glass,
    Subscriber,
    WaterSettings,
)
from bot.storage.subscribers import DUE_COLUMNS, SUBSCRIBER_COLUMNS
from bot.storage.tips import _COLUMNS as TIP_COLUMNS
from bot.storage.water import _GLASS_COLUMNS as GLASS_COLUMNS
from bot.storage.water import _SETTINGS_COLUMNS as WATER_SETTINGS_COLUMNS
from tests.helpers import stored_rows
from tips.catalog import Tip

pytestmark = pytest.mark.both_engines


def names(column_list: str) -> list[str]:
    return [part.strip() for part in column_list.split(",")]


def fields(model: type) -> list[str]:
    return [f.name for f in dataclasses.fields(model)]


# (the list the queries use, the model, fields stored under another name, fields the
# table does not hold, the table, its columns that are no field of the model)
LISTS = [
    (SUBSCRIBER_COLUMNS, Subscriber, {}, set(), "subscribers", {"cycle_seen", "language"}),
    (BROADCAST_COLUMNS, Broadcast, {}, set(), "broadcasts", set()),
    (_SETTINGS_COLUMNS, DiarySettings, {}, set(), "diary_settings",
     {"created_at", "updated_at"}),
    (_ENTRY_COLUMNS, CrampEntry, {"when": "when_band"}, {"triggers"}, "cramp_entries",
     {"source_message_id"}),
    (CHECKIN.select(), CheckIn, {}, set(), "diary_checkins", set()),
    (WATER_SETTINGS_COLUMNS, WaterSettings, {}, set(), "water_settings",
     {"created_at", "updated_at"}),
    (GLASS_COLUMNS, Glass, {}, set(), "water_glasses", set()),
    (FOOD_ENTRY_COLUMNS, FoodEntry, {}, set(), "food_log", set()),
    # a stored tip: the Tip's columns, then origin and retired (StoredTip's own fields)
    (TIP_COLUMNS, Tip, {}, {"level"}, "tips",
     {"origin", "retired", "left_catalog", "created_at", "updated_at"}),
]
IDS = [entry[4] for entry in LISTS]


def table_columns(database: Path | PostgresUrl, table: str) -> set[str]:
    """The column names the database's own catalogue lists for `table`."""
    if isinstance(database, PostgresUrl):
        return {name for (name,) in stored_rows(
            database, """SELECT column_name FROM information_schema.columns
                         WHERE table_schema = current_schema() AND table_name = ?""",
            (table,))}
    return {row[1] for row in stored_rows(database, f"PRAGMA table_info({table})")}


@pytest.mark.parametrize(("columns", "model", "renamed", "elsewhere", "table", "extra"),
                         LISTS, ids=IDS)
def test_each_column_list_reads_every_field_of_its_model_in_order(
        columns, model, renamed, elsewhere, table, extra):
    expected = [renamed.get(name, name) for name in fields(model) if name not in elsewhere]
    read = names(columns)
    assert read[:len(expected)] == expected
    assert read[len(expected):] == (["origin", "retired"] if model is Tip else [])


@pytest.mark.parametrize(("columns", "model", "renamed", "elsewhere", "table", "extra"),
                         LISTS, ids=IDS)
async def test_each_table_column_is_read_or_known_to_stay_out_of_the_model(
        database, columns, model, renamed, elsewhere, table, extra):
    storage = await Storage.open(database)
    await storage.close()
    assert set(names(columns)) | extra == table_columns(database, table)


def test_the_due_list_reads_the_due_fields_by_name():
    read = names(DUE_COLUMNS)
    assert read[:8] == list(DueSubscriber._fields[:8])
    # then the computed ones: resume (an expression), seen and disliked (the due query's)
    assert read[8] == "status != 'active' OR paused_until IS NOT NULL"
    assert DueSubscriber._fields[8:] == ("resume", "seen", "disliked")


def test_a_shape_refuses_a_field_its_model_does_not_have():
    with pytest.raises(ValueError, match="no field colour"):
        RowShape(CheckIn, decode={"colour": str})


async def test_a_subscriber_reads_back_every_column_into_its_own_field(database):
    """Every column set to a value of its own, so two swapped fields cannot look right."""
    storage = await Storage.open(database)
    try:
        async with storage._db.write() as tx:
            await tx.execute(
                """INSERT INTO subscribers (chat_id, user_id, chat_type, status, send_time,
                       timezone, topics, next_send_at, last_daily_at, last_topic,
                       rotation_cycle, paused_until, inactive_reason, created_at,
                       updated_at, need_mg, need_profile, setup_step)
                   VALUES (7, 8, 'group', 'paused', '06:45', 'Europe/Berlin', 'sleep,foods',
                           1800000000, 1790000000, 'foods', 3, '2027-01-02', 'a reason',
                           1700000000, 1710000000, 310, '31-50:female', 'time')""")
        found = await storage.subscribers.get(7)
    finally:
        await storage.close()

    def at(seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    assert found == Subscriber(
        chat_id=7, user_id=8, chat_type="group", status="paused", send_time=time(6, 45),
        timezone="Europe/Berlin", topics=("sleep", "foods"), next_send_at=at(1800000000),
        last_daily_at=at(1790000000), last_topic="foods", rotation_cycle=3,
        paused_until=date(2027, 1, 2), inactive_reason="a reason", created_at=at(1700000000),
        updated_at=at(1710000000), need_mg=310, need_profile="31-50:female", setup_step="time")


async def test_the_water_and_food_logs_read_back_every_column_into_their_fields(database):
    storage = await Storage.open(database)
    try:
        async with storage._db.write() as tx:
            await tx.execute(
                """INSERT INTO subscribers (chat_id, status, send_time, timezone, topics,
                       created_at, updated_at)
                   VALUES (7, 'active', '08:00', 'UTC', 'sleep', 1700000000, 1700000000)""")
            await tx.execute(
                """INSERT INTO water_settings (chat_id, glass, target, created_at, updated_at)
                   VALUES (7, 'ml300', 9, 1700000000, 1700000001)""")
            await tx.execute(
                """INSERT INTO water_glasses (id, chat_id, local_date, ml, logged_at)
                   VALUES (5, 7, '2026-03-29', 240, 1790000000)""")
            await tx.execute(
                """INSERT INTO food_log (id, chat_id, local_date, food, servings, mg, logged_at)
                   VALUES (6, 7, '2026-03-30', 'chia seeds', 2, 111, 1790000002)""")
        settings = await storage.water.settings(7)
        glass = await storage.water.glass(7, 5)
        entry = await storage.food.entry(7, 6)
    finally:
        await storage.close()
    assert settings == WaterSettings(chat_id=7, glass="ml300", target=9)
    assert glass == Glass(id=5, chat_id=7, local_date=date(2026, 3, 29), ml=240,
                          logged_at=datetime.fromtimestamp(1790000000, UTC))
    assert entry == FoodEntry(id=6, chat_id=7, local_date=date(2026, 3, 30), food="chia seeds",
                              servings=2, mg=111,
                              logged_at=datetime.fromtimestamp(1790000002, UTC))

