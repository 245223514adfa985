"""What every handler module shares: replies, sending, editing in place, arguments, errors.

Each user action is written once as a function returning a `Reply`; the command and the
button for the same action both send that reply, so typing /tip and tapping "Tip now"
cannot drift apart. A button press is answered with an `Answer`: an optional toast,
then messages to send and/or the pressed message redrawn — always in that order, and
always exactly one answerCallbackQuery.

Parse mode and link previews come from the Application's `Defaults`, set once in
bot.app; nothing here passes them per call.

A reply hit by flood control (429) or a timeout/network hiccup is tried again rather than
dropped: at most `REPLY_RETRY.tries` attempts, waiting what Telegram's retry_after asks
(a wait longer than `max_wait` gives up instead), or a short backoff after a timeout. A
timed-out send may in fact have arrived, so a retry can, rarely, show a reply twice; a
lost answer is the worse failure for someone who asked. A reply to a group that became
a supergroup (ChatMigrated) moves the subscription and goes to the new chat id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from rapidfuzz import fuzz, process
from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, ChatMigrated, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseHandler, ContextTypes

from bot.delivery.message_edit import edit_text
from bot.handlers.deps import BOT_DATA_KEY, Deps, get_deps
from bot.ui import keyboards, texts
from bot.ui.callbacks import CallbackData

log = logging.getLogger(__name__)

# Coroutine, not Awaitable: what PTB's handler classes accept as a callback.
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
AnyHandler: TypeAlias = BaseHandler[Update, Any, Any]
K = TypeVar("K", bound=CallbackData)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard a reply is pushed through 429s and timeouts (sleep injectable for tests)."""

    tries: int = 3
    max_wait: float = 10.0  # longest retry_after honoured, in seconds
    backoff: float = 1.0  # first wait after a timeout; doubles each time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


REPLY_RETRY = RetryPolicy()


