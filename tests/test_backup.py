"""`run.py backup PATH` while a daily dispatch is writing to the database.

SQLite's online backup API must give a snapshot that is valid on its own: it passes the
integrity check, keeps every subscriber and tip, and holds only deliveries that the live
database also holds, each pointing at a subscriber in the copy.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bench.fixtures import NewSubscriber, add_subscribers
from bot.storage import Storage
from standin import BotApiStandIn
from standin.http import serve
from tests.test_e2e import TOKEN, bot_env, finish, start_bot, stop_bot, wait_for
from tips.catalog import TOPICS

COUNT = 2500
FIRST_CHAT = 20_000


async def seed_due_subscribers(path: Path) -> None:
    """COUNT subscribers whose daily tip was due half a minute ago."""
    now = datetime.now(UTC)
    storage = await Storage.open(path)
    try:
        await add_subscribers(storage,
            [NewSubscriber(chat_id, time(0, 0), "UTC", tuple(TOPICS), now - timedelta(seconds=30))
             for chat_id in range(FIRST_CHAT, FIRST_CHAT + COUNT)], now)
    finally:
        await storage.close()


def deliveries(db: sqlite3.Connection) -> set[tuple[int, int, str, str | None, str | None]]:
    return set(db.execute("SELECT id, chat_id, kind, tip_id, local_date FROM deliveries"))


async def test_backup_during_a_dispatch_is_a_consistent_snapshot(tmp_path: Path):
    live_path, copy_path = tmp_path / "bot.sqlite3", tmp_path / "copy.sqlite3"
    await seed_due_subscribers(live_path)
    standin = BotApiStandIn()
    standin.latency = 0.002
    async with await serve(standin, token=TOKEN) as server:
        env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
                      SEND_RATE_PER_SECOND="400", ALLOW_PAID_BROADCAST="true",
                      TICK_SECONDS="1")
        bot = await start_bot(env)
        try:
            await wait_for(lambda: len(standin.sent) >= 100, limit=60, what="sends flowing")
            sent_at_start = len(standin.sent)
            backup = await start_bot(env, "backup", str(copy_path))
            backup_output = await finish(backup)
            sent_at_end = len(standin.sent)
        finally:
            bot_output = await stop_bot(bot)
    assert backup.returncode == 0, backup_output
    assert "backup written to" in backup_output
    assert bot.returncode == 0, bot_output[-2000:]
    # The copy really was taken mid-dispatch, with sends (and writes) going on around it.
    assert sent_at_start < COUNT and sent_at_end > sent_at_start, (sent_at_start, sent_at_end)

    copy = sqlite3.connect(copy_path)
    live = sqlite3.connect(live_path)
    assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
    subscribers = "SELECT chat_id FROM subscribers ORDER BY chat_id"
    assert copy.execute(subscribers).fetchall() == live.execute(subscribers).fetchall()
    assert len(copy.execute(subscribers).fetchall()) == COUNT
    tips = "SELECT id, topic, text, source, retired FROM tips ORDER BY id"
    assert copy.execute(tips).fetchall() == live.execute(tips).fetchall()

    orphans = copy.execute("""SELECT count(*) FROM deliveries d
                              LEFT JOIN subscribers s ON s.chat_id = d.chat_id
                              WHERE s.chat_id IS NULL""").fetchone()
    assert orphans == (0,)
    copied, final = deliveries(copy), deliveries(live)
    assert copied, "the dispatch had queued deliveries before the copy"
    assert copied <= final, "every copied delivery exists in the live database"
    by_status = "SELECT status, count(*) FROM deliveries GROUP BY status"
    copy_counts, live_counts = dict(copy.execute(by_status)), dict(live.execute(by_status))
    assert copy_counts.get("sent", 0) <= live_counts.get("sent", 0)
    assert sum(copy_counts.values()) <= sum(live_counts.values())
    assert set(copy_counts) <= {"pending", "sent"}, copy_counts


# ------------------------------------------------------------- backup and restore commands

async def run_py(tmp_path: Path, *args: str, database: Path | None = None) -> tuple[int, str]:
    env = bot_env(tmp_path)
    if database is not None:
        env["DATABASE_PATH"] = str(database)
    process = await start_bot(env, *args)
    output = await finish(process)
    assert process.returncode is not None
    return process.returncode, output


async def make_database(path: Path, chats: list[int]) -> None:
    storage = await Storage.open(path)
    try:
        now = datetime.now(UTC)
        await add_subscribers(storage,
            [NewSubscriber(chat, time(9, 0), "UTC", tuple(TOPICS), now) for chat in chats], now)
    finally:
        await storage.close()


def chats_in(path: Path) -> list[int]:
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT chat_id FROM subscribers ORDER BY 1")]
    finally:
        db.close()


def one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


async def test_backup_of_a_missing_database_creates_nothing(tmp_path: Path):
    missing = tmp_path / "typo" / "bot.sqlite3"
    code, output = await run_py(tmp_path, "backup", str(tmp_path / "copy.sqlite3"),
                                database=missing)
    assert code == 2
    assert str(missing) in one_line(output)
    assert not missing.exists() and not missing.parent.exists()
    assert not (tmp_path / "copy.sqlite3").exists()


async def test_backup_into_a_missing_or_unwritable_folder_is_one_line(tmp_path: Path):
    live = tmp_path / "bot.sqlite3"
    await make_database(live, [1])
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    for target in (tmp_path / "no-such-folder" / "copy.sqlite3", a_file / "copy.sqlite3"):
        code, output = await run_py(tmp_path, "backup", str(target), database=live)
        assert code == 2, output
        one_line(output)
        assert not target.exists()


async def test_backup_is_verified_and_never_replaces_a_good_copy_with_a_bad_one(tmp_path: Path):
    live, target = tmp_path / "bot.sqlite3", tmp_path / "copy.sqlite3"
    await make_database(live, [1, 2])
    code, output = await run_py(tmp_path, "backup", str(target), database=live)
    assert code == 0 and "backup written to" in output, output
    assert chats_in(target) == [1, 2]
    assert f"{target.name}-wal" not in names(tmp_path)  # a single self-contained file
    good = target.read_bytes()

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 200)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE notes (text)").connection.commit()
    for source in (garbage, other):
        code, output = await run_py(tmp_path, "backup", str(target), database=source)
        assert code == 2, output
        one_line(output)
        assert target.read_bytes() == good
    assert [n for n in names(tmp_path) if "partial" in n] == []


WAL_WRITER = """
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA wal_autocheckpoint = 0")
db.execute("CREATE TEMP TABLE copy AS SELECT * FROM subscribers WHERE chat_id = ?",
           (int(sys.argv[2]),))
