"""Telegram handlers: parse the update, call a service, reply. No rules live here.

Each user action is written once as a function returning a `Reply`; the command handler
and the button handler for the same action both send that reply, so typing /tip and
tapping "Tip now" cannot drift apart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import keyboards, texts
from bot.parsing import parse_days, parse_send_time, parse_zone, suggest_zones
from bot.services import Services, get_services
from bot.subscriptions import NotSubscribed
from bot.tipfeed import TakenTip
from tips.catalog import TOPICS
from tips.foods import find_food, suggest_foods

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    markup: InlineKeyboardMarkup | None = None
    after_send: Callable[[int | None, str | None], Awaitable[None]] | None = None


def _args(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or [])


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Send a reply to the update's chat and tell the service how it went."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        message = await context.bot.send_message(
            chat.id, reply.text, parse_mode=ParseMode.HTML, reply_markup=reply.markup,
            link_preview_options=NO_PREVIEW,
        )
    except TelegramError as exc:
        if reply.after_send is not None:
            await reply.after_send(None, f"{type(exc).__name__}: {exc.message}"[:200])
        raise
    if reply.after_send is not None:
        await reply.after_send(message.message_id, None)


# ------------------------------------------------------------------ actions

def _tip_reply(svc: Services, taken: TakenTip | None) -> Reply:
    if taken is None:
        return Reply(texts.NO_TIPS)
    text = texts.tip_message(taken.tip)
    if taken.delivery_id is None:
        text += texts.TIP_FOR_GUEST

    async def settle(message_id: int | None, error: str | None) -> None:
        await svc.feed.settle(taken.delivery_id, message_id, error)

    return Reply(text, keyboards.tip_actions(taken.tip.id), after_send=settle)


async def tip_reply(svc: Services, chat_id: int) -> Reply:
    return _tip_reply(svc, await svc.feed.take_next(chat_id))


async def another_reply(svc: Services, chat_id: int) -> Reply | str:
    """Another tip, or the kind notice when today's extra tips are used up."""
    result = await svc.feedback.another(chat_id)
    if result.limit_reached:
        return texts.another_limit(result.next_time.strftime("%H:%M") if result.next_time
                                   else "the usual time")
    return _tip_reply(svc, result.taken)


async def vote_notice(svc: Services, chat_id: int, tip_id: str, up: bool) -> str:
    result = await svc.feedback.vote(chat_id, tip_id, up)
    return {
        "up": texts.VOTE_UP, "down": texts.VOTE_DOWN, "retired": texts.VOTE_RETIRED,
        "unknown": texts.TIP_GONE, "not_subscribed": texts.NOT_SUBSCRIBED,
    }[result.outcome]


async def pause_reply(svc: Services, chat_id: int, raw: str) -> Reply:
    days = parse_days(raw, default=7, low=1, high=90)
    if days is None:
        return Reply(texts.PAUSE_INVALID)
    try:
        subscriber = await svc.subscriptions.pause(chat_id, days)
    except NotSubscribed:
        return Reply(texts.NOT_SUBSCRIBED)
    if subscriber is None:
        return Reply(texts.PAUSE_WHEN_STOPPED)
    return Reply(texts.paused(subscriber, days))


async def resume_reply(svc: Services, chat_id: int) -> Reply:
    try:
        subscriber = await svc.subscriptions.resume(chat_id)
    except NotSubscribed:
        return Reply(texts.NOT_SUBSCRIBED)
    if subscriber is None:
        return Reply(texts.NOT_PAUSED)
    return Reply(texts.resumed(subscriber))


def foods_reply(svc: Services, query: str = "", need_mg: int | None = None) -> Reply:
    if not query.strip():
        return Reply(texts.foods_table(svc.foods, need_mg))
    food = find_food(svc.foods, query)
    if food is None:
        return Reply(texts.food_unknown(query, suggest_foods(svc.foods, query)))
    return Reply(texts.food_answer(food, svc.foods))


def causes_reply(svc: Services) -> Reply:
    return Reply(texts.causes(svc.causes))


async def settings_reply(svc: Services, chat_id: int) -> Reply:
    subscriber = await svc.subscriptions.get(chat_id)
    if subscriber is None:
        return Reply(texts.NOT_SUBSCRIBED)
    return Reply(texts.settings_summary(subscriber) + texts.next_tip_line(subscriber),
                 keyboards.settings_menu(subscriber))


