"""Check-ins, evening stretches and the weekly picture through the tick, outbox and sender."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.helpers import USER

pytestmark = pytest.mark.both_engines

BERLIN = ZoneInfo("Europe/Berlin")


async def setup_prompts(bot, *, checkin="07:00", stretch="21:00"):
    await bot.start()
    await bot.reply("/timezone Europe/Berlin")
    screen = await bot.reply("/diary")
    if checkin:
        await bot.press(screen, "ds:ci:menu")
        await bot.press(screen, f"ds:ci:{checkin}")
    if stretch:
        await bot.press(screen, "ds:st:menu")
        await bot.press(screen, f"ds:st:{stretch}")


async def run_hours(bot, hours: int) -> None:
    for _ in range(hours):
        bot.clock.advance(hours=1)
        await bot.deliver_due()


def sent(bot, kind: str) -> list[tuple[str, datetime]]:
    rows = bot.rows("SELECT local_date, sent_at FROM deliveries WHERE kind = ? AND "
                    "status = 'sent' ORDER BY sent_at", (kind,))
    return [(day, datetime.fromtimestamp(at, UTC)) for day, at in rows]


async def test_one_checkin_and_one_stretch_per_local_day_across_the_spring_dst_change(bot):
    bot.clock.set(datetime(2027, 3, 21, 23, 0, tzinfo=UTC))  # Berlin springs forward 28 Mar
    await setup_prompts(bot)
    await bot.press(await bot.reply("/diary"), "ds:wk:off")  # Sundays keep the stretch
    await run_hours(bot, 24 * 14)
    checkins, stretches = sent(bot, "checkin"), sent(bot, "stretch")
    for rows, wall in ((checkins, "07:00"), (stretches, "21:00")):
        days = [day for day, _ in rows]
        assert days == sorted(set(days))  # at most one per local date
        assert len(days) == 14
        assert {at.astimezone(BERLIN).strftime("%H:%M") for _, at in rows} == {wall}
    # Both sides of the change: UTC hour moves by one, the local hour does not.
    assert {at.hour for day, at in checkins if day < "2027-03-28"} == {6}
    assert {at.hour for day, at in checkins if day > "2027-03-28"} == {5}
    question = [m for m in bot.standin.messages_to(USER) if "Any cramps last night" in m.text]
    assert len(question) == 14
    assert question[0].callback_data == ["ck:n:20270322", "ck:y:20270322", "wa:checkin",
                                         "ws:hot:hot"]


async def test_a_replayed_tick_never_doubles_a_prompt(bot):
    await setup_prompts(bot, stretch=None)
    await run_hours(bot, 23)
    # A crash before the next slot was stored: the same slot comes round again.
    day = sent(bot, "checkin")[0][0]
    slot = datetime.combine(date.fromisoformat(day), datetime.min.time(), BERLIN) \
        + timedelta(hours=7)
    async with bot.storage._db.write() as tx:
        await tx.execute("UPDATE diary_settings SET checkin_next_at = ?",
                         (int(slot.timestamp()),))
    await bot.deliver_due()
    assert [d for d, _ in sent(bot, "checkin")].count(day) == 1


async def test_no_prompts_while_paused_or_stopped(bot):
    await setup_prompts(bot)
    await bot.reply("/pause 3")
    await run_hours(bot, 24 * 3 - 12)
    assert sent(bot, "checkin") == [] and sent(bot, "stretch") == []
    await run_hours(bot, 24 * 2)
    assert len(sent(bot, "checkin")) >= 1  # back after the pause
    await bot.reply("/stop")
    before = len(sent(bot, "checkin")) + len(sent(bot, "stretch"))
    await run_hours(bot, 24 * 3)
    assert len(sent(bot, "checkin")) + len(sent(bot, "stretch")) == before


async def test_a_late_prompt_is_not_sent_into_quiet_hours(bot):
    await setup_prompts(bot, checkin=None, stretch="21:00")
    # The bot was down from before 21:00 until 22:10 local (within the 3-hour grace).
    local = bot.clock.now().astimezone(BERLIN)
    bot.clock.set(local.replace(hour=22, minute=10).astimezone(UTC))
    await bot.deliver_due()
    assert sent(bot, "stretch") == []
    assert bot.rows("SELECT status FROM deliveries WHERE kind = 'stretch'") == [("missed",)]
    # A person who picks 22:00 chose a quiet hour: that is kept.
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:st:menu")
    await bot.press(screen, "ds:st:22:00")
    bot.clock.set(local.replace(hour=23, minute=0).astimezone(UTC))
    await run_hours(bot, 24)
    assert [at.astimezone(BERLIN).strftime("%H:%M") for _, at in sent(bot, "stretch")] \
        == ["22:00"]


async def test_never_more_than_three_scheduled_messages_a_day(bot):
    bot.clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # a Saturday
    await setup_prompts(bot)
    await run_hours(bot, 24 * 8)
    per_day = Counter(bot.rows(
        "SELECT local_date FROM deliveries WHERE status = 'sent' AND "
        "kind IN ('daily', 'checkin', 'stretch', 'weekly')"))
    assert per_day and max(per_day.values()) == 3
    sunday = "2026-11-29"
    kinds = {k for (k,) in bot.rows("SELECT kind FROM deliveries WHERE local_date = ? AND "
                                    "status = 'sent'", (sunday,))}
    assert kinds == {"daily", "checkin", "weekly"}  # the stretch gives way on Sunday


async def test_weekly_picture_on_sunday_with_a_chart_whose_caption_matches_the_bars(bot):
    bot.clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # Monday
    await bot.start()
    for _ in range(3):  # three nights with cramps this week
        message = await bot.reply("/cramp")
        for data in ("cd:0---", "cd:01--", "cd:010-", "cd:0100"):
            await bot.press(message, data)
        await run_hours(bot, 24)
    await run_hours(bot, 24 * 4)  # to Sunday 09:00 UTC and past it
    weekly = [m for m in bot.standin.messages_to(USER) if "Your cramp week" in m.text]
    assert len(weekly) == 1
    text = weekly[0].text
    assert "Nights with cramps: 3 (0)" in text
    assert "No rule fired" in text
    bars = re.findall(r"([█░]+) (\d+)$", text, re.MULTILINE)
    assert [int(n) for _, n in bars][-1] == 3 and len(bars) == 8
    photos = await bot.press(weekly[0], weekly[0].callback_data[0])
    assert [p.media for p in photos] == ["photo", "photo"]  # the weeks, then the days
    image = Image.open(io.BytesIO(photos[0].file_bytes))
    assert image.format == "PNG" and image.size == (960, 600)
    caption_numbers = [int(n) for n in photos[0].text.rsplit(":", 1)[1].split("·")]
    assert caption_numbers == [int(n) for _, n in bars]


async def test_weekly_picture_can_be_turned_off(bot):
    await setup_prompts(bot, checkin=None, stretch=None)
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:wk:off")
    await run_hours(bot, 24 * 8)
    assert sent(bot, "weekly") == []


async def test_checkin_no_is_one_tap_and_yes_opens_logging_with_last_night(bot):
    await setup_prompts(bot, stretch=None)
    await run_hours(bot, 24)
    question = next(m for m in bot.standin.messages_to(USER) if "Any cramps" in m.text)
    no, yes = question.callback_data[:2]
    await bot.press(question, no)
    assert "without cramps" in bot.standin.message(USER, question.message_id).text
    assert bot.rows("SELECT answer FROM diary_checkins") == [("no_cramps",)]
    await bot.press(question, yes, strict=False)
    opened = bot.standin.message(USER, question.message_id)
    assert "Last night" in opened.text and "Where was the cramp?" in opened.text
    assert bot.rows("SELECT answer FROM diary_checkins") == [("cramps",)]
    # A forged button for an old night or a future one records nothing.
    for night in ("20200101", "20991231"):
        await bot.press(question, f"ck:n:{night}", strict=False)
    assert len(bot.rows("SELECT * FROM diary_checkins")) == 1


async def test_prompts_follow_a_time_zone_change(bot):
    await setup_prompts(bot, stretch=None)
    await run_hours(bot, 24)
    await bot.reply("/timezone America/New_York")
    await run_hours(bot, 48)
    new_york = ZoneInfo("America/New_York")
    walls = [at.astimezone(new_york).strftime("%H:%M") for _, at in sent(bot, "checkin")[1:]]
    assert walls and set(walls) == {"07:00"}


async def test_a_rule_that_fires_is_stated_in_the_weekly_picture(bot):
    bot.clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # Monday
    await bot.start()
    message = await bot.reply("/cramp")
    for data in ("cd:1---", "cd:10--", "cd:102-", "cd:1020"):  # a foot cramp over 10 minutes
        await bot.press(message, data)
    await run_hours(bot, 24 * 7)
    weekly = next(m for m in bot.standin.messages_to(USER) if "Your cramp week" in m.text)
    assert "lasted over 10 minutes" in weekly.text
    assert "Rule: any cramp over 10 minutes" in weekly.text
    assert "doctor" in weekly.text and "No rule fired" not in weekly.text
