"""Admin commands and buttons: broadcast, tips, stats.

To anyone not in ADMIN_IDS these do not exist: a command gets exactly the answer an
unknown command gets, a button the expiry toast, and each refusal is logged with the
user id. The check is made once, by `only()`, which bot.handlers applies to the whole
admin block of the registration list; the handlers below assume an admin.

Admin screens (/stats, /broadcasts, previews, progress) exist only in a private chat: an
admin typing one in a group gets a one-line pointer there, and an admin button pressed in
a group a toast, so no member of the group sees what only admins may.
"""

from __future__ import annotations

import functools
import logging
import re

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import (
    Answer,
    AnyHandler,
    Handler,
    Reply,
    command_args,
    send,
    typed_command,
    unknown_command,
)
from bot.handlers.deps import Deps, get_deps
from bot.services.tip_admin import UnknownTopic
from bot.ui import keyboards, limits, texts
from bot.ui.callbacks import BroadcastTip, CancelBroadcast, ConfirmBroadcast, DiscardBroadcast
from tips.catalog import TIP_ID_RE

log = logging.getLogger(__name__)


# ------------------------------------------------------------- access check

def _guard(callback: Handler) -> Handler:
    @functools.wraps(callback)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        user_id = user.id if user else None
        if get_deps(context).is_admin(user_id):
            chat = update.effective_chat
            if chat is None or chat.type == "private":
                await callback(update, context)
            elif update.callback_query is not None:
                await update.callback_query.answer(texts.ADMIN_PRIVATE_ONLY_TOAST)
            else:
                _typed, name = typed_command(update)
                await send(update, context, Reply(texts.admin_private_only(name)))
            return
        if update.callback_query is not None:
            log.warning("admin button refused user_id=%s", user_id)
            await update.callback_query.answer(texts.button_expired())
        else:
            log.warning("admin command refused user_id=%s", user_id)
            await unknown_command(update, context)

    return guarded


def only(handlers: list[AnyHandler]) -> list[AnyHandler]:
    """The same handlers, each callback behind the one admin check."""
    for handler in handlers:
        handler.callback = _guard(handler.callback)
    return handlers


# ------------------------------------------------------------------ actions

