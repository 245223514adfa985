"""Which updates the bot answers at all, and who may change a group's subscription.

Two checks, each made once:

- `gate` runs before every other handler (its own group, -1) and drops, unanswered, what
  the bot must never reply to: channel posts, business messages, edits (an edited old
  "/stop" must not run again) and commands addressed to another bot ("/start@OtherBot";
  our own "@name" goes through). Without it the catch-alls would answer them.
  It also sets the update's language (bot.core.i18n.set_locale, as aiogram's i18n
  middleware does): the chat's chosen one, else the person's Telegram language, else
  English (bot.services.languages).
- `group_admins_only` wraps the handlers that change a chat's subscription (/stop, /time,
  /pause, /forget, the settings buttons ...). In a private chat everyone is their own
  admin; in a group only its creator and administrators may, as Telegram's getChatMember
  says, plus an anonymous administrator (whose message names the group itself as
  sender_chat). Everyone else gets a polite answer and nothing changes. Reading commands
  (/tip, /foods, /causes) are not wrapped and stay open to all.
- Some handlers change a group's subscription only sometimes, and are wrapped with the
  condition: `/start` and `/subscribe` (a first one in a new group stays open to everyone;
  turning an existing group's tips back on after its admins stopped or paused them is
  theirs), the "did you mean /pause?" buttons, and 👍/👎 (a vote shapes the group's
  rotation; ➕ Another tip stays open).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Message, MessageEntity, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.core.i18n import set_locale
from bot.handlers.common import AnyHandler, Handler, Reply, send
from bot.handlers.deps import get_deps
from bot.storage import Subscriber
from bot.ui import texts
from bot.ui.callbacks import VOTE_DOWN, VOTE_UP, RunCommand, TipAction

log = logging.getLogger(__name__)

GROUP_ADMIN_STATUSES = frozenset({"creator", "administrator"})


# ------------------------------------------------------------------ the gate

def _addressed_elsewhere(message: Message, bot_username: str | None) -> bool:
    """True for "/cmd@SomeoneElse": a command another bot in the group should answer."""
    entities = message.entities or ()
    if not message.text or not entities:
        return False
    first = entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return False
    command = message.parse_entity(first)
    _, at, target = command.partition("@")
    return bool(at) and target.lower() != (bot_username or "").lower()


def unanswerable(update: Update, bot_username: str | None) -> str | None:
    """Why the bot stays silent on this update, or None when it may answer."""
    if update.channel_post is not None or update.edited_channel_post is not None:
        return "channel post"
    if update.business_message is not None or update.edited_business_message is not None:
        return "business message"
    if update.edited_message is not None:
        return "edited message"
    if update.message is not None and _addressed_elsewhere(update.message, bot_username):
        return "command for another bot"
    return None


async def _gate(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not isinstance(update, Update):
        return
    reason = unanswerable(update, context.bot.username)
    chat = update.effective_chat
    if reason is not None:
        log.debug("update_id=%s chat_id=%s ignored: %s", update.update_id,
                  chat.id if chat else None, reason)
        raise ApplicationHandlerStop
    # Everything this update's handlers say is in the chat's language (the context of the
    # update's task carries it: two updates in two languages never mix).
    user = update.effective_user
    set_locale(await get_deps(context).languages.for_update(
        chat.id if chat else None, user.language_code if user else None,
        private=chat is not None and chat.type == "private"))


def gate() -> AnyHandler:
    """The handler that drops unanswerable updates before anything else sees them."""
    return TypeHandler(Update, _gate)


# ------------------------------------------------------- group administrators

async def may_change_subscription(update: Update,
                                  context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True in a private chat, or for a group's creator/administrators (anonymous too)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type == "private":
        return True
    message = update.effective_message if update.callback_query is None else None
    if message is not None and message.sender_chat is not None \
            and message.sender_chat.id == chat.id:
        return True  # an anonymous administrator writes as the group itself
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("chat_id=%s user_id=%s membership unknown, refusing: %s",
                    chat.id, user.id, type(exc).__name__)
        return False
    return member.status in GROUP_ADMIN_STATUSES


# Whether this update would change the group's subscription (checked before asking
# Telegram who is an admin, so members' reading commands cost no getChatMember).
Changes = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[bool]]


async def _always(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    return True


def _admins_only(callback: Handler, changes: Changes = _always,
                 toast: Callable[[], str] = texts.group_admins_only_toast) -> Handler:
    @functools.wraps(callback)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await changes(update, context) or await may_change_subscription(update, context):
            await callback(update, context)
            return
        chat, user = update.effective_chat, update.effective_user
        log.info("chat_id=%s user_id=%s not a group admin: change refused",
                 chat.id if chat else None, user.id if user else None)
        if update.callback_query is not None:
            await update.callback_query.answer(toast())
        else:
            await send(update, context, Reply(texts.group_admins_only()))

    return guarded


def group_admins_only(handlers: list[AnyHandler]) -> list[AnyHandler]:
    """The same handlers, each behind the group-administrator check."""
    for handler in handlers:
        handler.callback = _admins_only(handler.callback)
    return handlers


async def _group_row(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Subscriber | None:
    """The subscription of the group this update comes from; None in a private chat."""
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        return None
    return await get_deps(context).subscriptions.get(chat.id)


async def _turns_back_on(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """/start or /subscribe on a group subscription that is stopped, paused or blocked."""
    row = await _group_row(update, context)
    return row is not None and row.status != "active"


async def _changing_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A "did you mean" button that pauses, resumes or re-subscribes a group."""
    query = update.callback_query
    data = RunCommand.parse(query.data) if query is not None else None
    if data is None or data.name not in ("pause", "resume", "subscribe"):
        return False
    if data.name == "subscribe":
        return await _turns_back_on(update, context)
    return await _group_row(update, context) is not None


async def _group_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """👍 or 👎 pressed in a group: it changes the group's rotation."""
    chat, query = update.effective_chat, update.callback_query
    data = TipAction.parse(query.data) if query is not None else None
    return (chat is not None and chat.type != "private" and data is not None
            and data.action in (VOTE_UP, VOTE_DOWN))


def group_admins_to_resubscribe(handlers: list[AnyHandler]) -> list[AnyHandler]:
    """/start and /subscribe: open to all, except turning a group's tips back on."""
    for handler in handlers:
        handler.callback = _admins_only(handler.callback, _turns_back_on)
    return handlers


def group_admins_for_changing_commands(handler: AnyHandler) -> AnyHandler:
    """The "did you mean" buttons: the ones that change a group's subscription are its admins'."""
    handler.callback = _admins_only(handler.callback, _changing_command)
    return handler


def group_admins_vote(handler: AnyHandler) -> AnyHandler:
    """The buttons under a tip: in a group, only administrators' votes count."""
    handler.callback = _admins_only(handler.callback, _group_vote,
                                    toast=texts.group_vote_admins_only)
    return handler
