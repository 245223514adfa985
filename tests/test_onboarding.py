"""A first week that fits the person — sign-up, panels, suggestions, votes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import ADMIN, USER

pytestmark = pytest.mark.both_engines


def _buttons(message) -> dict[str, str]:
    """Button label → callback_data of a message's inline keyboard."""
    return {b["text"]: b["callback_data"] for row in message.inline_keyboard for b in row
            if "callback_data" in b}


async def _first_daily_at(bot, local_hour: int, utc_offset_hours: float) -> datetime:
    """Advance the clock minute by minute around the expected UTC instant; the first tip."""
    expected = datetime(2026, 11, 26, local_hour, 0, tzinfo=UTC) - timedelta(
        hours=utc_offset_hours)
    if expected - timedelta(days=1) > bot.clock.now():
        expected -= timedelta(days=1)
    bot.clock.set(expected - timedelta(minutes=1))
    before = len(bot.standin.messages_to(USER))
    await bot.deliver_due()
    assert len(bot.standin.messages_to(USER)) == before, "nothing before the chosen time"
    bot.clock.set(expected + timedelta(seconds=30))
    await bot.deliver_due()
    new = bot.standin.messages_to(USER)[before:]
    assert len(new) == 1 and "Tip of the day" in new[0].text
    return expected


async def test_start_asks_the_zone_with_a_location_button(bot):
    answers = await bot.say("/start")
    assert len(answers) == 2 and "Welcome to MagDaily" in answers[0].text
    question = answers[1]
    keyboard = question.reply_markup["keyboard"]
    assert keyboard[0][0]["request_location"] is True
    assert (await bot.subscriber()).timezone == "UTC"  # subscribed at once with defaults
    assert bot.rows("SELECT setup_step FROM subscribers") == [("zone",)]


async def test_new_york_by_shared_location_then_a_time_button(bot):
    await bot.say("/start")
    answers = await bot.location(40.7128, -74.0060)
    assert "America/New_York" in answers[0].text
    assert answers[0].reply_markup == {"remove_keyboard": True}
    time_question = answers[1]
    assert await bot.press(time_question, "time:07:00") == []
    panel = bot.standin.message(USER, time_question.message_id)
    assert "All set" in panel.text and "America/New_York" in panel.text
    # the location itself is stored nowhere
    dump = "\n".join(str(r) for r in bot.rows("SELECT * FROM subscribers"))
    assert "40.7" not in dump and "74.0" not in dump
    await _first_daily_at(bot, 7, -5)


async def test_zone_button_during_sign_up_then_munich_among_berlin_zones(bot):
    await bot.say("/start")
    picker = (await bot.say("🕐 Pick the time it is for me"))[0]
    await bot.press(picker, _buttons(picker)["09:00"])  # UTC+1 now: several zones
    zones = bot.standin.message(USER, picker.message_id)
    assert "tz:Europe/Berlin" in zones.callback_data
    await bot.press(zones, "tz:Europe/Berlin")
    assert "time:08:00" in bot.standin.message(USER, picker.message_id).callback_data


async def test_berlin_by_typing_a_city_then_a_time_button(bot):
    await bot.say("/start")
    answers = await bot.say("Munich")
    assert "Europe/Berlin" in answers[0].text and "Etc/GMT" not in answers[0].text
    await bot.press(answers[1], "time:08:00")
    assert (await bot.subscriber()).timezone == "Europe/Berlin"
    await _first_daily_at(bot, 8, 1)


async def test_muenchen_with_its_umlaut_at_sign_up_is_berlin_time(bot):
    await bot.say("/start")
    answers = await bot.say("München")
    assert "Europe/Berlin" in answers[0].text
    await bot.press(answers[1], "time:08:00")
    assert (await bot.subscriber()).timezone == "Europe/Berlin"


@pytest.mark.parametrize(("typed", "zone"), [
    ("München", "Europe/Berlin"), ("Munchen", "Europe/Berlin"), ("MÜNCHEN", "Europe/Berlin"),
    ("Мюнхен", "Europe/Berlin"), ("Київ", "Europe/Kyiv"), ("東京", "Asia/Tokyo"),
    ("ＢＥＲＬＩＮ", "Europe/Berlin"), ("Zürich", "Europe/Zurich"),
    ("São Paulo", "America/Sao_Paulo"), ("Kraków", "Europe/Warsaw"),
    ("Αθήνα", "Europe/Athens"), ("ＵＴＣ＋２", "UTC+2"),
    # Typed with its accent, the Brazilian city, not St Petersburg's old name "Petropolis".
    ("Petrópolis", "America/Sao_Paulo"),
])
async def test_accented_or_other_script_cities_resolve_with_timezone(bot, typed, zone):
    await bot.say("/start")
    answer = await bot.reply(f"/timezone {typed}")
    assert zone in answer.text, answer.text
    assert (await bot.subscriber()).timezone == zone


