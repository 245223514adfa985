"""/language and the 🌐 buttons: the chat chooses the language MagDaily writes in.

A choice is stored as chosen (Telegram's language_code no longer decides) and applies at
once: the answer to the press is already in the new language, and the command menu of the
chat follows (setMyCommands for the chat's scope; everyone else's per language_code is set
at start-up).
"""

from __future__ import annotations

import logging

from telegram import BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core.i18n import LOCALES, set_locale
from bot.handlers.common import Answer, Reply, expired, send
from bot.handlers.deps import Deps
from bot.ui import keyboards, texts
from bot.ui.callbacks import LANGUAGE_MENU, PickLanguage

log = logging.getLogger(__name__)


def _choices() -> Reply:
    return Reply(texts.language_question(), keyboards.language_choices())


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, _choices())


async def language_button(deps: Deps, update: Update, data: PickLanguage) -> Answer:
    """🌐 opens the list; a language in it is chosen, and everything after follows."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    if data.locale == LANGUAGE_MENU:
        return Answer(send=(_choices(),))
    if data.locale not in LOCALES:
        return expired()
    await deps.languages.choose(chat.id, data.locale)
    set_locale(data.locale)  # this answer already in it
    admin = chat.type == "private" and deps.is_admin(user.id if user else None)
    try:
        await update.get_bot().set_my_commands(keyboards.command_menu(admin),
                                               scope=BotCommandScopeChat(chat.id))
    except TelegramError as exc:  # the menu catches up at the next choice; the answer goes
        log.warning("chat_id=%s could not set its command menu: %s", chat.id,
                    type(exc).__name__)
    return Answer(edit=Reply(texts.language_chosen()))
