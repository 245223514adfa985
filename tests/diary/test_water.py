"""The water log through the real Application: /water, "💧 +1 glass" under the tip, Undo,
glass size and target, and the log as health data (/mydata, /export, /forget, retention,
/stats, private chats only, nothing in the logs)."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime

import pytest

from tests.helpers import ADMIN, OTHER_USER, USER

pytestmark = pytest.mark.both_engines


def glasses(bot, chat_id: int = USER) -> list[tuple[str, int]]:
    return bot.rows("SELECT local_date, ml FROM water_glasses WHERE chat_id = ? ORDER BY id",
                    (chat_id,))


def undo_of(message) -> str:
    return next(d for d in message.callback_data if d.startswith("wu:"))


async def test_water_logs_glasses_on_the_local_day_across_a_dst_change(bot):
    # Berlin moves to summer time at 01:00 UTC on Sun 29 Mar 2026.
    bot.clock.set(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    await bot.start()
    await bot.reply("/timezone Europe/Berlin")
    bot.clock.set(datetime(2026, 3, 28, 22, 59, tzinfo=UTC))  # 23:59 CET, Saturday
    first = await bot.reply("/water")
    assert first.text.startswith("💧 1 glass today (250 ml)")
    bot.clock.set(datetime(2026, 3, 28, 23, 0, tzinfo=UTC))  # 00:00 CET, Sunday
    second = await bot.reply("/water")
    assert second.text.startswith("💧 1 glass today (250 ml)")
    bot.clock.set(datetime(2026, 3, 29, 21, 59, tzinfo=UTC))  # 23:59 CEST, Sunday
    third = await bot.reply("/water")
    assert third.text.startswith("💧 2 glasses today (500 ml)")
    bot.clock.set(datetime(2026, 3, 29, 22, 0, tzinfo=UTC))  # 00:00 CEST, Monday
    fourth = await bot.reply("/water")
    assert fourth.text.startswith("💧 1 glass today (250 ml)")
    assert glasses(bot) == [("2026-03-28", 250), ("2026-03-29", 250), ("2026-03-29", 250),
                            ("2026-03-30", 250)]


async def test_undo_removes_that_one_glass_once(bot):
    await bot.start()
    await bot.reply("/water")
    await bot.reply("/water")
    third = await bot.reply("/water")
    assert third.text.startswith("💧 3 glasses today (750 ml)")
    data = undo_of(third)
    await bot.press(third, data)
    shown = bot.standin.message(USER, third.message_id)
    assert shown.text.startswith("↩️ One glass removed.\n💧 2 glasses today (500 ml)")
    assert not any(d.startswith("wu:") for d in shown.callback_data)  # Undo is gone
    await bot.press(shown, data, strict=False)  # a second press, or a stale copy
    assert len(glasses(bot)) == 2
    assert bot.standin.answered_callbacks[-1].text == "That glass is already removed."
    assert bot.standin.message(USER, third.message_id).text.startswith(
        "💧 2 glasses today (500 ml)")


async def test_yesterdays_undo_cannot_remove_todays_glass(bot):
    bot.clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    await bot.start()
    yesterday = await bot.reply("/water")
    data = undo_of(yesterday)
    bot.clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    today = await bot.reply("/water")
    assert today.text.startswith("💧 1 glass today (250 ml)")
    await bot.press(yesterday, data)
    shown = bot.standin.message(USER, yesterday.message_id)
    assert shown.text.startswith("↩️ One glass removed from Wed 25 Nov.\n"
                                 "💧 1 glass today (250 ml)")
    assert glasses(bot) == [("2026-11-26", 250)]
    await bot.press(shown, data, strict=False)
    assert glasses(bot) == [("2026-11-26", 250)]


async def test_someone_elses_glass_id_reaches_nothing(bot):
    await bot.start()
    await bot.start(OTHER_USER)
    mine = await bot.reply("/water")
    theirs = await bot.reply("/water", chat_id=OTHER_USER)
    await bot.press(theirs, undo_of(mine), strict=False)
    assert len(glasses(bot)) == 1 and len(glasses(bot, OTHER_USER)) == 1


async def test_the_button_under_the_tip_logs_a_glass(bot):
    await bot.start()
    tip = (await bot.say("/tip"))[0]
    assert "wa:tip" in tip.callback_data
    answers = await bot.press(tip, "wa:tip")
    assert len(answers) == 1 and answers[0].text.startswith("💧 1 glass today (250 ml)")
    more = await bot.press(answers[0], "wa:water")
    assert more[0].text.startswith("💧 2 glasses today (500 ml)")
    assert len(glasses(bot)) == 2


async def test_the_daily_tip_carries_the_button(bot):
    await bot.start()
    daily = await bot.deliver_days(datetime(2026, 11, 26, 9, 1, tzinfo=UTC), 1)
    tip = next(m for m in daily if "wa:tip" in m.callback_data)
    answers = await bot.press(tip, "wa:tip")
    assert answers[0].text.startswith("💧 1 glass today (250 ml)")


async def test_glass_size_and_target_are_settings_with_the_caution_where_a_target_is_set(bot):
    await bot.start()
    first = await bot.reply("/water")
    assert "kidney" not in first.text  # no target, no caution
    await bot.press(first, "ws:menu:menu")
    screen = bot.standin.message(USER, first.message_id)
    assert "Glass size: 250 ml" in screen.text and "Daily target: No target" in screen.text
    for data in ("ws:g:ml200", "ws:g:ml250", "ws:g:ml300", "ws:g:cup", "ws:t:off",
                 *(f"ws:t:{n}" for n in range(6, 11))):
        assert data in screen.callback_data
    await bot.press(screen, "ws:g:ml300")
    assert bot.rows("SELECT glass, target FROM water_settings") == [("ml300", None)]
    assert (await bot.reply("/water")).text.startswith("💧 2 glasses today (550 ml)")
    await bot.press(screen, "ws:g:cup", strict=False)
    cups = await bot.reply("/water")
    assert cups.text.startswith("💧 3 cups today (about 790 ml)")
    await bot.press(screen, "ws:t:8", strict=False)
    shown = bot.standin.message(USER, first.message_id)
    assert "Daily target: 8 glasses a day" in shown.text
    assert "heart or kidney disease" in shown.text and "sodium" in shown.text
    counted = await bot.reply("/water")
    assert counted.text.startswith("💧 4 cups today (about 1,030 ml) · your target: 8")
    assert "heart or kidney disease" in counted.text and "fluid limit" in counted.text
    await bot.press(shown, "ws:t:off", strict=False)
    plain = await bot.reply("/water")
    assert "target" not in plain.text and "kidney" not in plain.text
    assert bot.rows("SELECT glass, target FROM water_settings") == [("cup", None)]


async def test_forged_settings_change_nothing(bot):
    await bot.start()
    first = await bot.reply("/water")
    for data in ("ws:t:99", "ws:t:12", "ws:t:0", "ws:t:-1", "ws:g:ml1000", "ws:x:1", "wu:abc"):
        await bot.press(first, data, strict=False)
        assert bot.standin.answered_callbacks[-1].text == (
            "That button is no longer active. Send /settings for fresh ones.")
    assert bot.rows("SELECT glass, target FROM water_settings") == [("ml250", None)]
    assert len(glasses(bot)) == 1


async def test_the_water_log_lives_in_private_chats(bot):
    group = -100777
    await bot.reply("/start", chat_id=group, chat_type="group", user_id=USER)
    answer = await bot.reply("/water", chat_id=group, chat_type="group", user_id=USER)
    assert answer.text == ("🔒 The water log is private: open a private chat with me and "
                           "send /water there.")
    tip = (await bot.say("/tip", chat_id=group, chat_type="group", user_id=USER))[0]
    pointer = await bot.press(tip, "wa:tip", user_id=USER)
    assert [m.text for m in pointer] == [answer.text]
    assert bot.rows("SELECT count(*) FROM water_glasses") == [(0,)]


async def test_water_before_start_asks_for_start_and_stores_nothing(bot):
    answer = await bot.reply("/water")
    assert "/start" in answer.text
    assert bot.rows("SELECT count(*) FROM water_glasses") == [(0,)]
    assert bot.rows("SELECT count(*) FROM water_settings") == [(0,)]


async def test_mydata_export_stats_and_forget_treat_the_log_as_health_data(bot, caplog):
    caplog.set_level(logging.DEBUG)
    await bot.start()
    await bot.start(OTHER_USER)
    first = await bot.reply("/water")
    await bot.press(first, "ws:menu:menu")
    await bot.press(first, "ws:t:7")
    bot.clock.advance(hours=1)
    await bot.reply("/water")
    await bot.reply("/water", chat_id=OTHER_USER)
    mine = await bot.reply("/mydata")
    assert "Glasses logged: 2" in mine.text and "Glass size: 250 ml" in mine.text
    assert "Daily target: 7 glasses a day" in mine.text
    files = await bot.say("/export")
    water = next(f for f in files if f.file_name == "water-log.csv")
    rows = list(csv.DictReader(io.StringIO(water.file_bytes.decode("utf-8"))))
    assert rows == [
        {"local_date": "2026-11-25", "logged_at_utc": "2026-11-25T08:00:00Z", "ml": "250"},
        {"local_date": "2026-11-25", "logged_at_utc": "2026-11-25T09:00:00Z", "ml": "250"}]
    settings = next(f for f in files if f.file_name == "settings-and-profile.csv")
    assert '"water_target","7"' in settings.file_bytes.decode("utf-8")
    await bot.start(ADMIN)
    stats = await bot.reply("/stats", chat_id=ADMIN)
    assert "Water log: 2 people keep one" in stats.text
    assert "500 ml" not in stats.text and "2 glasses" not in stats.text
    # The bot's own logs (bot.runtime.logs silences the libraries' debug echo of requests
    # and statements in every deployment).
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if record.name.startswith("bot."))
    assert "250" not in logged and "glass" not in logged.lower()
    confirm = await bot.reply("/forget")
    await bot.press(confirm, "forget:yes")
    assert glasses(bot) == []
    assert bot.rows("SELECT count(*) FROM water_settings WHERE chat_id = ?", (USER,)) == [(0,)]
    assert len(glasses(bot, OTHER_USER)) == 1  # someone else's log stays


async def test_retention_deletes_glasses_older_than_the_diarys_months(bot):
    bot.clock.set(datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    await bot.start()
    await bot.start(OTHER_USER)
    await bot.reply("/water")  # 15 Jan 2026
    await bot.reply("/water", chat_id=OTHER_USER)  # no diary: the default 12 months
    bot.clock.set(datetime(2026, 4, 10, 9, 0, tzinfo=UTC))
    await bot.reply("/water")  # 10 Apr 2026
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:rt:24")
    await bot.press(screen, "ds:rt:3")
    bot.clock.set(datetime(2026, 4, 14, 9, 0, tzinfo=UTC))
    await bot.deliver_due()  # 3 months before 14 Apr is 14 Jan: nothing goes yet
    assert glasses(bot) == [("2026-01-15", 250), ("2026-04-10", 250)]
    bot.clock.set(datetime(2026, 4, 16, 9, 0, tzinfo=UTC))
    await bot.deliver_due()  # now 16 Jan is the cut-off: the 15 Jan glass goes
    assert glasses(bot) == [("2026-04-10", 250)]
    assert glasses(bot, OTHER_USER) == [("2026-01-15", 250)]
    bot.clock.set(datetime(2027, 1, 16, 9, 0, tzinfo=UTC))
    await bot.deliver_due()
    assert glasses(bot, OTHER_USER) == []


async def test_a_russian_reader_counts_glasses_in_all_three_plural_forms(bot):
    await bot.start(language_code="ru")
    first = await bot.reply("/water", language_code="ru")
    assert first.text.startswith("💧 1 стакан сегодня (250 мл)")
    second = await bot.reply("/water", language_code="ru")
    assert second.text.startswith("💧 2 стакана сегодня (500 мл)")
    for _ in range(3):
        fifth = await bot.reply("/water", language_code="ru")
    assert fifth.text.startswith("💧 5 стаканов сегодня (1")
    await bot.press(fifth, "ws:menu:menu", language_code="ru")
    await bot.press(fifth, "ws:t:8", language_code="ru")
    shown = bot.standin.message(USER, fifth.message_id)
    assert "8 стаканов в день" in shown.text and "почек" in shown.text
