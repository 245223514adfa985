"""The food log's command and buttons: /ate, "🍽 I ate this" under a /foods answer, Undo.

Thin like the others: parse, call bot.services.food, reply with ui.texts and
ui.keyboards. Foods are found as /foods finds them (the reader's language first, near
misses offered as buttons, never a guess). The log lives in private chats: in a group,
/ate and the button answer with a one-line pointer to a private chat. Each logged
serving answers in a message of its own whose Undo names that entry, so an old
message's Undo can only ever remove its own entry. Logging: nothing at all about the
log (health data).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import Answer, Reply, command_args, expired, send
from bot.handlers.deps import Deps, get_deps
from bot.services.food import NoFoodLog
from bot.ui import keyboards, texts
from bot.ui.callbacks import FoodAte, FoodUndo
from tips.foods import Food, suggest_foods


def _private(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None and chat.type == "private" else None


def _food(deps: Deps, name: str) -> Food | None:
    """The food a stored or button-carried code names, worded in the reader's language."""
    return next((food for food in deps.foods.foods if food.name == name), None)


async def _log(deps: Deps, chat_id: int, food: Food) -> Reply:
    found = await deps.food_log.log(chat_id, food)
    if isinstance(found, NoFoodLog):
        return Reply(texts.food_start_first())
    return Reply(texts.food_logged(food), keyboards.food_logged(found.entry_id))


async def ate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ate almonds: one serving of that food for today."""
    chat_id = _private(update)
    if chat_id is None:
        await send(update, context, Reply(texts.food_private_only()))
        return
    deps = get_deps(context)
    query = command_args(context)
    if not query.strip():
        await send(update, context, Reply(texts.ate_usage()))
        return
    food = deps.content.find_food(query)
    if food is None:
        suggestions = suggest_foods(deps.foods, query)
        await send(update, context, Reply(texts.ate_unknown(query, suggestions),
                                          keyboards.ate_choices([f.name for f in suggestions])))
        return
    await send(update, context, await _log(deps, chat_id, food))


async def ate_button(deps: Deps, update: Update, data: FoodAte) -> Answer:
    """"🍽 I ate this" or a near miss of /ate: the logged serving comes as a message of
    its own, so the figures it was pressed under stay."""
    chat_id = _private(update)
    if chat_id is None:
        return Answer(send=(Reply(texts.food_private_only()),))
    food = _food(deps, data.name)
    if food is None:
        return expired()
    return Answer(send=(await _log(deps, chat_id, food),))


async def undo_button(deps: Deps, update: Update, data: FoodUndo) -> Answer:
    """Undo of one serving: the message is redrawn without its Undo."""
    chat_id = _private(update)
    if chat_id is None:
        return expired()
    found = await deps.food_log.undo(chat_id, data.entry_id)
    food = _food(deps, found.food) if found.food is not None else None
    if food is None:
        return Answer(texts.food_already_undone())
    return Answer(edit=Reply(texts.food_undone(food)))
