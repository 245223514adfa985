"""Who may change a group's subscription, and which updates the bot never answers.

Through the real Application and the stand-in: a group member who is not an
administrator cannot stop, re-time, pause or forget the group's subscription (nor press
its settings buttons) and is told so politely; administrators — creator, administrator,
or anonymous (writing as the group) — can. Channel posts, business messages, edited
messages and commands for another bot get no reply; a group upgraded to a supergroup
keeps its subscription and history under the new id.
"""

from __future__ import annotations

import logging
import time

import pytest

from standin import Fault
from tests.helpers import USER

pytestmark = pytest.mark.both_engines

GROUP = -4001
SUPERGROUP = -1004001
MEMBER = 5101
OWNER = 5102
MODERATOR = 5103

POLITE = "Only this group’s administrators can change its daily tips"


def _row(bot, chat_id=GROUP):
    rows = bot.rows("SELECT status, send_time, timezone, topics, paused_until FROM subscribers"
                    " WHERE chat_id = ?", (chat_id,))
    return rows[0] if rows else None


@pytest.fixture
async def group(bot):
    """A group subscribed by its creator; MODERATOR is an administrator, MEMBER is not."""
    bot.standin.set_member_status(GROUP, OWNER, "creator")
    bot.standin.set_member_status(GROUP, MODERATOR, "administrator")
    bot.standin.set_member_status(GROUP, MEMBER, "member")
    answers = await bot.say("/start", chat_id=GROUP, chat_type="group", user_id=OWNER)
    assert answers and "Welcome" in answers[0].text
    return bot


async def group_says(bot, text, user_id, **kwargs):
    return await bot.say(text, chat_id=GROUP, chat_type="group", user_id=user_id, **kwargs)


# ------------------------------------------------------------ group administrators

CHANGES = ["/stop", "/unsubscribe", "/time 10:00", "/timezone Europe/Paris", "/topics",
           "/pause 2", "/resume", "/forget"]


@pytest.mark.parametrize("command", CHANGES)
async def test_a_plain_member_cannot_change_the_group_subscription(group, command):
    before = _row(group)
    answers = await group_says(group, command, MEMBER)
    assert [a.text[:len(POLITE)] for a in answers] == [POLITE]
    assert not answers[0].callback_data  # no settings buttons handed to a non-admin
    assert _row(group) == before


async def test_a_plain_member_who_is_restricted_or_left_is_refused_too(group):
    for status in ("restricted", "left", "kicked"):
        group.standin.set_member_status(GROUP, MEMBER, status)
        answers = await group_says(group, "/stop", MEMBER)
        assert [a.text[:len(POLITE)] for a in answers] == [POLITE]
    assert _row(group)[0] == "active"


@pytest.mark.parametrize("command", ["/tip", "/foods", "/causes", "/settings", "/help"])
async def test_reading_commands_stay_open_to_every_member(group, command):
    answers = await group_says(group, command, MEMBER)
    assert len(answers) == 1 and POLITE not in answers[0].text


async def test_administrators_change_it(group):
    await group_says(group, "/time 10:00", MODERATOR)
    assert _row(group)[1] == "10:00"
    await group_says(group, "/timezone Europe/Paris", OWNER)
    assert _row(group)[2] == "Europe/Paris"
    await group_says(group, "/pause 2", MODERATOR)
    assert _row(group)[0] == "paused"
    await group_says(group, "/resume", OWNER)
    assert _row(group)[0] == "active"
    answers = await group_says(group, "/stop", OWNER)
    assert POLITE not in answers[0].text
    assert _row(group)[0] == "stopped"


@pytest.mark.parametrize("command", ["/start", "/subscribe"])
@pytest.mark.parametrize("stopped_by", ["/stop", "/pause 3"])
async def test_a_plain_member_cannot_turn_the_groups_tips_back_on(group, command, stopped_by):
    await group_says(group, stopped_by, MODERATOR)
    before = _row(group)
    assert before[0] in ("stopped", "paused")
    answers = await group_says(group, command, MEMBER)
    assert [a.text[:len(POLITE)] for a in answers] == [POLITE]
    assert _row(group) == before
    answers = await group_says(group, command, OWNER)  # an administrator may
    assert POLITE not in answers[0].text
    assert _row(group)[0] == "active"


async def test_a_first_start_in_a_new_group_stays_open_to_any_member(bot):
    bot.standin.set_member_status(GROUP, MEMBER, "member")
    answers = await group_says(bot, "/start", MEMBER)
    assert "Welcome" in answers[0].text
    assert _row(bot)[0] == "active"
    again = await group_says(bot, "/start", MEMBER)  # nothing to turn back on: no refusal
    assert POLITE not in again[0].text and _row(bot)[0] == "active"


