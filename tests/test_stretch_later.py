""""⏰ Later" and "✅ I stretched" under the evening stretch, through the real Application:
the stretch offered again, sent once in the reader's language, moved out of quiet hours
with a note, cancelled by /pause; and "done" stored as a fact for that local date."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.helpers import ADMIN, OTHER_USER, USER

STRETCH_TITLE = "🧘 One-minute stretch before bed"


async def stretch_message(bot, *, stretch: str = "20:00", at: datetime | None = None):
    """Subscribe (UTC), turn the evening stretch on at `stretch` and deliver it at `at`."""
    bot.clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    await bot.start()
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:st:menu")
    await bot.press(screen, f"ds:st:{stretch}")
    bot.clock.set(at or datetime(2026, 11, 26, 20, 1, tzinfo=UTC))
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    got = [m for m in bot.standin.messages_to(USER)[before:]
           if m.text.startswith(STRETCH_TITLE)]
    assert len(got) == 1, [m.text for m in bot.standin.messages_to(USER)[before:]]
    return got[0]


def later_rows(bot) -> list[tuple]:
    return bot.rows("SELECT tip_id, status, local_date FROM deliveries WHERE kind = 'later'")


async def choose(bot, stretch, choice: str):
    """"⏰ Later" under the stretch, then `choice`; returns the redrawn choices message."""
    assert "lt:ask:" in stretch.callback_data
    asked = await bot.press(stretch, "lt:ask:")
    assert len(asked) == 1
    assert asked[0].text == "⏰ When should I send the stretch again?"
    assert [b["text"] for row in asked[0].inline_keyboard for b in row] == [
        "In 1 hour", "This evening", "Tomorrow morning"]
    await bot.press(asked[0], f"lt:{choice}:")
    return bot.standin.message(USER, asked[0].message_id)


async def test_the_stretch_offers_done_and_later(bot):
    stretch = await stretch_message(bot)
    assert [b["text"] for row in stretch.inline_keyboard for b in row] == [
        "✅ I stretched", "⏰ Later"]


async def test_in_one_hour_sends_the_stretch_again_once(bot):
    stretch = await stretch_message(bot)
    shown = await choose(bot, stretch, "hour")
    assert shown.text == "⏰ I'll send it again today at 21:01."
    assert later_rows(bot) == [(None, "pending", "2026-11-26")]
    before = len(bot.standin.messages_to(USER))
    bot.clock.set(datetime(2026, 11, 26, 20, 59, tzinfo=UTC))
    await bot.deliver_due()
    assert bot.standin.messages_to(USER)[before:] == []
    for minute in (2, 30, 50):
        bot.clock.set(datetime(2026, 11, 26, 21, minute, tzinfo=UTC))
        await bot.deliver_due()
    again = bot.standin.messages_to(USER)[before:]
    assert [m.text for m in again] == [stretch.text]  # once, the same stretch
    assert [b["text"] for row in again[0].inline_keyboard for b in row] == [
        "✅ I stretched", "⏰ Later"]
    assert "sd:20261126" in again[0].callback_data
    assert [r[1] for r in later_rows(bot)] == ["sent"]


async def test_a_stretch_later_is_worded_when_sent_in_the_readers_language(bot):
    stretch = await stretch_message(bot)
    await choose(bot, stretch, "hour")
    await bot.press(await bot.reply("/language"), "lang:ru")
    before = len(bot.standin.messages_to(USER))
    bot.clock.set(datetime(2026, 11, 26, 21, 2, tzinfo=UTC))
    await bot.deliver_due()
    again = bot.standin.messages_to(USER)[before:]
    assert len(again) == 1
    assert again[0].text.startswith("🧘 Растяжка")
    assert "⏰ Позже" in [b["text"] for row in again[0].inline_keyboard for b in row]


async def test_a_stretch_later_at_21_30_moves_to_the_next_morning_and_says_so(bot):
    stretch = await stretch_message(bot, stretch="21:00",
                                    at=datetime(2026, 11, 26, 21, 1, tzinfo=UTC))
    bot.clock.set(datetime(2026, 11, 26, 21, 30, tzinfo=UTC))
    shown = await choose(bot, stretch, "hour")
    assert shown.text == ("⏰ I'll send it again tomorrow at 07:00.\n"
                          "That would be in quiet hours (22:00–07:00), so it comes at their "
                          "end.")
    assert later_rows(bot) == [(None, "pending", "2026-11-27")]
    before = len(bot.standin.messages_to(USER))
    bot.clock.set(datetime(2026, 11, 26, 22, 31, tzinfo=UTC))
    await bot.deliver_due()
    assert bot.standin.messages_to(USER)[before:] == []
    bot.clock.set(datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    await bot.deliver_due()
    again = [m for m in bot.standin.messages_to(USER)[before:]
             if m.text.startswith(STRETCH_TITLE)]
    assert len(again) == 1


async def test_the_stretch_and_a_tip_each_keep_their_own_later(bot):
    stretch = await stretch_message(bot)
    await choose(bot, stretch, "morning")
    await choose(bot, stretch, "evening")  # moved, not added: tomorrow 19:00
    bot.clock.set(datetime(2026, 11, 27, 9, 1, tzinfo=UTC))  # the daily tip at 09:00
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    tip = bot.standin.messages_to(USER)[before:][-1]
    data = next(d for d in tip.callback_data if d.startswith("lt:ask:"))
    await bot.press(tip, data)
    await bot.press(bot.standin.messages_to(USER)[-1], data.replace(":ask:", ":hour:"))
    assert sorted(later_rows(bot), key=str) == sorted(
        [(None, "pending", "2026-11-27"), (data.removeprefix("lt:ask:"), "pending",
                                           "2026-11-27")], key=str)


async def test_pause_cancels_a_pending_stretch_later(bot):
    stretch = await stretch_message(bot)
    await choose(bot, stretch, "hour")
    await bot.say("/pause")
    bot.clock.set(datetime(2026, 11, 26, 21, 2, tzinfo=UTC))
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    assert bot.standin.messages_to(USER)[before:] == []
    assert [r[1] for r in later_rows(bot)] == ["cancelled"]


async def test_i_stretched_records_that_evening(bot):
    stretch = await stretch_message(bot)
    await bot.press(stretch, "sd:20261126")
    shown = bot.standin.message(USER, stretch.message_id)
    assert shown.text.startswith(STRETCH_TITLE)
    assert shown.text.endswith("✅ Noted: you stretched today. Your weekly picture counts "
                               "the days you stretched.")
    assert shown.callback_data == []
    await bot.press(stretch, "sd:20261126", strict=False)  # a replay adds nothing
    assert bot.rows("SELECT local_date FROM diary_stretches") == [("2026-11-26",)]


async def test_i_stretched_after_midnight_records_the_evening_it_answers(bot):
    stretch = await stretch_message(bot)
    bot.clock.set(datetime(2026, 11, 27, 0, 30, tzinfo=UTC))
    await bot.press(stretch, "sd:20261126")
    assert bot.rows("SELECT local_date FROM diary_stretches") == [("2026-11-26",)]


async def test_an_old_or_forged_stretch_button_records_nothing(bot):
    stretch = await stretch_message(bot)
    for forged in ("sd:20261120", "sd:20261130"):
        await bot.press(stretch, forged, strict=False)
        assert bot.standin.answered_callbacks[-1].text == (
            "This stretch is from an earlier day, so I didn't record it.")
    assert bot.rows("SELECT local_date FROM diary_stretches") == []


async def test_forget_deletes_the_stretch_days(bot):
    stretch = await stretch_message(bot)
    await bot.press(stretch, "sd:20261126")
    assert bot.rows("SELECT count(*) FROM diary_stretches") == [(1,)]
    await bot.press(await bot.reply("/forget"), "forget:yes")
    assert bot.rows("SELECT count(*) FROM diary_stretches") == [(0,)]


async def test_retention_deletes_stretch_days_older_than_the_diarys_months(bot):
    stretch = await stretch_message(bot)  # Thu 26 Nov 2026
    await bot.press(stretch, "sd:20261126")
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:rt:24")
    await bot.press(screen, "ds:rt:3")
    bot.clock.set(datetime(2027, 2, 26, 9, 0, tzinfo=UTC))
    await bot.deliver_due()  # 3 months before 26 Feb is 26 Nov: kept
    assert bot.rows("SELECT local_date FROM diary_stretches") == [("2026-11-26",)]
    bot.clock.set(datetime(2027, 2, 27, 9, 0, tzinfo=UTC))
    await bot.deliver_due()
    assert bot.rows("SELECT local_date FROM diary_stretches") == []


# ------------------------------------------------------- the stretch days as the person's data

async def stretched_on(bot, days: dict[int, tuple[int, ...]]) -> None:
    """Subscribe each chat (UTC) with the stretch at 20:00, then press "✅ I stretched" at
    20:05 on each of its November days."""
    bot.clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    for chat_id in days:
        await bot.start(chat_id)
        screen = await bot.reply("/diary", chat_id=chat_id)
        await bot.press(screen, "ds:st:menu")
        await bot.press(screen, "ds:st:20:00")
    for day in range(25, max(max(chosen) for chosen in days.values()) + 1):
        bot.clock.set(datetime(2026, 11, day, 20, 1, tzinfo=UTC))
        await bot.deliver_due()
        bot.clock.set(datetime(2026, 11, day, 20, 5, tzinfo=UTC))
        for chat_id in (chat for chat, chosen in days.items() if day in chosen):
            stretch = [m for m in bot.standin.messages_to(chat_id)
                       if m.text.startswith(STRETCH_TITLE)][-1]
            await bot.press(stretch, f"sd:202611{day}")


@pytest.mark.both_engines
async def test_mydata_counts_the_stretch_days_and_never_names_them(bot):
    await stretched_on(bot, {USER: (26, 27)})
    mine = await bot.reply("/mydata")
    assert "• Evening stretches marked done: 2" in mine.text
    diary_part = mine.text.split("Your cramp diary")[1]
    assert "Nov" not in diary_part and "2026" not in diary_part  # a count, not the days


@pytest.mark.both_engines
async def test_export_lists_every_stretch_day_and_only_the_askers(bot):
    await stretched_on(bot, {USER: (26, 27), OTHER_USER: (27,)})
    files = await bot.say("/export")
    stretches = [f for f in files if f.file_name == "evening-stretches.csv"]
    assert len(stretches) == 1
    assert stretches[0].text == "🧘 Your evening stretches marked done (CSV, one row per day)."
    rows = list(csv.DictReader(io.StringIO(stretches[0].file_bytes.decode("utf-8"))))
    assert rows == [
        {"local_date": "2026-11-26", "marked_at_utc": "2026-11-26T20:05:00Z"},
        {"local_date": "2026-11-27", "marked_at_utc": "2026-11-27T20:05:00Z"}]


@pytest.mark.both_engines
async def test_forget_deletes_both_stretch_days_and_keeps_someone_elses(bot):
    await stretched_on(bot, {USER: (26, 27), OTHER_USER: (27,)})
    assert bot.rows("SELECT count(*) FROM diary_stretches WHERE chat_id = ?", (USER,)) == [(2,)]
    await bot.press(await bot.reply("/forget"), "forget:yes")
    assert bot.rows("SELECT chat_id, local_date FROM diary_stretches") == [
        (OTHER_USER, "2026-11-27")]
    await bot.start()
    mine = await bot.reply("/mydata")
    assert "• Evening stretches marked done: 0" in mine.text


@pytest.mark.both_engines
async def test_stats_counts_people_who_marked_a_stretch_never_days(bot):
    await stretched_on(bot, {USER: (26, 27), OTHER_USER: (27,)})
    await bot.start(ADMIN)
    stats = await bot.reply("/stats", chat_id=ADMIN)
    assert "Evening stretch done: 2 people have marked one" in stats.text
    assert "2026-11" not in stats.text and "27 Nov" not in stats.text
