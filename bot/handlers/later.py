""""⏰ Later" under the daily tip and the evening stretch: the choices, then that message
queued once more.

Thin: parse, call bot.services.later, answer with ui.texts and ui.keyboards. Per chat:
in a group any member's choice sends the tip to the group once more (one pending Later
per chat and tip, so presses by several members move it rather than add to it).
"""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import Answer, Reply, expired
from bot.handlers.deps import Deps
from bot.services.later import LaterChoice, NoLater
from bot.ui import keyboards, texts
from bot.ui.callbacks import LATER_ASK, LATER_STRETCH, LaterButton


async def later_button(deps: Deps, update: Update, data: LaterButton) -> Answer:
    chat = update.effective_chat
    if chat is None:
        return expired()
    if data.choice == LATER_ASK:
        return Answer(send=(Reply(texts.later_question(data.tip_id == LATER_STRETCH),
                                  keyboards.later_choices(data.tip_id)),))
    try:
        choice = LaterChoice(data.choice)
    except ValueError:
        return expired()
    tip_id = None if data.tip_id == LATER_STRETCH else data.tip_id
    planned = await deps.later.schedule(chat.id, tip_id, choice)
    if isinstance(planned, NoLater):
        return Answer(edit=Reply(texts.later_off()))
    today = deps.clock.now().astimezone(planned.at.tzinfo).date()
    text = texts.later_planned(planned.at, today, planned.moved)
    return Answer(text.split("\n")[0], edit=Reply(text))
