"""The afternoon water nudge and "🔥 Hot day / 🏃 training" through the real Application:
a dry day, a day with a glass, off by default, the stretch and 19:00 bounds, the
three-a-day cap with a Later, one per local day across replays and a restart, /pause and
/stop, a DST day, hot days, and the check-in's water buttons."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.config import Settings
from bot.runtime.app import attach_runtime, detach_runtime
from tests.helpers import ADMIN, USER

pytestmark = pytest.mark.both_engines

BERLIN = ZoneInfo("Europe/Berlin")
NUDGE = ("💧 An afternoon reminder: a glass of water, if you feel like one? Tap below when "
         "you have had it.")
HOT = ("🔥 Noted for today. On a hot or training day, drink some water before you start, "
       "sip during it and drink again afterwards; thirst and pale yellow urine are good "
       "guides. With heart or kidney disease, or a fluid limit from your doctor, follow "
       "their advice instead.")
CROWDED = ("ℹ️ Your daily tip, morning check-in and evening stretch already take the three "
           "scheduled messages a day, so this reminder does not come while all three are on.")


async def subscribe(bot, *, nudge: bool = True, checkin: str | None = None,
                    stretch: str | None = None) -> None:
    """A Berlin subscriber; the nudge turned on from /settings, the prompts from /diary."""
    await bot.start()
    await bot.reply("/timezone Europe/Berlin")
    if checkin or stretch:
        screen = await bot.reply("/diary")
        for item, at in (("ci", checkin), ("st", stretch)):
            if at:
                await bot.press(screen, f"ds:{item}:menu")
                await bot.press(screen, f"ds:{item}:{at}")
    if nudge:
        panel = await bot.reply("/settings")
        await bot.press(panel, "ws:menu:menu")
        shown = bot.standin.message(USER, panel.message_id)
        assert "🔕 Afternoon reminder: off" in shown.text
        await bot.press(panel, "ws:n:on")
        shown = bot.standin.message(USER, panel.message_id)
        assert "🔔 Afternoon reminder: on" in shown.text


def nudges(bot) -> list[tuple[str, str, datetime | None]]:
    """(local date, status, sent at) of every nudge row."""
    rows = bot.rows("SELECT local_date, status, sent_at FROM deliveries WHERE kind = 'nudge' "
                    "ORDER BY local_date, id")
    return [(day, status, datetime.fromtimestamp(at, UTC) if at else None)
            for day, status, at in rows]


def nudge_messages(bot) -> list:
    return [m for m in bot.standin.messages_to(USER) if m.text == NUDGE]


async def run_until(bot, end: datetime) -> None:
    """One tick an hour, on the hour, up to and including `end`."""
    for _ in range(24 * 40):
        if bot.clock.now() >= end:
            return
        bot.clock.set(bot.clock.now().replace(minute=0, second=0, microsecond=0)
                      + timedelta(hours=1))
        await bot.deliver_due()


async def test_sent_on_a_dry_day_at_15_00_and_not_after_a_glass(bot):
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    await subscribe(bot)
    await run_until(bot, datetime(2026, 11, 25, 13, 0, tzinfo=UTC))
    assert nudge_messages(bot) == []
    await run_until(bot, datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # 15:00 in Berlin
    [nudge] = nudge_messages(bot)
    assert nudges(bot) == [("2026-11-25", "sent", datetime(2026, 11, 25, 14, 0, tzinfo=UTC))]
    assert nudge.callback_data == ["wa:nudge"]
    [count] = await bot.press(nudge, "wa:nudge")
    assert count.text == "💧 1 glass today (250 ml)"
    # The next day a glass at 10:00 means no nudge; the day after is dry again.
    bot.clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    await bot.reply("/water")
    await run_until(bot, datetime(2026, 11, 27, 20, 0, tzinfo=UTC))
    assert [(day, status) for day, status, _ in nudges(bot)] == [
        ("2026-11-25", "sent"), ("2026-11-27", "sent")]
    assert len(nudge_messages(bot)) == 2


async def test_off_by_default(bot):
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await subscribe(bot, nudge=False)
    await run_until(bot, datetime(2026, 11, 27, 20, 0, tzinfo=UTC))
    assert nudges(bot) == [] and nudge_messages(bot) == []
    panel = await bot.reply("/settings")
    await bot.press(panel, "ws:menu:menu")
    shown = bot.standin.message(USER, panel.message_id)
    assert ("🔕 Afternoon reminder: off\nIt is one short message at 15:00, only on a day "
            "with no glass logged by then, and never within 3 hours of your evening stretch "
            "or of 22:00.") in shown.text
    assert "ws:n:on" in shown.callback_data


async def test_turned_off_it_stops(bot):
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await subscribe(bot)
    panel = await bot.reply("/settings")
    await bot.press(panel, "ws:menu:menu")
    await bot.press(panel, "ws:n:off")
    assert "🔕 Afternoon reminder: off" in bot.standin.message(USER, panel.message_id).text
    await run_until(bot, datetime(2026, 11, 26, 20, 0, tzinfo=UTC))
    assert nudges(bot) == []


async def test_a_glass_logged_after_planning_cancels_the_pending_nudge(bot):
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await subscribe(bot)
    bot.clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    await bot.runtime.prompts.tick()  # planned and queued, not sent yet
    assert [status for _, status, _ in nudges(bot)] == ["pending"]
    await bot.reply("/water")
    await bot.runtime.sender.drain_once()
    assert nudge_messages(bot) == []
    assert [status for _, status, _ in nudges(bot)] == ["cancelled"]


async def test_kept_three_hours_clear_of_the_stretch(bot):
    # Stretch at 20:00: the nudge still plans for 15:00, and may go out until 17:00.
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await subscribe(bot, stretch="20:00")
    await run_until(bot, datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    assert [(d, s) for d, s, _ in nudges(bot)] == [("2026-11-25", "sent")]
    # The bot is down from 14:30 to 17:30 (Berlin) the next day: 2.5 hours late is inside
    # the grace window, but 17:30 is within 3 hours of the 20:00 stretch.
    bot.clock.set(datetime(2026, 11, 26, 16, 30, tzinfo=UTC))
    await bot.deliver_due()
    assert [(d, s) for d, s, _ in nudges(bot)] == [("2026-11-25", "sent"),
                                                     ("2026-11-26", "missed")]
    assert len(nudge_messages(bot)) == 1


async def test_the_stretch_settings_say_when_it_comes(bot):
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await subscribe(bot, stretch="21:00")
    panel = await bot.reply("/settings")
    await bot.press(panel, "ws:menu:menu")
    assert "one short message at 15:00" in bot.standin.message(USER, panel.message_id).text


class TestALongGraceWindow:
    """With MISSED_GRACE_HOURS=8 a late nudge is still never sent after 19:00."""

    @pytest.fixture
    def settings(self, tmp_path) -> Settings:
        return Settings(token=None, database_path=tmp_path / "bot.sqlite3",
                        admin_ids=frozenset({ADMIN}), missed_grace_hours=8.0)

    async def test_never_after_19_00(self, bot):
        bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
        await subscribe(bot)
        bot.clock.set(datetime(2026, 11, 25, 18, 1, tzinfo=UTC))  # 19:01 in Berlin
        await bot.deliver_due()
        assert nudge_messages(bot) == []
        assert [(d, s) for d, s, _ in nudges(bot)] == [("2026-11-25", "missed")]

    async def test_still_sent_at_18_59(self, bot):
        bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
        await subscribe(bot)
        bot.clock.set(datetime(2026, 11, 25, 17, 59, tzinfo=UTC))  # 18:59 in Berlin
        await bot.deliver_due()
        assert len(nudge_messages(bot)) == 1


async def test_the_cap_a_later_before_it_wins_and_one_after_it_moves(bot):
    from tests.test_later import choose

    bot.clock.set(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))
    await subscribe(bot, checkin="07:00")
    await run_until(bot, datetime(2026, 11, 25, 8, 0, tzinfo=UTC))  # check-in and tip
    tip = next(m for m in bot.standin.messages_to(USER) if "lt:ask" in str(m.callback_data))
    await choose(bot, tip, "hour")  # tip + check-in + Later: the day is full
    await run_until(bot, datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert nudges(bot) == [] and nudge_messages(bot) == []
    assert bot.rows("SELECT status FROM deliveries WHERE kind = 'later'") == [("sent",)]
    # Next day: tip + check-in + the nudge at 15:00; a Later asked for after it moves.
    await run_until(bot, datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
    assert [(d, s) for d, s, _ in nudges(bot)] == [("2026-11-26", "sent")]
    tip = [m for m in bot.standin.messages_to(USER) if "lt:ask" in str(m.callback_data)][-1]
    shown = await choose(bot, tip, "hour")
    assert shown.text.startswith("⏰ I'll send it again tomorrow at 07:00.")


async def test_tip_check_in_and_stretch_leave_no_place_for_it(bot):
    bot.clock.set(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))
    await subscribe(bot, checkin="07:00", stretch="21:00")
    await bot.press(await bot.reply("/diary"), "ds:wk:off")
    await run_until(bot, datetime(2026, 11, 26, 21, 0, tzinfo=UTC))
    assert nudges(bot) == []
    assert len(bot.rows("SELECT 1 FROM deliveries WHERE kind = 'stretch' AND "
                        "status = 'sent'")) == 2


async def test_one_per_local_day_across_a_replayed_tick_and_a_restart(bot):
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await subscribe(bot)
    await run_until(bot, datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    slot = int(datetime(2026, 11, 25, 14, 0, tzinfo=UTC).timestamp())

    async def replay() -> None:  # a crash before the next slot was stored
        async with bot.storage._db.write() as tx:  # either engine: the bot's own write path
            await tx.execute("UPDATE water_settings SET nudge_next_at = ?", (slot,))

    await replay()
    bot.clock.set(datetime(2026, 11, 25, 14, 30, tzinfo=UTC))
    await bot.deliver_due()
    settings = bot.runtime.deps.settings
    await detach_runtime(bot.app)
    bot.runtime = await attach_runtime(bot.app, settings, clock=bot.clock, background=False,
                                       pacer=bot.pacer)
    await replay()
    bot.clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    await bot.deliver_due()
    assert [(d, s) for d, s, _ in nudges(bot)] == [("2026-11-25", "sent")]
    assert len(nudge_messages(bot)) == 1
    await run_until(bot, datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
    assert len(nudge_messages(bot)) == 2


async def test_pause_cancels_a_pending_nudge_and_stop_ends_them(bot):
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await subscribe(bot)
    bot.clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    await bot.runtime.prompts.tick()
    await bot.say("/pause")
    await bot.runtime.sender.drain_once()
    assert nudge_messages(bot) == []
    assert [s for _, s, _ in nudges(bot)] == ["cancelled"]
    await run_until(bot, datetime(2026, 11, 27, 20, 0, tzinfo=UTC))
    assert nudge_messages(bot) == []
    await bot.say("/resume")
    await run_until(bot, datetime(2026, 11, 28, 14, 0, tzinfo=UTC))
    assert len(nudge_messages(bot)) == 1
    await bot.say("/stop")
    await run_until(bot, datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    assert len(nudge_messages(bot)) == 1


async def test_15_00_local_on_both_sides_of_the_spring_dst_change(bot):
    # Berlin moves to summer time at 01:00 UTC on Sun 29 Mar 2026.
    bot.clock.set(datetime(2026, 3, 26, 20, 0, tzinfo=UTC))
    await subscribe(bot)
    await run_until(bot, datetime(2026, 3, 30, 20, 0, tzinfo=UTC))
    sent = [(d, at) for d, s, at in nudges(bot) if s == "sent"]
    assert [d for d, _ in sent] == ["2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30"]
    assert {at.astimezone(BERLIN).time() for _, at in sent} == {time(15, 0)}
    assert [at.hour for _, at in sent] == [14, 14, 13, 13]


async def test_hot_day_on_the_check_in_turns_that_days_nudge_on(bot, caplog):
    caplog.set_level(logging.DEBUG)
    bot.clock.set(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))
    await subscribe(bot, nudge=False, checkin="07:00")
    await run_until(bot, datetime(2026, 11, 25, 7, 0, tzinfo=UTC))  # 08:00 Berlin
    checkin = next(m for m in bot.standin.messages_to(USER) if "Any cramps" in m.text)
    assert "ws:hot:hot" in checkin.callback_data
    [answer] = await bot.press(checkin, "ws:hot:hot")
    assert answer.text == HOT + "\n🔔 If no glass is logged by 15:00, I will send one " \
                                "reminder then."
    [again] = await bot.press(checkin, "ws:hot:hot")  # twice is harmless
    assert again.text == answer.text
    assert bot.rows("SELECT local_date FROM water_hot_days") == [("2026-11-25",)]
    assert bot.standin.message(USER, checkin.message_id).callback_data == \
        checkin.callback_data  # the check-in keeps its buttons
    await run_until(bot, datetime(2026, 11, 26, 20, 0, tzinfo=UTC))
    assert [(d, s) for d, s, _ in nudges(bot)] == [("2026-11-25", "sent")]  # that day only
    # Nothing stays planned for a setting that is off (the tick's due index stays small).
    assert bot.rows("SELECT nudge, nudge_next_at FROM water_settings") == [(0, None)]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert "hot" not in logged.lower() and "2026-11-25" not in logged


async def test_hot_day_with_a_glass_from_the_check_in_sends_no_nudge(bot):
    bot.clock.set(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))
    await subscribe(bot, nudge=False, checkin="07:00")
    await run_until(bot, datetime(2026, 11, 25, 7, 0, tzinfo=UTC))
    checkin = next(m for m in bot.standin.messages_to(USER) if "Any cramps" in m.text)
    await bot.press(checkin, "ws:hot:hot")
    [count] = await bot.press(checkin, "wa:checkin")
    assert count.text == "💧 1 glass today (250 ml)"
    assert bot.rows("SELECT local_date, ml FROM water_glasses") == [("2026-11-25", 250)]
    await run_until(bot, datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert nudges(bot) == []


async def test_water_hot_and_words_it_does_not_know(bot):
    bot.clock.set(datetime(2026, 11, 25, 16, 0, tzinfo=UTC))  # 17:00 Berlin: 15:00 passed
    await subscribe(bot, nudge=False)
    assert (await bot.reply("/water hot")).text == HOT  # no reminder promised any more
    assert bot.rows("SELECT local_date FROM water_hot_days") == [("2026-11-25",)]
    assert (await bot.reply("/water lots")).text == (
        "💧 /water logs one glass for today. /water hot marks today as a hot or training "
        "day.")
    assert bot.rows("SELECT count(*) FROM water_glasses") == [(0,)]
    await run_until(bot, datetime(2026, 11, 26, 20, 0, tzinfo=UTC))
    assert nudges(bot) == []


async def test_mydata_export_forget_and_retention_cover_the_new_rows(bot):
    bot.clock.set(datetime(2026, 1, 15, 8, 0, tzinfo=UTC))
    await subscribe(bot)
    await bot.reply("/water hot")
    bot.clock.set(datetime(2026, 4, 15, 8, 0, tzinfo=UTC))
    await bot.reply("/water hot")
    mine = await bot.reply("/mydata")
    assert "• Afternoon reminder: on\n• Hot or training days: 2" in mine.text
    files = await bot.say("/export")
    settings = next(f for f in files if f.file_name == "settings-and-profile.csv")
    rows = dict(csv.reader(io.StringIO(settings.file_bytes.decode("utf-8"))))
    assert rows["water_nudge"] == "on"
    assert rows["water_hot_days"] == "2026-01-15;2026-04-15"
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:rt:24")
    await bot.press(screen, "ds:rt:3")
    bot.clock.set(datetime(2026, 4, 16, 9, 0, tzinfo=UTC))
    await bot.deliver_due()  # 3 months: the January hot day goes
    assert bot.rows("SELECT local_date FROM water_hot_days") == [("2026-04-15",)]
    confirm = await bot.reply("/forget")
    await bot.press(confirm, "forget:yes")
    assert bot.rows("SELECT count(*) FROM water_hot_days") == [(0,)]
    assert bot.rows("SELECT count(*) FROM water_settings") == [(0,)]


async def test_the_water_actions_stay_in_private_chats(bot):
    group = -5005
    await bot.start(group, chat_type="group")
    answer = await bot.reply("/water hot", chat_id=group, chat_type="group")
    assert answer.text.startswith("🔒 The water log is private")
    assert bot.rows("SELECT count(*) FROM water_hot_days") == [(0,)]


async def test_a_queued_nudge_the_sender_could_not_send_in_its_window_is_dropped(bot):
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await subscribe(bot, stretch="20:00")  # the window closes at 17:00
    bot.clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    await bot.runtime.prompts.tick()  # queued at 15:00; then Telegram is out of reach
    bot.clock.set(datetime(2026, 11, 25, 16, 1, tzinfo=UTC))  # 17:01: inside the grace
    await bot.runtime.sender.drain_once()
    assert nudge_messages(bot) == []
    assert [s for _, s, _ in nudges(bot)] == ["missed"]


async def test_the_settings_say_when_tip_check_in_and_stretch_leave_it_no_place(bot):
    bot.clock.set(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))
    await subscribe(bot, checkin="07:00", stretch="21:00")
    panel = await bot.reply("/settings")
    await bot.press(panel, "ws:menu:menu")
    assert CROWDED in bot.standin.message(USER, panel.message_id).text
    await run_until(bot, datetime(2026, 11, 26, 20, 0, tzinfo=UTC))
    assert nudges(bot) == []  # what the line says is what happens
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:st:menu")
    await bot.press(screen, "ds:st:off")
    await bot.press(panel, "ws:menu:menu", strict=False)
    assert CROWDED not in bot.standin.message(USER, panel.message_id).text
    await run_until(bot, datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
    assert [(d, s) for d, s, _ in nudges(bot)] == [("2026-11-27", "sent")]
