"""Editing a message in place, with the one policy for Telegram's "message is not modified".

Telegram refuses an edit whose text and keyboard equal what the message already shows
(400 "message is not modified"): a double tap on a button, or a progress pass with
nothing new. The screen is then already right, so that is success, logged at DEBUG and
never as an error. Every other refusal (message too old, deleted) is raised, for the
caller to fall back or report.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest

log = logging.getLogger(__name__)


def is_not_modified(exc: BadRequest) -> bool:
    return "message is not modified" in exc.message.lower()


async def edit_text(bot: Bot, chat_id: int, message_id: int, text: str,
                    markup: InlineKeyboardMarkup | None = None) -> None:
    """Show `text` (and `markup`) in an existing message; an unchanged screen is success."""
    try:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id,
                                    reply_markup=markup)
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise
        log.debug("chat_id=%s message_id=%s already showed that", chat_id, message_id)
