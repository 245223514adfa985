"""Every button pressed twice, as an impatient thumb does: no ERROR, every press answered.

A second press often asks Telegram to show what the message already shows; Telegram then
answers 400 "message is not modified". That is a finished job, not a failure: it must
not reach the error handler (which logs at ERROR with a traceback). It happened with
"⏹ Cancel broadcast"; this walks every kind of button the bot sends, through the real
Application and the in-process Bot API stand-in.
"""

from __future__ import annotations

import logging

import pytest

from bot.ui import callbacks
from tests.helpers import ADMIN, USER

pytestmark = pytest.mark.both_engines


async def _twice(bot, message, data: str, pressed: list[str], *, in_place: bool = False
                 ) -> None:
    """Press `data` on `message` twice; each press must get exactly one answer.

    A button answered by redrawing its own message (`in_place`) must not add a message to
    the chat on the second press either: a failed redraw falls back to sending, which is
    how a mishandled "not modified" would show here.
    """
    for attempt in range(2):
        answered = len(bot.standin.answered_callbacks)
        added = await bot.press(message, data, strict=attempt == 0)
        assert [c.data for c in bot.standin.answered_callbacks[answered:]] == [data], data
        if in_place:
            assert added == [], (data, [m.text for m in added])
    pressed.append(data)


def _button(message, prefix: str) -> str:
    return next(d for d in message.callback_data if d.startswith(prefix))