def test_input_that_normalisation_would_inflate_is_refused_early():
    from bot.core.zones import parse_zone

    assert parse_zone("ﷺ" * 60) is None  # each one is 18 letters after NFKC
    assert parse_zone("ﷺ" * 3) is None


async def test_kolkata_by_what_time_is_it_then_a_time_button(bot):
    await bot.say("/start")
    picker = (await bot.say("🕐 Pick the time it is for me"))[0]
    # 08:00 UTC is 13:30 in India, the one common zone at +05:30: one tap sets it
    answers = await bot.press(picker, _buttons(picker)["13:30"])
    assert "Asia/Kolkata" in answers[0].text
    time_question = bot.standin.message(USER, picker.message_id)
    await bot.press(time_question, "time:09:00")
    assert (await bot.subscriber()).timezone == "Asia/Kolkata"
    await _first_daily_at(bot, 9, 5.5)


async def test_ignoring_the_questions_keeps_defaults_and_reminds_once(bot):
    await bot.say("/start")
    bot.clock.set(datetime(2026, 11, 25, 9, 0, 30, tzinfo=UTC))
    await bot.deliver_due()
    first = bot.standin.messages_to(USER)[-1]
    assert "Tip of the day" in first.text and "Type your city" in first.text
    bot.clock.set(datetime(2026, 11, 26, 9, 0, 30, tzinfo=UTC))
    await bot.deliver_due()
    second = bot.standin.messages_to(USER)[-1]
    assert second.message_id != first.message_id and "Type your city" not in second.text


async def test_existing_subscriber_on_the_default_zone_is_asked_once(bot):
    await bot.say("/start")
    await bot.storage.subscribers.set_setup_step(USER, None, bot.clock.now())  # pre-onboarding
    answers = await bot.say("/settings")
    assert len(answers) == 2 and "where are you" in answers[1].text
    assert len(await bot.say("/settings")) == 1  # only once


async def test_zone_words_resolve_or_offer_buttons(bot):
    await bot.say("/start")
    for typed, zone in (("Munich", "Europe/Berlin"), ("EST", "America/New_York"),
                        ("PST", "America/Los_Angeles"), ("India", "Asia/Kolkata")):
        answer = await bot.reply(f"/timezone {typed}")
        assert zone in answer.text, typed
    offer = await bot.reply("/timezone USA")
    assert "tz:America/New_York" in offer.callback_data
    await bot.press(offer, "tz:America/Chicago")
    assert (await bot.subscriber()).timezone == "America/Chicago"


async def test_description_and_a_short_menu_are_set(bot):
    assert "muscle cramps" in bot.standin.descriptions[""]
    assert 0 < len(bot.standin.short_descriptions[""]) <= 120
    menu = bot.standin.commands_for("default")
    assert 5 <= len(menu) <= 8


async def test_did_you_mean_and_food_suggestions_are_buttons(bot):
    await bot.say("/start")
    answer = await bot.reply("/food")
    assert "Did you mean /foods" in answer.text
    await bot.press(answer, "cmd:foods")
    assert "Top magnesium foods" in bot.standin.message(USER, answer.message_id).text
    unknown = await bot.reply("/foods quinoaa pasta")
    data = next(d for d in unknown.callback_data if d.startswith("food:"))
    await bot.press(unknown, data)
    assert " mg of magnesium" in bot.standin.message(USER, unknown.message_id).text