db.execute("UPDATE copy SET chat_id = ?", (int(sys.argv[3]),))
db.execute("INSERT INTO subscribers SELECT * FROM copy")
db.commit()
os._exit(0)  # no close: the commit stays in the -wal file, as after a kill -9
"""


async def leave_uncheckpointed_wal(path: Path, like: int, chat: int) -> None:
    """Commit a copy of subscriber `like` as `chat`, living only in the -wal file."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WAL_WRITER, str(path), str(like), str(chat))
    assert await process.wait() == 0


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_restore_replaces_the_database_and_keeps_the_old_one_with_its_wal(tmp_path: Path):
    live, copy = tmp_path / "bot.sqlite3", tmp_path / "copy.sqlite3"
    await make_database(live, [1, 2])
    code, output = await run_py(tmp_path, "backup", str(copy), database=live)
    assert code == 0, output
    await make_database(live, [3])
    await leave_uncheckpointed_wal(live, 3, 4)  # chat 4 exists only in bot.sqlite3-wal
    assert names(tmp_path).count("bot.sqlite3-wal") == 1

    code, output = await run_py(tmp_path, "restore", str(copy), database=live)
    assert code == 0, output
    line = one_line(output)
    kept = [tmp_path / n for n in names(tmp_path)
            if n.startswith("bot.sqlite3.replaced-") and n[-4:] not in ("-wal", "-shm")]
    assert len(kept) == 1 and str(kept[0]) in line
    assert chats_in(live) == [1, 2]  # no stale -wal replayed into the restored file
    assert chats_in(kept[0]) == [1, 2, 3, 4]  # the replaced database, its last commit too
    assert sqlite3.connect(live).execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    check, output = await run_py(tmp_path, "check", database=live)
    assert check == 0, output


async def test_restore_refuses_what_is_not_a_magdaily_backup_and_changes_nothing(
        tmp_path: Path):
    live = tmp_path / "bot.sqlite3"
    await make_database(live, [1])
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\0not sqlite" * 500)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE notes (text)").connection.commit()
    newer = tmp_path / "newer.sqlite3"
    code, _ = await run_py(tmp_path, "backup", str(newer), database=live)
    assert code == 0
    sqlite3.connect(newer).execute("PRAGMA user_version = 999").connection.commit()
    for backup in (tmp_path / "missing.sqlite3", garbage, other, newer):
        code, output = await run_py(tmp_path, "restore", str(backup), database=live)
        assert code == 2, (backup, output)
        one_line(output)
    assert [n for n in names(tmp_path) if "replaced" in n or "partial" in n] == []
    assert chats_in(live) == [1]


async def chattr(flag: str, path: Path) -> int:
    try:
        process = await asyncio.create_subprocess_exec(
            "chattr", flag, str(path), stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
    except FileNotFoundError:
        return 127
    return await process.wait()


async def test_check_fails_in_one_line_on_a_read_only_database(tmp_path: Path):
    live = tmp_path / "bot.sqlite3"
    await make_database(live, [1])
    root = os.geteuid() == 0
    if root:  # root writes through file modes; make the file immutable instead
        if await chattr("+i", live) != 0:
            pytest.skip("running as root without chattr: cannot make a read-only file")
    else:
        live.chmod(0o444)
    try:
        code, output = await run_py(tmp_path, "check", database=live)
    finally:
        if root:
            assert await chattr("-i", live) == 0
        live.chmod(0o644)
    assert code == 2, output
    assert "read-only" in one_line(output) and str(live) in output
