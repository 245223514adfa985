"""ALLOW_PAID_BROADCAST: bulk sends carry Telegram's allow_paid_broadcast, replies never do.

Checked at the Bot API stand-in, on the parameters of every sendMessage it received: daily
tips and admin broadcasts (outbox rows) are paid, a user's own answers stay free.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bench.fixtures import NewSubscriber, add_subscribers
from bot.core.config import Settings
from tests.helpers import ADMIN, USER, settings_for
from tips.catalog import TOPICS

pytestmark = pytest.mark.both_engines

DUE = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CHATS = list(range(30_000, 30_040))


def is_paid(message) -> bool:
    return message.allow_paid_broadcast


@pytest.fixture
def settings(database, tmp_path, request) -> Settings:
    paid = getattr(request, "param", True)
    return settings_for(database, tmp_path, admin_ids=frozenset({ADMIN}),
                        allow_paid_broadcast=paid,
                        send_rate_per_second=1000.0 if paid else 25.0)


async def _daily_tips(bot) -> list:
    await add_subscribers(bot.storage,
        [NewSubscriber(c, time(9), "UTC", tuple(TOPICS), DUE) for c in CHATS], bot.clock.now())
    bot.clock.set(DUE + timedelta(seconds=30))
    await bot.deliver_due()
    return [m for m in bot.standin.sent if m.chat_id in set(CHATS)]


async def test_daily_tips_are_sent_as_paid_broadcasts(bot):
    tips = await _daily_tips(bot)
    assert len(tips) == len(CHATS)
    assert all(is_paid(m) for m in tips)
    assert dict(bot.rows(
        "SELECT status, count(*) FROM deliveries GROUP BY status")) == {"sent": len(CHATS)}


async def test_replies_to_a_user_are_never_paid(bot):
    answers = [*await bot.say("/start"), *await bot.say("/tip"), *await bot.say("/help")]
    assert answers, "the bot answered"
    assert not any(is_paid(m) for m in answers)
    assert not any(is_paid(m) for m in bot.standin.messages_to(USER))


async def test_a_broadcast_is_paid_but_the_admin_dialogue_is_not(bot):
    await add_subscribers(bot.storage,
        [NewSubscriber(c, time(9), "UTC", tuple(TOPICS), DUE + timedelta(days=1))
         for c in CHATS], bot.clock.now())
    preview = await bot.say("/broadcast Hello everyone", chat_id=ADMIN)
    await bot.press(preview[1], preview[1].callback_data[0])
    stats = await bot.runtime.sender.drain_once()
    delivered = [m for m in bot.standin.sent if m.chat_id in set(CHATS)]
    assert len(delivered) == len(CHATS) and all("Hello everyone" in m.text for m in delivered)
    assert all(is_paid(m) for m in delivered)
    assert (stats.sent, stats.paid) == (len(CHATS), len(CHATS))  # the drain's own count
    assert not any(is_paid(m) for m in bot.standin.messages_to(ADMIN))


@pytest.mark.parametrize("settings", [False], indirect=True)
async def test_without_the_setting_nothing_is_paid(bot):
    tips = await _daily_tips(bot)
    assert len(tips) == len(CHATS)
    assert not any(is_paid(m) for m in tips)


# /stats shows the paid sends while the setting is on


async def test_stats_count_paid_sends_only_while_the_setting_is_on(bot):
    tips = await _daily_tips(bot)
    await bot.start()
    await bot.reply("/tip")  # a reply: free, never counted
    assert bot.rows("SELECT kind, status FROM deliveries WHERE chat_id = ?", (USER,)) == [
        ("on_demand", "sent")]
    text = (await bot.reply("/stats", chat_id=ADMIN)).text
    assert f"Paid sends today: {len(tips)} · last 7 days: {len(tips)}" in text
    bot.clock.advance(days=1)
    text = (await bot.reply("/stats", chat_id=ADMIN)).text
    assert f"Paid sends today: 0 · last 7 days: {len(tips)}" in text
    bot.clock.advance(days=7)
    assert "Paid sends today: 0 · last 7 days: 0" in (await bot.reply("/stats",
                                                                      chat_id=ADMIN)).text


@pytest.mark.parametrize("settings", [False], indirect=True)
async def test_stats_say_nothing_of_paid_sends_without_the_setting(bot):
    await _daily_tips(bot)
    text = (await bot.reply("/stats", chat_id=ADMIN)).text
    assert "Tips sent today: 40" in text
    assert "paid" not in text.lower()