async def test_a_plain_member_cannot_pause_or_resume_through_a_did_you_mean_button(group):
    suggestion = (await group_says(group, "/paus", MEMBER))[0]
    assert "cmd:pause" in suggestion.callback_data
    answered = len(group.standin.answered_callbacks)
    assert await group.press(suggestion, "cmd:pause", user_id=MEMBER) == []
    toast = group.standin.answered_callbacks[answered:]
    assert len(toast) == 1 and "administrators" in toast[0].text
    assert _row(group)[0] == "active"
    await group.press(suggestion, "cmd:pause", user_id=MODERATOR)
    assert _row(group)[0] == "paused"
    resume = (await group_says(group, "/resum", MEMBER))[0]
    await group.press(resume, "cmd:resume", user_id=MEMBER)
    assert _row(group)[0] == "paused"


def _votes(bot):
    return bot.rows("SELECT tip_id, vote FROM feedback WHERE chat_id = ?", (GROUP,))


async def test_a_members_vote_does_not_change_the_groups_rotation(group):
    tip = (await group_says(group, "/tip", MEMBER))[0]
    down = next(d for d in tip.callback_data if d.startswith("fb:down:"))
    up = next(d for d in tip.callback_data if d.startswith("fb:up:"))
    for data in (down, up):
        answered = len(group.standin.answered_callbacks)
        await group.press(group.standin.message(GROUP, tip.message_id), data, user_id=MEMBER)
        toast = group.standin.answered_callbacks[answered:]
        assert len(toast) == 1 and "only its administrators’ votes" in toast[0].text
    assert _votes(group) == []
    assert group.standin.message(GROUP, tip.message_id).callback_data == tip.callback_data
    more = next(d for d in tip.callback_data if d.startswith("fb:more"))
    assert len(await group.press(tip, more, user_id=MEMBER)) == 1  # ➕ stays open to all
    await group.press(tip, down, user_id=MODERATOR)
    assert _votes(group) == [(down.split(":")[2], -1)]


async def test_an_anonymous_administrator_writes_as_the_group_and_may_change_it(group):
    answers = await group_says(group, "/stop", None, anonymous=True)
    assert POLITE not in answers[0].text
    assert _row(group)[0] == "stopped"


async def test_forget_in_a_group_by_an_administrator_deletes_it(group):
    confirm = (await group_says(group, "/forget", OWNER))[0]
    yes = next(d for d in confirm.callback_data if d.endswith(":yes"))
    await group.press(confirm, yes, user_id=MEMBER)
    assert _row(group) is not None  # a member's press on the admin's question is refused
    await group.press(confirm, yes, user_id=OWNER)
    assert _row(group) is None


async def test_settings_buttons_answer_a_member_with_a_toast_and_change_nothing(group):
    menu = (await group_says(group, "/settings", MEMBER))[0]
    before = _row(group)
    for data in ("set:stop", "set:time", "set:tz", "set:topics"):
        answered = len(group.standin.answered_callbacks)
        sent = await group.press(menu, data, user_id=MEMBER)
        assert sent == []
        toast = group.standin.answered_callbacks[answered:]
        assert len(toast) == 1 and "administrators" in toast[0].text
    time_menu = (await group_says(group, "/time", OWNER))[0]
    first_time = time_menu.callback_data[0]  # the message is redrawn in place once pressed
    await group.press(time_menu, first_time, user_id=MEMBER)
    assert _row(group) == before
    await group.press(time_menu, first_time, user_id=OWNER)
    assert _row(group)[1] == first_time.partition(":")[2]
    await group.press(menu, "set:stop", user_id=MODERATOR)
    assert _row(group)[0] == "stopped"


async def test_when_telegram_cannot_say_who_is_admin_the_change_is_refused(group):
    group.standin.fault_policy = lambda method, params: (
        Fault("server_error") if method == "getChatMember" else None)
    answers = await group_says(group, "/stop", OWNER)
    assert [a.text[:len(POLITE)] for a in answers] == [POLITE]
    assert _row(group)[0] == "active"


async def test_private_chats_need_no_membership_lookup(bot):
    await bot.say("/start")
    await bot.say("/pause 3")
    assert _row(bot, USER)[0] == "paused"
    assert bot.standin.calls["getChatMember"] == 0


# ------------------------------------------------------ updates never answered

def _message(bot, chat, text, *, sender_chat=None, edit_date=None):
    payload = {"message_id": 77, "date": int(time.time()), "chat": chat, "text": text,
               "entities": [{"type": "bot_command", "offset": 0,
                             "length": len(text.split()[0])}]}
    if sender_chat is not None:
        payload["sender_chat"] = sender_chat
    else:
        payload["from"] = {"id": OWNER, "is_bot": False, "first_name": "Ann"}
    if edit_date is not None:
        payload["edit_date"] = edit_date
    return payload


async def _push(bot, kind, payload):
    update = bot.standin.push_update(kind, payload)
    await bot._process(update)


async def test_channel_posts_and_their_edits_get_no_reply(bot, caplog):
    channel = {"id": -1009001, "type": "channel", "title": "News"}
    for kind in ("channel_post", "edited_channel_post"):
        for text in ("/start", "/help", "/nonsense", "hello"):
            await _push(bot, kind, _message(bot, channel, text, sender_chat=channel))
    assert bot.standin.messages_to(-1009001) == []
    assert bot.rows("SELECT count(*) FROM subscribers") == [(0,)]


