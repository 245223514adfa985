"""Everyone's commands and buttons: subscribe, tips, foods, causes, settings, feedback.

Parse the update, call a service, reply with ui.texts. No rules live here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ContextTypes

from bot.deps import Deps, get_deps
from bot.handlers import diary
from bot.handlers.common import EXPIRED, Answer, Handler, Reply, command_args, send
from bot.parsing import parse_days, parse_send_time
from bot.subscriptions import NotSubscribed
from bot.tipfeed import TakenTip
from bot.ui import keyboards, texts
from bot.ui.callbacks import (
    ANOTHER,
    MENU_CAUSES,
    MENU_FOODS,
    MENU_SETTINGS,
    MENU_SOS,
    MENU_TIP,
    SET_RESUME,
    SET_STOP,
    SET_TIME,
    SET_TOPICS,
    SET_ZONE,
    TOPICS_DONE,
    VOTE_DOWN,
    VOTE_UP,
    Menu,
    PickTime,
    PickZone,
    Setting,
    TipAction,
    ToggleTopic,
)
from bot.zones import parse_zone, suggest_zones
from tips.catalog import TOPICS
from tips.foods import find_food, suggest_foods

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ actions

def _tip_reply(deps: Deps, taken: TakenTip | None) -> Reply:
    if taken is None:
        return Reply(texts.NO_TIPS)
    text = texts.tip_message(taken.tip)
    if taken.delivery_id is None:
        text += texts.TIP_FOR_GUEST

    async def settle(message_id: int | None, error: str | None) -> None:
        await deps.feed.settle(taken.delivery_id, message_id, error)

    return Reply(text, keyboards.tip_actions(taken.tip.id), after_send=settle)


async def tip_reply(deps: Deps, chat_id: int) -> Reply:
    return _tip_reply(deps, await deps.feed.take_next(chat_id))


async def pause_reply(deps: Deps, chat_id: int, raw: str) -> Reply:
    days = parse_days(raw, default=7, low=1, high=90)
    if days is None:
        return Reply(texts.PAUSE_INVALID)
    try:
        subscriber = await deps.subscriptions.pause(chat_id, days)
    except NotSubscribed:
        return Reply(texts.NOT_SUBSCRIBED)
    if subscriber is None:
        return Reply(texts.PAUSE_WHEN_STOPPED)
    return Reply(texts.paused(subscriber, days))


async def resume_reply(deps: Deps, chat_id: int) -> Reply:
    try:
        subscriber = await deps.subscriptions.resume(chat_id)
    except NotSubscribed:
        return Reply(texts.NOT_SUBSCRIBED)
    if subscriber is None:
        return Reply(texts.NOT_PAUSED)
    return Reply(texts.resumed(subscriber))


async def foods_reply(deps: Deps, chat_id: int, query: str = "") -> Reply:
    """The table (with "% of your need" once /need has a figure), or one food."""
    if not query.strip():
        subscriber = await deps.subscriptions.get(chat_id)
        return Reply(texts.foods_table(deps.foods, subscriber.need_mg if subscriber else None))
    food = find_food(deps.foods, query)
    if food is None:
        return Reply(texts.food_unknown(query, suggest_foods(deps.foods, query)))
    return Reply(texts.food_answer(food, deps.foods))


def causes_reply(deps: Deps) -> Reply:
    return Reply(texts.causes(deps.causes))


async def settings_reply(deps: Deps, chat_id: int) -> Reply:
    subscriber = await deps.subscriptions.get(chat_id)
    if subscriber is None:
        return Reply(texts.NOT_SUBSCRIBED)
    return Reply(texts.settings_summary(subscriber) + texts.next_tip_line(subscriber),
                 keyboards.settings_menu(subscriber))


async def set_time_reply(deps: Deps, chat_id: int, raw: str) -> Reply:
    if not raw.strip():
        return Reply(texts.TIME_PROMPT, keyboards.time_choices())
    parsed = parse_send_time(raw)
    if parsed is None:
        return Reply(texts.time_invalid(raw))
    try:
        subscriber = await deps.subscriptions.set_time(chat_id, parsed)
        await deps.diary.reschedule(chat_id)  # --- diary: the weekly follows the daily time
    except NotSubscribed:
        return Reply(texts.NOT_SUBSCRIBED)
    return Reply(texts.time_set(subscriber))


async def set_zone_reply(deps: Deps, chat_id: int, raw: str) -> Reply:
    if not raw.strip():
        return Reply(texts.TIMEZONE_PROMPT, keyboards.zone_choices())
    zone = parse_zone(raw)
    if zone is None:
        return Reply(texts.timezone_invalid(raw, suggest_zones(raw)))
    try:
        subscriber = await deps.subscriptions.set_timezone(chat_id, zone)
        await deps.diary.reschedule(chat_id)  # --- diary: prompts follow the new zone
    except NotSubscribed:
        return Reply(texts.NOT_SUBSCRIBED)
    return Reply(texts.timezone_set(subscriber, deps.clock.now().astimezone(zone.tz)))


async def topics_reply(deps: Deps, chat_id: int) -> Reply:
    subscriber = await deps.subscriptions.get(chat_id)
    if subscriber is None:
        return Reply(texts.NOT_SUBSCRIBED)
    return Reply(texts.topics_now(subscriber), keyboards.topics_menu(subscriber))


async def stop_reply(deps: Deps, chat_id: int) -> Reply:
    subscriber = await deps.subscriptions.get(chat_id)
    if subscriber is None:
        return Reply(texts.NOT_SUBSCRIBED)
    if subscriber.status == "stopped":
        return Reply(texts.ALREADY_STOPPED)
    await deps.subscriptions.stop(chat_id)
    return Reply(texts.STOPPED)


async def subscribe_reply(deps: Deps, update: Update) -> Reply:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    result = await deps.subscriptions.start(chat.id, user.id if user else None, chat.type)
    if result.created:
        return Reply(texts.welcome(result), keyboards.main_menu())
    return Reply(texts.resumed(result.subscriber))


# ----------------------------------------------------------------- commands

async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = get_deps(context)
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    result = await deps.subscriptions.start(chat.id, user.id if user else None, chat.type)
    await send(update, context, Reply(texts.welcome(result), keyboards.main_menu()))


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, await subscribe_reply(get_deps(context), update))


ChatAction = Callable[[Deps, int, str], Awaitable[Reply]]


def chat_command(action: ChatAction) -> Handler:
    """A command handler that passes the chat id and the typed arguments to `action`."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is None:
            return
        await send(update, context, await action(
            get_deps(context), update.effective_chat.id, command_args(context)))

    return handler


