"""What a new user tripped over in the first days, each through the real Application."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.helpers import USER
from tips.catalog import load_catalog

pytestmark = pytest.mark.both_engines

# The sign-up keyboard's button for keeping the defaults (UTC, 09:00).
KEEP_DEFAULTS = "Keep the default"
TOPICS = {"hydration", "foods", "rest", "electrolytes", "doctor"}


async def new_user(bot, at: datetime) -> None:
    bot.clock.set(at)
    await bot.start()
    await bot.say(KEEP_DEFAULTS)


# ------------------------------------------------------------------ the new time


async def test_a_time_already_past_today_says_so_when_no_tip_went_out(bot):
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    answer = await bot.reply("/time 08:00")
    assert "08:00 has passed today, so your first tip comes tomorrow." in answer.text
    assert "already went out" not in answer.text
    assert bot.standin.messages_to(USER)[-1] is answer  # and indeed no tip was sent


async def test_after_todays_tip_the_answer_still_says_it_went_out(bot):
    await new_user(bot, datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    bot.clock.set(datetime(2026, 11, 25, 9, 1, tzinfo=UTC))
    await bot.deliver_due()
    assert any("Tip of the day" in m.text for m in bot.standin.messages_to(USER))
    answer = await bot.reply("/time 08:00")
    assert "Today’s tip already went out" in answer.text
    assert "has passed today" not in answer.text


async def test_a_later_time_today_still_comes_today(bot):
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    answer = await bot.reply("/time 18:00")
    assert "The next one: today at 18:00." in answer.text


# ------------------------------------------------------------------ the first tips


def topic_of(message) -> str:
    by_id = {tip.id: tip.topic for tip in load_catalog()}
    tip_id = next(d for d in message.callback_data if d.startswith("fb:up:"))
    return by_id[tip_id.removeprefix("fb:up:")]


async def test_the_first_five_tips_asked_for_cover_every_topic(bot):
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    shown = await bot.reply("/tip")
    topics = [topic_of(shown)]
    for _ in range(4):
        (shown,) = [m for m in await bot.press(shown, next(
            d for d in shown.callback_data if d.startswith("fb:more:"))) if m.callback_data]
        topics.append(topic_of(shown))
    assert set(topics) == TOPICS


async def test_the_first_five_daily_tips_cover_every_topic(bot):
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    daily = await bot.deliver_days(datetime(2026, 11, 26, 9, 1, tzinfo=UTC), 5)
    topics = [topic_of(m) for m in daily]
    assert len(topics) == 5 and set(topics) == TOPICS


# ------------------------------------------------------------------ the diary

# Logging taps (tests/diary: "cd:<muscle><severity><duration><when>" by position):
# calf, moderate, under 1 min, then "last night" (0) or "earlier today" (1).
LAST_NIGHT = ("cd:0---", "cd:01--", "cd:010-", "cd:0100")
EARLIER_TODAY = ("cd:0---", "cd:01--", "cd:010-", "cd:0101")


async def log(bot, taps) -> None:
    message = await bot.reply("/cramp")
    for data in taps:
        await bot.press(message, data)


async def with_checkin_at_seven(bot) -> None:
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:ci:menu")
    await bot.press(screen, "ds:ci:07:00")


async def morning_question(bot):
    """Thursday 26 Nov, 07:01 UTC: the check-in is sent; returns it."""
    bot.clock.set(datetime(2026, 11, 26, 7, 1, tzinfo=UTC))
    await bot.deliver_due()
    return next(m for m in bot.standin.messages_to(USER) if "Any cramps" in m.text)


async def press_no(bot, question) -> None:
    await bot.press(question, next(d for d in question.callback_data if d.startswith("ck:n:")))


async def test_no_cramps_for_a_night_with_a_logged_cramp_asks_anything_else(bot):
    await with_checkin_at_seven(bot)
    bot.clock.set(datetime(2026, 11, 26, 6, 30, tzinfo=UTC))
    await log(bot, LAST_NIGHT)  # woke with a cramp, logged it before the check-in
    question = await morning_question(bot)
    await press_no(bot, question)
    shown = bot.standin.message(USER, question.message_id)
    assert "already has a cramp for last night" in shown.text
    assert "Anything else to add?" in shown.text
    assert "without cramps" not in shown.text
    assert bot.rows("SELECT night_of, answer FROM diary_checkins") == [("2026-11-26", "cramps")]
    # The one button logs another cramp for the same night.
    (another,) = shown.callback_data
    await bot.press(shown, another)
    opened = bot.standin.message(USER, question.message_id)
    assert "Where was the cramp?" in opened.text


async def test_no_cramps_for_a_quiet_night_is_still_one_tap(bot):
    await with_checkin_at_seven(bot)
    question = await morning_question(bot)
    bot.clock.set(datetime(2026, 11, 26, 9, 30, tzinfo=UTC))
    await log(bot, EARLIER_TODAY)  # a cramp this morning after 08:00 is not last night's
    bot.clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    await press_no(bot, question)
    assert "without cramps" in bot.standin.message(USER, question.message_id).text
    assert bot.rows("SELECT answer FROM diary_checkins") == [("no_cramps",)]


async def test_daytime_counts_are_labelled_as_days_in_report_and_weekly_picture(bot):
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    for hour in (13, 15, 17):  # three daytime cramps, all on one day
        bot.clock.set(datetime(2026, 11, 25, hour, 0, tzinfo=UTC))
        await log(bot, EARLIER_TODAY)
    report = (await bot.say("/report 4"))[0]
    assert "Cramps logged: 3" in report.text
    assert "Days with daytime cramps: 1" in report.text
    assert "Daytime cramps" not in report.text
    bot.clock.set(datetime(2026, 11, 29, 9, 1, tzinfo=UTC))  # Sunday, at the tip's time
    await bot.deliver_due()
    week = next(m for m in bot.standin.messages_to(USER) if "Your cramp week" in m.text)
    assert "☀️ Days with daytime cramps: 1 (0)" in week.text
    assert "Daytime cramps" not in week.text


async def test_diary_delete_buttons_tell_two_alike_entries_apart(bot):
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    await bot.reply("/timezone Europe/Berlin")
    for hour, minute in ((13, 0), (15, 30)):  # 14:00 and 16:30 in Berlin, same calf cramp
        bot.clock.set(datetime(2026, 11, 25, hour, minute, tzinfo=UTC))
        await log(bot, EARLIER_TODAY)
    screen = await bot.reply("/diary")
    labels = [b["text"] for row in screen.inline_keyboard for b in row
              if b["text"].startswith("🗑")]
    assert labels == ["🗑 Delete Wed 25 Nov 16:30 · Calf · moderate · Under 1 min",
                      "🗑 Delete Wed 25 Nov 14:00 · Calf · moderate · Under 1 min"]


# ------------------------------------------------------------------ a mistyped zone


async def test_a_mistyped_city_offers_the_city_not_random_zones(bot):
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    answer = await bot.reply("/timezone Munihc")
    assert "Did you mean one of these places?" in answer.text
    buttons = [b["text"] for row in answer.inline_keyboard for b in row]
    assert buttons[0] == "Munich?"
    assert not any("/" in label for label in buttons)  # no IANA zone names
    assert "🕐" in buttons[-1]  # and the clock, for anyone whose place is not there
    await bot.press(answer, answer.callback_data[0])
    assert (await bot.subscriber()).timezone == "Europe/Berlin"


async def test_a_mistyped_zone_name_still_offers_that_zone_only(bot):
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    answer = await bot.reply("/timezone Europe/Berln")
    assert [b["text"] for row in answer.inline_keyboard for b in row] == ["Europe/Berlin"]


async def test_a_name_like_nothing_offers_no_zone_at_all(bot):
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    answer = await bot.reply("/timezone Qwxzv")
    buttons = [b["text"] for row in answer.inline_keyboard for b in row]
    assert len(buttons) == 1 and "🕐" in buttons[0]
    assert "/timezone Munich" in answer.text and "/timezone UTC+2" in answer.text
    assert (await bot.subscriber()).timezone == "UTC"


def test_place_guesses_are_near_ones_only():
    from bot.core.places import near_places

    assert near_places("Paaris") == [("Paris", "Europe/Paris")]  # not Pardīs (83)
    assert near_places("Londn") == [("London", "Europe/London")]  # not Londrina (77)
    assert near_places("Qwxzv") == [] and near_places("UTC+25") == [] and near_places("") == []
    assert [place for place, _zone in near_places("Berln")] == ["Berlin", "Bern"]  # both near


# ------------------------------------------------------------------ a diary before /start


async def test_sos_log_it_without_a_subscription_is_one_tap_that_keeps_the_muscle(bot):
    sos = await bot.reply("/sos")  # a cramp now, never subscribed
    (offer,) = await bot.press(sos, "cl:0")  # "📝 Log it: calf"
    assert "One tap subscribes you" in offer.text and "/forget" in offer.text
    assert [b["text"] for row in offer.inline_keyboard for b in row] == [
        "📝 Subscribe and log it"]
    answers = await bot.press(offer, offer.callback_data[0])
    step = bot.standin.message(USER, offer.message_id)
    assert "2 of 4" in step.text and "Calf" in step.text  # the muscle is kept
    assert any("You’re subscribed: one short tip a day at 09:00 (UTC)" in m.text
               for m in answers)
    assert bot.rows("SELECT status FROM subscribers WHERE chat_id = ?", (USER,)) == [
        ("active",)]
    for data in ("cd:01--", "cd:010-", "cd:0100"):
        await bot.press(step, data)
    assert bot.rows("SELECT muscle FROM cramp_entries") == [("calf",)]
    # And /forget still deletes everything, the diary with it.
    forget = await bot.reply("/forget")
    await bot.press(forget, forget.callback_data[0])
    assert bot.rows("SELECT count(*) FROM cramp_entries") == [(0,)]
    assert bot.rows("SELECT count(*) FROM subscribers") == [(0,)]


async def test_cramp_without_a_subscription_offers_the_same_tap(bot):
    offer = await bot.reply("/cramp")
    assert offer.callback_data == ["cl:-+"]
    await bot.press(offer, "cl:-+")
    assert "Where was the cramp?" in bot.standin.message(USER, offer.message_id).text


async def test_a_stale_subscribe_and_log_button_never_turns_stopped_tips_on(bot):
    await new_user(bot, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    await bot.reply("/stop")
    offer = await bot.reply("/cramp")  # a stopped subscriber keeps logging
    await bot.press(offer, "cl:-+", strict=False)
    assert bot.rows("SELECT status FROM subscribers") == [("stopped",)]
