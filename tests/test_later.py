""""⏰ Later" under the daily tip through the real Application: the three choices, quiet
hours, the three-a-day cap, /pause, a DST day, and a double press queuing one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import USER

pytestmark = pytest.mark.both_engines


def later_rows(bot) -> list[tuple[str, str, str]]:
    return bot.rows("SELECT tip_id, status, local_date FROM deliveries WHERE kind = 'later' "
                    "ORDER BY id")


async def daily_tip(bot, at: datetime):
    """Subscribe and deliver the first daily tip at `at`; returns the tip's message."""
    bot.clock.set(at - timedelta(days=1))
    await bot.start()
    bot.clock.set(at)
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    sent = bot.standin.messages_to(USER)[before:]
    assert len(sent) == 1, [m.text for m in sent]
    return sent[0]


def tip_of(message) -> str:
    """The tip a message carries (its first line and its "⏰ Later" button's tip id)."""
    return message.text.split("\n")[0] + " " + later_data(message).removeprefix("lt:ask:")


def later_data(message) -> str:
    data = [d for d in message.callback_data if d.startswith("lt:ask:")]
    assert data, message.callback_data
    return data[0]


async def choose(bot, tip, choice: str):
    """Press "⏰ Later" under `tip`, then `choice`; returns the choices message as redrawn."""
    asked = await bot.press(tip, later_data(tip))
    assert len(asked) == 1
    assert asked[0].text == "⏰ When should I send this tip again?"
    tip_id = later_data(tip).removeprefix("lt:ask:")
    assert [b["text"] for row in asked[0].inline_keyboard for b in row] == [
        "In 1 hour", "This evening", "Tomorrow morning"]
    assert f"lt:{choice}:{tip_id}" in asked[0].callback_data
    await bot.press(asked[0], f"lt:{choice}:{tip_id}")
    return bot.standin.message(USER, asked[0].message_id)