def _broadcast_text(update: Update) -> str:
    """The text to broadcast: the replied-to message with its formatting, or the HTML typed
    after the command (kept verbatim, so an admin may use Telegram's HTML tags)."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    if replied is not None and (replied.text or replied.caption):
        return replied.text_html if replied.text else (replied.caption_html or "")
    raw = message.text or ""
    return re.sub(r"^/\S+\s?", "", raw, count=1)


async def preview_replies(deps: Deps, admin_id: int, text: str) -> tuple[Reply, ...]:
    """The broadcast exactly as subscribers will get it, one message per language, then
    the question to confirm."""
    draft = await deps.broadcasts.draft(admin_id, text)
    if draft.broadcast is None:
        return (Reply(texts.broadcast_refused(draft.problem)),)
    broadcast_id = draft.broadcast.id
    question = (texts.broadcast_confirm(broadcast_id, draft.audience) if len(draft.texts) < 2
                else texts.broadcast_confirm_languages(broadcast_id, draft.audience,
                                                       list(draft.texts), draft.by_language))
    return (*(Reply(shown) for shown in draft.texts.values()),
            Reply(question, keyboards.broadcast_confirm(broadcast_id, draft.audience)))


async def _progress_reply(deps: Deps, broadcast_id: int) -> Reply | None:
    found = await deps.broadcasts.get(broadcast_id)
    if found is None:
        return None
    progress = await deps.broadcasts.progress(found)
    return Reply(texts.broadcast_progress(found, progress), keyboards.broadcast_progress(found))


# ----------------------------------------------------------------- commands

async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = _broadcast_text(update)
    if not text.strip():
        await send(update, context, Reply(texts.BROADCAST_USAGE))
        return
    assert update.effective_user is not None
    for reply in await preview_replies(get_deps(context), update.effective_user.id, text):
        await send(update, context, reply)


async def broadcasts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = get_deps(context)
    recent = await deps.broadcasts.recent()
    chat = update.effective_chat
    own = await deps.subscriptions.get(chat.id) if chat is not None else None
    zone = own.timezone if own is not None else deps.subscriptions.defaults.timezone
    await send(update, context, Reply(texts.broadcasts_list(recent, zone)))


_BROADCAST_ID = re.compile(r"[0-9]{1,9}")  # ASCII digits only, and no number SQLite overflows


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raw = command_args(context).strip()
    if not _BROADCAST_ID.fullmatch(raw):
        await send(update, context, Reply(texts.CANCEL_USAGE))
        return
    dropped = await get_deps(context).broadcasts.cancel(int(raw))
    if dropped is None:
        await send(update, context, Reply(texts.broadcast_nothing_to_cancel(raw)))
        return
    await send(update, context, Reply(texts.broadcast_cancelled(int(raw), dropped)))


async def newtip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raw = command_args(context).strip()
    topic, _, rest = raw.partition(" ")
    text, bar, source = rest.partition("|")
    if not raw:
        await send(update, context, Reply(texts.NEWTIP_USAGE))
        return
    if not bar:
        await send(update, context, Reply(texts.NEWTIP_NO_SOURCE))
        return
    user = update.effective_user
    added = await get_deps(context).tip_admin.add(topic.lower(), text, source,
                                                  user.id if user else None)
    if added.tip is None:
        await send(update, context, Reply(texts.newtip_invalid(list(added.problems))))
        return
    saved = texts.newtip_saved(added.tip)
    if limits.fits(saved):
        await send(update, context, Reply(saved, keyboards.broadcast_tip(added.tip.id)))
        return
    # Near the limit the preview cannot ride along: confirm, then show the tip alone.
    await send(update, context, Reply(texts.newtip_saved_short(added.tip),
                                      keyboards.broadcast_tip(added.tip.id)))
    await send(update, context, Reply(texts.tip_message(added.tip)))


async def tips(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    topic = command_args(context).strip().lower() or None
    try:
        rows = await get_deps(context).tip_admin.listing(topic)
    except UnknownTopic:
        await send(update, context, Reply(texts.tips_unknown_topic(topic or "")))
        return
    for chunk in texts.tips_list(rows):
        await send(update, context, Reply(chunk))


async def retire(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tip_id = command_args(context).strip()
    if not TIP_ID_RE.fullmatch(tip_id):
        await send(update, context, Reply(texts.RETIRE_USAGE))
        return
    if not await get_deps(context).tip_admin.retire(tip_id):
        await send(update, context, Reply(texts.retire_unknown(tip_id)))
        return
    await send(update, context, Reply(texts.retired(tip_id)))


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = get_deps(context)
    found = await deps.tip_admin.stats()
    people, entries = await deps.diary.aggregate_counts()  # counts only
    water_keepers = await deps.water.people_keeping()  # a count only
    food_keepers = await deps.food_log.people_keeping()  # a count only
    stretchers = await deps.diary.people_stretching()  # a count only
    await send(update, context, Reply("\n".join((texts.stats(found),
                                                  texts.diary_stats(people, entries),
                                                  texts.water_stats(water_keepers),
                                                  texts.food_stats(food_keepers),
                                                  texts.stretch_stats(stretchers)))))


# ------------------------------------------------------------------ buttons

async def confirm_button(deps: Deps, update: Update, data: ConfirmBroadcast) -> Answer:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    message_id = query.message.message_id if query.message else None
    queued = await deps.broadcasts.confirm(data.broadcast_id, chat.id, message_id)
    if queued is None:
        return Answer(edit=Reply(texts.broadcast_not_draft(data.broadcast_id)))
    return Answer(edit=await _progress_reply(deps, data.broadcast_id))


async def discard_button(deps: Deps, update: Update, data: DiscardBroadcast) -> Answer:
    discarded = await deps.broadcasts.discard(data.broadcast_id)
    return Answer(edit=Reply(texts.broadcast_discarded(data.broadcast_id) if discarded
                             else texts.broadcast_not_draft(data.broadcast_id)))


async def cancel_button(deps: Deps, update: Update, data: CancelBroadcast) -> Answer:
    dropped = await deps.broadcasts.cancel(data.broadcast_id)
    toast = (texts.broadcast_cancelled(data.broadcast_id, dropped)
             if dropped is not None else None)
    return Answer(toast, edit=await _progress_reply(deps, data.broadcast_id))


async def broadcast_tip_button(deps: Deps, update: Update, data: BroadcastTip) -> Answer:
    tip = await deps.tip_admin.find(data.tip_id)
    if tip is None or update.effective_user is None:
        return Answer()
    return Answer(send=await preview_replies(deps, update.effective_user.id,
                                             texts.tip_message(tip)))
