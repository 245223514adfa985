"""Editing a message in place, with the one policy for Telegram's "message is not modified".

Telegram refuses an edit whose text and keyboard equal what the message already shows
(400 "message is not modified"): a double tap on a button, or a progress pass with
nothing new. The screen is then already right, so that is success, logged at DEBUG and
never as an error. Every other refusal (message too old, deleted) is raised, for the
caller to fall back or report. Broadcast progress messages are edited here too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.storage.models import Broadcast

log = logging.getLogger(__name__)
P = TypeVar("P")  # a broadcast's progress, as the broadcasts service counts it


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


class ProgressMessages(Generic[P]):
    """Edits each broadcast's status message in the admin's chat, only when it changed.

    What the message says is the UI layer's (`bot.ui.outbox.broadcast_progress`, given by
    the wiring); this keeps the last text shown per broadcast so an unchanged pass costs
    no call to Telegram.
    """

    def __init__(self, bot: Bot,
                 render: Callable[[Broadcast, P], tuple[str, InlineKeyboardMarkup | None]]
                 ) -> None:
        self._bot = bot
        self._render = render
        self._shown: dict[int, str] = {}

    async def edit(self, broadcast: Broadcast, progress: P) -> None:
        if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
            return
        text, markup = self._render(broadcast, progress)
        if self._shown.get(broadcast.id) == text:
            return
        await edit_text(self._bot, broadcast.progress_chat_id, broadcast.progress_message_id,
                        text, markup)
        self._shown[broadcast.id] = text
