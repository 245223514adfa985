"""Admin commands and buttons: broadcast, tips, stats.

To anyone not in ADMIN_IDS these commands do not exist: they get exactly the answer an
unknown command gets, and each refusal is logged with the user id.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import texts
from bot.broadcasts import Progress
from bot.handlers import NO_PREVIEW, Reply, send, unknown_command
from bot.services import Services, get_services
from bot.storage import Broadcast
from tips.catalog import TOPICS, make_tip, validate_tip

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def admin_only(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if not get_services(context).is_admin(user.id if user else None):
            log.warning("admin command refused user_id=%s", user.id if user else None)
            await unknown_command(update, context)
            return
        await handler(update, context)

    return wrapper


def _args(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or [])


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def confirm_keyboard(broadcast_id: int, audience: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        _button(f"✅ Send to {audience:,}", f"bc:go:{broadcast_id}"),
        _button("✖ Cancel", f"bc:drop:{broadcast_id}"),
    ]])


def cancel_keyboard(broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button("⏹ Cancel broadcast", f"bc:stop:{broadcast_id}")]])


def progress_text(broadcast: Broadcast, progress: Progress) -> str:
    return texts.broadcast_progress(
        broadcast.id, broadcast.status, progress.sent, progress.failed, progress.blocked,
        progress.pending, progress.cancelled,
        progress.eta.total_seconds() if progress.eta else None)


def progress_markup(broadcast: Broadcast) -> InlineKeyboardMarkup | None:
    return cancel_keyboard(broadcast.id) if broadcast.status == "sending" else None


def _broadcast_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The text to broadcast: the replied-to message with its formatting, or the HTML typed
    after the command (kept verbatim, so an admin may use Telegram's HTML tags)."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    if replied is not None and (replied.text or replied.caption):
        return replied.text_html if replied.text else (replied.caption_html or "")
    raw = message.text or ""
    return re.sub(r"^/\S+\s?", "", raw, count=1)


async def _preview(update: Update, context: ContextTypes.DEFAULT_TYPE, svc: Services,
                   text: str) -> None:
    """Show the broadcast exactly as subscribers will get it, then ask to confirm."""
    user = update.effective_user
    assert user is not None and svc.broadcasts is not None
    draft = await svc.broadcasts.draft(user.id, text)
    if draft.broadcast is None:
        await send(update, context, Reply(texts.broadcast_refused(draft.problem or "invalid")))
        return
    await send(update, context, Reply(draft.broadcast.text))
    await send(update, context, Reply(texts.broadcast_confirm(draft.broadcast.id,
                                                              draft.audience),
                                      confirm_keyboard(draft.broadcast.id, draft.audience)))


@admin_only
async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = _broadcast_text(update, context)
    if not text.strip():
        await send(update, context, Reply(texts.BROADCAST_USAGE))
        return
    await _preview(update, context, get_services(context), text)


@admin_only
async def broadcasts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = get_services(context)
    assert svc.broadcasts is not None
    rows = [(b.id, b.status, b.created_at.strftime("%Y-%m-%d %H:%M"), p.sent, p.failed,
             p.blocked, p.pending, b.text) for b, p in await svc.broadcasts.recent()]
    await send(update, context, Reply(texts.broadcasts_list(rows)))


@admin_only
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = get_services(context)
    assert svc.broadcasts is not None
    raw = _args(context)
    dropped = await svc.broadcasts.cancel(int(raw)) if raw.isdigit() else None
    if dropped is None:
        await send(update, context, Reply(texts.broadcast_nothing_to_cancel(raw)))
        return
    await send(update, context, Reply(texts.broadcast_cancelled(int(raw), dropped)))


@admin_only
async def newtip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = get_services(context)
    raw = _args(context).strip()
    topic, _, rest = raw.partition(" ")
    text, bar, source = rest.partition("|")
    if not raw or not bar:
        await send(update, context, Reply(texts.NEWTIP_USAGE))
        return
    tip_id = await svc.feed.new_tip_id()
    problems = validate_tip(tip_id, topic.lower(), text, source)
    if problems:
        await send(update, context, Reply(texts.newtip_invalid(problems)))
        return
    tip = make_tip(tip_id, topic.lower(), text, source)
    await svc.storage.add_tip(tip, svc.clock.now())
    await svc.feed.refresh()
    log.info("tip added id=%s by admin user_id=%s", tip.id,
             update.effective_user.id if update.effective_user else None)
    await send(update, context, Reply(
        texts.newtip_saved(tip),
        InlineKeyboardMarkup([[_button("📣 Broadcast it now", f"nt:bc:{tip.id}")]])))


@admin_only
async def tips(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = get_services(context)
    topic = _args(context).strip().lower() or None
    if topic is not None and topic not in TOPICS:
        await send(update, context, Reply(texts.tips_unknown_topic(topic)))
        return
    rows = [(s.tip.id, s.tip.topic, up, down, s.retired, s.tip.text)
            for s, up, down in await svc.storage.tip_votes(topic)]
    for chunk in texts.tips_list(rows):
        await send(update, context, Reply(chunk))


@admin_only
async def retire(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = get_services(context)
    tip_id = _args(context).strip()
    stored = await svc.storage.get_tip(tip_id) if tip_id else None
    if stored is None or stored.retired:
        await send(update, context, Reply(texts.retire_unknown(tip_id)))
        return
    await svc.storage.set_tip_retired(tip_id, True, svc.clock.now())
    await svc.feed.refresh()
    await send(update, context, Reply(texts.retired(tip_id)))


@admin_only
async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = get_services(context)
    now = svc.clock.now()
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    found = await svc.storage.stats(now, day_start)
    await send(update, context, Reply(texts.stats(
        found.by_status, found.new_last_7_days, found.tips_sent_today, found.tips_sent_7_days,
        found.failures, found.top_tips, found.bottom_tips)))


async def admin_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Broadcast confirm / discard / cancel and "broadcast this new tip" buttons."""
    query = update.callback_query
    chat, user = update.effective_chat, update.effective_user
    if query is None or chat is None:
        return
    svc = get_services(context)
    if not svc.is_admin(user.id if user else None):
        log.warning("admin button refused user_id=%s", user.id if user else None)
        await query.answer(texts.BUTTON_EXPIRED)
        return
    assert svc.broadcasts is not None
    prefix, action, value = ([*(query.data or "").split(":", 2), "", ""])[:3]
    if prefix == "nt" and action == "bc":
        stored = await svc.storage.get_tip(value)
        await query.answer()
        if stored is not None:
            await _preview(update, context, svc, texts.tip_message(stored.tip))
        return
    if not value.isdigit():
        await query.answer(texts.BUTTON_EXPIRED)
        return
    broadcast_id = int(value)
    message_id = query.message.message_id if query.message else None
    if action == "go":
        queued = await svc.broadcasts.confirm(broadcast_id, chat.id, message_id)
        await query.answer()
        if queued is None:
            await _edit(query, texts.broadcast_not_draft(broadcast_id))
            return
        found = await svc.broadcasts.get(broadcast_id)
        if found is not None:
            await _edit(query, progress_text(found, await svc.broadcasts.progress(found)),
                        progress_markup(found))
    elif action == "drop":
        discarded = await svc.broadcasts.discard(broadcast_id)
        await query.answer()
        await _edit(query, texts.broadcast_discarded(broadcast_id) if discarded
                    else texts.broadcast_not_draft(broadcast_id))
    elif action == "stop":
        dropped = await svc.broadcasts.cancel(broadcast_id)
        await query.answer(texts.broadcast_cancelled(broadcast_id, dropped or 0)
                           if dropped is not None else None)
        found = await svc.broadcasts.get(broadcast_id)
        if found is not None:
            await _edit(query, progress_text(found, await svc.broadcasts.progress(found)),
                        progress_markup(found))
    else:
        await query.answer(texts.BUTTON_EXPIRED)


async def _edit(query: CallbackQuery, text: str,
                markup: InlineKeyboardMarkup | None = None) -> None:
    if query.message is None:
        return
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                  link_preview_options=NO_PREVIEW)


ADMIN_HANDLERS: tuple[tuple[str, Handler], ...] = (
    ("broadcast", broadcast),
    ("broadcasts", broadcasts),
    ("cancel", cancel),
    ("newtip", newtip),
    ("tips", tips),
    ("retire", retire),
    ("stats", stats),
)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach the admin handlers; called before the generic catch-alls."""
    for name, callback in ADMIN_HANDLERS:
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(admin_button, pattern=r"^(bc|nt):"))
