"""The storage package's own contracts: one write path, the schema guard, SQL only inside.

Everything else storage does is checked through the bot's behaviour in the other suites.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import re
import sqlite3
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.core.database_url import PostgresUrl, parse_database_url
from bot.storage import DailyPlan, DeliveryOutcome, Storage
from bot.storage.engines import open_database
from bot.storage.schema import MIGRATIONS, migrate
from bot.storage.subscribers import SubscriberQueries
from tests.conftest import fresh_database
from tests.helpers import stored_rows
from tips.catalog import load_catalog

REPO = Path(__file__).resolve().parent.parent
BOT = REPO / "bot"
STORAGE = BOT / "storage"
NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.both_engines


async def test_a_failed_write_rolls_back_only_its_own_statements(database):
    """Two tasks share one connection: a transaction that fails must not take another
    task's write with it, nor let that write land inside its own open transaction."""
    path = database
    db = await open_database(database)
    await migrate(db)
    subscribers = SubscriberQueries(db)
    inside = asyncio.Event()

    async def failing_broadcast() -> None:
        async with db.write() as tx:
            await tx.execute("INSERT INTO broadcasts (admin_id, text, status, created_at) "
                             "VALUES (1, 'half a change', 'draft', 0)")
            inside.set()
            for _ in range(20):  # let the other task try to write meanwhile
                await asyncio.sleep(0)
            raise RuntimeError("the admin's draft failed half-way")

    async def subscribe() -> bool:
        await inside.wait()
        return await subscribers.add(
            chat_id=7, user_id=7, chat_type="private", status="active", send_time=time(9),
            timezone="UTC", topics=("foods",), next_send_at=None, now=NOW)

    try:
        failed, added = await asyncio.gather(failing_broadcast(), subscribe(),
                                             return_exceptions=True)
    finally:
        await db.close()
    assert isinstance(failed, RuntimeError)
    assert added is True
    assert stored_rows(path, "SELECT count(*) FROM broadcasts") == [(0,)]
    assert stored_rows(path, "SELECT chat_id FROM subscribers") == [(7,)]


async def test_a_one_hop_transaction_is_whole_or_absent_and_never_mixes_with_a_write(
        database):
    """`transact` runs a whole transaction on the writer thread: one that fails half-way
    stores nothing, a write() waiting meanwhile lands on its own, one that succeeds stores
    all of it, and closing stops the thread."""
    path = database
    db = await open_database(database)
    await migrate(db)
    subscribers = SubscriberQueries(db)
    started = threading.Event()

    def half_then_fail(tx: sqlite3.Connection) -> None:
        tx.execute("INSERT INTO broadcasts (admin_id, text, status, created_at) "
                   "VALUES (1, 'half a change', 'draft', 0)")
        started.set()
        import time as clock
        clock.sleep(0.2)  # a write() asked for meanwhile must wait, not land inside
        raise RuntimeError("failed half-way")

    def two_rows(tx: sqlite3.Connection) -> int:
        for text in ("first", "second"):
            tx.execute("INSERT INTO broadcasts (admin_id, text, status, created_at) "
                       "VALUES (1, ?, 'draft', 0)", (text,))
        return 2

    async def subscribe() -> bool:
        await asyncio.to_thread(started.wait, 5)
        return await subscribers.add(
            chat_id=7, user_id=7, chat_type="private", status="active", send_time=time(9),
            timezone="UTC", topics=("foods",), next_send_at=None, now=NOW)

    try:
        failed, added = await asyncio.gather(db.transact(half_then_fail), subscribe(),
                                             return_exceptions=True)
        assert isinstance(failed, RuntimeError)
        assert added is True
        assert stored_rows(path, "SELECT count(*) FROM broadcasts") == [(0,)]
        assert await db.transact(two_rows) == 2
    finally:
        await db.close()
    assert stored_rows(path, "SELECT text FROM broadcasts ORDER BY id") == [
        ("first",), ("second",)]
    assert stored_rows(path, "SELECT chat_id FROM subscribers") == [(7,)]
    writer = {"sqlite": "sqlite-writer", "postgres": "postgres-writer"}[db.engine]
    assert not [t for t in threading.enumerate() if t.name.startswith(writer)]