async def test_every_did_you_mean_button_runs_its_command(bot):
    """A near-miss of any command gets buttons; each one a user can get does something
    (never "no longer active")."""
    from bot.handlers.common import SUGGESTED_COMMANDS  # the inputs, not the expectation

    await bot.say("/start")
    for name in SUGGESTED_COMMANDS:
        answer = await bot.reply(f"/{name[:-1]}")  # one letter short: /foo, /hel, /pause→/paus
        assert "Did you mean" in answer.text, name
        assert f"cmd:{name}" in answer.callback_data, (name, answer.callback_data)
        shown, before = answer.text, len(bot.standin.answered_callbacks)
        await bot.press(answer, f"cmd:{name}")
        answered = [a.text for a in bot.standin.answered_callbacks[before:]]
        assert "That button is no longer active. Send /settings for fresh ones." not in answered
        assert bot.standin.message(USER, answer.message_id).text != shown, name


@pytest.mark.parametrize("typed, meant", [
    ("/diry", "/diary"), ("/cramps", "/cramp"), ("/exprt", "/export"), ("/reprt", "/report"),
    ("/myda", "/mydata"), ("/neeed", "/need"), ("/soss", "/sos")])
async def test_a_near_miss_of_a_command_with_its_own_flow_is_named_in_the_text(
        bot, typed, meant):
    await bot.say("/start")
    answer = await bot.reply(typed)
    assert f"Did you mean {meant}" in answer.text or f"or {meant}?" in answer.text
    assert "cmd:" + meant.lstrip("/") not in answer.callback_data  # no button that expires


@pytest.mark.parametrize("typed", ["/stp", "/forgt", "/stopp", "/forgets"])
async def test_a_typo_is_never_answered_with_stop_or_forget(bot, typed):
    await bot.say("/start")
    answer = await bot.reply(typed)
    assert "/stop?" not in answer.text and "/forget?" not in answer.text
    assert "/stop or" not in answer.text and "/forget or" not in answer.text
    assert bot.rows("SELECT status FROM subscribers") == [("active",)]


async def test_a_vote_shows_on_the_tip_and_can_be_taken_back(bot):
    await bot.say("/start")
    tip = await bot.reply("/tip")
    assert "Tip of the day" not in tip.text
    up = next(d for d in tip.callback_data if d.startswith("fb:up:"))
    await bot.press(tip, up)
    labels = list(_buttons(bot.standin.message(USER, tip.message_id)))
    assert labels[0] == "👍 Helpful ✓" and labels[1] == "👎 Not for me"
    assert len(bot.rows("SELECT * FROM feedback")) == 1
    await bot.press(tip, up)
    assert next(iter(_buttons(bot.standin.message(USER, tip.message_id)))) == "👍 Helpful"
    assert bot.rows("SELECT * FROM feedback") == []


async def test_guests_rotate_and_share_a_daily_limit(bot):
    texts_seen = [(await bot.reply("/tip")).text for _ in range(10)]
    assert len(set(texts_seen)) == 10  # no repeats before /start
    limited = await bot.reply("/tip")
    assert "all the extra tips for today" in limited.text
    tip = bot.standin.messages_to(USER)[0]
    await bot.press(tip, next(d for d in tip.callback_data if d.startswith("fb:up:")))
    assert "/start" in bot.standin.answered_callbacks[-1].text  # votes explain how to join
    assert bot.rows("SELECT count(*) FROM subscribers") == [(0,)]


async def test_time_says_today_or_from_tomorrow(bot):
    await bot.say("/start")  # 08:00 UTC
    assert "today at 15:56" in (await bot.reply("/time 15:56")).text
    bot.clock.set(datetime(2026, 11, 25, 16, 0, 30, tzinfo=UTC))
    await bot.deliver_due()
    assert "from tomorrow" in (await bot.reply("/time 07:00")).text


async def test_keep_the_default_closes_the_question_without_a_reminder(bot):
    await bot.say("/start")
    answers = await bot.say("Keep the default")
    assert answers[0].reply_markup == {"remove_keyboard": True}
    assert bot.rows("SELECT setup_step, timezone FROM subscribers") == [("done", "UTC")]
    bot.clock.set(datetime(2026, 11, 25, 9, 0, 30, tzinfo=UTC))
    await bot.deliver_due()
    assert "Type your city" not in bot.standin.messages_to(USER)[-1].text
    # free text that is no place is not echoed back once the question is closed either
    assert "Keep" not in (await bot.reply("zebra-7731 calves")).text


async def test_admins_see_their_commands_in_help(bot):
    assert "/broadcast" not in (await bot.reply("/help")).text
    admin_help = (await bot.reply("/help", chat_id=ADMIN)).text
    assert "/broadcast" in admin_help and "/stats" in admin_help