stop = chat_command(lambda deps, chat_id, _raw: stop_reply(deps, chat_id))
tip = chat_command(lambda deps, chat_id, _raw: tip_reply(deps, chat_id))
pause = chat_command(pause_reply)
resume = chat_command(lambda deps, chat_id, _raw: resume_reply(deps, chat_id))
foods = chat_command(foods_reply)
time_command = chat_command(set_time_reply)
timezone_command = chat_command(set_zone_reply)
topics = chat_command(lambda deps, chat_id, _raw: topics_reply(deps, chat_id))
settings = chat_command(lambda deps, chat_id, _raw: settings_reply(deps, chat_id))


async def causes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, causes_reply(get_deps(context)))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, Reply(texts.help_text()))


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, Reply(texts.about(list(get_deps(context).sources))))


async def not_a_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, Reply(texts.NOT_A_COMMAND))


# ------------------------------------------------------------------ buttons
# Each takes the parsed callback data (bot.ui.callbacks) and returns how to answer.

def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None  # on_press only calls with a chat
    return update.effective_chat.id


async def menu_button(deps: Deps, update: Update, data: Menu) -> Answer:
    chat_id = _chat_id(update)
    if data.item == MENU_TIP:
        return Answer(send=(await tip_reply(deps, chat_id),))
    if data.item == MENU_FOODS:
        return Answer(send=(await foods_reply(deps, chat_id),))
    if data.item == MENU_CAUSES:
        return Answer(send=(causes_reply(deps),))
    if data.item == MENU_SETTINGS:
        return Answer(send=(await settings_reply(deps, chat_id),))
    if data.item == MENU_SOS:  # --- diary
        return Answer(send=(diary.sos_reply(),))
    return EXPIRED


