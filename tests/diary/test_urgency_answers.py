"""The diary answers at once when a sign needs care, and its weekly rules (urgency review).

Expected sentences are the urgency ladder's words written out here, not read from the data.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.diary.chart import nights_series
from bot.diary.models import Severity
from bot.diary.weekly import weekly_picture
from bot.ui import texts as t
from tests.diary.helpers import day_cramp, night_cramp
from tests.diary.test_logging_flow import entry_id, log
from tests.helpers import USER
from tips.reference import load_causes

NOW = ("Get medical help now: call your doctor or an urgent care or out-of-hours service "
       "straight away.")
TEN_MINUTES = "A cramp that lasts more than 10 minutes and doesn't ease when you move or stretch."
SUNDAY = date(2026, 3, 8)
THIS_MON = date(2026, 3, 2)
LAST_MON = THIS_MON - timedelta(days=7)


async def test_sos_shows_the_ten_minute_limit(bot):
    text = (await bot.reply("/sos")).text
    assert TEN_MINUTES in text and NOW in text


async def test_any_muscle_over_ten_minutes_is_answered_at_once(bot):
    await bot.start()
    foot_over_10 = await log(bot, ("cd:1---", "cd:10--", "cd:102-", "cd:1022"))
    assert TEN_MINUTES in foot_over_10.text and NOW in foot_over_10.text
    hand_short = await log(bot, ("cd:4---", "cd:40--", "cd:401-", "cd:4012"))
    assert "10 minutes" not in hand_short.text


async def test_tagging_new_medicine_answers_with_the_causes_advice(bot):
    await bot.start()
    summary = await log(bot, ("cd:1---", "cd:10--", "cd:100-", "cd:1002"))
    number = entry_id(summary)
    answers = await bot.press(summary, f"ce:t4:{number}")  # 💊 new medicine on
    assert len(answers) == 1
    advice = answers[0].text
    assert "stop taking the statin" in advice and NOW in advice
    assert "cola-coloured urine" in advice
    assert "Ask the prescriber or a pharmacist" in advice
    assert "Get medical help the same day." in advice
    # The same sign texts as /causes shows.
    causes = await bot.reply("/causes")
    await bot.press(causes, "causes:signs")
    for line in advice.splitlines()[1:]:
        sign = line.removeprefix("• ").split(" Get medical help")[0]
        assert sign in causes.text, sign
    # Turning the tag off, or another tag, sends nothing.
    summary = bot.standin.message(USER, summary.message_id)
    assert await bot.press(summary, f"ce:t4:{number}") == []
    assert await bot.press(bot.standin.message(USER, summary.message_id),
                           f"ce:t0:{number}") == []


def summary(entries) -> str:
    picture = weekly_picture(entries, [], SUNDAY)
    return t.weekly_summary(picture, nights_series(picture.history), load_causes())


def test_a_severe_cramp_fires_a_rule():
    text = summary([night_cramp(THIS_MON, severity=Severity.SEVERE)])
    assert "severe" in text and "Book an appointment with a doctor." in text
    assert "No rule fired" not in summary([night_cramp(THIS_MON, severity=Severity.SEVERE)])
    assert "No rule fired" in summary([night_cramp(THIS_MON, severity=Severity.MODERATE)])


def test_daytime_cramps_count_toward_frequent():
    days = [day_cramp(LAST_MON + timedelta(days=d)) for d in range(3)]
    days += [day_cramp(THIS_MON + timedelta(days=d)) for d in range(3)]
    text = summary(days)
    assert "Cramps on 3 nights or days this week and 3 last week" in text
    assert "MagDaily's rule of thumb" in text


def test_no_rule_fired_rules_nothing_out():
    text = summary([])
    assert "No rule fired this week." in text
    assert "doesn't rule anything out" in text and "/causes" in text
