"""Reasons are stored as codes beside Telegram's words, and outbox rows are worded when sent.

A database written at version 8 holds the English the bot used to store; opening it
converts every reason to a code (unknown texts kept under 'other'), and /stats and
/mydata word them as before. A weekly picture queued by the tick carries no text: it is
rendered from the diary at the moment it is sent.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.privacy import MyData
from bot.storage import Storage, Subscriber
from bot.storage.schema import MIGRATIONS
from bot.ui import texts
from standin import Fault
from tests.helpers import USER, stored_rows

pytestmark = pytest.mark.both_engines

# Every code a stored reason may hold: the specification's list, written out.
CODES = {"blocked_by_user", "bot_kicked", "bot_left", "chat_gone", "chat_migrated",
         "quarantined", "bad_request", "network", "timed_out", "telegram_error",
         "internal_error", "grace_window_passed", "retries_exhausted", "offline_past_grace",
         "no_tip", "already_sent_that_day", "late_or_quiet_hours", "subscriber_stopped",
         "subscriber_paused", "cancelled_by_admin", "other"}

# (status, the English stored at version 8) → (code, cause, detail) after the upgrade.
OLD_DELIVERIES = {
    ("blocked", "Forbidden: bot was blocked by the user"):
        ("chat_gone", None, "Forbidden: bot was blocked by the user"),
    ("blocked", "Bad Request: chat not found"):
        ("chat_gone", None, "Bad Request: chat not found"),
    ("blocked", "chat migrated to -1001234567"): ("chat_migrated", None, "-1001234567"),
    ("failed", "bad request: Message is too long"):
        ("bad_request", None, "Message is too long"),
    ("pending", "network: Bad Gateway"): ("network", None, "Bad Gateway"),
    ("pending", "timed out"): ("timed_out", None, None),
    ("pending", "internal error"): ("internal_error", None, None),
    ("failed", "Conflict: terminated by other getUpdates request"):
        ("telegram_error", None, "Conflict: terminated by other getUpdates request"),
    ("missed", "timed out; not sent within the grace window"):
        ("grace_window_passed", "timed_out", None),
    ("missed", "network: Bad Gateway; not sent within the grace window"):
        ("grace_window_passed", "network", "Bad Gateway"),
    ("missed", "not sent within the grace window"): ("grace_window_passed", None, None),
    ("failed", "network: Bad Gateway; gave up after retrying for 24 h"):
        ("retries_exhausted", "network", "Bad Gateway"),
    ("failed", "not sent; gave up after retrying for 24 h"):
        ("retries_exhausted", None, None),
    ("missed", "bot was offline past the grace window or the end of that local day"):
        ("offline_past_grace", None, None),
    ("missed", "bot was offline past the grace window"): ("offline_past_grace", None, None),
    ("missed", "no active tip to send"): ("no_tip", None, None),
    ("missed", "a tip already went out that local day"):
        ("already_sent_that_day", None, None),
    ("missed", "late or in quiet hours"): ("late_or_quiet_hours", None, None),
    ("cancelled", "subscriber stopped"): ("subscriber_stopped", None, None),
    ("cancelled", "subscriber paused"): ("subscriber_paused", None, None),
    ("cancelled", "cancelled by admin"): ("cancelled_by_admin", None, None),
    ("failed", "Timed out"): ("other", None, "Timed out"),  # not the bot's spelling
    ("failed", "something nobody wrote down"): ("other", None, "something nobody wrote down"),
}
OLD_SUBSCRIBERS = {  # chat id: (status, English) → (code, detail)
    1: (("blocked", "blocked by the user"), ("blocked_by_user", None)),
    2: (("blocked", "bot kicked"), ("bot_kicked", None)),
    3: (("blocked", "bot left"), ("bot_left", None)),
    4: (("blocked", "Forbidden: bot was blocked by the user"),
        ("chat_gone", "Forbidden: bot was blocked by the user")),
    5: (("blocked", "chat migrated to -100777"), ("chat_migrated", "-100777")),
    6: (("stopped", "quarantined: unreadable row (ValueError)"), ("quarantined", "ValueError")),
    7: (("stopped", "a reason from a future nobody saw"),
        ("other", "a reason from a future nobody saw")),
    8: (("active", None), (None, None)),
}


def _version_8_database(path) -> None:
    """A file as the bot left it at schema version 8, with its English reasons."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        for number, script in enumerate(MIGRATIONS[:8], start=1):
            connection.executescript(f"BEGIN;{script}\nPRAGMA user_version = {number};COMMIT;")
        for chat, ((status, reason), _) in OLD_SUBSCRIBERS.items():
            connection.execute(
                "INSERT INTO subscribers (chat_id, status, send_time, timezone, topics, "
                "inactive_reason, created_at, updated_at) "
                "VALUES (?, ?, '09:00', 'UTC', 'foods', ?, 0, 0)", (chat, status, reason))
        for number, (status, error) in enumerate(OLD_DELIVERIES, start=1):
            connection.execute(
                "INSERT INTO deliveries (id, chat_id, kind, status, error, due_at, created_at, "
                "body) VALUES (?, 8, 'broadcast', ?, ?, 0, 0, ?)",
                (number, status, error, "old text" if number == 1 else None))
        connection.commit()


