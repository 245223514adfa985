"""The water log's command and buttons: /water (and /water hot), "💧 +1 glass", Undo,
the settings (the afternoon nudge's switch among them), "🔥 Hot day / 🏃 training".

Thin like the others: parse, call bot.services.water, reply with ui.texts and
ui.keyboards. The log lives in private chats: in a group, /water and the button under a
group's tip answer with a one-line pointer to a private chat. Each logged glass answers
in a message of its own whose Undo names that glass, so an old message's Undo can only
ever remove its own glass. Logging: nothing at all about the log (health data).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import Answer, Reply, expired, send
from bot.handlers.deps import Deps, get_deps
from bot.services.water import HotDay, NoWaterLog, WaterDay
from bot.ui import keyboards, texts
from bot.ui.callbacks import (
    WATER_HOT,
    WATER_MENU,
    WATER_OFF,
    WATER_ON,
    WATER_SET_GLASS,
    WATER_SET_NUDGE,
    WATER_SET_TARGET,
    WATER_SHOW,
    WaterAdd,
    WaterSetting,
    WaterUndo,
)


def _private(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None and chat.type == "private" else None


def _day_reply(found: WaterDay | NoWaterLog) -> Reply:
    if isinstance(found, NoWaterLog):
        return Reply(texts.water_start_first())
    return Reply(texts.water_day(found), keyboards.water_day(found))


def _settings_reply(found: WaterDay | NoWaterLog) -> Reply:
    if isinstance(found, NoWaterLog):
        return Reply(texts.water_start_first())
    return Reply(texts.water_settings(found), keyboards.water_settings(found))


def _hot_reply(found: HotDay | NoWaterLog) -> Reply:
    if isinstance(found, NoWaterLog):
        return Reply(texts.water_start_first())
    return Reply(texts.water_hot_day(found.nudge_at))


async def water(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/water: one glass for today, and the day's count; /water hot: a hot day."""
    chat_id = _private(update)
    if chat_id is None:
        await send(update, context, Reply(texts.water_private_only()))
        return
    words = [word.lower() for word in context.args or ()]
    if not words:
        await send(update, context,
                   _day_reply(await get_deps(context).water.log_glass(chat_id)))
    elif words == [WATER_HOT]:
        await send(update, context, _hot_reply(await get_deps(context).water.hot_day(chat_id)))
    else:
        await send(update, context, Reply(texts.water_usage()))


async def add_button(deps: Deps, update: Update, data: WaterAdd) -> Answer:
    """"💧 +1 glass" under a tip or a count: the count comes as a message of its own."""
    chat_id = _private(update)
    if chat_id is None:
        return Answer(send=(Reply(texts.water_private_only()),))
    return Answer(send=(_day_reply(await deps.water.log_glass(chat_id)),))


async def undo_button(deps: Deps, update: Update, data: WaterUndo) -> Answer:
    """Undo of one glass: the message is redrawn without its Undo."""
    chat_id = _private(update)
    if chat_id is None:
        return expired()
    found = await deps.water.undo(chat_id, data.glass_id)
    toast = None if isinstance(found, NoWaterLog) or found.undone else \
        texts.water_already_undone()
    return Answer(toast, edit=_day_reply(found))


async def setting_button(deps: Deps, update: Update, data: WaterSetting) -> Answer:
    chat_id = _private(update)
    if chat_id is None:
        return expired()
    if data.item == WATER_SHOW:
        return Answer(edit=_day_reply(await deps.water.today(chat_id)))
    if data.item == WATER_MENU:
        return Answer(edit=_settings_reply(await deps.water.today(chat_id)))
    if data.item == WATER_HOT:  # under the morning check-in, which keeps its buttons
        return Answer(send=(_hot_reply(await deps.water.hot_day(chat_id)),))
    if data.item == WATER_SET_NUDGE and data.value in (WATER_ON, WATER_OFF):
        found: WaterDay | NoWaterLog | None = await deps.water.set_nudge(
            chat_id, data.value == WATER_ON)
    elif data.item == WATER_SET_GLASS:
        found = await deps.water.set_glass(chat_id, data.value)
    elif data.item == WATER_SET_TARGET:
        target = None if data.value == WATER_OFF else (
            int(data.value) if data.value.isdigit() and len(data.value) < 3 else -1)
        found = await deps.water.set_target(chat_id, target)
    else:
        return expired()
    if found is None:
        return expired()
    return Answer(None if isinstance(found, NoWaterLog) else texts.water_saved(),
                  edit=_settings_reply(found))
