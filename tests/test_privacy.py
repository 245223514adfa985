"""/mydata shows a chat everything stored about it; /forget deletes all of it, and only it."""

from __future__ import annotations

import pytest

from bot.ui import texts
from tests.helpers import OTHER_USER, USER
from tests.test_need import walk_need

pytestmark = pytest.mark.both_engines


async def chat_id_tables(bot) -> list[str]:
    """Every table with a chat_id column, read from the schema so new tables count too."""
    return bot.tables_with("chat_id")


async def rows_per_table(bot, chat_id: int) -> dict[str, int]:
    counts = {}
    for table in await chat_id_tables(bot):
        # Table names come from the schema, not from input.
        rows = bot.rows(
            f'SELECT count(*) FROM "{table}" WHERE chat_id = ?', (chat_id,))
        counts[table] = rows[0][0]
    return counts


async def full_history(bot, chat_id: int) -> None:
    """A subscriber with something in every table: tips, a daily tip, a need, votes."""
    await bot.start(chat_id)
    await bot.reply("/tip", chat_id=chat_id)
    await bot.reply("/tip", chat_id=chat_id)
    tips = bot.rows(
        "SELECT tip_id FROM deliveries WHERE chat_id = ? ORDER BY id", (chat_id,))
    await bot.storage.rotation.set_vote(chat_id, tips[0][0], 1, bot.clock.now())
    await bot.storage.rotation.set_vote(chat_id, tips[1][0], -1, bot.clock.now())


async def test_mydata_lists_everything_stored_in_plain_words(bot):
    await full_history(bot, USER)
    await full_history(bot, OTHER_USER)
    await walk_need(bot, "31-50", "female", "none")
    bot.clock.advance(hours=1)  # 09:00 UTC: the daily tip goes out
    await bot.deliver_due()
    text = (await bot.reply("/mydata")).text
    for line in (
        f"Chat id: {USER}",
        "Status: ✅ daily tips on",
        "Daily tip time: 09:00",
        "Time zone: UTC",
        "Topics: ",
        "Paused until: not paused",
        "Daily magnesium need: 320 mg a day (31–50 years, female)",
        "Subscribed since: 2026-11-25 08:00",
        "tips you asked for, sent: 2",
        "daily tips, sent: 1",
        "2026-11-25 09:00 — daily tip, sent",
        "2026-11-25 08:00 — tip you asked for, sent",
        "Your votes on tips: 1 helpful, 1 not for me",
        "Tips marked as seen (so you don’t get repeats): 3",
        "/forget",
    ):
        assert line in text, line
    assert str(OTHER_USER) not in text


async def test_mydata_dates_are_in_the_chats_time_zone(bot):
    await bot.start()
    await bot.reply("/timezone Europe/Berlin")
    await bot.reply("/tip")
    text = (await bot.reply("/mydata")).text
    assert "Subscribed since: 2026-11-25 09:00" in text  # 08:00 UTC is 09:00 in Berlin
    assert "2026-11-25 09:00 — tip you asked for, sent" in text


async def test_mydata_for_a_stranger_says_nothing_is_stored(bot):
    await bot.reply("/tip", chat_id=OTHER_USER)  # a guest's tip is not recorded
    assert (await bot.reply("/mydata", chat_id=OTHER_USER)).text == texts.mydata_nothing()
    assert (await bot.reply("/forget", chat_id=OTHER_USER)).text == texts.forget_nothing()


async def test_forget_no_keeps_everything(bot):
    await full_history(bot, USER)
    before = await rows_per_table(bot, USER)
    question = await bot.reply("/forget")
    assert question.callback_data == ["forget:yes", "forget:no"]
    assert "cannot be undone" in question.text
    assert await bot.press(question, "forget:no") == []
    assert question.text == texts.forget_kept() and question.callback_data == []
    assert await rows_per_table(bot, USER) == before


async def test_forget_yes_deletes_every_row_about_the_chat_and_nothing_else(bot):
    await full_history(bot, USER)
    await walk_need(bot, "19-30", "male", "none")
    await full_history(bot, OTHER_USER)
    tables = await chat_id_tables(bot)
    assert {"subscribers", "deliveries", "feedback"} <= set(tables)
    mine = await rows_per_table(bot, USER)
    assert all(mine[t] > 0 for t in ("subscribers", "deliveries", "feedback"))
    assert bot.rows("SELECT cycle_seen != '' FROM subscribers WHERE chat_id = ?", (USER,)) == [
        (1,)]  # the rotation's seen list lives on the row that /forget deletes
    others = await rows_per_table(bot, OTHER_USER)

    question = await bot.reply("/forget")
    assert await bot.press(question, "forget:yes") == []
    assert question.text == texts.forget_done() and question.callback_data == []

    assert await rows_per_table(bot, USER) == dict.fromkeys(tables, 0)
    assert await rows_per_table(bot, OTHER_USER) == others
    assert (await bot.reply("/mydata")).text == texts.mydata_nothing()
    # An old confirmation pressed again finds nothing to delete.
    assert await bot.press(question, "forget:yes", strict=False) == []
    assert question.text == texts.forget_nothing()


async def test_a_forgotten_chat_gets_no_more_daily_tips(bot):
    await bot.start()
    await bot.start(OTHER_USER)
    question = await bot.reply("/forget")
    await bot.press(question, "forget:yes")
    bot.clock.advance(hours=1)
    await bot.deliver_due()
    # /start (welcome and the zone question) and the /forget question
    assert len(bot.standin.messages_to(USER)) == 3
    assert len(bot.standin.messages_to(OTHER_USER)) == 3  # /start's two and today's tip


async def test_start_after_forget_begins_from_scratch(bot):
    await full_history(bot, USER)
    await walk_need(bot, "51+", "female", "none")
    question = await bot.reply("/forget")
    await bot.press(question, "forget:yes")
    assert "Welcome to MagDaily" in (await bot.start()).text
    sub = await bot.subscriber()
    assert sub.need_mg is None and sub.need_profile is None
    assert (await rows_per_table(bot, USER))["deliveries"] == 0


async def test_unknown_forget_data_is_refused_politely(bot):
    await bot.start()
    question = await bot.reply("/forget")
    assert await bot.press(question, "forget:maybe", strict=False) == []
    assert bot.standin.answered_callbacks[-1].text == texts.button_expired()
    assert await bot.subscriber() is not None