async def test_every_button_pressed_twice_logs_no_error(bot, caplog):
    caplog.set_level(logging.INFO)
    pressed: list[str] = []

    welcome = await bot.start()
    for data in welcome.callback_data:  # tip, foods, causes, settings
        await _twice(bot, welcome, data, pressed)

    for data in ("set:time", "set:tz", "set:topics", "set:pause", "set:stop"):
        await _twice(bot, await bot.reply("/settings"), data, pressed)
    await _twice(bot, await bot.reply("/settings"), "set:resume", pressed)

    await _twice(bot, await bot.reply("/time"), "time:07:00", pressed)
    await _twice(bot, await bot.reply("/timezone"), "tz:Europe/Berlin", pressed)

    topics = await bot.reply("/topics")
    await _twice(bot, topics, "topic:rest", pressed, in_place=True)
    await _twice(bot, topics, "topic:done", pressed, in_place=True)

    foods = await bot.reply("/foods quinoaa pasta")
    await _twice(bot, foods, _button(foods, "food:"), pressed, in_place=True)
    await _twice(bot, await bot.reply("/food"), "cmd:foods", pressed, in_place=True)
    clock = await bot.reply("/timezone")
    await bot.press(clock, "set:clock")
    await _twice(bot, clock, "now:60", pressed, in_place=True)

    tip = await bot.reply("/tip")
    tip_id = _button(tip, "fb:up:").removeprefix("fb:up:")
    for action in ("fb:up:", "fb:down:", "fb:more:"):
        await _twice(bot, tip, _button(tip, action), pressed)
    await _twice(bot, tip, "wa:tip", pressed)
    # "⏰ Later" (under daily tips only): its choices redraw their own message.
    offered = await bot.press(tip, f"lt:ask:{tip_id}", strict=False)
    await _twice(bot, offered[0], f"lt:morning:{tip_id}", pressed,
                 in_place=True)

    causes = await bot.reply("/causes")
    for data in ("causes:signs", "causes:home", "causes:why", "causes:home", "causes:helps"):
        await _twice(bot, causes, data, pressed, in_place=True)

    need = await bot.reply("/need")
    await _twice(bot, need, "need:age:31-50", pressed, in_place=True)
    await _twice(bot, need, "need:sex:31-50:female", pressed, in_place=True)
    await _twice(bot, need, "need:st:31-50:female:none", pressed, in_place=True)

    # Admin: confirm a broadcast twice; confirm another once and cancel it twice (the
    # press that once reached the error handler); discard a draft; broadcast a freshly added tip.
    confirm = (await bot.say("/broadcast Hello everyone", chat_id=ADMIN))[1]
    await _twice(bot, confirm, _button(confirm, "bc:go:"), pressed, in_place=True)
    confirm = (await bot.say("/broadcast Hello again", chat_id=ADMIN))[1]
    await bot.press(confirm, _button(confirm, "bc:go:"))
    progress = bot.standin.message(ADMIN, confirm.message_id)
    assert [b["text"] for row in progress.inline_keyboard for b in row] == ["⏹ Cancel broadcast"]
    await _twice(bot, progress, _button(progress, "bc:stop:"), pressed, in_place=True)
    draft = (await bot.say("/broadcast Maybe not", chat_id=ADMIN))[1]
    await _twice(bot, draft, _button(draft, "bc:drop:"), pressed, in_place=True)
    saved = await bot.reply("/newtip rest Stretch gently after a walk. | Editors",
                            chat_id=ADMIN)
    await _twice(bot, saved, _button(saved, "nt:bc:"), pressed)

    # The cramp diary: every step, every entry button, a check-in, settings, the chart.
    await _twice(bot, await bot.reply("/sos"), "cl:0", pressed)
    log_it = await bot.reply("/cramp")
    for data in ("cd:0---", "cd:02--", "cd:021-", "cd:0210"):
        await _twice(bot, log_it, data, pressed, in_place=True)
    entry = _button(bot.standin.message(USER, log_it.message_id), "ce:s0:").split(":")[2]
    for data in (f"ce:s0:{entry}", f"ce:w:{entry}", f"ce:t0:{entry}"):
        await _twice(bot, log_it, data, pressed, in_place=True)
    await _twice(bot, log_it, f"ce:u:{entry}", pressed, in_place=True)
    await _twice(bot, await bot.reply("/cramp"), "cx", pressed, in_place=True)
    diary = await bot.reply("/diary")
    await _twice(bot, diary, "ds:wk:off", pressed, in_place=True)
    await _twice(bot, diary, _button(diary, "dc:"), pressed)
    await _twice(bot, diary, "ds:ci:menu", pressed, in_place=True)
    await _twice(bot, diary, "ds:show:menu", pressed, in_place=True)
    await bot.press(diary, "ds:ci:menu")
    await _twice(bot, diary, "ds:ci:09:00", pressed, in_place=True)
    bot.clock.advance(hours=1)
    await bot.deliver_due()
    checkin = bot.standin.last_message(USER)
    await _twice(bot, checkin, _button(checkin, "ck:n:"), pressed, in_place=True)
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:st:menu")
    await bot.press(screen, "ds:st:21:00")
    for _ in range(24):  # the evening stretch comes within a day
        bot.clock.advance(hours=1)
        await bot.deliver_due()
        stretch = bot.standin.last_message(USER)
        if any(d.startswith("sd:") for d in stretch.callback_data):
            break
    await _twice(bot, stretch, _button(stretch, "sd:"), pressed, in_place=True)
    step = await bot.reply("/cramp")
    for data in ("cd:3---", "cd:30--", "cd:300-", "cd:3002"):
        await bot.press(step, data)
    entry = _button(bot.standin.message(USER, step.message_id), "ce:k:").split(":")[2]
    await _twice(bot, step, f"ce:k:{entry}", pressed, in_place=True)
    diary = await bot.reply("/diary")
    await _twice(bot, diary, _button(diary, "ce:x:"), pressed, in_place=True)

    # The water log: Undo, the settings and the way back redraw their own message.
    water = await bot.reply("/water")
    for data in (_button(water, "wu:"), "ws:menu:menu", "ws:g:cup", "ws:t:8", "ws:show:show"):
        await _twice(bot, water, data, pressed, in_place=True)

    # The food log: "I ate this" answers with a message of its own, whose Undo redraws it.
    await _twice(bot, await bot.reply("/foods almonds"), "ate:almonds", pressed)
    logged = await bot.reply("/ate spinach")
    await _twice(bot, logged, _button(logged, "ateu:"), pressed, in_place=True)

    await _twice(bot, await bot.reply("/forget"), "forget:no", pressed, in_place=True)
    await _twice(bot, await bot.reply("/forget"), "forget:yes", pressed, in_place=True)

    # The walk met Telegram's "not modified" answer, and it stayed quiet.
    refused = [r for r in bot.standin.call_log if r.status != 200]
    assert refused and {r.method.lower() for r in refused} == {"editmessagetext"}
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records
              if r.levelno >= logging.ERROR]
    assert errors == []
    assert bot.standin.internal_errors == []
    assert (await bot.subscriber(USER)) is None  # forget:yes really ran

    # Every kind of button the bot defines was pressed (a new kind must join the walk).
    kinds = {kind for kind in _kinds() if any(kind.matches(data) for data in pressed)}
    assert kinds == set(_kinds())


def _kinds() -> list[type[callbacks.CallbackData]]:
    return [value for value in vars(callbacks).values()
            if isinstance(value, type) and issubclass(value, callbacks.CallbackData)
            and value is not callbacks.CallbackData]
