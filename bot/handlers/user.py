"""Everyone's commands and buttons: subscribe, tips, foods, causes, settings, feedback.

Parse the update, call a service, reply with ui.texts. No rules live here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ContextTypes

from bot.core.i18n import current_locale
from bot.core.parsing import parse_days, parse_send_time
from bot.core.places import near_places, place_zones
from bot.core.reasons import chat_left
from bot.core.zones import (
    Zone,
    common_offsets,
    parse_zone,
    suggest_zones,
    zone_from_location,
    zones_at_offset,
)
from bot.handlers import diary
from bot.handlers.common import (
    Answer,
    Handler,
    Reply,
    command_args,
    expired,
    send,
    shows_pressed_button,
)
from bot.handlers.deps import Deps, get_deps
from bot.services.subscriptions import NotSubscribed, ScheduleChange, StartResult
from bot.services.tipfeed import TakenTip
from bot.storage import Subscriber
from bot.storage.models import Changed
from bot.ui import keyboards, texts
from bot.ui.callbacks import (
    ANOTHER,
    CAUSES_HELPS,
    CAUSES_OVERVIEW,
    CAUSES_SIGNS,
    CAUSES_WHY,
    MENU_CAUSES,
    MENU_FOODS,
    MENU_SETTINGS,
    MENU_SOS,
    MENU_TIP,
    SET_CLOCK,
    SET_KEEP,
    SET_PANEL,
    SET_PAUSE,
    SET_RESUME,
    SET_STOP,
    SET_TIME,
    SET_TOPICS,
    SET_ZONE,
    TOPICS_DONE,
    VOTE_DOWN,
    VOTE_UP,
    CausesPage,
    LocalNow,
    Menu,
    PickFood,
    PickTime,
    PickZone,
    RunCommand,
    Setting,
    TipAction,
    ToggleTopic,
)
from bot.ui.keyboards import QUICK_ZONES
from tips.catalog import TOPICS
from tips.foods import suggest_foods
from tips.reference import emergency_number

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ actions

def _tip_reply(deps: Deps, taken: TakenTip | None) -> Reply:
    if taken is None:
        return Reply(texts.no_tips())
    text = texts.tip_message(deps.content.current().tip(taken.tip))
    if taken.delivery_id is None:
        text += texts.tip_for_guest()

    async def settle(message_id: int | None, error: str | None) -> None:
        await deps.feed.settle(taken.delivery_id, message_id, error)

    return Reply(text, keyboards.tip_actions(taken.tip.id), after_send=settle)


async def tip_reply(deps: Deps, chat_id: int, kind: str = "on_demand") -> Reply:
    """/tip and ➕ share one daily limit, explained kindly when reached."""
    result = await deps.feedback.take(chat_id, kind)
    if result.limit_reached:
        return Reply(texts.another_limit(result.next_time))
    return _tip_reply(deps, result.taken)


async def pause_reply(deps: Deps, chat_id: int, raw: str) -> Reply:
    days = parse_days(raw, default=7, low=1, high=90)
    if days is None:
        return Reply(texts.pause_invalid())
    try:
        return _paused_note(await deps.subscriptions.pause(chat_id, days), days)
    except NotSubscribed:
        return Reply(texts.not_subscribed())


def _paused_note(paused: Subscriber | None, days: int) -> Reply:
    return Reply(texts.pause_when_stopped() if paused is None else texts.paused(paused, days))


# Settings panel: every action redraws the panel it was pressed in, from the row its
# service call returned (no second read)

def panel(deps: Deps, subscriber: Subscriber, note: str = "") -> Reply:
    head = note + "\n\n" if note else ""
    return Reply(head + texts.settings_summary(subscriber)
                 + texts.next_tip_line(subscriber, deps.clock.now()),
                 keyboards.with_language_button(keyboards.settings_menu(subscriber)))


async def panel_reply(deps: Deps, chat_id: int, note: str = "") -> Reply:
    subscriber = await deps.subscriptions.get(chat_id)
    if subscriber is None:
        return Reply(texts.not_subscribed())
    return panel(deps, subscriber, note)


# Sign-up: time zone (location, city, or the time it is now), then time of day

async def read_zone(text: str) -> Zone | None:
    """parse_zone off the event loop: a typed place may load the city tables (~1.5 s)."""
    return await asyncio.to_thread(parse_zone, text)


def zone_question(subscriber: Subscriber) -> Reply:
    return Reply(texts.zone_question(subscriber), keyboards.location_keyboard())


def clock_reply(deps: Deps) -> Reply:
    now = deps.clock.now()
    return Reply(texts.local_time_prompt(), keyboards.local_time_choices(common_offsets(now), now))


async def zone_chosen(deps: Deps, chat_id: int, zone: Zone) -> tuple[Reply, Reply | None]:
    """Set the zone; during sign-up the next question (the time) follows."""
    try:
        change = await deps.subscriptions.schedule_changed(chat_id, zone=zone)
    except NotSubscribed:
        return Reply(texts.not_subscribed()), None
    return _zone_replies(deps, change, zone)


def _zone_replies(deps: Deps, change: ScheduleChange, zone: Zone) -> tuple[Reply, Reply | None]:
    subscriber, local_now = change.subscriber, deps.clock.now().astimezone(zone.tz)
    if change.was_step == "zone":
        return (Reply(texts.setup_zone_done(subscriber, local_now), keyboards.remove_keyboard()),
                Reply(texts.setup_time_question(), keyboards.time_choices()))
    return panel(deps, subscriber, texts.timezone_set(subscriber, local_now)), None


async def time_chosen(deps: Deps, chat_id: int, raw: str) -> Reply:
    parsed = parse_send_time(raw)
    if parsed is None:
        return Reply(texts.time_invalid(raw))
    try:
        change = await deps.subscriptions.schedule_changed(chat_id, send_time=parsed)
    except NotSubscribed:
        return Reply(texts.not_subscribed())
    subscriber, now = change.subscriber, deps.clock.now()
    if change.was_step in ("zone", "time"):
        return panel(deps, subscriber, texts.setup_done(subscriber, now))
    return panel(deps, subscriber, texts.time_set(subscriber, now))


async def typed_during_setup(deps: Deps, chat_id: int, text: str) -> list[Reply] | None:
    """Plain text while a sign-up question is open: a city, a time, or a reply button."""
    subscriber = await deps.subscriptions.get(chat_id)
    if subscriber is None:
        return None
    if text == texts.button_keep_defaults():
        await deps.subscriptions.set_setup_step(chat_id, "done")
        return [Reply(texts.setup_kept(), keyboards.remove_keyboard())]
    if text == texts.button_local_time():
        return [clock_reply(deps)]
    if subscriber.setup_step == "zone":
        zone = await read_zone(text)
        if zone is None:
            places = await asyncio.to_thread(place_zones, text)
            # Not a place we know: free text is not echoed (it may be anything personal).
            return [Reply(texts.zone_place_choices() if places else texts.setup_place_unknown(),
                          keyboards.zone_choices(places or QUICK_ZONES))]
        first, second = await zone_chosen(deps, chat_id, zone)
        return [first] + ([second] if second else [])
    if subscriber.setup_step == "time":
        return [await time_chosen(deps, chat_id, text)]
    return None


async def resume_reply(deps: Deps, chat_id: int) -> Reply:
    try:
        subscriber = await deps.subscriptions.resume(chat_id)
    except NotSubscribed:
        return Reply(texts.not_subscribed())
    if subscriber is None:
        return Reply(texts.not_paused())
    return Reply(texts.resumed(subscriber))


async def foods_reply(deps: Deps, chat_id: int, query: str = "") -> Reply:
    """The table (with "% of your need" once /need has a figure), or one food."""
    if not query.strip():
        subscriber = await deps.subscriptions.get(chat_id)
        return Reply(texts.foods_table(deps.foods, subscriber.need_mg if subscriber else None))
    food = deps.content.find_food(query)
    if food is None:
        suggestions = suggest_foods(deps.foods, query)
        return Reply(texts.food_unknown(query, suggestions),
                     keyboards.food_choices([f.name for f in suggestions]))
    return Reply(texts.food_answer(food, deps.foods), keyboards.food_answer(food.name))


async def _emergency_number(deps: Deps, chat_id: int) -> str | None:
    """The number the subscriber's time zone points to; None when unknown or not subscribed."""
    subscriber = await deps.subscriptions.get(chat_id)
    return emergency_number(subscriber.timezone) if subscriber else None