async def setting_button(deps: Deps, update: Update, data: Setting) -> Answer:
    chat_id = _chat_id(update)
    if data.item == SET_TIME:
        return Answer(send=(await set_time_reply(deps, chat_id, ""),))
    if data.item == SET_ZONE:
        return Answer(send=(await set_zone_reply(deps, chat_id, ""),))
    if data.item == SET_TOPICS:
        return Answer(send=(await topics_reply(deps, chat_id),))
    if data.item == SET_STOP:
        return Answer(send=(await stop_reply(deps, chat_id),))
    if data.item == SET_RESUME:
        return Answer(send=(await subscribe_reply(deps, update),))
    return EXPIRED


async def time_button(deps: Deps, update: Update, data: PickTime) -> Answer:
    return Answer(send=(await set_time_reply(deps, _chat_id(update), data.value),))


async def zone_button(deps: Deps, update: Update, data: PickZone) -> Answer:
    return Answer(send=(await set_zone_reply(deps, _chat_id(update), data.value),))


async def topic_button(deps: Deps, update: Update, data: ToggleTopic) -> Answer:
    """Toggle a topic and redraw the keyboard in place, so the user sees the new state."""
    chat_id = _chat_id(update)
    if data.topic == TOPICS_DONE:
        query = update.callback_query
        already_saved = query is None or query.message is None or \
            getattr(query.message, "reply_markup", None) is None
        subscriber = await deps.subscriptions.get(chat_id)
        if subscriber is None or already_saved:
            return Answer()
        return Answer(edit=Reply(texts.TOPICS_SAVED + "\n\n"
                                 + texts.settings_summary(subscriber)))
    if data.topic not in TOPICS:
        return EXPIRED
    try:
        toggled = await deps.subscriptions.toggle_topic(chat_id, data.topic)
    except NotSubscribed:
        return Answer(texts.NOT_SUBSCRIBED)
    if toggled.refused_last:
        return Answer(texts.TOPIC_LAST_ONE)
    return Answer(edit=Reply(texts.topics_now(toggled.subscriber),
                             keyboards.topics_menu(toggled.subscriber)))


_VOTE_NOTICES = {
    "up": texts.VOTE_UP, "down": texts.VOTE_DOWN, "retired": texts.VOTE_RETIRED,
    "unknown": texts.TIP_GONE, "not_subscribed": texts.NOT_SUBSCRIBED,
}


async def tip_action_button(deps: Deps, update: Update, data: TipAction) -> Answer:
    chat_id = _chat_id(update)
    if data.action in (VOTE_UP, VOTE_DOWN) and data.tip_id:
        result = await deps.feedback.vote(chat_id, data.tip_id, data.action == VOTE_UP)
        return Answer(_VOTE_NOTICES[result.outcome])
    if data.action == ANOTHER:
        another = await deps.feedback.another(chat_id)
        if another.limit_reached:
            return Answer(texts.another_limit(another.next_time))
        return Answer(send=(_tip_reply(deps, another.taken),))
    return EXPIRED


# ------------------------------------------------------------ chat members

async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Notice a block (or a kick from a group) before the next send fails on it."""
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    if status in ("kicked", "left"):
        reason = texts.chat_left_reason(change.chat.type, status)
        await get_deps(context).subscriptions.mark_unreachable(change.chat.id, reason)
        log.info("chat_id=%s marked inactive: %s", change.chat.id, reason)