async def test_business_messages_get_no_reply(bot):
    chat = {"id": 6001, "type": "private", "first_name": "Customer"}
    for kind in ("business_message", "edited_business_message"):
        payload = _message(bot, chat, "/start") | {"business_connection_id": "bc-1"}
        await _push(bot, kind, payload)
    assert bot.standin.messages_to(6001) == []
    assert bot.rows("SELECT count(*) FROM subscribers") == [(0,)]


async def test_an_edited_old_command_does_not_run_again(group):
    chat = {"id": GROUP, "type": "group", "title": "Cramps club"}
    before = len(group.standin.messages_to(GROUP))
    await _push(group, "edited_message",
                _message(group, chat, "/stop", edit_date=int(time.time())))
    assert _row(group)[0] == "active"
    assert len(group.standin.messages_to(GROUP)) == before


async def test_commands_for_another_bot_are_ignored_and_ours_answered(group):
    for text in ("/stop@OtherBot", "/help@OtherBot", "/whatever@OtherBot", "/tip@other_bot"):
        assert await group_says(group, text, OWNER) == []
    assert _row(group)[0] == "active"
    help_answers = await group_says(group, "/help@MagDailyBot", MEMBER)
    assert len(help_answers) == 1 and "/tip" in help_answers[0].text
    await group_says(group, "/stop@magdailybot", OWNER)  # Telegram usernames ignore case
    assert _row(group)[0] == "stopped"


# ------------------------------------------------------ group → supergroup

async def test_an_upgraded_group_keeps_its_subscription_and_history(group):
    await group_says(group, "/time 09:30", OWNER)
    await group_says(group, "/tip", MEMBER)
    tip_id = next(d for d in group.standin.last_message(GROUP).callback_data
                  if d.startswith("fb:up:"))
    await group.press(group.standin.last_message(GROUP), tip_id, user_id=OWNER)
    history = group.rows("SELECT count(*) FROM deliveries WHERE chat_id = ?", (GROUP,))
    votes = group.rows("SELECT count(*) FROM feedback WHERE chat_id = ?", (GROUP,))
    assert history[0][0] >= 1 and votes == [(1,)]

    old_chat = {"id": GROUP, "type": "group", "title": "Cramps club"}
    new_chat = {"id": SUPERGROUP, "type": "supergroup", "title": "Cramps club"}
    base = {"date": int(time.time()), "from": {"id": OWNER, "is_bot": False,
                                               "first_name": "Ann"}}
    await _push(group, "message", base | {"message_id": 90, "chat": old_chat,
                                          "migrate_to_chat_id": SUPERGROUP})
    await _push(group, "message", base | {"message_id": 1, "chat": new_chat,
                                          "migrate_from_chat_id": GROUP})
    assert _row(group, GROUP) is None
    assert _row(group, SUPERGROUP)[:2] == ("active", "09:30")
    assert group.rows("SELECT chat_type FROM subscribers WHERE chat_id = ?",
                      (SUPERGROUP,)) == [("supergroup",)]
    assert group.rows("SELECT count(*) FROM deliveries WHERE chat_id = ?",
                      (SUPERGROUP,)) == history
    assert group.rows("SELECT count(*) FROM feedback WHERE chat_id = ?",
                      (SUPERGROUP,)) == votes
    assert group.rows("SELECT count(*) FROM deliveries WHERE chat_id = ?", (GROUP,)) == [(0,)]
    assert group.standin.messages_to(SUPERGROUP) == []  # service messages get no reply


async def test_a_reply_that_meets_chat_migrated_moves_the_group_and_arrives(group):
    group.standin.fault_policy = lambda method, params: (
        Fault("chat_migrated", migrate_to_chat_id=SUPERGROUP)
        if method == "sendMessage" and int(params["chat_id"]) == GROUP else None)
    await group_says(group, "/causes", MEMBER)
    assert len(group.standin.messages_to(SUPERGROUP)) == 1
    assert _row(group, GROUP) is None and _row(group, SUPERGROUP)[0] == "active"


async def test_migrating_onto_a_chat_that_has_its_own_subscription_changes_nothing(group):
    await group.say("/start", chat_id=SUPERGROUP, chat_type="supergroup", user_id=OWNER)
    await group_says(group, "/time 11:00", OWNER)
    assert await group.runtime.deps.subscriptions.move_chat(GROUP, SUPERGROUP) is False
    assert _row(group, GROUP)[1] == "11:00" and _row(group, SUPERGROUP) is not None


# ------------------------------------------------------------ logs

async def test_debug_logs_never_carry_what_users_wrote(group, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "my calves cramp every night at 3am zxq"
    await group_says(group, f"/time {secret}", MEMBER)
    await group_says(group, f"/stop@OtherBot {secret}", OWNER)
    await group_says(group, secret, MEMBER)
    chat = {"id": GROUP, "type": "group", "title": "Cramps club"}
    await _push(group, "edited_message",
                _message(group, chat, f"/stop {secret}", edit_date=int(time.time())))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ignored" in logged and "not a group admin" in logged  # records were produced
    assert "zxq" not in logged
