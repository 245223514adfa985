"""The food log through the real Application: "🍽 I ate this" under a /foods answer, /ate
with near misses, Undo, the weekly picture's magnesium estimate, and the log as health
data (/mydata, /export, /forget, retention, /stats, private chats only, nothing in logs)."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime

import pytest

from tests.helpers import ADMIN, OTHER_USER, USER

pytestmark = pytest.mark.both_engines


def eaten(bot, chat_id: int = USER) -> list[tuple[str, str, int, int]]:
    return bot.rows("SELECT local_date, food, servings, mg FROM food_log WHERE chat_id = ? "
                    "ORDER BY id", (chat_id,))


def undo_of(message) -> str:
    return next(d for d in message.callback_data if d.startswith("ateu:"))


async def run_hours(bot, hours: int) -> None:
    for _ in range(hours):
        bot.clock.advance(hours=1)
        await bot.deliver_due()


async def test_i_ate_this_under_a_foods_answer_logs_one_serving_on_the_local_day(bot):
    bot.clock.set(datetime(2026, 11, 25, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    await bot.start()
    await bot.reply("/timezone Europe/Berlin")
    answer = await bot.reply("/foods almonds")
    assert "ate:almonds" in answer.callback_data
    logged = await bot.press(answer, "ate:almonds")
    assert len(logged) == 1
    assert logged[0].text == ("🍽 Logged for today: 1 serving of Almonds, dry roasted "
                              "(1 oz (28 g)), 80 mg of magnesium.")
    assert bot.standin.message(USER, answer.message_id).text == answer.text  # figures stay
    bot.clock.set(datetime(2026, 11, 25, 23, 0, tzinfo=UTC))  # 00:00 in Berlin
    await bot.press(answer, "ate:almonds")
    assert eaten(bot) == [("2026-11-25", "almonds", 1, 80), ("2026-11-26", "almonds", 1, 80)]


async def test_ate_by_typing_finds_foods_and_offers_near_misses_that_log(bot):
    await bot.start()
    logged = await bot.reply("/ate pumpkin seeds")
    assert logged.text.startswith("🍽 Logged for today: 1 serving of Pumpkin seeds, roasted")
    assert "156 mg of magnesium" in logged.text
    typo = await bot.reply("/ate almon")  # salmon or almonds: never a guess
    assert typo.text.startswith("I don’t have “almon” in my table, so nothing is logged.")
    assert typo.callback_data == ["ate:salmon", "ate:almonds"]
    assert eaten(bot) == [("2026-11-25", "pumpkin seeds", 1, 156)]
    picked = await bot.press(typo, "ate:almonds")
    assert picked[0].text.startswith("🍽 Logged for today: 1 serving of Almonds, dry roasted")
    usage = await bot.reply("/ate")
    assert "e.g. /ate almonds" in usage.text and "/foods lists every food" in usage.text
    assert len(eaten(bot)) == 2
    for forged in ("ate:cake", "ateu:abc", "ateu:999"):
        await bot.press(typo, forged, strict=False)
    assert len(eaten(bot)) == 2


async def test_a_food_typed_in_the_readers_language_is_logged_by_its_code(bot):
    await bot.start(language_code="ru")
    logged = await bot.reply("/ate миндаль", language_code="ru")
    assert logged.text.startswith("🍽 Записано на сегодня: 1 порция") and "80 мг" in logged.text
    assert eaten(bot) == [("2026-11-25", "almonds", 1, 80)]


async def test_undo_removes_that_one_serving_once(bot):
    await bot.start()
    await bot.start(OTHER_USER)
    first = await bot.reply("/ate almonds")
    second = await bot.reply("/ate almonds")
    theirs = await bot.reply("/ate almonds", chat_id=OTHER_USER)
    await bot.press(theirs, undo_of(first), strict=False)  # someone else's id reaches nothing
    assert len(eaten(bot)) == 1 + 1 and len(eaten(bot, OTHER_USER)) == 1
    data = undo_of(second)
    await bot.press(second, data)
    shown = bot.standin.message(USER, second.message_id)
    assert shown.text == "↩️ Removed: 1 serving of Almonds, dry roasted."
    assert not any(d.startswith("ateu:") for d in shown.callback_data)
    assert len(eaten(bot)) == 1
    await bot.press(second, data, strict=False)  # a second press, or a stale copy
    assert bot.standin.answered_callbacks[-1].text == "That entry is already removed."
    assert len(eaten(bot)) == 1


async def test_the_food_log_lives_in_private_chats_and_needs_start(bot):
    group = -100777
    await bot.reply("/start", chat_id=group, chat_type="group", user_id=USER)
    answer = await bot.reply("/ate almonds", chat_id=group, chat_type="group", user_id=USER)
    assert answer.text == ("🔒 The food log is private: open a private chat with me and send "
                           "/ate there.")
    foods = await bot.reply("/foods almonds", chat_id=group, chat_type="group", user_id=USER)
    pointer = await bot.press(foods, "ate:almonds", user_id=USER)
    assert [m.text for m in pointer] == [answer.text]
    before_start = await bot.reply("/ate almonds")
    assert "/start" in before_start.text
    assert bot.rows("SELECT count(*) FROM food_log") == [(0,)]


async def test_the_weekly_picture_estimates_the_logged_magnesium_against_the_adult_figure(bot):
    bot.clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))  # Sunday, the week before
    await bot.start()
    await bot.reply("/ate spinach")  # last week: not counted
    bot.clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # Monday
    message = await bot.reply("/cramp")
    for data in ("cd:1---", "cd:10--", "cd:100-", "cd:1000"):
        await bot.press(message, data)
    await bot.reply("/ate almonds")
    bot.clock.advance(hours=30)
    await bot.reply("/ate pumpkin seeds")
    await run_hours(bot, 24 * 13)
    weekly = [m for m in bot.standin.messages_to(USER) if "Your cramp week" in m.text]
    assert len(weekly) == 2
    assert ("🍽 Magnesium from the foods you logged: about 236 mg this week, 8% of the adult "
            "figure for 7 days (2,940 mg; /need gives your own). A rough estimate from what "
            "you logged, not everything you ate.") in weekly[0].text
    assert "supplement" not in weekly[0].text.lower()
    assert "Magnesium from the foods" not in weekly[1].text  # nothing logged: no line


async def test_the_weekly_estimate_uses_the_persons_need_figure(bot):
    bot.clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # Monday
    await bot.start()
    prompt = await bot.reply("/need")
    for data in ("need:age:31-50", "need:sex:31-50:female", "need:st:31-50:female:none"):
        await bot.press(prompt, data)
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:rt:24")  # a diary setting: the weekly picture is on
    await bot.reply("/ate almonds")
    await bot.reply("/ate pumpkin seeds")
    await run_hours(bot, 24 * 7)
    weekly = next(m for m in bot.standin.messages_to(USER) if "Your cramp week" in m.text)
    assert ("🍽 Magnesium from the foods you logged: about 236 mg this week, 11% of your /need "
            "figure for 7 days (2,240 mg). A rough estimate from what you logged, not "
            "everything you ate.") in weekly.text
    assert "adult" not in weekly.text


async def test_mydata_export_stats_and_forget_treat_the_log_as_health_data(bot, caplog):
    caplog.set_level(logging.DEBUG)
    await bot.start()
    await bot.start(OTHER_USER)
    await bot.reply("/ate almonds")
    bot.clock.advance(hours=1)
    await bot.reply("/ate chia")
    await bot.reply("/ate spinach", chat_id=OTHER_USER)
    mine = await bot.reply("/mydata")
    assert "Your food log" in mine.text and "Servings logged: 2" in mine.text
    files = await bot.say("/export")
    food = next(f for f in files if f.file_name == "food-log.csv")
    rows = list(csv.DictReader(io.StringIO(food.file_bytes.decode("utf-8"))))
    assert rows == [
        {"local_date": "2026-11-25", "logged_at_utc": "2026-11-25T08:00:00Z",
         "food": "almonds", "servings": "1", "mg": "80"},
        {"local_date": "2026-11-25", "logged_at_utc": "2026-11-25T09:00:00Z",
         "food": "chia seeds", "servings": "1", "mg": "111"}]
    await bot.start(ADMIN)
    stats = await bot.reply("/stats", chat_id=ADMIN)
    assert "Food log: 2 people keep one" in stats.text
    assert "almonds" not in stats.text and "80 mg" not in stats.text
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if record.name.startswith("bot."))
    assert "almond" not in logged and "chia" not in logged and "serving" not in logged
    confirm = await bot.reply("/forget")
    await bot.press(confirm, "forget:yes")
    assert eaten(bot) == []
    assert len(eaten(bot, OTHER_USER)) == 1  # someone else's log stays


async def test_retention_deletes_servings_older_than_the_diarys_months(bot):
    bot.clock.set(datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    await bot.start()
    await bot.start(OTHER_USER)
    await bot.reply("/ate almonds")  # 15 Jan 2026
    await bot.reply("/ate almonds", chat_id=OTHER_USER)  # no diary: the default 12 months
    bot.clock.set(datetime(2026, 4, 10, 9, 0, tzinfo=UTC))
    await bot.reply("/ate spinach")  # 10 Apr 2026
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:rt:24")
    await bot.press(screen, "ds:rt:3")
    bot.clock.set(datetime(2026, 4, 14, 9, 0, tzinfo=UTC))
    await bot.deliver_due()  # 3 months before 14 Apr is 14 Jan: nothing goes yet
    assert [row[1] for row in eaten(bot)] == ["almonds", "spinach"]
    bot.clock.set(datetime(2026, 4, 16, 9, 0, tzinfo=UTC))
    await bot.deliver_due()  # now 16 Jan is the cut-off: the 15 Jan serving goes
    assert eaten(bot) == [("2026-04-10", "spinach", 1, 78)]
    assert len(eaten(bot, OTHER_USER)) == 1
    bot.clock.set(datetime(2027, 1, 16, 9, 0, tzinfo=UTC))
    await bot.deliver_due()
    assert eaten(bot, OTHER_USER) == []