async def causes_reply(deps: Deps, chat_id: int) -> Reply:
    """The short /causes overview with a button per section."""
    number = await _emergency_number(deps, chat_id)
    return Reply(texts.causes_overview(deps.causes, number), keyboards.causes_menu())


async def settings_reply(deps: Deps, chat_id: int) -> Reply:
    return await panel_reply(deps, chat_id)


async def set_time_reply(deps: Deps, chat_id: int, raw: str) -> Reply:
    if not raw.strip():
        return Reply(texts.time_prompt(), keyboards.time_choices())
    return await time_chosen(deps, chat_id, raw)


async def set_zone_reply(deps: Deps, chat_id: int, raw: str) -> Reply:
    if not raw.strip():
        return Reply(texts.timezone_prompt(), keyboards.zone_choices())
    zone = await read_zone(raw)
    if zone is None:
        return await _zone_guesses(raw)
    first, _ = await zone_chosen(deps, chat_id, zone)
    return first


async def _zone_guesses(raw: str) -> Reply:
    """An unknown /timezone: the zones of a place with several, near spellings of a zone
    name, or places the typing nearly names ("Munich?"); never unrelated zones."""
    suggestions = await asyncio.to_thread(suggest_zones, raw)
    if suggestions:
        return Reply(texts.timezone_invalid(raw, suggestions),
                     keyboards.zone_choices(suggestions, clock=False))
    places = await asyncio.to_thread(near_places, raw)
    if places:
        return Reply(texts.timezone_place_guess(raw, places[0][0]),
                     keyboards.place_guesses(places))
    return Reply(texts.timezone_unknown(raw), keyboards.zone_choices([]))


