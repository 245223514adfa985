"""The diary's logging through the real Application: four taps, Undo, the safety
question, and hostile presses on every step (forged, stale, another chat's ids)."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from bot.runtime.logs import setup_logging
from tests.helpers import OTHER_USER, USER

pytestmark = pytest.mark.both_engines

# Button data written out (the specification's shapes, not the code's constants):
# cd:<muscle><severity><duration><when>, positions in the order the issue lists them.
CALF_SEVERE_1_10_LAST_NIGHT = ("cd:0---", "cd:02--", "cd:021-", "cd:0210")
FOOT_MILD_UNDER_1_JUST_NOW = ("cd:1---", "cd:10--", "cd:100-", "cd:1002")


def entries(bot, chat_id=USER):
    return bot.rows("SELECT muscle, severity, duration, when_band, woke_up, red_flags "
                    "FROM cramp_entries WHERE chat_id = ? ORDER BY id", (chat_id,))


async def log(bot, taps, chat_id=USER):
    """/cramp and the four taps on the same message; returns that message, as it is now."""
    message = await bot.reply("/cramp", chat_id=chat_id)
    for data in taps:
        assert await bot.press(message, data) == []  # every step edits the same message
    return bot.standin.message(chat_id, message.message_id)


def entry_id(message) -> int:
    data = next(d for d in message.callback_data if d.startswith("ce:u:"))
    return int(data.split(":")[2])


async def test_four_taps_log_a_cramp_and_each_step_edits_one_message(bot):
    await bot.start()
    first = await bot.reply("/cramp")
    assert "1 of 4" in first.text and "Where was the cramp?" in first.text
    summary = await log(bot, FOOT_MILD_UNDER_1_JUST_NOW)
    assert "Logged" in summary.text and "Foot" in summary.text
    assert len(summary.edits) == 4
    assert entries(bot) == [("foot", "mild", "under_1_min", "just_now", None, None)]
    assert f"ce:u:{entry_id(summary)}" in summary.callback_data  # Undo on the summary


async def test_optional_woke_up_and_triggers_toggle_on_the_summary(bot):
    await bot.start()
    summary = await log(bot, FOOT_MILD_UNDER_1_JUST_NOW)
    number = entry_id(summary)
    await bot.press(summary, f"ce:w:{number}")
    summary = bot.standin.message(USER, summary.message_id)
    await bot.press(summary, f"ce:t4:{number}")  # new medicine, fifth tag
    await bot.press(summary, f"ce:t0:{number}")
    await bot.press(bot.standin.message(USER, summary.message_id), f"ce:t0:{number}",
                    strict=False)
    assert entries(bot)[0][4] == 1
    assert bot.rows("SELECT tag FROM cramp_entry_triggers") == [("new_medicine",)]


async def test_undo_removes_the_entry_and_a_stale_fourth_tap_cannot_bring_it_back(bot):
    await bot.start()
    summary = await log(bot, FOOT_MILD_UNDER_1_JUST_NOW)
    await bot.press(summary, f"ce:u:{entry_id(summary)}")
    assert "Undone" in bot.standin.message(USER, summary.message_id).text
    assert entries(bot) == []
    # The old copy of the fourth button, pressed again (stale client or forged):
    await bot.press(summary, FOOT_MILD_UNDER_1_JUST_NOW[-1], strict=False)
    await bot.press(summary, FOOT_MILD_UNDER_1_JUST_NOW[-1], strict=False)
    assert entries(bot) == []
    assert "no longer in your diary" in bot.standin.answered_callbacks[-1].text


async def test_a_double_tap_on_the_fourth_step_saves_once(bot):
    await bot.start()
    summary = await log(bot, FOOT_MILD_UNDER_1_JUST_NOW)
    await bot.press(summary, FOOT_MILD_UNDER_1_JUST_NOW[-1], strict=False)
    assert len(entries(bot)) == 1


async def test_a_forged_fourth_tap_on_another_bot_message_saves_no_second_entry(bot):
    welcome = await bot.start()
    await log(bot, FOOT_MILD_UNDER_1_JUST_NOW)
    tip = await bot.reply("/tip")
    in_progress = await bot.reply("/cramp")  # another draft, still at its first step
    for message in (welcome, tip, in_progress):
        await bot.press(message, FOOT_MILD_UNDER_1_JUST_NOW[-1], strict=False)
        await bot.press(message, CALF_SEVERE_1_10_LAST_NIGHT[-1], strict=False)
    assert entries(bot) == [("foot", "mild", "under_1_min", "just_now", None, None)]
    assert bot.standin.message(USER, tip.message_id).text == tip.text  # not redrawn
    # The draft in progress still saves, once, through its own buttons.
    for data in CALF_SEVERE_1_10_LAST_NIGHT:
        await bot.press(bot.standin.message(USER, in_progress.message_id), data)
    assert len(entries(bot)) == 2


async def test_safety_question_for_a_severe_calf_and_yes_gives_urgent_advice(bot):
    await bot.start()
    await bot.reply("/timezone Europe/Berlin")
    summary = await log(bot, CALF_SEVERE_1_10_LAST_NIGHT)
    assert "swollen, warm or red" in summary.text
    number = entry_id(summary)
    answers = await bot.press(summary, f"ce:s1:{number}")
    assert len(answers) == 1
    assert "Get medical help the same day." in answers[0].text
    assert "Call 112 now." in answers[0].text  # Berlin: the EU number
    assert entries(bot)[0][5] == 1
    # Asked once: the summary no longer asks.
    assert "swollen, warm or red?" not in bot.standin.message(USER, summary.message_id).text


async def test_urgent_advice_without_a_known_country_names_no_number(bot):
    await bot.start()  # UTC: no country
    summary = await log(bot, ("cd:0---", "cd:00--", "cd:002-", "cd:0020"))  # over 10 min
    answers = await bot.press(summary, f"ce:s1:{entry_id(summary)}")
    assert "Call your local emergency number now." in answers[0].text


async def test_no_safety_question_for_a_mild_short_calf_cramp_and_forged_answer_refused(bot):
    await bot.start()
    summary = await log(bot, ("cd:0---", "cd:00--", "cd:000-", "cd:0000"))
    assert "swollen" not in summary.text
    assert not any(d.startswith("ce:s") for d in summary.callback_data)
    await bot.press(summary, f"ce:s1:{entry_id(summary)}", strict=False)
    assert entries(bot)[0][5] is None
    assert "no longer active" in bot.standin.answered_callbacks[-1].text


async def test_another_chats_entry_ids_reach_nothing(bot):
    await bot.start()
    await bot.start(OTHER_USER)
    theirs = await log(bot, FOOT_MILD_UNDER_1_JUST_NOW, chat_id=OTHER_USER)
    number = entry_id(theirs)
    mine = await bot.reply("/cramp")
    for data in (f"ce:u:{number}", f"ce:x:{number}", f"ce:w:{number}", f"ce:t1:{number}",
                 f"ce:s1:{number}", f"ce:k:{number}"):
        assert await bot.press(mine, data, strict=False) == []
        assert "no longer in your diary" in bot.standin.answered_callbacks[-1].text
    assert entries(bot, OTHER_USER) == [("foot", "mild", "under_1_min", "just_now", None,
                                         None)]
    assert bot.rows("SELECT count(*) FROM cramp_entry_triggers") == [(0,)]
    # The pressed message was not redrawn with someone else's entry.
    assert "1 of 4" in bot.standin.message(USER, mine.message_id).text


async def test_garbled_and_out_of_range_data_is_refused_politely(bot):
    await bot.start()
    message = await bot.reply("/cramp")
    for data in ("cd:9---", "cd:0", "cd:00000", "ce:u:0", "ce:u:01", "ce:t9:1",
                 "ce:u:99999999999999999999", "ck:n:20261340", "ck:x:20261125", "cl:7",
                 "dc:20261399", "ds:rt:5", "ds:ci:03:17", "ds:wk:maybe", "cx:1"):
        assert await bot.press(message, data, strict=False) == [], data
        assert bot.standin.answered_callbacks[-1].text, data
    assert entries(bot) == []
    assert bot.rows("SELECT retention_months, checkin_time FROM diary_settings") == []


async def test_cancel_stores_nothing(bot):
    await bot.start()
    message = await bot.reply("/cramp")
    await bot.press(message, "cd:0---")
    await bot.press(bot.standin.message(USER, message.message_id), "cx")
    assert "Nothing logged" in bot.standin.message(USER, message.message_id).text
    assert entries(bot) == []


async def test_sos_answers_at_once_without_a_question_and_log_it_presets_the_muscle(bot):
    answer = await bot.reply("/sos")  # works before /start: help comes first
    assert answer.text.startswith("⚠️")
    assert "swollen, warm or red" in answer.text.splitlines()[0]
    for muscle in ("Calf", "Foot", "Front of thigh", "Back of thigh", "Hand"):
        assert muscle in answer.text
    assert "?" not in answer.text
    assert answer.callback_data == ["cl:0", "cl:1", "cl:2", "cl:3", "cl:4"]
    before_start = await bot.press(answer, "cl:0")
    assert before_start[0].callback_data == ["cl:0+"]  # one tap subscribes and logs it
    await bot.start()
    opened = await bot.press(answer, "cl:0")
    assert "2 of 4" in opened[0].text and "Calf" in opened[0].text


async def test_main_menu_has_cramp_now(bot):
    welcome = await bot.start()
    sos = await bot.press(welcome, "menu:sos")
    assert sos[0].text.startswith("⚠️")


async def test_the_diary_lives_in_private_chats(bot):
    group = -100555
    await bot.reply("/start", chat_id=group, chat_type="group", user_id=USER)
    for command in ("cramp", "diary", "report", "export"):
        answer = await bot.reply(f"/{command}", chat_id=group, chat_type="group",
                                 user_id=USER)
        assert "private" in answer.text and f"/{command}" in answer.text
    message = await bot.reply("/sos", chat_id=group, chat_type="group", user_id=USER)
    await bot.press(message, "cd:0210", strict=False)
    assert bot.rows("SELECT count(*) FROM cramp_entries") == [(0,)]


async def test_cramp_before_start_offers_the_tap_and_a_forged_step_stores_nothing(bot):
    answer = await bot.reply("/cramp")
    assert answer.callback_data == ["cl:-+"]  # "Subscribe and log it", nothing made yet
    await bot.press(answer, "cd:0210", strict=False)
    assert bot.rows("SELECT count(*) FROM cramp_entries") == [(0,)]
    assert bot.rows("SELECT count(*) FROM subscribers") == [(0,)]


async def test_diary_lists_entries_and_deletes_them(bot):
    await bot.start()
    await log(bot, FOOT_MILD_UNDER_1_JUST_NOW)
    await log(bot, CALF_SEVERE_1_10_LAST_NIGHT)
    screen = await bot.reply("/diary")
    assert "2 entries" in screen.text and "Foot" in screen.text and "Calf" in screen.text
    deletes = [d for d in screen.callback_data if d.startswith("ce:x:")]
    assert len(deletes) == 2
    await bot.press(screen, deletes[0])
    assert len(entries(bot)) == 1
    assert "(1 entry)" in bot.standin.message(USER, screen.message_id).text


@pytest.fixture
def debug_logging():
    """The production logging set-up (bot.logs) at DEBUG, written to captured stderr."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hook = sys.excepthook
    noisy = {name: logging.getLogger(name).level for name in
             ("httpx", "httpcore", "telegram.Bot", "telegram.ext.ExtBot", "apscheduler",
              "aiosqlite")}
    setup_logging("DEBUG", [])
    out = io.StringIO()
    for handler in root.handlers:
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(out)
    yield out
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    sys.excepthook = hook
    for name, old in noisy.items():
        logging.getLogger(name).setLevel(old)


async def test_no_diary_value_reaches_the_logs_at_any_level(bot, debug_logging, caplog):
    caplog.set_level(logging.DEBUG)
    await bot.start()
    summary = await log(bot, CALF_SEVERE_1_10_LAST_NIGHT)
    number = entry_id(summary)
    await bot.press(summary, f"ce:s1:{number}")
    await bot.press(bot.standin.message(USER, summary.message_id), f"ce:w:{number}",
                    strict=False)
    await bot.reply("/diary")
    await bot.say("/report 8")
    await bot.say("/export")
    await bot.reply("/mydata")
    logged = debug_logging.getvalue().lower()
    assert "chat_id=1001 diary entry saved" in logged
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
    for word in ("calf", "severe", "1_to_10", "last_night", "woke", "swollen",
                 "cd:0210", f"ce:s1:{number}", "new_medicine", "red_flags"):
        assert word not in logged, word
