"""`run.py backup PATH` while a daily dispatch is writing to the database.

SQLite's online backup API must give a snapshot that is valid on its own: it passes the
integrity check, keeps every subscriber and tip, and holds only deliveries that the live
database also holds, each pointing at a subscriber in the copy.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.standin import BotApiStandIn
from bot.standin_http import serve
from bot.storage import NewSubscriber, Storage
from tests.test_e2e import TOKEN, bot_env, finish, start_bot, stop_bot, wait_for
from tips.catalog import TOPICS

COUNT = 2500
FIRST_CHAT = 20_000


async def seed_due_subscribers(path: Path) -> None:
    """COUNT subscribers whose daily tip was due half a minute ago."""
    now = datetime.now(UTC)
    storage = await Storage.open(path)
    try:
        await storage.subscribers.add_many(
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
                      SEND_RATE_PER_SECOND="400", TICK_SECONDS="1")
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
