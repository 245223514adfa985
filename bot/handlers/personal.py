"""Personal features: /need, /mydata and /forget.

Same shape as the user handlers: parse the update, call a service (bot.needs,
bot.privacy), reply with ui.texts. The /need questions and the /forget confirmation are
answered by editing the message that carried the buttons, so old buttons do not pile up
in the chat; every callback carries all it needs (ui.callbacks.NeedStatus holds band,
sex and status), so no conversation state is kept between presses and a restart never
loses a half-answered question.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import Answer, Reply, expired, send
from bot.handlers.deps import Deps, get_deps
from bot.services.needs import SEXES, Profile, asks_status, need_mg
from bot.ui import keyboards, texts
from bot.ui.callbacks import FORGET_NO, FORGET_YES, Forget, NeedAge, NeedSex, NeedStatus

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ actions

async def need_start_reply(deps: Deps, chat_id: int, chat_type: str) -> Reply:
    if chat_type != "private":
        return Reply(texts.not_in_groups())
    if not await deps.needs.is_subscriber(chat_id):
        return Reply(texts.need_not_subscribed())
    return Reply(texts.need_age_prompt(), keyboards.age_keyboard(deps.rda))


async def need_result_reply(deps: Deps, chat_id: int, profile: Profile) -> Reply | None:
    """Store and show the figure; None for a profile no button could have offered."""
    try:
        need = await deps.needs.record(chat_id, profile, deps.clock.now())
    except ValueError:
        return None
    if need is None:
        return Reply(texts.need_not_subscribed())
    # Ids only: age, sex and pregnancy are health data and stay out of the logs.
    log.info("chat_id=%s need stored", chat_id)
    return Reply(texts.need_answer(need))


async def mydata_reply(deps: Deps, chat_id: int) -> Reply:
    data = await deps.privacy.my_data(chat_id)
    if data is None:
        return Reply(texts.mydata_nothing())
    # Counts and settings, never the entries (those are in /diary, /export)
    return Reply(texts.my_data(data) + "\n" + texts.diary_counts(await deps.diary.counts(chat_id))
                 + "\n" + texts.water_counts(await deps.water.counts(chat_id))
                 + "\n" + texts.food_counts(await deps.food_log.count(chat_id)))


async def forget_reply(deps: Deps, chat_id: int) -> Reply:
    if not await deps.privacy.has_data(chat_id):
        return Reply(texts.forget_nothing())
    return Reply(texts.forget_confirm(), keyboards.forget_keyboard())


# ----------------------------------------------------------------- commands

async def need_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    assert chat is not None
    await send(update, context, await need_start_reply(get_deps(context), chat.id, chat.type))


async def mydata_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await send(update, context, await mydata_reply(get_deps(context), update.effective_chat.id))


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await send(update, context, await forget_reply(get_deps(context), update.effective_chat.id))


# ------------------------------------------------------------------ buttons
# Each step replaces the pressed message; data no current button carries (a stale
# client, a forged press) gets the expiry toast.

def _in_place(reply: Reply | None) -> Answer:
    return expired() if reply is None else Answer(edit=reply)


def _private_chat(update: Update) -> int | None:
    """The chat id when the press came from a private chat (a personal figure stays there)."""
    chat = update.effective_chat
    return chat.id if chat is not None and chat.type == "private" else None


async def need_age_button(deps: Deps, update: Update, data: NeedAge) -> Answer:
    band = deps.rda.band(data.band)
    if _private_chat(update) is None or band is None:
        return expired()
    return Answer(edit=Reply(texts.need_sex_prompt(band.label), keyboards.sex_keyboard(band)))


async def need_sex_button(deps: Deps, update: Update, data: NeedSex) -> Answer:
    chat_id = _private_chat(update)
    band = deps.rda.band(data.band)
    if chat_id is None or band is None or data.sex not in SEXES:
        return expired()
    if asks_status(band, data.sex):
        return Answer(edit=Reply(texts.need_status_prompt(band.label),
                                 keyboards.status_keyboard(band, data.sex)))
    return _in_place(await need_result_reply(deps, chat_id, Profile(band.key, data.sex)))


async def need_status_button(deps: Deps, update: Update, data: NeedStatus) -> Answer:
    chat_id = _private_chat(update)
    band = deps.rda.band(data.band)
    if chat_id is None or band is None or need_mg(band, data.sex, data.status) is None:
        return expired()
    return _in_place(await need_result_reply(
        deps, chat_id, Profile(band.key, data.sex, data.status)))


async def forget_button(deps: Deps, update: Update, data: Forget) -> Answer:
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    if data.answer == FORGET_NO:
        return Answer(edit=Reply(texts.forget_kept()))
    if data.answer != FORGET_YES:
        return expired()
    if not await deps.privacy.forget(chat_id):
        return Answer(edit=Reply(texts.forget_nothing()))
    log.info("chat_id=%s forgotten: subscriber row and its history deleted", chat_id)
    return Answer(edit=Reply(texts.forget_done()))