async def test_a_version_8_database_gets_codes_for_every_stored_reason(tmp_path):
    """SQLite only: version 8 files exist only there (PostgreSQL starts at the codes)."""
    path = tmp_path / "bot.sqlite3"
    _version_8_database(path)
    storage = await Storage.open(path)
    await storage.close()
    assert stored_rows(path, "PRAGMA user_version") == [(16,)]
    converted = stored_rows(path, "SELECT id, error, error_cause, error_detail "
                                  "FROM deliveries ORDER BY id")
    assert [row[1:] for row in converted] == list(OLD_DELIVERIES.values())
    subscribers = stored_rows(path, "SELECT chat_id, inactive_reason, inactive_detail "
                                    "FROM subscribers ORDER BY chat_id")
    assert {chat: (code, detail) for chat, code, detail in subscribers} \
        == {chat: after for chat, (_, after) in OLD_SUBSCRIBERS.items()}
    # No row is left with a reason no code matches, and no rendered text is kept.
    stored = {code for (code,) in stored_rows(
        path, "SELECT error FROM deliveries UNION SELECT error_cause FROM deliveries "
              "UNION SELECT inactive_reason FROM subscribers") if code is not None}
    assert stored <= CODES
    columns = {row[1] for row in stored_rows(path, "PRAGMA table_info(deliveries)")}
    assert "body" not in columns


async def test_converted_reasons_read_in_stats_and_mydata_as_they_did(tmp_path):
    """What an admin and a user see is the English the rows held before the upgrade.
    SQLite only: version 8 files exist only there (PostgreSQL starts at the codes)."""
    path = tmp_path / "bot.sqlite3"
    _version_8_database(path)
    storage = await Storage.open(path)
    try:
        now = datetime(2026, 11, 25, tzinfo=UTC)
        found = await storage.reports.stats(now, now - timedelta(hours=1))
        gone = await storage.subscribers.get(6)
    finally:
        await storage.close()
    shown = texts.stats(found)
    expected = {f"• {english if len(english) <= 40 else english[:39] + '…'} — 1"
                for status, english in OLD_DELIVERIES if status in ("failed", "blocked")}
    failures = [line for line in shown.splitlines() if line.endswith(" — 1")]
    assert len(failures) == 8 and set(failures) <= expected, failures  # /stats lists 8
    assert gone is not None
    assert "Why tips stopped: quarantined: unreadable row (ValueError)" in texts.my_data(
        _my_data(gone))


def _my_data(subscriber: Subscriber) -> MyData:
    return MyData(subscriber=subscriber, created=subscriber.created_at, delivery_counts=(),
                  recent=(), votes=(0, 0), tips_seen=0)


async def test_a_weekly_picture_is_worded_when_sent_from_the_diary_as_it_is_then(bot):
    """The tick queues Sunday's picture without text; a cramp logged before the send
    (Telegram was down for ten minutes) is in the picture that arrives."""
    bot.clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # Monday
    await bot.start()
    await _log_cramp(bot, ("cd:0---", "cd:01--", "cd:010-", "cd:0100"))  # mild, short
    for _ in range(24 * 6 + 2):  # to Sunday 08:00 UTC
        bot.clock.advance(hours=1)
        await bot.deliver_due()
    bot.standin.fault_policy = lambda method, params: (
        Fault("server_error") if method.lower() == "sendmessage" else None)
    bot.clock.set(datetime(2026, 11, 29, 9, 0, 30, tzinfo=UTC))
    await bot.deliver_due()
    assert bot.rows("SELECT status FROM deliveries WHERE kind = 'weekly'") == [("pending",)]
    bot.standin.fault_policy = None
    await _log_cramp(bot, ("cd:1---", "cd:10--", "cd:102-", "cd:1020"))  # over 10 minutes
    bot.clock.advance(minutes=10)
    await bot.deliver_due()
    weekly = [m for m in bot.standin.messages_to(USER) if "Your cramp week" in m.text]
    assert len(weekly) == 1
    assert "Rule: any cramp over 10 minutes" in weekly[0].text


async def _log_cramp(bot, taps) -> None:
    message = await bot.reply("/cramp")
    for data in taps:
        await bot.press(message, data)
