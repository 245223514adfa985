"""Every user command, driven through the real Application and the Bot API stand-in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time

import pytest

from bot.ui import texts
from tests.helpers import OTHER_USER, USER
from tips.catalog import TOPICS

pytestmark = pytest.mark.both_engines


async def test_start_welcomes_subscribes_and_shows_settings(bot):
    answer = await bot.start()
    assert "Welcome to MagDaily" in answer.text
    assert "not medical advice" in answer.text  # the disclaimer
    assert "Time: 09:00" in answer.text and "Time zone: UTC" in answer.text
    assert answer.callback_data == ["menu:tip", "menu:foods", "menu:causes", "menu:settings",
                                    "menu:sos", "lang:menu"]
    sub = await bot.subscriber()
    assert sub.status == "active" and sub.send_time == time(9, 0) and sub.timezone == "UTC"
    assert sub.topics == tuple(TOPICS)
    assert sub.next_send_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def test_second_start_keeps_one_subscription(bot):
    await bot.start()
    await bot.reply("/time 07:15")
    answer = await bot.start()
    assert "already subscribed" in answer.text
    rows = bot.rows("SELECT count(*) FROM subscribers")
    assert rows == [(1,)]
    assert (await bot.subscriber()).send_time == time(7, 15)  # nothing reset


async def test_commands_menu_is_published(bot):
    names = [c["command"] for c in bot.standin.commands_for("default")]
    assert names[:4] == ["tip", "foods", "causes", "settings"]
    assert 5 <= len(names) <= 8 and "help" in names
    # the rest stays reachable from /help
    help_text = (await bot.reply("/help")).text
    for name in ("time", "timezone", "topics", "stop", "subscribe", "pause", "resume",
                 "need", "mydata", "forget", "about", "sos", "cramp", "diary", "report",
                 "export"):
        assert f"/{name} " in help_text, name


async def test_stop_keeps_history_and_subscribe_resumes(bot):
    await bot.start()
    await bot.reply("/tip")
    answer = await bot.reply("/stop")
    assert "Daily tips stopped" in answer.text
    sub = await bot.subscriber()
    assert sub.status == "stopped" and sub.next_send_at is None
    assert (bot.rows("SELECT count(*) FROM deliveries")) == [(1,)]
    assert "already stopped" in (await bot.reply("/unsubscribe")).text
    resumed = await bot.reply("/subscribe")
    assert "Daily tips are on" in resumed.text
    assert (await bot.subscriber()).status == "active"


async def test_subscribe_without_start_subscribes(bot):
    answer = await bot.reply("/subscribe", chat_id=OTHER_USER)
    assert "Welcome to MagDaily" in answer.text
    assert (await bot.subscriber(OTHER_USER)).status == "active"


async def test_tip_comes_from_the_rotation_and_is_recorded(bot):
    await bot.start()
    seen_text = set()
    topics = []
    for _ in range(6):
        answer = await bot.reply("/tip")
        assert "Source:" in answer.text
        seen_text.add(answer.text)
        topics.append(answer.text.split("\n", 1)[0])
    assert len(seen_text) == 6, "no repeats within a cycle"
    assert all(a != b for a, b in itertools.pairwise(topics)), topics
    rows = bot.rows(
        "SELECT kind, status, message_id IS NOT NULL FROM deliveries")
    assert rows == [("on_demand", "sent", 1)] * 6
    [(seen,)] = bot.rows("SELECT cycle_seen FROM subscribers")
    assert len(set(seen.split(","))) == 6  # the rotation remembers each, once


async def test_tip_button_gives_the_same_kind_of_answer(bot):
    welcome = await bot.start()
    answers = await bot.press(welcome, "menu:tip")
    assert len(answers) == 1 and "Source:" in answers[0].text
    assert bot.standin.answered_callbacks[-1].data == "menu:tip"


async def test_tip_for_someone_not_subscribed_invites_them(bot):
    answer = await bot.reply("/tip", chat_id=OTHER_USER)
    assert "Source:" in answer.text and "/start" in answer.text
    assert await bot.subscriber(OTHER_USER) is None


async def test_causes_lists_every_cause_and_points_to_a_professional(bot):
    overview = await bot.reply("/causes")
    assert await bot.press(overview, "causes:why") == []
    text = overview.text
    for needle in ("Poor diet", "Heavy sweating", "Crohn", "Celiac", "Alcohol",
                   "medications", "Dehydration", "potassium", "calcium", "Overuse"):
        assert needle.lower() in text.lower(), needle
    assert "healthcare provider" in text


async def test_foods_table_has_real_figures(bot):
    text = (await bot.reply("/foods")).text
    assert "Pumpkin seeds, roasted — 1 oz (28 g): 156 mg (37% DV)" in text
    assert "Banana — 1 medium: 32 mg (8% DV)" in text
    assert "Daily Value: 420 mg" in text
    assert "leafy green vegetables" in text and "legumes" in text


async def test_foods_lookup_is_forgiving(bot):
    for query in ("almonds", "Almond", "ALMONDS!", "almnds"):
        text = (await bot.reply(f"/foods {query}")).text
        assert "Almonds, dry roasted" in text and "80 mg" in text and "19%" in text, query
    text = (await bot.reply("/foods black bean")).text
    assert "60 mg" in text


async def test_foods_unknown_says_so_and_suggests(bot):
    text = (await bot.reply("/foods pizza")).text
    assert "don’t have “pizza”" in text
    assert "/foods" in text and "Some I do know" in text


async def test_time_accepts_many_forms(bot):
    await bot.start()
    for raw, expected in (("7:30", time(7, 30)), ("07:30", time(7, 30)),
                          ("7:30pm", time(19, 30)), ("19.30", time(19, 30))):
        answer = await bot.reply(f"/time {raw}")
        assert f"{expected:%H:%M}" in answer.text
        assert (await bot.subscriber()).send_time == expected


async def test_time_rejects_nonsense_with_an_example(bot):
    await bot.start()
    answer = await bot.reply("/time 25:00")
    assert "couldn’t read “25:00”" in answer.text and "/time 07:30" in answer.text
    assert (await bot.subscriber()).send_time == time(9, 0)


async def test_time_without_argument_offers_buttons(bot):
    await bot.start()
    prompt = await bot.reply("/time")
    assert "time:07:00" in prompt.callback_data
    answers = await bot.press(prompt, "time:18:00")
    assert answers == []  # the prompt itself becomes the updated settings panel
    panel = bot.standin.message(USER, prompt.message_id)
    assert "Time: 18:00" in panel.text and "set:time" in panel.callback_data
    assert (await bot.subscriber()).send_time == time(18, 0)


async def test_timezone_valid_and_invalid(bot):
    await bot.start()
    bot.clock.set(datetime(2026, 11, 25, 8, 30, tzinfo=UTC))
    answer = await bot.reply("/timezone Europe/Berlin")
    assert "Europe/Berlin" in answer.text and "09:30 there now" in answer.text
    sub = await bot.subscriber()
    assert sub.timezone == "Europe/Berlin"
    assert sub.next_send_at == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # 09:00 CET
    bad = await bot.reply("/timezone Europe/Berln")
    assert "don’t know the time zone" in bad.text and "Europe/Berlin" in bad.text
    offset = await bot.reply("/timezone UTC+5:30")
    assert "UTC+05:30" in offset.text
    assert (await bot.subscriber()).timezone == "UTC+05:30"


async def test_timezone_buttons(bot):
    await bot.start()
    prompt = await bot.reply("/timezone")
    answers = await bot.press(prompt, "tz:Asia/Kolkata")
    assert "Asia/Kolkata" in answers[0].text
    assert (await bot.subscriber()).timezone == "Asia/Kolkata"


async def test_topics_toggle_in_place_and_keep_one(bot):
    await bot.start()
    menu = await bot.reply("/topics")
    assert "topic:hydration" in menu.callback_data
    for topic in ("hydration", "foods", "rest", "electrolytes"):
        await bot.press(menu, f"topic:{topic}")
    assert (await bot.subscriber()).topics == ("doctor",)
    edited = bot.standin.message(USER, menu.message_id)
    assert "⬜ 💧 Hydration" in str(edited.reply_markup)
    await bot.press(menu, "topic:doctor")
    assert bot.standin.answered_callbacks[-1].text == texts.topic_last_one()
    assert (await bot.subscriber()).topics == ("doctor",)
    await bot.press(menu, "topic:foods")
    assert (await bot.subscriber()).topics == ("foods", "doctor")
    await bot.press(menu, "topic:done")
    assert "Topics saved" in bot.standin.message(USER, menu.message_id).text
    # /tip now only draws from the chosen topics
    for _ in range(4):
        first_line = (await bot.reply("/tip")).text.split("\n", 1)[0]
        assert first_line in ("🥬 Magnesium-rich foods", "🩺 When to see a doctor")


async def test_settings_shows_everything_with_buttons(bot):
    await bot.start()
    await bot.reply("/time 6:45")
    await bot.reply("/timezone America/New_York")
    answer = await bot.reply("/settings")
    assert "06:45" in answer.text and "America/New_York" in answer.text
    assert "daily tips on" in answer.text
    assert answer.callback_data == ["set:time", "set:tz", "set:topics", "set:pause",
                                    "set:stop", "cl:-", "ws:menu:menu", "lang:menu"]
    # each action redraws the panel it was pressed in: no new message
    count = len(bot.standin.messages_to(USER))
    assert await bot.press(answer, "set:stop") == []
    panel = bot.standin.message(USER, answer.message_id)
    assert "Daily tips stopped" in panel.text and "set:resume" in panel.callback_data
    assert await bot.press(answer, "set:resume") == []
    assert "Daily tips are on" in panel.text and "set:pause" in panel.callback_data
    assert await bot.press(answer, "set:pause") == []
    assert "no tips until Tue 1 Dec; they resume Wed 2 Dec" in panel.text  # 25 Nov–1 Dec
    assert "set:resume" in panel.callback_data
    assert await bot.press(answer, "set:resume") == []
    assert "Daily tips are on" in panel.text
    await bot.press(answer, "set:time")
    assert "time:07:00" in panel.callback_data
    await bot.press(answer, "time:07:00")
    assert "Time: 07:00" in panel.text
    await bot.press(answer, "set:tz")
    await bot.press(answer, "tz:Europe/Berlin")
    assert "Time zone: Europe/Berlin" in panel.text
    await bot.press(answer, "set:topics")
    await bot.press(answer, "topic:rest")
    await bot.press(answer, "topic:done")
    assert "Topics saved" in panel.text and "set:time" in panel.callback_data
    assert len(bot.standin.messages_to(USER)) == count


async def test_settings_before_start(bot):
    assert texts.not_subscribed() == (await bot.reply("/settings")).text
    assert texts.not_subscribed() == (await bot.reply("/time 7:00")).text


async def test_help_and_about(bot):
    help_text = (await bot.reply("/help")).text
    for command in ("/tip", "/foods", "/causes", "/time", "/timezone", "/topics", "/stop"):
        assert command in help_text
    about = (await bot.reply("/about")).text
    assert "not medical advice" in about
    assert "NIH" in about and "Privacy" in about and "not your messages" in about


async def test_plain_text_sticker_and_unknown_command(bot):
    assert (await bot.reply("hello there")).text == texts.not_a_command()
    stickers = await bot.sticker()
    assert [m.text for m in stickers] == [texts.not_a_command()]
    unknown = await bot.reply("/frobnicate")
    assert unknown.text.startswith("I don’t know that command") and "/tip" in unknown.text


async def test_stale_button_answers_politely(bot):
    welcome = await bot.start()
    bot.standin.message(USER, welcome.message_id).reply_markup = {
        "inline_keyboard": [[{"text": "old", "callback_data": "gone:thing"}]]}
    answers = await bot.press(welcome, "gone:thing")
    assert answers == []
    assert bot.standin.answered_callbacks[-1].text == texts.button_expired()


async def test_blocking_the_bot_marks_the_subscriber_inactive_and_start_revives(bot):
    await bot.start()
    update = bot.standin.user_blocks(USER)
    await bot._process(update)
    sub = await bot.subscriber()
    assert sub.status == "blocked" and "blocked" in sub.inactive_reason
    bot.standin.user_unblocks(USER)
    bot.standin.next_update_nowait()
    answer = await bot.start()
    assert "Welcome back" in answer.text
    assert (await bot.subscriber()).status == "active"


async def test_daily_tip_arrives_through_the_outbox(bot):
    await bot.start()
    bot.clock.set(datetime(2026, 11, 25, 9, 0, 20, tzinfo=UTC))
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    daily = bot.standin.messages_to(USER)[before:]
    assert len(daily) == 1 and "Source:" in daily[0].text
    await bot.deliver_due()  # a second tick the same day sends nothing
    assert len(bot.standin.messages_to(USER)) == before + 1
    rows = bot.rows(
        "SELECT kind, local_date, status FROM deliveries WHERE kind = 'daily'")
    assert rows == [("daily", "2026-11-25", "sent")]


async def test_stop_cancels_a_tip_already_queued(bot):
    await bot.start()
    bot.clock.set(datetime(2026, 11, 25, 9, 0, 20, tzinfo=UTC))
    await bot.runtime.scheduler.tick()  # queued, not yet sent
    await bot.reply("/stop")
    before = len(bot.standin.messages_to(USER))
    await bot.runtime.sender.drain_once()
    assert len(bot.standin.messages_to(USER)) == before
    rows = bot.rows("SELECT status, error FROM deliveries")
    assert rows == [("cancelled", "subscriber_stopped")]