async def set_time_reply(svc: Services, chat_id: int, raw: str) -> Reply:
    if not raw.strip():
        return Reply(texts.TIME_PROMPT, keyboards.time_choices())
    parsed = parse_send_time(raw)
    if parsed is None:
        return Reply(texts.time_invalid(raw))
    try:
        subscriber = await svc.subscriptions.set_time(chat_id, parsed)
    except NotSubscribed:
        return Reply(texts.NOT_SUBSCRIBED)
    return Reply(texts.time_set(subscriber))


async def set_zone_reply(svc: Services, chat_id: int, raw: str) -> Reply:
    if not raw.strip():
        return Reply(texts.TIMEZONE_PROMPT, keyboards.zone_choices())
    zone = parse_zone(raw)
    if zone is None:
        return Reply(texts.timezone_invalid(raw, suggest_zones(raw)))
    try:
        subscriber = await svc.subscriptions.set_timezone(chat_id, zone)
    except NotSubscribed:
        return Reply(texts.NOT_SUBSCRIBED)
    return Reply(texts.timezone_set(subscriber, svc.clock.now().astimezone(zone.tz)))


async def topics_reply(svc: Services, chat_id: int) -> Reply:
    subscriber = await svc.subscriptions.get(chat_id)
    if subscriber is None:
        return Reply(texts.NOT_SUBSCRIBED)
    return Reply(texts.topics_now(subscriber), keyboards.topics_menu(subscriber))


async def stop_reply(svc: Services, chat_id: int) -> Reply:
    subscriber = await svc.subscriptions.get(chat_id)
    if subscriber is None:
        return Reply(texts.NOT_SUBSCRIBED)
    if subscriber.status == "stopped":
        return Reply(texts.ALREADY_STOPPED)
    await svc.subscriptions.stop(chat_id)
    return Reply(texts.STOPPED)


async def subscribe_reply(svc: Services, update: Update) -> Reply:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    result = await svc.subscriptions.start(chat.id, user.id if user else None, chat.type)
    if result.created:
        return Reply(texts.welcome(result.subscriber, True, None), keyboards.main_menu())
    return Reply(texts.resumed(result.subscriber))


# ----------------------------------------------------------------- commands

async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = get_services(context)
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    result = await svc.subscriptions.start(chat.id, user.id if user else None, chat.type)
    await send(update, context, Reply(
        texts.welcome(result.subscriber, result.created, result.was_status),
        keyboards.main_menu(),
    ))


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, await subscribe_reply(get_services(context), update))


ChatAction = Callable[[Services, int, str], Awaitable[Reply]]


