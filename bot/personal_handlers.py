"""Handlers for personal features: /need, /mydata and /forget.

Same shape as bot.handlers: parse the update, call a service (bot.needs, bot.privacy),
reply with texts. The /need questions and the /forget confirmation are answered by
editing the message that carried the buttons, so old buttons do not pile up in the chat;
every callback_data carries all it needs ("need:st:31-50:female:none"), so no
conversation state is kept between presses and a restart never loses a half-answered
question.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import texts
from bot.handlers import NO_PREVIEW, Reply, send
from bot.needs import SEXES, NeedService, Profile, asks_status, need_mg, statuses_for
from bot.privacy import PrivacyService
from bot.services import Services, get_services
from tips.reference import RdaBand, RdaTable

log = logging.getLogger(__name__)

CALLBACK_PATTERN = r"^(need|forget):"
AGE_BUTTONS_PER_ROW = 4
MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data


# ---------------------------------------------------------------- keyboards

def _button(text: str, data: str) -> InlineKeyboardButton:
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return InlineKeyboardButton(text, callback_data=data)


def age_keyboard(rda: RdaTable) -> InlineKeyboardMarkup:
    buttons = [_button(band.label, f"need:age:{band.key}") for band in rda.bands]
    return InlineKeyboardMarkup([buttons[i:i + AGE_BUTTONS_PER_ROW]
                                 for i in range(0, len(buttons), AGE_BUTTONS_PER_ROW)])


def sex_keyboard(band: RdaBand) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(label, f"need:sex:{band.key}:{sex}")
                                  for sex, label in texts.NEED_SEX_BUTTONS]])


def status_keyboard(band: RdaBand, sex: str) -> InlineKeyboardMarkup:
    offered = statuses_for(band, sex)
    return InlineKeyboardMarkup([[_button(label, f"need:st:{band.key}:{sex}:{status}")
                                  for status, label in texts.NEED_STATUS_BUTTONS
                                  if status in offered]])


def forget_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(texts.FORGET_YES_BUTTON, "forget:yes"),
                                  _button(texts.FORGET_NO_BUTTON, "forget:no")]])


# ------------------------------------------------------------------ actions

def _needs(svc: Services) -> NeedService:
    return NeedService(svc.storage, svc.rda, svc.foods)


async def need_start_reply(svc: Services, chat_id: int, chat_type: str) -> Reply:
    if chat_type != "private":
        return Reply(texts.NOT_IN_GROUPS)
    if not await _needs(svc).is_subscriber(chat_id):
        return Reply(texts.NEED_NOT_SUBSCRIBED)
    return Reply(texts.NEED_AGE_PROMPT, age_keyboard(svc.rda))


async def need_result_reply(svc: Services, chat_id: int, profile: Profile) -> Reply | None:
    """Store and show the figure; None for a profile no button could have offered."""
    try:
        need = await _needs(svc).record(chat_id, profile, svc.clock.now())
    except ValueError:
        return None
    if need is None:
        return Reply(texts.NEED_NOT_SUBSCRIBED)
    # Ids only: age, sex and pregnancy are health data and stay out of the logs.
    log.info("chat_id=%s need stored", chat_id)
    return Reply(texts.need_answer(
        band_label=need.band.label, sex=profile.sex, status=profile.status, need_mg=need.mg,
        servings=need.servings, servings_mg=need.servings_mg,
        servings_percent=need.servings_percent,
        upper_limit_mg=need.upper_limit_mg, upper_limit_note=need.upper_limit_note,
        upper_limit_applies=need.upper_limit_applies,
    ))


async def need_button_reply(svc: Services, chat_id: int, value: str) -> Reply | None:
    """One step of the /need questions from the part of callback_data after "need:".

    Returns None for data no current button carries (stale client, forged press).
    """
    step, *args = value.split(":")
    band = svc.rda.band(args[0]) if args else None
    if band is None:
        return None
    if step == "age" and len(args) == 1:
        return Reply(texts.need_sex_prompt(band.label), sex_keyboard(band))
    if step == "sex" and len(args) == 2 and args[1] in SEXES:
        if asks_status(band, args[1]):
            return Reply(texts.need_status_prompt(band.label), status_keyboard(band, args[1]))
        return await need_result_reply(svc, chat_id, Profile(band.key, args[1]))
    if step == "st" and len(args) == 3 and need_mg(band, args[1], args[2]) is not None:
        return await need_result_reply(svc, chat_id, Profile(band.key, args[1], args[2]))
    return None


async def mydata_reply(svc: Services, chat_id: int) -> Reply:
    data = await PrivacyService(svc.storage).my_data(chat_id)
    if data is None:
        return Reply(texts.MYDATA_NOTHING)
    return Reply(texts.my_data(data.subscriber, data.created, data.delivery_counts,
                               data.recent, data.votes, data.tips_seen))


async def forget_reply(svc: Services, chat_id: int) -> Reply:
    if not await PrivacyService(svc.storage).has_data(chat_id):
        return Reply(texts.FORGET_NOTHING)
    return Reply(texts.FORGET_CONFIRM, forget_keyboard())


async def forget_button_reply(svc: Services, chat_id: int, value: str) -> Reply | None:
    if value == "no":
        return Reply(texts.FORGET_KEPT)
    if value != "yes":
        return None
    if not await PrivacyService(svc.storage).forget(chat_id):
        return Reply(texts.FORGET_NOTHING)
    log.info("chat_id=%s forgotten: subscriber row and its history deleted", chat_id)
    return Reply(texts.FORGET_DONE)


# ----------------------------------------------------------------- commands

async def need_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    assert chat is not None
    await send(update, context, await need_start_reply(get_services(context), chat.id, chat.type))


async def mydata_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await send(update, context, await mydata_reply(get_services(context),
                                                   update.effective_chat.id))


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await send(update, context, await forget_reply(get_services(context),
                                                   update.effective_chat.id))


# ------------------------------------------------------------------ buttons

async def _show_in_place(update: Update, context: ContextTypes.DEFAULT_TYPE,
                         reply: Reply) -> None:
    """Replace the pressed message with the next step; send a new one if it cannot be
    edited any more (too old, deleted, or inaccessible)."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:
            await query.edit_message_text(
                reply.text, parse_mode=ParseMode.HTML, reply_markup=reply.markup,
                link_preview_options=NO_PREVIEW,
            )
            return
        except BadRequest as exc:
            if "not modified" in exc.message:  # a double tap: the screen is already right
                return
            log.info("chat_id=%s could not edit, sending instead: %s",
                     query.message.chat_id, type(exc).__name__)
    await send(update, context, reply)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route "need:…" and "forget:…" presses; anything unrecognised gets the expiry toast."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    svc = get_services(context)
    prefix, _, value = (query.data or "").partition(":")
    reply: Reply | None = None
    if prefix == "need" and chat.type == "private":  # a personal figure: private chats only
        reply = await need_button_reply(svc, chat.id, value)
    elif prefix == "forget":
        reply = await forget_button_reply(svc, chat.id, value)
    await query.answer(None if reply is not None else texts.BUTTON_EXPIRED)
    if reply is not None:
        await _show_in_place(update, context, reply)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach the personal-data handlers; called before the generic catch-alls."""
    application.add_handler(CommandHandler("need", need_command))
    application.add_handler(CommandHandler("mydata", mydata_command))
    application.add_handler(CommandHandler("forget", forget_command))
    application.add_handler(CallbackQueryHandler(button, pattern=CALLBACK_PATTERN))
