"""The diary as health data: /export, /report, /mydata, /stats, /forget and retention."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.helpers import ADMIN, OTHER_USER, USER

pytestmark = pytest.mark.both_engines

DIARY_TABLES = ("diary_settings", "cramp_entries", "cramp_entry_triggers",
                "cramp_entry_sources", "diary_checkins")


async def log(bot, taps=("cd:0---", "cd:01--", "cd:010-", "cd:0100"), chat_id=USER):
    message = await bot.reply("/cramp", chat_id=chat_id)
    for data in taps:
        await bot.press(message, data)
    return bot.standin.message(chat_id, message.message_id)


def count(bot, table: str) -> int:
    return bot.rows(f"SELECT count(*) FROM {table}")[0][0]


async def test_export_sends_csv_files_that_round_trip_and_escape_formulas(bot):
    await bot.start()
    summary = await log(bot)
    entry = next(d for d in summary.callback_data if d.startswith("ce:u:")).split(":")[2]
    await bot.press(summary, f"ce:t4:{entry}")
    # A profile value that a spreadsheet would run as a formula.
    async with bot.storage._db.write() as tx:
        await tx.execute("UPDATE subscribers SET need_profile = ? WHERE chat_id = ?",
                         ("=HYPERLINK(\"http://x\")", USER))
    files = await bot.say("/export")
    assert [f.media for f in files] == ["document"] * 6
    names = [f.file_name for f in files]
    assert names == ["cramp-diary.csv", "morning-checkins.csv", "settings-and-profile.csv",
                     "water-log.csv", "food-log.csv", "evening-stretches.csv"]
    entries = list(csv.DictReader(io.StringIO(files[0].file_bytes.decode("utf-8"))))
    assert len(entries) == 1
    assert entries[0]["muscle"] == "calf" and entries[0]["severity"] == "moderate"
    assert entries[0]["triggers"] == "new_medicine"
    settings = {row["setting"]: row["value"] for row in
                csv.DictReader(io.StringIO(files[2].file_bytes.decode("utf-8")))}
    assert settings["need_profile"] == "'=HYPERLINK(\"http://x\")"
    assert settings["retention_months"] == "12" and settings["weekly_picture"] == "on"
    assert settings["timezone"] == "UTC"


async def test_report_sends_message_png_and_csv_with_the_same_weeks(bot):
    await bot.start()
    await log(bot)
    answers = await bot.say("/report 8")
    assert [a.media for a in answers] == [None, "photo", "photo", "document"]
    assert "8 weeks" in answers[0].text and "Cramps logged: 1" in answers[0].text
    assert answers[1].file_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    rows = list(csv.DictReader(io.StringIO(answers[3].file_bytes.decode("utf-8"))))
    assert len(rows) == 8 and sum(int(r["entries"]) for r in rows) == 1
    caption = [int(n) for n in answers[1].text.rsplit(":", 1)[1].split("·")]
    assert caption == [int(r["nights_with_cramps"]) for r in rows]


async def test_report_refuses_other_week_counts_with_an_example(bot):
    await bot.start()
    for bad in ("5", "٨", "99999999999999999999", "eight"):
        answer = await bot.reply(f"/report {bad}")
        assert "/report 8" in answer.text


async def test_forget_removes_every_diary_row(bot):
    await bot.start()
    await bot.start(OTHER_USER)
    summary = await log(bot)
    entry = next(d for d in summary.callback_data if d.startswith("ce:u:")).split(":")[2]
    await bot.press(summary, f"ce:t0:{entry}")
    await log(bot, chat_id=OTHER_USER)
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:ci:menu")
    await bot.press(screen, "ds:ci:08:00")
    bot.clock.advance(hours=1)
    await bot.deliver_due()  # the 08:00 check-in (the clock starts at 08:00 UTC)
    bot.clock.advance(days=1)
    await bot.deliver_due()
    question = next(m for m in bot.standin.messages_to(USER) if "Any cramps" in m.text)
    await bot.press(question, question.callback_data[0])
    for table in DIARY_TABLES:
        assert count(bot, table) >= 1, table
    confirm = await bot.reply("/forget")
    assert "cramp diary" in confirm.text
    await bot.press(confirm, "forget:yes")
    for table in DIARY_TABLES:
        mine = bot.rows(f"SELECT count(*) FROM {table} WHERE "
                        + ("entry_id IN (SELECT id FROM cramp_entries WHERE chat_id = ?)"
                           if table == "cramp_entry_triggers" else "chat_id = ?"), (USER,))
        assert mine == [(0,)], table
    assert bot.rows("SELECT count(*) FROM cramp_entries WHERE chat_id = ?",
                    (OTHER_USER,)) == [(1,)]  # someone else's diary stays


async def test_retention_deletes_what_is_older_than_the_chosen_months(bot):
    bot.clock.set(datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    await bot.start()
    await log(bot)  # 15 Jan 2026
    bot.clock.set(datetime(2026, 4, 10, 9, 0, tzinfo=UTC))
    await log(bot)  # 10 Apr 2026
    screen = await bot.reply("/diary")
    assert "12 months" in screen.text
    await bot.press(screen, "ds:rt:24")
    await bot.press(bot.standin.message(USER, screen.message_id), "ds:rt:3")
    assert bot.rows("SELECT retention_months FROM diary_settings") == [(3,)]
    bot.clock.set(datetime(2026, 4, 14, 9, 0, tzinfo=UTC))
    await bot.deliver_due()  # the daily sweep: 3 months before 14 Apr is 14 Jan
    assert count(bot, "cramp_entries") == 2
    bot.clock.set(datetime(2026, 4, 16, 9, 0, tzinfo=UTC))
    await bot.deliver_due()  # now 16 Jan is the cut-off: the 15 Jan entry goes
    assert bot.rows("SELECT local_date FROM cramp_entries") == [("2026-04-10",)]


async def test_mydata_lists_diary_counts_and_settings_and_stats_only_aggregates(bot):
    await bot.start()
    await log(bot)
    await log(bot)
    mine = await bot.reply("/mydata")
    assert "Cramps logged: 2" in mine.text and "Morning check-in: off" in mine.text
    assert "Calf" not in mine.text  # counts, not entries
    await bot.start(ADMIN)
    stats = await bot.reply("/stats", chat_id=ADMIN)
    assert "Cramp diary: 1 person keeps one · 2 entries in the last 7 days" in stats.text
    assert "calf" not in stats.text.lower()
    bot.clock.advance(days=6, hours=23)  # a rolling 7 days, whatever the weekday
    stats = await bot.reply("/stats", chat_id=ADMIN)
    assert "2 entries in the last 7 days" in stats.text
    bot.clock.advance(hours=2)
    stats = await bot.reply("/stats", chat_id=ADMIN)
    assert "0 entries in the last 7 days" in stats.text


async def test_about_says_what_the_diary_stores(bot):
    about = await bot.reply("/about")
    assert "cramp diary" in about.text and "/export" in about.text


async def test_help_lists_the_diary_commands(bot):
    answer = await bot.reply("/help")
    for command in ("/sos", "/cramp", "/diary", "/report", "/export"):
        assert command in answer.text


async def test_mydata_names_the_prompts_it_sent(bot):
    await bot.start()
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:ci:menu")
    await bot.press(screen, "ds:ci:09:00")
    bot.clock.advance(hours=1)
    await bot.deliver_due()
    mine = await bot.reply("/mydata")
    assert "morning check-ins, sent: 1" in mine.text
    assert "Morning check-in: at 09:00" in mine.text
