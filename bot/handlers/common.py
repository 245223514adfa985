"""What every handler module shares: replies, sending, editing in place, arguments, errors.

Each user action is written once as a function returning a `Reply`; the command and the
button for the same action both send that reply, so typing /tip and tapping "Tip now"
cannot drift apart. A button press is answered with an `Answer`: an optional toast,
then messages to send and/or the pressed message redrawn — always in that order, and
always exactly one answerCallbackQuery.

Parse mode and link previews come from the Application's `Defaults`, set once in
bot.app; nothing here passes them per call.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from rapidfuzz import fuzz, process
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, ContextTypes

from bot.deps import Deps, get_deps
from bot.message_edit import edit_text
from bot.ui import keyboards, texts
from bot.ui.callbacks import CallbackData

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]
AnyHandler: TypeAlias = BaseHandler[Update, Any, Any]
K = TypeVar("K", bound=CallbackData)


@dataclass(frozen=True, slots=True)
class Reply:
    """One message: text, keyboard, and a hook told how sending went (message id or error)."""

    text: str
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
    after_send: Callable[[int | None, str | None], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """How a button press is answered: a toast (None: silently), new messages, a redraw."""

    toast: str | None = None
    send: tuple[Reply, ...] = ()
    edit: Reply | None = None


EXPIRED = Answer(texts.BUTTON_EXPIRED)


def command_args(context: ContextTypes.DEFAULT_TYPE) -> str:
    """Everything typed after the command, words joined by single spaces."""
    return " ".join(context.args or [])


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Send a reply to the update's chat and tell the service how it went."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        message = await context.bot.send_message(chat.id, reply.text,
                                                 reply_markup=reply.markup)
    except TelegramError as exc:
        if reply.after_send is not None:
            await reply.after_send(None, f"{type(exc).__name__}: {exc.message}"[:200])
        raise
    if reply.after_send is not None:
        await reply.after_send(message.message_id, None)


async def edit_in_place(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        reply: Reply) -> None:
    """Redraw the pressed message; send a new one if it cannot be edited any more.

    An unchanged screen (a double tap) counts as done: see bot.message_edit.
    """
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            markup = reply.markup if isinstance(reply.markup, InlineKeyboardMarkup) else None
            await edit_text(context.bot, query.message.chat.id, query.message.message_id,
                            reply.text, markup)
            return
        except BadRequest as exc:  # too old, deleted, inaccessible
            log.info("chat_id=%s could not edit, sending instead: %s",
                     query.message.chat.id, type(exc).__name__)
    await send(update, context, reply)


def on_press(kind: type[K], action: Callable[[Deps, Update, K], Awaitable[Answer]]
             ) -> Handler:
    """A button handler for one callback kind: parse the data, act, answer the press."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or update.effective_chat is None:
            return
        data = kind.parse(query.data)
        answer = EXPIRED if data is None else await action(get_deps(context), update, data)
        await query.answer(answer.toast)
        if answer.edit is not None:
            await edit_in_place(update, context, answer.edit)
        for reply in answer.send:
            await send(update, context, reply)

    handler.__name__ = handler.__qualname__ = getattr(action, "__name__", "on_press")
    return handler


async def expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any press no callback kind accepts: stale, forged or garbled data."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.BUTTON_EXPIRED)


SUGGESTED_COMMANDS = ("tip", "foods", "causes", "settings", "help", "about", "topics",
                      "time", "timezone", "subscribe", "resume", "pause")


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A near-miss (/food, /setings) gets "did you mean" buttons; anything else /help."""
    message = update.effective_message
    typed = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    name = typed.lstrip("/").split("@", 1)[0].lower()
    close = [found for found, score, _ in process.extract(
        name[:32], SUGGESTED_COMMANDS, scorer=fuzz.ratio, limit=2) if score >= 70]
    if name and close:
        await send(update, context, Reply(texts.did_you_mean(typed, close),
                                          keyboards.command_choices(close)))
        return
    await send(update, context, Reply(texts.UNKNOWN_COMMAND + texts.help_text()))


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