async def test_in_one_hour_sends_the_same_tip_again_once(bot):
    tip = await daily_tip(bot, datetime(2026, 11, 26, 9, 1, tzinfo=UTC))
    shown = await choose(bot, tip, "hour")
    assert shown.text == "⏰ I'll send it again today at 10:01."
    assert bot.standin.answered_callbacks[-1].text == "⏰ I'll send it again today at 10:01."
    bot.clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    assert bot.standin.messages_to(USER)[before:] == []
    bot.clock.set(datetime(2026, 11, 26, 10, 2, tzinfo=UTC))
    await bot.deliver_due()
    again = bot.standin.messages_to(USER)[before:]
    assert [tip_of(m) for m in again] == [tip_of(tip)]
    bot.clock.set(datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
    await bot.deliver_due()
    assert len(bot.standin.messages_to(USER)[before:]) == 1  # once
    assert [r[1] for r in later_rows(bot)] == ["sent"]


async def test_this_evening_and_tomorrow_morning(bot):
    tip = await daily_tip(bot, datetime(2026, 11, 26, 9, 1, tzinfo=UTC))
    assert (await choose(bot, tip, "evening")).text == "⏰ I'll send it again today at 19:00."
    shown = await choose(bot, tip, "morning")
    assert shown.text == "⏰ I'll send it again tomorrow at 08:00."


async def test_a_double_press_queues_one(bot):
    tip = await daily_tip(bot, datetime(2026, 11, 26, 9, 1, tzinfo=UTC))
    await choose(bot, tip, "hour")
    await choose(bot, tip, "hour")
    assert len(later_rows(bot)) == 1
    bot.clock.set(datetime(2026, 11, 26, 11, 0, tzinfo=UTC))
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    assert [tip_of(m) for m in bot.standin.messages_to(USER)[before:]] == [tip_of(tip)]


async def test_in_one_hour_at_21_30_moves_to_the_next_morning_and_says_so(bot):
    tip = await daily_tip(bot, datetime(2026, 11, 26, 9, 1, tzinfo=UTC))
    bot.clock.set(datetime(2026, 11, 26, 21, 30, tzinfo=UTC))
    shown = await choose(bot, tip, "hour")
    assert shown.text == ("⏰ I'll send it again tomorrow at 07:00.\n"
                          "That would be in quiet hours (22:00–07:00), so it comes at their "
                          "end.")
    assert later_rows(bot)[0][2] == "2026-11-27"
    bot.clock.set(datetime(2026, 11, 26, 22, 31, tzinfo=UTC))
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    assert bot.standin.messages_to(USER)[before:] == []
    bot.clock.set(datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    await bot.deliver_due()
    assert [tip_of(m) for m in bot.standin.messages_to(USER)[before:]] == [tip_of(tip)]


async def test_pause_cancels_a_pending_later(bot):
    tip = await daily_tip(bot, datetime(2026, 11, 26, 9, 1, tzinfo=UTC))
    await choose(bot, tip, "evening")
    await bot.say("/pause")
    bot.clock.set(datetime(2026, 11, 26, 19, 1, tzinfo=UTC))
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    assert bot.standin.messages_to(USER)[before:] == []
    assert [r[1] for r in later_rows(bot)] == ["cancelled"]


async def test_a_dst_day_keeps_local_times(bot):
    # Berlin moves to summer time at 01:00 UTC on Sun 29 Mar 2026.
    bot.clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    await bot.start()
    await bot.reply("/timezone Europe/Berlin")
    bot.clock.set(datetime(2026, 3, 28, 8, 1, tzinfo=UTC))  # 09:01 CET
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    tip = bot.standin.messages_to(USER)[before:][-1]
    shown = await choose(bot, tip, "morning")
    assert shown.text == "⏰ I'll send it again tomorrow at 08:00."
    bot.clock.set(datetime(2026, 3, 29, 6, 59, tzinfo=UTC))  # 08:59 CEST, 07:59 by CET
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    assert tip_of(tip) in [tip_of(m) for m in bot.standin.messages_to(USER)[before:]]
    assert bot.rows("SELECT due_at FROM deliveries WHERE kind = 'later'") == [
        (int(datetime(2026, 3, 29, 6, 0, tzinfo=UTC).timestamp()),)]


async def test_a_day_with_tip_check_in_and_stretch_moves_a_later_to_the_next_morning(bot):
    bot.clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    await bot.start()
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:ci:menu")
    await bot.press(screen, "ds:ci:07:00")
    await bot.press(screen, "ds:st:menu")
    await bot.press(screen, "ds:st:20:00")
    before = len(bot.standin.messages_to(USER))
    for hour in range(6, 21):  # Thu 26 Nov: check-in 07:00, tip, stretch 20:00
        bot.clock.set(datetime(2026, 11, 26, hour, 30, tzinfo=UTC))
        await bot.deliver_due()
    got = bot.standin.messages_to(USER)[before:]
    assert len(got) == 3, [m.text for m in got]
    tip = next(m for m in got if m.text.startswith("🌅 Tip of the day"))
    bot.clock.set(datetime(2026, 11, 26, 20, 40, tzinfo=UTC))
    shown = await choose(bot, tip, "hour")
    assert shown.text == ("⏰ I'll send it again tomorrow at 07:00.\n"
                          "That day already has its three scheduled messages, so it comes "
                          "the next morning.")
    shown = await choose(bot, tip, "morning")  # the check-in time, not 08:00
    assert shown.text == "⏰ I'll send it again tomorrow at 07:00."
    assert [(r[1], r[2]) for r in later_rows(bot)] == [("pending", "2026-11-27")]


async def test_a_vote_on_the_daily_tip_keeps_its_later_button(bot):
    tip = await daily_tip(bot, datetime(2026, 11, 26, 9, 1, tzinfo=UTC))
    tip_id = later_data(tip).removeprefix("lt:ask:")
    await bot.press(tip, f"fb:up:{tip_id}")
    redrawn = bot.standin.message(USER, tip.message_id)
    assert later_data(redrawn) == f"lt:ask:{tip_id}"
    assert "👍 Helpful ✓" in [b["text"] for row in redrawn.inline_keyboard for b in row]