async def topics_reply(deps: Deps, chat_id: int) -> Reply:
    subscriber = await deps.subscriptions.get(chat_id)
    if subscriber is None:
        return Reply(texts.not_subscribed())
    return topics_menu(subscriber)


def topics_menu(subscriber: Subscriber) -> Reply:
    return Reply(texts.topics_now(subscriber), keyboards.topics_menu(subscriber))


async def stop_reply(deps: Deps, chat_id: int) -> Reply:
    try:
        return _stopped_note(await deps.subscriptions.stop_change(chat_id))
    except NotSubscribed:
        return Reply(texts.not_subscribed())


def _stopped_note(change: Changed) -> Reply:
    return Reply(texts.already_stopped() if change.before.status == "stopped" else texts.stopped())


async def _subscribe(deps: Deps, update: Update) -> StartResult:
    """/start or /subscribe: a new row keeps the language this update is answered in."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    return await deps.subscriptions.start(
        chat.id, user.id if user else None, chat.type, language=current_locale(),
        language_chosen=deps.languages.chosen_before_start(chat.id))


async def subscribe_reply(deps: Deps, update: Update) -> Reply:
    result = await _subscribe(deps, update)
    if result.created:
        return Reply(texts.welcome(result), keyboards.with_language_button(keyboards.main_menu()))
    return Reply(texts.resumed(result.subscriber))


# ----------------------------------------------------------------- commands

async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = get_deps(context)
    result = await _subscribe(deps, update)
    await send(update, context, Reply(texts.welcome(result),
                                      keyboards.with_language_button(keyboards.main_menu())))
    await ask_zone_once(deps, update, context, result.subscriber, fresh=result.created)


async def ask_zone_once(deps: Deps, update: Update, context: ContextTypes.DEFAULT_TYPE,
                        subscriber: Subscriber | None, fresh: bool = False) -> None:
    """Ask the time zone right after sign-up, and once of anyone still on the default."""
    if subscriber is None:
        return
    if fresh and subscriber.setup_step == "zone":
        await send(update, context, zone_question(subscriber))
    elif deps.subscriptions.should_ask_zone(subscriber):
        await deps.subscriptions.set_setup_step(subscriber.chat_id, "zone")
        await send(update, context, zone_question(subscriber))


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, await subscribe_reply(get_deps(context), update))


ChatAction = Callable[[Deps, int, str], Awaitable[Reply]]


def chat_command(action: ChatAction) -> Handler:
    """A command handler that passes the chat id and the typed arguments to `action`."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is None:
            return
        await send(update, context, await action(
            get_deps(context), update.effective_chat.id, command_args(context)))

    return handler