async def test_a_cancelled_one_hop_transaction_still_ends_whole_before_the_next_write(
        database):
    """Shutting down mid-tick cancels the tick while its slice is being written: the
    thread cannot stop half-way, so the transaction ends whole, and the next write waits
    for it instead of failing on a locked database."""
    path = database
    db = await open_database(database)
    await migrate(db)
    started = threading.Event()

    def slow_pair(tx: sqlite3.Connection) -> None:
        tx.execute("INSERT INTO broadcasts (admin_id, text, status, created_at) "
                   "VALUES (1, 'one', 'draft', 0)")
        started.set()
        import time as clock
        clock.sleep(0.3)
        tx.execute("INSERT INTO broadcasts (admin_id, text, status, created_at) "
                   "VALUES (1, 'two', 'draft', 0)")

    try:
        task = asyncio.create_task(db.transact(slow_pair))
        await asyncio.to_thread(started.wait, 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        counted = stored_rows(path, "SELECT count(*) FROM broadcasts")
        async with db.write() as tx:
            await tx.execute("INSERT INTO broadcasts (admin_id, text, status, created_at) "
                             "VALUES (1, 'three', 'draft', 0)")
    finally:
        await db.close()
    assert counted == [(2,)]  # the cancelled caller returned only once it had ended
    assert stored_rows(path, "SELECT text FROM broadcasts ORDER BY id") == [
        ("one",), ("two",), ("three",)]


async def test_a_database_from_a_newer_bot_is_refused_and_left_unmigrated(database, request):
    """Each engine keeps its version its own way (SQLite's user_version, PostgreSQL's
    schema_version table); version 99 is refused on both and nothing is created."""
    if isinstance(database, PostgresUrl):
        async with fresh_database(request.getfixturevalue("pg_server")) as url:
            empty = parse_database_url(url)  # not the test's: that one is migrated
            assert isinstance(empty, PostgresUrl)
            connection = await asyncpg.connect(empty.dsn)
            try:
                await connection.execute("CREATE TABLE schema_version (version integer "
                                         "PRIMARY KEY); INSERT INTO schema_version VALUES (99)")
            finally:
                await connection.close()
            with pytest.raises(RuntimeError, match="newer than this bot"):
                await Storage.open(empty)
            assert stored_rows(empty, "SELECT max(version) FROM schema_version") == [(99,)]
            assert stored_rows(empty, "SELECT count(*) FROM information_schema.tables "
                                      "WHERE table_schema = current_schema()") == [(1,)]
        return
    with contextlib.closing(sqlite3.connect(database)) as file:
        file.execute("PRAGMA user_version = 99")
    with pytest.raises(RuntimeError, match="newer than this bot"):
        await Storage.open(database)
    assert stored_rows(database, "PRAGMA user_version") == [(99,)]
    assert stored_rows(database, "SELECT count(*) FROM sqlite_master") == [(0,)]


async def test_upgrading_keeps_each_chats_current_cycle_of_seen_tips(tmp_path):
    """Version 6 moves the seen tips onto the subscriber row: the current cycle's views
    survive the upgrade (so nobody is sent a repeat), earlier cycles' do not. SQLite
    only: version 5 files exist only there (PostgreSQL starts with the seen list)."""
    path = tmp_path / "bot.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as connection:
        for number, script in enumerate(MIGRATIONS[:5], start=1):  # a version-5 file
            connection.executescript(f"BEGIN;{script}\nPRAGMA user_version = {number};COMMIT;")
        connection.executemany(
            "INSERT INTO subscribers (chat_id, status, send_time, timezone, topics, "
            "rotation_cycle, created_at, updated_at) VALUES (?, 'active', '09:00', 'UTC', "
            "'foods', ?, 0, 0)", [(7, 1), (8, 0), (9, 0)])
        connection.executemany(
            "INSERT INTO tip_views (chat_id, cycle, tip_id, seen_at) VALUES (?, ?, ?, 0)",
            [(7, 0, "food-001"), (7, 0, "food-002"), (7, 1, "food-003"), (7, 1, "rest-004"),
             (8, 0, "food-001")])
        connection.commit()
    storage = await Storage.open(path)
    try:
        seen = {chat: await storage.rotation.seen(chat) for chat in (7, 8, 9)}
    finally:
        await storage.close()
    assert seen == {7: {"food-003", "rest-004"}, 8: {"food-001"}, 9: frozenset()}
    assert stored_rows(path, "PRAGMA user_version") == [(16,)]
    assert stored_rows(path, "SELECT name FROM sqlite_master WHERE name = 'tip_views'") == []


async def test_the_seen_list_lists_a_tip_once_restarts_with_a_cycle_and_survives_a_miss(
        database):
    path = database
    storage = await Storage.open(path)
    try:
        await storage.tips.sync(load_catalog(), NOW)
        a, b, c = sorted(tip.id for tip in load_catalog())[:3]
        await storage.subscribers.add(
            chat_id=7, user_id=7, chat_type="private", status="active", send_time=time(9),
            timezone="UTC", topics=("foods",), next_send_at=NOW, now=NOW)
        for tip_id in (a, b, a):  # a shown again in the same cycle (a replay)
            await storage.outbox.add_on_demand(chat_id=7, tip_id=tip_id, cycle=0,
                                               topic="foods", now=NOW)
        after_cycle_0 = stored_rows(path, "SELECT cycle_seen, rotation_cycle FROM subscribers")
        missed = DailyPlan(7, date(2026, 3, 6), NOW, NOW + timedelta(days=1), None, 0, None,
                           reason="offline_past_grace")
        await storage.outbox.apply_daily_plans([missed], NOW)
        after_miss = stored_rows(path, "SELECT cycle_seen, rotation_cycle FROM subscribers")
        sent = DailyPlan(7, date(2026, 3, 7), NOW + timedelta(days=1), NOW + timedelta(days=2),
                         c, 1, "foods")  # the first tip of a new cycle
        await storage.outbox.apply_daily_plans([sent], NOW + timedelta(days=1))
        after_cycle_1 = stored_rows(path, "SELECT cycle_seen, rotation_cycle FROM subscribers")
    finally:
        await storage.close()
    assert after_cycle_0 == [(f"{a},{b}", 0)]
    assert after_miss == [(f"{a},{b}", 0)]
    assert after_cycle_1 == [(c, 1)]


async def test_writes_reach_the_database_file_within_seconds_and_the_checkpointer_stops(
        tmp_path):
    """Checkpoints run beside the bot, not inside a commit: a change is copied from the
    WAL into the database file itself within a few seconds, and closing stops the thread.
    SQLite only: its WAL file and checkpointer thread."""
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path)
    try:
        await storage.subscribers.add(
            chat_id=7, user_id=7, chat_type="private", status="active", send_time=time(9),
            timezone="UTC", topics=("foods",), next_send_at=None, now=NOW)
        in_file: list[tuple] = []
        for _ in range(50):  # bounded: 5 s
            alone = tmp_path / "file-alone.sqlite3"
            alone.write_bytes(path.read_bytes())  # the main file only, without its WAL
            with contextlib.closing(sqlite3.connect(alone)) as connection:
                with contextlib.suppress(sqlite3.OperationalError):  # schema not there yet
                    in_file = connection.execute("SELECT chat_id FROM subscribers").fetchall()
            if in_file:
                break
            await asyncio.sleep(0.1)
    finally:
        await storage.close()
    assert in_file == [(7,)]
    assert not [t for t in threading.enumerate() if t.name == "sqlite-checkpointer"]