def chat_command(action: ChatAction) -> Callable[[Update, ContextTypes.DEFAULT_TYPE],
                                                 Awaitable[None]]:
    """A command handler that passes the chat id and the typed arguments to `action`."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is None:
            return
        await send(update, context, await action(
            get_services(context), update.effective_chat.id, _args(context)))

    return handler


stop = chat_command(lambda svc, chat_id, _raw: stop_reply(svc, chat_id))
tip = chat_command(lambda svc, chat_id, _raw: tip_reply(svc, chat_id))
pause = chat_command(pause_reply)
resume = chat_command(lambda svc, chat_id, _raw: resume_reply(svc, chat_id))
time_command = chat_command(set_time_reply)
timezone_command = chat_command(set_zone_reply)
topics = chat_command(lambda svc, chat_id, _raw: topics_reply(svc, chat_id))
settings = chat_command(lambda svc, chat_id, _raw: settings_reply(svc, chat_id))


async def causes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, causes_reply(get_services(context)))


async def foods(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = get_services(context)
    assert update.effective_chat is not None
    subscriber = await svc.subscriptions.get(update.effective_chat.id)
    await send(update, context, foods_reply(svc, _args(context),
                                            subscriber.need_mg if subscriber else None))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, Reply(texts.help_text()))


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, Reply(texts.about(get_services(context).sources)))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, Reply(texts.UNKNOWN_COMMAND + texts.help_text()))


async def not_a_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, Reply(texts.NOT_A_COMMAND))


# ------------------------------------------------------------------ buttons

async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route an inline-button press by its callback_data prefix."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    svc = get_services(context)
    prefix, _, value = (query.data or "").partition(":")
    notice: str | None = None
    reply: Reply | None = None

    if prefix == "menu":
        if value == "tip":
            reply = await tip_reply(svc, chat.id)
        elif value == "foods":
            subscriber = await svc.subscriptions.get(chat.id)
            reply = foods_reply(svc, need_mg=subscriber.need_mg if subscriber else None)
        elif value == "causes":
            reply = causes_reply(svc)
        elif value == "settings":
            reply = await settings_reply(svc, chat.id)
    elif prefix == "set":
        if value == "time":
            reply = await set_time_reply(svc, chat.id, "")
        elif value == "tz":
            reply = await set_zone_reply(svc, chat.id, "")
        elif value == "topics":
            reply = await topics_reply(svc, chat.id)
        elif value == "stop":
            reply = await stop_reply(svc, chat.id)
        elif value == "resume":
            reply = await subscribe_reply(svc, update)
    elif prefix == "time":
        reply = await set_time_reply(svc, chat.id, value)
    elif prefix == "tz":
        reply = await set_zone_reply(svc, chat.id, value)
    elif prefix == "topic":
        notice = await _topic_button(update, svc, chat.id, value) or ""
    elif prefix == "fb":
        action, _, tip_id = value.partition(":")
        if action in ("up", "down") and tip_id:
            notice = await vote_notice(svc, chat.id, tip_id, action == "up")
        elif action == "more":
            outcome = await another_reply(svc, chat.id)
            if isinstance(outcome, str):
                notice = outcome
            else:
                reply = outcome
    if reply is None and notice is None:
        notice = texts.BUTTON_EXPIRED

    await query.answer(notice or None)
    if reply is not None:
        await send(update, context, reply)


async def _edit_in_place(update: Update, text: str,
                         markup: InlineKeyboardMarkup | None = None) -> None:
    """Redraw the pressed message; a repeated press that changes nothing is not an error."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def _topic_button(update: Update, svc: Services, chat_id: int, value: str) -> str | None:
    """Toggle a topic and redraw the keyboard in place, so the user sees the new state."""
    if value == "done":
        query = update.callback_query
        already_saved = query is None or query.message is None or \
            getattr(query.message, "reply_markup", None) is None
        subscriber = await svc.subscriptions.get(chat_id)
        if subscriber is not None and not already_saved:
            await _edit_in_place(update, texts.TOPICS_SAVED + "\n\n"
                                 + texts.settings_summary(subscriber))
        return None
    if value not in TOPICS:
        return texts.BUTTON_EXPIRED
    try:
        toggled = await svc.subscriptions.toggle_topic(chat_id, value)
    except NotSubscribed:
        return texts.NOT_SUBSCRIBED
    if toggled.refused_last:
        return texts.TOPIC_LAST_ONE
    await _edit_in_place(update, texts.topics_now(toggled.subscriber),
                         keyboards.topics_menu(toggled.subscriber))
    return None


# ------------------------------------------------------------------- errors

async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with ids only, and tell the user something went wrong."""
    chat_id = update.effective_chat.id if isinstance(update, Update) and update.effective_chat \
        else None
    log.error("handler failed chat_id=%s error=%s", chat_id, type(context.error).__name__,
              exc_info=context.error)
    if chat_id is None or isinstance(context.error, TelegramError):
        return
    try:
        await context.bot.send_message(chat_id, texts.ERROR_GENERIC)
    except TelegramError:
        log.warning("could not report the error to chat_id=%s", chat_id)


USER_COMMANDS: tuple[tuple[tuple[str, ...], Callable[..., Awaitable[None]]], ...] = (
    (("start",), start),
    (("subscribe",), subscribe),
    (("stop", "unsubscribe"), stop),
    (("tip",), tip),
    (("pause",), pause),
    (("resume",), resume),
    (("causes",), causes),
    (("foods",), foods),
    (("time",), time_command),
    (("timezone",), timezone_command),
    (("topics",), topics),
    (("settings",), settings),
    (("help",), help_command),
    (("about",), about),
)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach every handler; the catch-alls come last in the same group, so they only get
    what no command handler took."""
    for names, callback in USER_COMMANDS:
        application.add_handler(CommandHandler(list(names), callback))
    # Feature modules register their own commands and button prefixes first.
    from bot import admin_handlers, personal_handlers

    personal_handlers.register(application)
    admin_handlers.register(application)
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(
        ~filters.COMMAND & (filters.TEXT | filters.Sticker.ALL | filters.ATTACHMENT),
        not_a_command,
    ))
    application.add_error_handler(on_error)