def asking_zone_once(handler: Handler) -> Handler:
    """After the command's answer, ask the time zone once if still on the default."""

    async def wrapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await handler(update, context)
        if update.effective_chat is not None:
            deps = get_deps(context)
            await ask_zone_once(deps, update, context,
                                await deps.subscriptions.get(update.effective_chat.id))

    return wrapped


stop = chat_command(lambda deps, chat_id, _raw: stop_reply(deps, chat_id))
tip = asking_zone_once(chat_command(lambda deps, chat_id, _raw: tip_reply(deps, chat_id)))
pause = chat_command(pause_reply)
resume = chat_command(lambda deps, chat_id, _raw: resume_reply(deps, chat_id))
foods = chat_command(foods_reply)
time_command = chat_command(set_time_reply)
timezone_command = chat_command(set_zone_reply)
topics = chat_command(lambda deps, chat_id, _raw: topics_reply(deps, chat_id))


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The panel, then the time-zone question once if still on the default: one read."""
    if update.effective_chat is None:
        return
    deps = get_deps(context)
    subscriber = await deps.subscriptions.get(update.effective_chat.id)
    await send(update, context,
               Reply(texts.not_subscribed()) if subscriber is None else panel(deps, subscriber))
    await ask_zone_once(deps, update, context, subscriber)


causes = chat_command(lambda deps, chat_id, _raw: causes_reply(deps, chat_id))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, chat = update.effective_user, update.effective_chat
    # Admin commands are listed only where they answer: in a private chat.
    is_admin = (user is not None and user.id in get_deps(context).settings.admin_ids
                and chat is not None and chat.type == "private")
    await send(update, context, Reply(texts.help_text(admin=is_admin)))


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, Reply(texts.about(list(get_deps(context).sources))))


async def not_a_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is not None and chat is not None and message.text:
        replies = await typed_during_setup(get_deps(context), chat.id, message.text.strip())
        if replies:
            for reply in replies:
                await send(update, context, reply)
            return
    await send(update, context, Reply(texts.not_a_command()))


async def location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location: only its time zone is used; the point is neither stored nor logged."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.location is None:
        return
    deps = get_deps(context)
    zone = await asyncio.to_thread(zone_from_location, message.location.latitude,
                                   message.location.longitude)
    if zone is None:
        await send(update, context, Reply(texts.location_unknown()))
        return
    first, second = await zone_chosen(deps, chat.id, zone)
    await send(update, context, first)
    if second is not None:
        await send(update, context, second)


# Suggestions: "did you mean /foods?" for a near-miss of a command

async def command_reply(deps: Deps, update: Update, name: str) -> Reply | None:
    """A command that needs no arguments, as a button press runs it."""
    chat_id = _chat_id(update)
    simple: dict[str, Callable[[], Awaitable[Reply]]] = {
        "tip": lambda: tip_reply(deps, chat_id),
        "foods": lambda: foods_reply(deps, chat_id),
        "settings": lambda: settings_reply(deps, chat_id),
        "topics": lambda: topics_reply(deps, chat_id),
        "time": lambda: set_time_reply(deps, chat_id, ""),
        "timezone": lambda: set_zone_reply(deps, chat_id, ""),
        "resume": lambda: resume_reply(deps, chat_id),
        "pause": lambda: pause_reply(deps, chat_id, ""),
        "subscribe": lambda: subscribe_reply(deps, update),
        "causes": lambda: causes_reply(deps, chat_id),
    }
    if name in simple:
        return await simple[name]()
    if name == "help":
        return Reply(texts.help_text())
    if name == "about":
        return Reply(texts.about(list(deps.sources)))
    return None


async def command_button(deps: Deps, update: Update, data: RunCommand) -> Answer:
    reply = await command_reply(deps, update, data.name)
    return expired() if reply is None else Answer(edit=reply)


async def food_button(deps: Deps, update: Update, data: PickFood) -> Answer:
    return Answer(edit=await foods_reply(deps, _chat_id(update), data.name))


# ------------------------------------------------------------------ buttons
# Each takes the parsed callback data (bot.ui.callbacks) and returns how to answer.

def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None  # on_press only calls with a chat
    return update.effective_chat.id


async def menu_button(deps: Deps, update: Update, data: Menu) -> Answer:
    chat_id = _chat_id(update)
    if data.item == MENU_TIP:
        return Answer(send=(await tip_reply(deps, chat_id),))
    if data.item == MENU_FOODS:
        return Answer(send=(await foods_reply(deps, chat_id),))
    if data.item == MENU_CAUSES:
        return Answer(send=(await causes_reply(deps, chat_id),))
    if data.item == MENU_SETTINGS:
        return Answer(send=(await settings_reply(deps, chat_id),))
    if data.item == MENU_SOS:
        return Answer(send=(diary.sos_reply(deps),))
    return expired()


async def setting_button(deps: Deps, update: Update, data: Setting) -> Answer:
    """Every settings action redraws the panel it was pressed in; nothing new is sent."""
    chat_id = _chat_id(update)
    if data.item == SET_CLOCK:
        return Answer(edit=clock_reply(deps))
    if data.item == SET_KEEP:
        await deps.subscriptions.set_setup_step(chat_id, "done")  # no row: nothing to set
        return Answer(edit=Reply(texts.setup_kept()))
    try:
        return await _setting(deps, chat_id, data.item)
    except NotSubscribed:
        return Answer(texts.not_subscribed())


async def _setting(deps: Deps, chat_id: int, item: str) -> Answer:
    """One panel button: at most one read or one service call, and the panel drawn from
    the row it returned."""
    if item == SET_STOP:
        change = await deps.subscriptions.stop_change(chat_id)
        return Answer(edit=panel(deps, change.subscriber, _stopped_note(change).text))
    if item == SET_RESUME:  # from a pause, a stop or a block alike
        resumed = (await deps.subscriptions.reactivate(chat_id)).subscriber
        return Answer(edit=panel(deps, resumed, texts.resumed(resumed)))
    if item == SET_PAUSE:
        paused = await deps.subscriptions.pause(chat_id, 7)
        shown = paused or await deps.subscriptions.get(chat_id)
        if shown is None:
            raise NotSubscribed(chat_id)
        return Answer(edit=panel(deps, shown, _paused_note(paused, 7).text))
    subscriber = await deps.subscriptions.get(chat_id)
    if subscriber is None:
        raise NotSubscribed(chat_id)
    if item == SET_TIME:
        return Answer(edit=Reply(texts.time_prompt(), keyboards.time_choices(back=True)))
    if item == SET_ZONE:
        return Answer(edit=Reply(texts.timezone_prompt(), keyboards.zone_choices(back=True)))
    if item == SET_TOPICS:
        return Answer(edit=topics_menu(subscriber))
    if item == SET_PANEL:
        return Answer(edit=panel(deps, subscriber))
    return expired()


async def causes_page_button(deps: Deps, update: Update, data: CausesPage) -> Answer:
    """Redraw the /causes message with the chosen section (or the overview) in place."""
    chat_id = _chat_id(update)
    if data.page == CAUSES_OVERVIEW:
        return Answer(edit=await causes_reply(deps, chat_id))
    if data.page == CAUSES_SIGNS:
        text = texts.causes_signs(deps.causes, await _emergency_number(deps, chat_id))
    elif data.page == CAUSES_WHY:
        text = texts.causes_why(deps.causes)
    elif data.page == CAUSES_HELPS:
        text = texts.causes_helps(deps.causes)
    else:
        return expired()
    return Answer(edit=Reply(text, keyboards.causes_back()))


async def time_button(deps: Deps, update: Update, data: PickTime) -> Answer:
    return Answer(edit=await time_chosen(deps, _chat_id(update), data.value))


async def zone_button(deps: Deps, update: Update, data: PickZone) -> Answer:
    chat_id = _chat_id(update)
    zone = await read_zone(data.value)
    if zone is None:
        return expired()
    try:
        change = await deps.subscriptions.schedule_changed(chat_id, zone=zone)
    except NotSubscribed:
        return Answer(texts.not_subscribed())
    first, second = _zone_replies(deps, change, zone)
    if second is None:
        return Answer(edit=first)
    # During sign-up: the confirmation (which also hides the location keyboard), then
    # the time question; the pressed list becomes the time question.
    return Answer(edit=second, send=(Reply(first.text, keyboards.remove_keyboard()),))


async def local_now_button(deps: Deps, update: Update, data: LocalNow) -> Answer:
    """The time it is for someone → the zones at that offset (or the one zone there is)."""
    try:
        offset = int(data.offset)
    except ValueError:
        return expired()
    names = zones_at_offset(offset, deps.clock.now())
    if not names:
        return expired()
    if len(names) == 1:
        return await zone_button(deps, update, PickZone(names[0]))
    return Answer(edit=Reply(texts.zone_at_offset_prompt(),
                             keyboards.zone_choices(names, clock=False)))


async def topic_button(deps: Deps, update: Update, data: ToggleTopic) -> Answer:
    """Toggle a topic and redraw the keyboard in place, so the user sees the new state."""
    chat_id = _chat_id(update)
    if data.topic == TOPICS_DONE:
        subscriber = await deps.subscriptions.get(chat_id)
        if subscriber is None or not shows_pressed_button(update):  # saved already
            return Answer()
        return Answer(edit=panel(deps, subscriber, texts.topics_saved()))
    if data.topic not in TOPICS:
        return expired()
    try:
        toggled = await deps.subscriptions.toggle_topic(chat_id, data.topic)
    except NotSubscribed:
        return Answer(texts.not_subscribed())
    if toggled.refused_last:
        return Answer(texts.topic_last_one())
    return Answer(edit=Reply(texts.topics_now(toggled.subscriber),
                             keyboards.topics_menu(toggled.subscriber)))


# Worded when a vote is answered (in the voter's language), so the table holds functions.
_VOTE_NOTICES = {
    "up": texts.vote_up, "down": texts.vote_down, "retired": texts.vote_retired,
    "unknown": texts.tip_gone, "not_subscribed": texts.vote_guest,
    "cleared": texts.vote_cleared,
}


async def tip_action_button(deps: Deps, update: Update, data: TipAction) -> Answer:
    chat_id = _chat_id(update)
    if data.action in (VOTE_UP, VOTE_DOWN) and data.tip_id:
        result = await deps.feedback.vote(chat_id, data.tip_id, data.action == VOTE_UP)
        notice = _VOTE_NOTICES[result.outcome]()
        message = update.callback_query.message if update.callback_query else None
        text = getattr(message, "text_html", None)
        if result.outcome in ("unknown", "not_subscribed") or not text:
            return Answer(notice)
        # The vote shows on the tip itself: the pressed button marked, or unmarked; a daily
        # tip keeps its "⏰ Later".
        later = keyboards.offers_later(getattr(message, "reply_markup", None))
        return Answer(notice, edit=Reply(text, keyboards.tip_actions(
            data.tip_id, result.vote, later=later)))
    if data.action == ANOTHER:
        another = await deps.feedback.take(chat_id, "another")
        if another.limit_reached:
            return Answer(texts.another_limit(another.next_time))
        return Answer(send=(_tip_reply(deps, another.taken),))
    return expired()


# ------------------------------------------------------------ chat members

async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Notice a block (or a kick from a group) before the next send fails on it."""
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    if status in ("kicked", "left"):
        reason = chat_left(change.chat.type, status)
        await get_deps(context).subscriptions.mark_unreachable(change.chat.id, reason)
        log.info("chat_id=%s marked inactive: %s", change.chat.id, texts.reason_text(reason))


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: move its subscription and history to the new id.

    Telegram posts the news twice (migrate_to_chat_id in the old group, migrate_from_chat_id
    in the new supergroup); the move is idempotent, so whichever comes first does it.
    """
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await get_deps(context).subscriptions.move_chat(old, new)