async def test_send_outcomes_are_stored_as_given_and_never_undo_a_settled_row(database):
    """One batch of outcomes, written in one statement: every field lands on its own row
    (texts with quotes, newlines and emoji intact), a retry keeps the row pending with
    its new due time, an outcome without a message id keeps the stored one, a row
    already settled stays as it was, and of two outcomes for one row the first counts."""
    path = database
    storage = await Storage.open(path)
    later = NOW + timedelta(minutes=1)
    retry = NOW + timedelta(minutes=10)
    try:
        await storage.tips.sync(load_catalog(), NOW)
        tip = sorted(t.id for t in load_catalog())[0]
        ids = []
        for chat_id in range(1, 8):
            await storage.subscribers.add(
                chat_id=chat_id, user_id=chat_id, chat_type="private", status="active",
                send_time=time(9), timezone="UTC", topics=("foods",), next_send_at=NOW,
                now=NOW)
            ids.append(await storage.outbox.add_on_demand(
                chat_id=chat_id, tip_id=tip, cycle=0, topic="foods", now=NOW))
        sent, failed, retried, blocked, settled, doubled, missed = ids
        await storage.outbox.apply_outcomes([DeliveryOutcome(settled, "sent", NOW,
                                                             message_id=41)])
        error = 'Bad Request: can\'t parse "entities"\nline 2 \u2014 \U0001f4a5'
        await storage.outbox.apply_outcomes([
            DeliveryOutcome(sent, "sent", later, message_id=501),
            DeliveryOutcome(failed, "failed", later, error=error),
            DeliveryOutcome(retried, "pending", later, error="Timed out", retry_at=retry,
                            timed_out=True),
            DeliveryOutcome(blocked, "blocked", later, error="chat_gone",
                            detail="Forbidden: bot was blocked", count_attempt=False),
            DeliveryOutcome(missed, "missed", later, error="grace_window_passed",
                            cause="network", detail="Bad Gateway"),
            DeliveryOutcome(settled, "failed", later, error="late answer"),
            DeliveryOutcome(doubled, "sent", later, message_id=7),
            DeliveryOutcome(doubled, "failed", later, error="second"),
        ])
    finally:
        await storage.close()
    rows = stored_rows(path, """SELECT id, status, message_id, error, error_cause,
                                       error_detail, sent_at, attempts, due_at, timeouts,
                                       last_attempt_at
                                FROM deliveries ORDER BY id""")
    at, first, due_again = (int(m.timestamp()) for m in (later, NOW, retry))
    assert rows == [
        (sent, "sent", 501, None, None, None, at, 1, first, 0, at),
        (failed, "failed", None, error, None, None, None, 1, first, 0, at),
        (retried, "pending", None, "Timed out", None, None, None, 1, due_again, 1, at),
        (blocked, "blocked", None, "chat_gone", None, "Forbidden: bot was blocked", None, 0,
         first, 0, at),
        (settled, "sent", 41, None, None, None, first, 1, first, 0, first),
        (doubled, "sent", 7, None, None, None, at, 1, first, 0, at),
        (missed, "missed", None, "grace_window_passed", "network", "Bad Gateway", None, 1,
         first, 0, at),
    ]