def _transient(exc: TelegramError) -> bool:
    """A timeout or a network/5xx failure; BadRequest is a NetworkError in PTB but final."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


async def with_retries(call: Callable[[], Awaitable[T]], chat_id: int,
                       policy: RetryPolicy | None = None) -> T:
    """Run one Bot API call, again after a 429 or a timeout, within the policy's bounds."""
    policy = policy or REPLY_RETRY
    for attempt in range(1, policy.tries + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = exc.retry_after if isinstance(exc.retry_after, int | float) \
                else exc.retry_after.total_seconds()
            if attempt == policy.tries or wait > policy.max_wait:
                raise
            log.info("chat_id=%s reply flood-limited, retrying in %ss", chat_id, wait)
        except TelegramError as exc:
            if attempt == policy.tries or not _transient(exc):
                raise
            wait = policy.backoff * 2 ** (attempt - 1)
            log.info("chat_id=%s reply failed (%s), retrying in %ss", chat_id,
                     type(exc).__name__, wait)
        await policy.sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


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


def expired() -> Answer:
    """The answer to a button that no longer works, in the reader's language."""
    return Answer(texts.button_expired())


def command_args(context: ContextTypes.DEFAULT_TYPE) -> str:
    """Everything typed after the command, words joined by single spaces."""
    return " ".join(context.args or [])


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Send a reply to the update's chat and tell the service how it went."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        message = await _send_to(context, chat.id, reply)
    except TelegramError as exc:
        if reply.after_send is not None:
            await reply.after_send(None, f"{type(exc).__name__}: {exc.message}"[:200])
        raise
    if reply.after_send is not None:
        await reply.after_send(message.message_id, None)


async def _send_to(context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> Message:
    """Send with retries; follow a group to its new supergroup id once."""

    def attempt(target: int) -> Callable[[], Awaitable[Message]]:
        return lambda: context.bot.send_message(target, reply.text, reply_markup=reply.markup)

    try:
        return await with_retries(attempt(chat_id), chat_id)
    except ChatMigrated as exc:
        await get_deps(context).subscriptions.move_chat(chat_id, exc.new_chat_id)
        return await with_retries(attempt(exc.new_chat_id), exc.new_chat_id)


async def edit_in_place(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        reply: Reply) -> None:
    """Redraw the pressed message; send a new one if it cannot be edited any more.

    An unchanged screen (a double tap) counts as done: see bot.message_edit.
    """
    query = update.callback_query
    if query is not None and query.message is not None:
        chat_id, message_id = query.message.chat.id, query.message.message_id
        try:
            markup = reply.markup if isinstance(reply.markup, InlineKeyboardMarkup) else None
            await with_retries(lambda: edit_text(context.bot, chat_id, message_id,
                                                 reply.text, markup), chat_id)
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
        answer = expired() if data is None else await action(get_deps(context), update, data)
        await query.answer(answer.toast)
        if answer.edit is not None:
            await edit_in_place(update, context, answer.edit)
        for reply in answer.send:
            await send(update, context, reply)

    handler.__name__ = handler.__qualname__ = getattr(action, "__name__", "on_press")
    return handler


def shows_pressed_button(update: Update) -> bool:
    """True when the pressed message still shows a button carrying the pressed data.

    Telegram passes on whatever callback data a client sends, for any of the bot's
    messages in the chat; a press whose data the message does not show is a double tap
    on a message already redrawn, a stale copy, or forged. (A message Telegram no longer
    describes, deleted or too old, shows nothing.)
    """
    query = update.callback_query
    markup = getattr(query.message, "reply_markup", None) if query is not None else None
    if query is None or query.data is None or markup is None:
        return False
    return any(button.callback_data == query.data
               for row in markup.inline_keyboard for button in row)


async def expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any press no callback kind accepts: stale, forged or garbled data."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.button_expired())


# Exactly the commands a button can run (user.command_reply): each suggestion is a button.
SUGGESTED_COMMANDS = ("tip", "foods", "causes", "settings", "help", "about", "topics",
                      "time", "timezone", "subscribe", "resume", "pause")
# Suggested in the text only (Telegram makes a /command in a message tappable): they take
# arguments or open a flow of their own. /stop and /forget are never suggested for a typo.
TEXT_SUGGESTIONS = ("need", "mydata", "sos", "cramp", "diary", "report", "export", "language")


def typed_command(update: Update) -> tuple[str, str]:
    """The command as typed and its bare name: ("/Stats@MagDailyBot", "stats")."""
    message = update.effective_message
    typed = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    return typed, typed.lstrip("/").split("@", 1)[0].lower()


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A near-miss (/food, /setings, /diry) gets "did you mean"; anything else /help."""
    typed, name = typed_command(update)
    close = [found for found, score, _ in process.extract(
        name[:32], SUGGESTED_COMMANDS + TEXT_SUGGESTIONS, scorer=fuzz.ratio, limit=2)
        if score >= 70]
    if name and close:
        buttons = [found for found in close if found in SUGGESTED_COMMANDS]
        await send(update, context, Reply(
            texts.did_you_mean(typed, close),
            keyboards.command_choices(buttons) if buttons else None))
        return
    await send(update, context, Reply(texts.unknown_command() + texts.help_text()))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with ids only, and tell the user something went wrong."""
    chat_id = update.effective_chat.id if isinstance(update, Update) and update.effective_chat \
        else None
    if isinstance(context.error, TelegramError) and _transient(context.error):
        # Telegram unreachable or failing (network, 5xx, timeout): an outage is an
        # ordinary event, logged once per spell; the reply could not go out anyway.
        deps = context.bot_data.get(BOT_DATA_KEY)
        reason = f"{type(context.error).__name__}: {context.error.message}"
        if isinstance(deps, Deps):
            deps.outage.failed(reason)
        else:
            log.warning("cannot answer chat_id=%s: %s", chat_id, reason[:80])
        return
    log.error("handler failed chat_id=%s error=%s", chat_id, type(context.error).__name__,
              exc_info=context.error)
    if chat_id is None or isinstance(context.error, TelegramError):
        return
    try:
        await context.bot.send_message(chat_id, texts.error_generic())
    except TelegramError:
        log.warning("could not report the error to chat_id=%s", chat_id)
