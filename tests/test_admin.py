"""Admin tools through the real Application and the Bot API stand-in."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, time

import pytest
from telegram import Update

from bench.fixtures import NewSubscriber, add_subscribers
from bot.delivery.message_edit import ProgressMessages
from bot.ui import texts
from bot.ui.outbox import broadcast_progress
from tests.helpers import ADMIN, USER, ten_percent_faults
from tips.catalog import TOPICS

pytestmark = pytest.mark.both_engines

ADMIN_COMMANDS = ["/broadcast hello", "/broadcasts", "/cancel 1", "/newtip foods x | y",
                  "/tips", "/retire food-001", "/stats"]


async def test_non_admins_see_nothing_of_admin_commands(bot, caplog):
    caplog.set_level(logging.WARNING)
    for command in ADMIN_COMMANDS:
        answer = await bot.reply(command)
        name = command.split()[0]
        # Exactly what a command that does not exist gets: "I don't know" (at most a
        # "did you mean" of a public command), never a word of the admin tool.
        assert answer.text.startswith("I don’t know"), command
        assert f"{name} —" not in answer.text and "Admin" not in answer.text, command
        assert all(not d.startswith(("bc:", "nt:")) for d in answer.callback_data)
    refusals = [r for r in caplog.records if "admin command refused" in r.getMessage()]
    assert len(refusals) == len(ADMIN_COMMANDS)
    assert all(f"user_id={USER}" in r.getMessage() for r in refusals)
    public = {c["command"] for c in bot.standin.visible_commands(USER)}
    admin_menu = {c["command"] for c in bot.standin.visible_commands(ADMIN)}
    assert "broadcast" not in public and "stats" not in public
    assert {"broadcast", "broadcasts", "cancel", "newtip", "tips", "retire", "stats"} \
        <= admin_menu
    assert public <= admin_menu
    assert bot.rows("SELECT count(*) FROM broadcasts") == [(0,)]


async def test_a_forged_admin_button_from_a_non_admin_does_nothing(bot):
    await bot.start(ADMIN)
    await bot.say("/broadcast Hello", chat_id=ADMIN)
    confirm = bot.standin.last_message(ADMIN)
    welcome = await bot.start()
    bot.standin.message(USER, welcome.message_id).reply_markup = {
        "inline_keyboard": [[{"text": "x", "callback_data": confirm.callback_data[0]}]]}
    await bot.press(welcome, confirm.callback_data[0])
    assert bot.standin.answered_callbacks[-1].text == texts.button_expired()
    assert bot.rows("SELECT status FROM broadcasts") == [("draft",)]
    assert bot.rows("SELECT count(*) FROM deliveries") == [(0,)]


@pytest.mark.parametrize(("text", "reason"), [
    ("x" * 4097, "4097 characters"),
    ("<b>bold", "never closed"),
    ("<script>alert(1)</script>", "not supported"),
    ("5 < 6", "bare “<”"),
])
async def test_overlong_or_malformed_broadcast_is_refused_and_nothing_queued(bot, text, reason):
    await bot.start()
    answer = await bot.reply(f"/broadcast {text}", chat_id=ADMIN)
    assert answer.text.startswith("🚫 Not queued") and reason in answer.text
    assert bot.rows("SELECT count(*) FROM broadcasts") == [(0,)]
    assert bot.rows("SELECT count(*) FROM deliveries") == [(0,)]


async def _subscribers(bot, count: int, blocked: set[int] = frozenset(),
                       inactive: set[int] = frozenset()) -> list[int]:
    chats = list(range(20_000, 20_000 + count))
    due = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    rows = [NewSubscriber(c, time(9), "UTC", tuple(TOPICS), due,
                          status="stopped" if c in inactive else "active") for c in chats]
    await add_subscribers(bot.storage, rows, bot.clock.now())
    for chat in blocked:
        bot.standin.chat_not_found(chat) if chat % 2 else bot.standin.user_blocks(chat)
    return chats


async def _drain_until_done(bot, rounds: int = 50) -> None:
    """Drain, move the clock past retry backoffs, repeat (bounded)."""
    for _ in range(rounds):
        await bot.runtime.sender.drain_once()
        if await bot.storage.outbox.next_pending_due() is None:
            return
        bot.clock.advance(minutes=11)
    raise AssertionError("outbox never drained")


async def test_broadcast_to_5000_with_faults_reaches_everyone_once(bot):
    chats = await _subscribers(bot, 5000, blocked={20_010, 20_011, 20_500, 20_501},
                               inactive={20_100, 20_101})
    while bot.standin.next_update_nowait():  # user_blocks queued my_chat_member updates
        pass
    # Roughly 10 % of sends fail: 429 with retry_after, 502, and timeouts.
    faults = ten_percent_faults(5, retry_after=2, spare=frozenset({ADMIN}))

    preview = await bot.say("/broadcast <b>Big news</b>: new tips are coming!", chat_id=ADMIN)
    assert next(m.text for m in preview) == "Big news: new tips are coming!"
    confirm = preview[1]
    assert "Send it to 4,998 active subscribers?" in confirm.text
    bot.standin.fault_policy = faults
    await bot.press(confirm, confirm.callback_data[0])
    progress = bot.standin.message(ADMIN, confirm.message_id)
    assert "Broadcast #1" in progress.text and "sending" in progress.text
    assert progress.callback_data == ["bc:stop:1"]

    await _drain_until_done(bot)
    editor = ProgressMessages(bot.app.bot, broadcast_progress)
    await bot.runtime.deps.broadcasts.report_all(editor.edit)

    delivered = Counter(m.chat_id for m in bot.standin.sent
                        if m.chat_id != ADMIN and "Big news" in m.text)
    active = set(chats) - {20_100, 20_101, 20_010, 20_011, 20_500, 20_501}
    assert set(delivered) == active and set(delivered.values()) == {1}
    assert bot.pacer.pauses, "the 429s paused sending"
    assert set(bot.pacer.pauses) == {2}
    counts = dict(bot.rows(
        "SELECT status, count(*) FROM deliveries WHERE broadcast_id = 1 GROUP BY status"))
    assert counts == {"sent": len(active), "blocked": 4}
    final = bot.standin.message(ADMIN, confirm.message_id).text
    assert "finished" in final
    assert f"sent {len(active):,}" in final and "blocked 4" in final
    assert f"Final report: {len(active):,} of {len(active) + 4:,} delivered." in final
    assert (bot.rows("SELECT status FROM broadcasts")) == [("done",)]
    listing = (await bot.reply("/broadcasts", chat_id=ADMIN)).text
    assert "#1 · ✅ done · Wed 25 Nov 08:00" in listing  # admin's zone: the default, UTC
    assert f"✅ {len(active):,} sent" in listing


async def test_cancel_stops_what_has_not_been_sent(bot):
    await _subscribers(bot, 50)
    preview = await bot.say("/broadcast Hello everyone", chat_id=ADMIN)
    await bot.press(preview[1], preview[1].callback_data[0])
    answers = await bot.reply("/cancel 1", chat_id=ADMIN)
    assert "cancelled; 50 messages will not be sent" in answers.text
    await bot.runtime.sender.drain_once()
    assert not [m for m in bot.standin.sent if "Hello everyone" in m.text and m.chat_id != ADMIN]
    assert dict(bot.rows(
        "SELECT status, count(*) FROM deliveries GROUP BY status")) == {"cancelled": 50}
    assert "no running broadcast" in (await bot.reply("/cancel 1", chat_id=ADMIN)).text


async def test_discarding_a_draft_sends_nothing(bot):
    await _subscribers(bot, 5)
    preview = await bot.say("/broadcast Maybe not", chat_id=ADMIN)
    await bot.press(preview[1], preview[1].callback_data[1])
    assert "discarded" in bot.standin.message(ADMIN, preview[1].message_id).text
    await bot.runtime.sender.drain_once()
    assert bot.rows("SELECT count(*) FROM deliveries") == [(0,)]


async def test_broadcast_as_reply_keeps_formatting(bot):
    await _subscribers(bot, 3)
    update = bot.standin.user_sends(ADMIN, "Drink water today")
    bot.standin.next_update_nowait()
    message = update["message"]
    message["entities"] = [{"type": "bold", "offset": 0, "length": 5}]
    await bot.app.process_update(Update.de_json(update, bot.app.bot))
    reply_update = bot.standin.user_sends(ADMIN, "/broadcast")
    bot.standin.next_update_nowait()
    reply_update["message"]["reply_to_message"] = message
    await bot.app.process_update(Update.de_json(reply_update, bot.app.bot))
    preview = bot.standin.messages_to(ADMIN)[-2]
    assert preview.raw_text == "<b>Drink</b> water today"


async def test_newtip_is_validated_stored_rotated_and_can_be_broadcast(bot):
    await bot.start()
    bad = await bot.reply("/newtip snacks Eat well | me", chat_id=ADMIN)
    assert "unknown topic" in bad.text.lower()
    missing = (await bot.reply("/newtip foods no source", chat_id=ADMIN)).text
    assert "the source is missing" in missing and "| NIH" in missing  # what, and an example
    long = await bot.reply("/newtip foods " + "x" * 700 + " | NIH", chat_id=ADMIN)
    assert "600" in long.text
    saved = await bot.reply(
        "/newtip rest Stretch gently after a long walk. | MagDaily editors", chat_id=ADMIN)
    assert "Saved as adm-001" in saved.text and "Stretch gently" in saved.text
    assert saved.callback_data == ["nt:bc:adm-001"]
    stored = await bot.storage.tips.get("adm-001")
    assert stored.origin == "admin" and stored.tip.topic == "rest"
    served = set()
    for _ in range(90):
        bot.clock.advance(seconds=3 * 3600)  # inside the shared limit of 10 tips a day
        served.add((await bot.reply("/tip")).text)
        if any("Stretch gently" in text for text in served):
            break
    assert any("Stretch gently" in text for text in served), "new tip joins the rotation"
    answers = await bot.press(saved, "nt:bc:adm-001")
    assert "Stretch gently" in answers[0].text and "Send it to 1 active subscriber?" in \
        answers[1].text


async def test_tips_list_and_retire(bot):
    await bot.start()
    tip_message = await bot.reply("/tip")
    tip_id = next(d for d in tip_message.callback_data if d.startswith("fb:up:"))[6:]
    await bot.press(tip_message, f"fb:up:{tip_id}")
    listing = await bot.say("/tips", chat_id=ADMIN)
    joined = "\n".join(m.text for m in listing)
    assert all(len(m.text) <= 4096 for m in listing)
    assert f"{tip_id}" in joined and "👍1 👎0" in joined
    assert "87 tips" in joined
    foods_only = "\n".join(m.text for m in await bot.say("/tips foods", chat_id=ADMIN))
    assert "hyd-001" not in foods_only and "food-001" in foods_only
    assert "Unknown topic" in (await bot.reply("/tips snacks", chat_id=ADMIN)).text
    answer = await bot.reply("/retire hyd-001", chat_id=ADMIN)
    assert "out of the rotation" in answer.text
    assert (await bot.storage.tips.get("hyd-001")).retired
    assert "no active tip" in (await bot.reply("/retire hyd-001", chat_id=ADMIN)).text
    for _ in range(80):  # 8 a day, inside the shared limit of 10 tips a day
        bot.clock.advance(seconds=3 * 3600)
        assert "hyd-001" not in (await bot.reply("/tip")).callback_data[0]


async def test_stats_match_the_database(bot):
    await bot.start()
    await bot.start(USER + 1)
    await bot.reply("/stop", chat_id=USER + 1)
    await bot.start(USER + 2)
    await bot.reply("/pause 3", chat_id=USER + 2)
    await _subscribers(bot, 3, blocked={20_001})
    while bot.standin.next_update_nowait():
        pass
    bot.clock.set(datetime(2026, 11, 25, 9, 0, 30, tzinfo=UTC))
    await bot.deliver_due()
    message = await bot.reply("/tip")
    tip_id = next(d for d in message.callback_data if d.startswith("fb:")).split(":")[2]
    await bot.press(message, f"fb:down:{tip_id}")
    text = (await bot.reply("/stats", chat_id=ADMIN)).text
    assert "active 3 · paused 1 · stopped 1 · blocked 1" in text
    assert "New in the last 7 days: 6" in text
    sent_today = (bot.rows(
        "SELECT count(*) FROM deliveries WHERE status = 'sent' AND kind != 'broadcast'"))[0][0]
    assert f"Tips sent today: {sent_today}" in text
    assert "chat not found" in text.lower()
    assert f"Bottom tips: {tip_id} (👍0 👎1)" in text
    bot.clock.advance(days=8)
    later = (await bot.reply("/stats", chat_id=ADMIN)).text
    assert "New in the last 7 days: 0" in later and "Tips sent today: 0" in later


# ------------------------------------------------------------ admin screens in a group

GROUP = -4101


@pytest.mark.parametrize("command", ["/stats", "/broadcasts", "/broadcast Hello all",
                                     "/tips", "/cancel 1", "/newtip foods x | y",
                                     "/retire food-001"])
async def test_admin_screens_typed_in_a_group_answer_with_one_pointer_line(bot, command):
    await bot.say("/start", chat_id=GROUP, chat_type="group", user_id=ADMIN)
    answers = await bot.say(command, chat_id=GROUP, chat_type="group", user_id=ADMIN)
    name = command.split()[0]
    assert [a.text for a in answers] == [
        f"🔒 Admin screens open only in a private chat with me: send {name} there."]
    assert answers[0].callback_data == []
    assert bot.rows("SELECT count(*) FROM broadcasts") == [(0,)]
    assert bot.rows("SELECT count(*) FROM tips WHERE source = 'y'") == [(0,)]
    in_private = await bot.say(command, chat_id=ADMIN)  # the screen itself, privately
    assert in_private and "private chat" not in in_private[0].text


async def test_stats_never_reach_a_group_nor_does_help_list_admin_commands_there(bot):
    await bot.say("/start", chat_id=GROUP, chat_type="group", user_id=ADMIN)
    await bot.say("/stats", chat_id=GROUP, chat_type="group", user_id=ADMIN)
    await bot.say("/help", chat_id=GROUP, chat_type="group", user_id=ADMIN)
    shown = "\n".join(m.text for m in bot.standin.messages_to(GROUP))
    assert "people keep one" not in shown and "Tips sent today" not in shown
    assert "<b>Admin</b>" not in shown and "/broadcast" not in shown and "/stats —" not in shown
    assert "/broadcast" in (await bot.reply("/help", chat_id=ADMIN)).text


async def test_an_admin_button_pressed_in_a_group_answers_with_a_toast(bot):
    await bot.start(ADMIN)
    await bot.say("/broadcast Hello", chat_id=ADMIN)
    confirm = bot.standin.last_message(ADMIN)
    welcome = (await bot.say("/start", chat_id=GROUP, chat_type="group", user_id=ADMIN))[0]
    bot.standin.message(GROUP, welcome.message_id).reply_markup = {
        "inline_keyboard": [[{"text": "x", "callback_data": confirm.callback_data[0]}]]}
    assert await bot.press(welcome, confirm.callback_data[0], user_id=ADMIN) == []
    assert bot.standin.answered_callbacks[-1].text == (
        "Admin buttons work only in a private chat with me.")
    assert bot.rows("SELECT status FROM broadcasts") == [("draft",)]