async def test_reopening_keeps_what_was_stored(database):
    path = database
    storage = await Storage.open(path)
    await storage.subscribers.add(
        chat_id=7, user_id=7, chat_type="private", status="active", send_time=time(7, 15),
        timezone="Europe/Berlin", topics=("foods", "sleep"), next_send_at=None, now=NOW)
    await storage.close()
    storage = await Storage.open(path)  # the migrations see an up-to-date file
    try:
        again = await storage.subscribers.get(7)
        assert await storage.integrity_ok()
    finally:
        await storage.close()
    assert again is not None
    assert (again.send_time, again.timezone, again.topics) == (
        time(7, 15), "Europe/Berlin", ("foods", "sleep"))


# --- the tick's due query, read in one statement -----------------------------------


async def test_due_rows_carry_what_the_tick_needs_and_this_cycles_views(database):
    storage = await Storage.open(database)
    try:
        await storage.tips.sync(load_catalog(), NOW)
        ids = sorted(tip.id for tip in load_catalog())
        for chat in (7, 8):
            await storage.subscribers.add(
                chat_id=chat, user_id=chat * 10, chat_type="private", status="active",
                send_time=time(7, 15), timezone="Europe/Berlin", topics=("foods", "rest"),
                next_send_at=NOW - timedelta(minutes=chat), now=NOW)
        await storage.subscribers.add(  # paused; its slot is the day the pause ends
            chat_id=6, user_id=60, chat_type="private", status="paused", send_time=time(6, 0),
            timezone="UTC", topics=("sleep",), next_send_at=NOW - timedelta(minutes=6),
            now=NOW)
        await storage.subscribers.add(  # not due yet
            chat_id=9, user_id=None, chat_type="group", status="active", send_time=time(8, 0),
            timezone="UTC", topics=("rest",), next_send_at=NOW + timedelta(minutes=1), now=NOW)
        # Chat 7 saw two tips in cycle 0, then one in cycle 1 (its current cycle).
        for cycle, tip_id in ((0, ids[0]), (0, ids[1]), (1, ids[2])):
            await storage.outbox.add_on_demand(chat_id=7, tip_id=tip_id, cycle=cycle,
                                               topic="foods", now=NOW)
        await storage.rotation.set_vote(7, ids[3], -1, NOW)
        await storage.rotation.set_vote(7, ids[4], 1, NOW)
        await storage.rotation.set_vote(8, ids[5], -1, NOW)
        await storage.rotation.set_vote(8, ids[6], -1, NOW)
        due = await storage.outbox.due(NOW, 10)
    finally:
        await storage.close()
    assert [d.chat_id for d in due] == [8, 7, 6]  # the earliest slot first
    by_chat = {d.chat_id: d for d in due}
    seven = by_chat[7]
    assert (seven.send_time, seven.timezone, seven.topics, seven.next_send_at,
            seven.last_daily_at, seven.last_topic, seven.rotation_cycle, seven.resume) == (
        time(7, 15), "Europe/Berlin", ("foods", "rest"),
        datetime(2026, 3, 6, 11, 53, tzinfo=UTC), None, "foods", 1, False)
    assert seven.seen == {ids[2]}
    assert seven.disliked == {ids[3]}
    assert by_chat[8].seen == frozenset()
    assert by_chat[8].disliked == {ids[5], ids[6]}
    assert (by_chat[6].topics, by_chat[6].resume) == (("sleep",), True)


# --- where things may live --------------------------------------------------------------

SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|WITH)\s",
                 re.MULTILINE)


def _modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_sql_text_appears_only_inside_the_storage_package():
    offenders = []
    for path in _modules(BOT):
        if STORAGE in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and SQL.search(node.value):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == []


def test_only_the_storage_package_talks_to_sqlite_through_aiosqlite():
    users = [str(p.relative_to(REPO)) for p in _modules(BOT)
             if STORAGE not in p.parents and "aiosqlite" in _imports(p)]
    assert users == []


def test_the_domain_models_need_no_database():
    imports = _imports(STORAGE / "models.py")
    assert "aiosqlite" not in imports
    assert not [name for name in imports if name.startswith("bot.")]
