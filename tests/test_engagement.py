"""Reactions under tips, "another tip", and pausing — as a subscriber would use them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.ui import texts
from tests.helpers import USER
from tips.catalog import load_catalog

pytestmark = pytest.mark.both_engines


def tip_id_of(message) -> str:
    data = [d for d in message.callback_data if d.startswith("fb:up:")]
    assert data, message.callback_data
    return data[0].removeprefix("fb:up:")


async def test_every_tip_carries_reactions_within_64_bytes(bot):
    await bot.start()
    answer = await bot.reply("/tip")
    assert [d.split(":")[1] for d in answer.callback_data] == ["up", "down", "more", "-",
                                                                "tip"]
    assert answer.inline_keyboard[-1] == [{"text": "📝 Log a cramp", "callback_data": "cl:-"},
                                          {"text": "💧 +1 glass", "callback_data": "wa:tip"}]
    for tip in load_catalog():
        for action in ("up", "down", "more"):
            assert len(f"fb:{action}:{tip.id}".encode()) <= 64


async def test_a_thumbs_down_tip_never_comes_back(bot):
    await bot.start()
    first = await bot.reply("/tip")
    disliked = tip_id_of(first)
    await bot.press(first, f"fb:down:{disliked}")
    assert bot.standin.answered_callbacks[-1].text == texts.vote_down()
    catalog_size = len(load_catalog())
    served = []
    # the daily tips over two weeks
    daily = await bot.deliver_days(datetime(2026, 11, 26, 9, 1, tzinfo=UTC), 14)
    served += [tip_id_of(m) for m in daily]
    # and more than a whole cycle of /tip, 8 a day (inside the shared limit of 10)
    for _ in range(catalog_size + 5):
        bot.clock.advance(seconds=3 * 3600)
        served.append(tip_id_of(await bot.reply("/tip")))
    assert disliked not in served
    assert len(set(served)) == catalog_size - 1


async def test_changing_a_vote_replaces_it(bot):
    await bot.start()
    message = await bot.reply("/tip")
    tip_id = tip_id_of(message)
    await bot.press(message, f"fb:up:{tip_id}")
    assert bot.standin.answered_callbacks[-1].text == texts.vote_up()
    await bot.press(message, f"fb:down:{tip_id}")
    await bot.press(message, f"fb:up:{tip_id}")
    rows = bot.rows("SELECT chat_id, tip_id, vote FROM feedback")
    assert rows == [(USER, tip_id, 1)]


def reaction_labels(message) -> list[str]:
    return [button["text"] for button in message.inline_keyboard[0]]


async def test_the_vote_shows_on_its_own_tip_and_nowhere_else(bot):
    await bot.start()
    message = await bot.reply("/tip")
    tip_id = tip_id_of(message)
    await bot.press(message, f"fb:up:{tip_id}")
    assert reaction_labels(message) == ["👍 Helpful ✓", "👎 Not for me", "➕ Another tip"]
    await bot.press(message, f"fb:down:{tip_id}")
    assert reaction_labels(message) == ["👍 Helpful", "👎 Not for me ✓", "➕ Another tip"]
    await bot.press(message, f"fb:down:{tip_id}")  # the same button again clears the vote
    assert reaction_labels(message) == ["👍 Helpful", "👎 Not for me", "➕ Another tip"]
    await bot.press(message, f"fb:up:{tip_id}")
    # the next tips, on demand and daily, carry no one's vote
    assert reaction_labels(await bot.reply("/tip")) == [
        "👍 Helpful", "👎 Not for me", "➕ Another tip"]
    bot.clock.set(datetime(2026, 11, 26, 9, 1, tzinfo=UTC))
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    daily = bot.standin.messages_to(USER)[before:]
    assert daily and reaction_labels(daily[-1]) == [
        "👍 Helpful", "👎 Not for me", "➕ Another tip"]
    assert reaction_labels(message) == ["👍 Helpful ✓", "👎 Not for me", "➕ Another tip"]


async def test_another_tip_is_limited_per_local_day(bot):
    await bot.start()
    message = await bot.reply("/tip")
    for _ in range(10 - 1):  # /tip and ➕ share 10 a day; /tip took one
        answers = await bot.press(message, f"fb:more:{tip_id_of(message)}")
        assert len(answers) == 1 and "Source:" in answers[0].text
        message = answers[0]
    answers = await bot.press(message, f"fb:more:{tip_id_of(message)}")
    assert answers == []
    assert "all the extra tips for today" in bot.standin.answered_callbacks[-1].text
    assert "09:00" in bot.standin.answered_callbacks[-1].text
    bot.clock.set(datetime(2026, 11, 26, 0, 0, 5, tzinfo=UTC))  # the next local day
    answers = await bot.press(message, f"fb:more:{tip_id_of(message)}")
    assert len(answers) == 1
    rows = bot.rows(
        "SELECT count(*) FROM deliveries WHERE kind = 'another' AND status = 'sent'")
    assert rows == [(10 - 1 + 1,)]


async def test_buttons_on_a_retired_or_unknown_tip_answer_politely(bot):
    await bot.start()
    message = await bot.reply("/tip")
    tip_id = tip_id_of(message)
    await bot.storage.tips.set_retired(tip_id, True, bot.clock.now())
    await bot.runtime.deps.feed.refresh()
    await bot.press(message, f"fb:up:{tip_id}")
    assert bot.standin.answered_callbacks[-1].text == texts.vote_retired()
    answers = await bot.press(message, f"fb:more:{tip_id}")
    assert len(answers) == 1 and tip_id_of(answers[0]) != tip_id
    bot.standin.message(USER, message.message_id).reply_markup = {
        "inline_keyboard": [[{"text": "x", "callback_data": "fb:up:no-such-tip"}]]}
    await bot.press(message, "fb:up:no-such-tip")
    assert bot.standin.answered_callbacks[-1].text == texts.tip_gone()


async def _daily_dates(bot, days: int) -> list[date]:
    got = []
    for day in range(days):
        bot.clock.set(datetime(2026, 11, 25, 9, 1, tzinfo=UTC) + timedelta(days=day))
        before = len(bot.standin.messages_to(USER))
        await bot.deliver_due()
        if len(bot.standin.messages_to(USER)) > before:
            got.append(bot.clock.now().date())
    return got


async def test_pause_skips_exactly_the_paused_days_then_resumes_by_itself(bot):
    await bot.start()  # 08:00 UTC; today's 09:00 tip is still ahead
    answer = await bot.reply("/pause 3")
    wording = "no tips until Fri 27 Nov; they resume Sat 28 Nov"
    assert "Paused for 3 days" in answer.text and wording in answer.text
    settings = await bot.reply("/settings")
    assert wording in settings.text  # one wording for /pause and /settings
    got = await _daily_dates(bot, 7)
    assert got == [date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30),
                   date(2026, 12, 1)]
    assert (await bot.subscriber()).status == "active"


async def test_pause_after_todays_tip_starts_tomorrow(bot):
    await bot.start()
    assert await _daily_dates(bot, 1) == [date(2026, 11, 25)]
    await bot.reply("/pause 2")
    got = await _daily_dates(bot, 5)
    assert got == [date(2026, 11, 28), date(2026, 11, 29)]  # 26 and 27 skipped


async def test_resume_ends_a_pause_early_and_bad_input_is_explained(bot):
    await bot.start()
    expected = "Give the number of days from 1 to 90, e.g. /pause 7."
    assert (await bot.reply("/pause 0")).text == expected
    assert (await bot.reply("/pause lots")).text.startswith("Give the number of days")
    assert (await bot.reply("/resume")).text == texts.not_paused()
    await bot.reply("/pause")  # default 7 days
    assert (await bot.subscriber()).status == "paused"
    answer = await bot.reply("/resume")
    assert "Daily tips are on" in answer.text
    assert await _daily_dates(bot, 2) == [date(2026, 11, 25), date(2026, 11, 26)]
    await bot.reply("/stop")
    assert (await bot.reply("/pause 3")).text == texts.pause_when_stopped()
