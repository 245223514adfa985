"""The cramp diary's commands and buttons: /sos, /cramp, /diary, /report, /export.

Thin like the others: parse, call bot.diary.service, reply with ui.texts and
ui.keyboards. The logging steps keep no server-side state: each button carries the draft
after its choice (ui.callbacks.DraftButton) and each step edits the same message; the
fourth tap saves, once per message (storage remembers which message saved an entry, so
a double tap, a replay or a stale copy after Undo saves nothing), and only on a message
that shows that very button: forged onto another of the bot's messages it saves nothing.
Every button on a saved entry names the entry id, and the service only finds it in the
pressing chat.

/sos answers at once, in one message, with no question and no database read: it is meant
for 3 a.m. with a knotted calf. The diary itself lives in private chats: in a group,
/cramp, /diary, /report and /export answer with a pointer to a private chat.

Logging: ids only, never a diary value (health data stays out of the logs).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InputFile, Update
from telegram.ext import ContextTypes

from bot.core.parsing import parse_send_time
from bot.diary import chart, flow
from bot.diary.days import WeekDays
from bot.diary.flow import Action, Ask, Closed, Complete, Rejected, Removed, Updated
from bot.diary.models import CheckInAnswer, CrampEntry, Muscle, When
from bot.diary.prompts import PromptKind
from bot.diary.report import parse_weeks, report_csv
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
from bot.services.diary import AlreadySaved, Gone, NightHasCramps, NoDiary, Saved
from bot.ui import formats, keyboards, texts
from bot.ui.callbacks import (
    DIARY_MENU,
    DIARY_OFF,
    DIARY_SET_CHECKIN,
    DIARY_SET_RETENTION,
    DIARY_SET_STRETCH,
    DIARY_SET_WEEKLY,
    DIARY_SHOW,
    CancelDraftButton,
    ChartButton,
    CheckInButton,
    DiarySetting,
    DraftButton,
    EntryButton,
    LogStart,
    StretchDone,
)

log = logging.getLogger(__name__)


def _private(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None and chat.type == "private" else None


def _message_id(update: Update) -> int | None:
    query = update.callback_query
    return query.message.message_id if query and query.message else None


# ------------------------------------------------------------------ replies

def _chart_png(series: chart.Series) -> bytes:
    """The weeks' PNG with every word (title, axes, week labels) in the reader's language."""
    return chart.png(series, labels=texts.week_labels(series), title=texts.chart_title(),
                     y_axis=texts.chart_y_axis(), x_axis=texts.chart_x_axis())


def _days_png(week: WeekDays) -> bytes:
    """The week's days side by side as a PNG, every word in the reader's language."""
    return chart.days_png(week, title=texts.days_title(week), day_labels=texts.days_labels(week),
                          row_labels=texts.days_row_labels(),
                          total_label=texts.days_total_label(), note=texts.days_png_note(),
                          number=formats.number)


async def _send_days(context: ContextTypes.DEFAULT_TYPE, chat_id: int, week: WeekDays) -> None:
    await context.bot.send_photo(chat_id, InputFile(_days_png(week), filename="week-days.png"),
                                 caption=texts.days_caption(week))


def sos_reply(deps: Deps) -> Reply:
    return Reply(texts.sos(deps.causes), keyboards.sos_keyboard())


def step_reply(ask: Ask) -> Reply:
    return Reply(texts.step_prompt(ask), keyboards.diary_step(ask))


def summary_reply(deps: Deps, entry: CrampEntry, *, note: str | None = None) -> Reply:
    """The entry's summary; a cramp over 10 minutes carries the 10-minute warning sign."""
    pending = flow.safety_pending(entry) and note is None
    warning = texts.long_cramp_warning(deps.causes) if flow.over_ten_minutes(entry) else None
    text = texts.entry_saved(entry, safety_pending=pending, warning=warning, note=note)
    return Reply(text, keyboards.entry_summary(entry, safety_pending=pending))


async def cramp_reply(deps: Deps, chat_id: int, muscle: Muscle | None = None,
                      when: When | None = None) -> Reply:
    """The first logging step; without a subscription, the one tap that subscribes and
    opens it (the choice of muscle kept), instead of a reason."""
    if not await deps.diary.can_keep(chat_id):
        return Reply(texts.diary_subscribe_offer(), keyboards.subscribe_and_log(muscle))
    return step_reply(flow.start(muscle=muscle, when=when))


async def diary_reply(deps: Deps, chat_id: int) -> Reply:
    view = await deps.diary.view(chat_id)
    if isinstance(view, NoDiary):
        return Reply(texts.diary_start_first())
    return Reply(texts.diary_screen(view.entries, view.total, view.settings),
                 keyboards.diary_screen(view.entries, view.settings, view.today,
                                        view.zone))


# ------------------------------------------------------------------ commands

CommandFn = Handler


def in_private(name: str) -> Callable[
        [Callable[[Update, ContextTypes.DEFAULT_TYPE, int], Awaitable[None]]], CommandFn]:
    """The diary lives in private chats: elsewhere /`name` answers with a pointer there."""
    def wrap(handler: Callable[[Update, ContextTypes.DEFAULT_TYPE, int], Awaitable[None]]
             ) -> CommandFn:
        async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            chat_id = _private(update)
            if chat_id is None:
                await send(update, context, Reply(texts.private_only(name)))
                return
            await handler(update, context, chat_id)
        command.__doc__ = handler.__doc__
        return command
    return wrap


async def sos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, sos_reply(get_deps(context)))


@in_private("cramp")
async def cramp(update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    await send(update, context, await cramp_reply(get_deps(context), chat_id))


@in_private("diary")
async def diary(update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    await send(update, context, await diary_reply(get_deps(context), chat_id))


@in_private("report")
async def report(update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    weeks = parse_weeks(command_args(context))
    if weeks is None:
        await send(update, context, Reply(texts.report_usage()))
        return
    deps = get_deps(context)
    found = await deps.diary.report(chat_id, weeks)
    if isinstance(found, NoDiary):
        await send(update, context, Reply(texts.diary_start_first()))
        return
    await send(update, context, Reply(texts.report_text(found.report, found.food)))
    series = chart.nights_series(found.report.weeks)
    await context.bot.send_photo(
        chat_id, InputFile(_chart_png(series), filename="cramp-report.png"),
        caption=texts.chart_caption(series))
    await _send_days(context, chat_id, found.report.days[-1])
    await context.bot.send_document(
        chat_id, InputFile(report_csv(found.report).encode("utf-8"),
                           filename=f"cramp-report-{weeks}-weeks.csv"),
        caption=texts.export_caption("report"))
    log.info("chat_id=%s report sent", chat_id)


@in_private("export")
async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    files = await get_deps(context).diary.export(chat_id)
    if isinstance(files, NoDiary):
        await send(update, context, Reply(texts.diary_start_first()))
        return
    for name, body, kind in (("cramp-diary.csv", files.entries_csv, "entries"),
                             ("morning-checkins.csv", files.checkins_csv, "checkins"),
                             ("settings-and-profile.csv", files.settings_csv, "settings"),
                             ("water-log.csv", files.water_csv, "water"),
                             ("food-log.csv", files.food_csv, "food"),
                             ("evening-stretches.csv", files.stretches_csv, "stretches")):
        await context.bot.send_document(chat_id, InputFile(body.encode("utf-8"), filename=name),
                                        caption=texts.export_caption(kind))
    log.info("chat_id=%s export sent", chat_id)


# ------------------------------------------------------------------ buttons

async def log_start_button(deps: Deps, update: Update, data: LogStart) -> Answer:
    chat_id = _private(update)
    if chat_id is None:
        return Answer(send=(Reply(texts.private_only("cramp")),))
    if not data.subscribe:
        return Answer(send=(await cramp_reply(deps, chat_id, muscle=data.muscle),))
    # "Subscribe and log it": the offer turns into the first step. Only a chat with no
    # subscription row is subscribed here, so a stale button never turns stopped tips on.
    note: tuple[Reply, ...] = ()
    if not await deps.diary.can_keep(chat_id):
        user = update.effective_user
        result = await deps.subscriptions.start(chat_id, user.id if user else None, "private")
        note = (Reply(texts.subscribed_for_diary(result.subscriber)),)
    return Answer(edit=step_reply(flow.start(muscle=data.muscle)), send=note)


async def step_button(deps: Deps, update: Update, data: DraftButton) -> Answer:
    chat_id, message_id = _private(update), _message_id(update)
    if chat_id is None or message_id is None:
        return expired()
    following = flow.advance(data.draft)
    if isinstance(following, Ask):
        return Answer(edit=step_reply(following))
    assert isinstance(following, Complete)
    if shows_pressed_button(update):
        saved = await deps.diary.save(chat_id, following, message_id)
    else:  # a double tap, a stale copy, or forged onto another message: never a new entry
        saved = await deps.diary.saved_from(chat_id, message_id)
    if isinstance(saved, NoDiary):
        return Answer(edit=Reply(texts.diary_start_first()))
    if isinstance(saved, AlreadySaved):
        if saved.entry is None:
            return Answer(texts.entry_gone())
        return Answer(edit=summary_reply(deps, saved.entry))
    assert isinstance(saved, Saved)
    log.info("chat_id=%s diary entry saved", chat_id)
    return Answer(edit=summary_reply(deps, saved.entry))


async def cancel_button(deps: Deps, update: Update, data: CancelDraftButton) -> Answer:
    return Answer(edit=Reply(texts.draft_cancelled()))


async def entry_button(deps: Deps, update: Update, data: EntryButton) -> Answer:
    chat_id = _private(update)
    if chat_id is None:
        return expired()
    outcome = await deps.diary.act(chat_id, data.entry_id, data.action, data.trigger)
    if isinstance(outcome, Gone):
        # Never redraw the pressed message: it may be someone's unrelated message.
        return Answer(texts.entry_gone())
    if isinstance(outcome, Rejected):
        return expired()
    if isinstance(outcome, Removed):
        if data.action is Action.UNDO:
            return Answer(edit=Reply(texts.entry_undone()))
        return Answer(texts.entry_deleted(), edit=await diary_reply(deps, chat_id))
    if isinstance(outcome, Closed):
        return Answer(edit=Reply(f"✅ <b>Logged</b>: {texts.entry_line(outcome.entry)}"))
    assert isinstance(outcome, Updated)
    if outcome.urgent:
        number = await deps.diary.emergency_number(chat_id)
        return Answer(edit=summary_reply(deps, outcome.entry),
                      send=(Reply(texts.urgent_advice(deps.causes, number)),))
    if outcome.new_medicine:
        return Answer(edit=summary_reply(deps, outcome.entry),
                      send=(Reply(texts.new_medicine_advice(deps.causes)),))
    note = texts.safety_no(deps.causes) if data.action is Action.SAFETY_NO else None
    return Answer(edit=summary_reply(deps, outcome.entry, note=note))


async def checkin_button(deps: Deps, update: Update, data: CheckInButton) -> Answer:
    chat_id = _private(update)
    if chat_id is None:
        return expired()
    recorded = await deps.diary.answer_checkin(chat_id, data.night_of, data.answer)
    if isinstance(recorded, NoDiary):
        return Answer(edit=Reply(texts.diary_start_first()))
    if isinstance(recorded, NightHasCramps):
        return Answer(edit=Reply(texts.checkin_night_has_cramps(recorded.night_of),
                                 keyboards.log_another_for(recorded.night_of)))
    if not recorded:
        return Answer(texts.checkin_too_old())
    if data.answer is CheckInAnswer.NO_CRAMPS:
        return Answer(edit=Reply(texts.checkin_recorded(data.answer)))
    return Answer(edit=step_reply(flow.start(when=When.LAST_NIGHT)))


async def stretch_done_button(deps: Deps, update: Update, data: StretchDone) -> Answer:
    chat_id = _private(update)
    if chat_id is None:
        return expired()
    recorded = await deps.diary.stretch_done(chat_id, data.day)
    if isinstance(recorded, NoDiary):
        return Answer(edit=Reply(texts.diary_start_first()))
    if not recorded:
        return Answer(texts.stretch_too_old())
    return Answer(texts.stretch_recorded(),
                  edit=Reply(texts.evening_stretch() + "\n\n" + texts.stretch_recorded()))


async def send_chart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The weekly picture's PNG, sent on demand: the outbox sender stays text-only."""
    query = update.callback_query
    chat_id = _private(update)
    data = ChartButton.parse(query.data if query else None)
    if query is None:
        return
    if chat_id is None or data is None:
        await query.answer(texts.button_expired())
        return
    deps = get_deps(context)
    if not await deps.diary.can_keep(chat_id):
        await query.answer(texts.chart_no_diary())
        return
    await query.answer()
    view = await deps.diary.weekly(chat_id, data.day)
    await context.bot.send_photo(
        chat_id, InputFile(_chart_png(view.series), filename="cramp-weeks.png"),
        caption=texts.chart_caption(view.series))
    if view.days is not None:
        await _send_days(context, chat_id, view.days)


async def setting_button(deps: Deps, update: Update, data: DiarySetting) -> Answer:
    chat_id = _private(update)
    if chat_id is None:
        return expired()
    if data.item == DIARY_SHOW:
        return Answer(edit=await diary_reply(deps, chat_id))
    if data.item in (DIARY_SET_CHECKIN, DIARY_SET_STRETCH):
        kind = PromptKind.CHECK_IN if data.item == DIARY_SET_CHECKIN else PromptKind.STRETCH
        if data.value == DIARY_MENU:
            prompt = (texts.checkin_time_prompt() if kind is PromptKind.CHECK_IN
                      else texts.stretch_time_prompt())
            return Answer(edit=Reply(prompt, keyboards.diary_times(data.item)))
        offered = (keyboards.DIARY_CHECKIN_TIMES if kind is PromptKind.CHECK_IN
                   else keyboards.DIARY_STRETCH_TIMES)
        if data.value != DIARY_OFF and data.value not in offered:
            return expired()
        at = None if data.value == DIARY_OFF else parse_send_time(data.value)
        result = await deps.diary.set_prompt(chat_id, kind, at)
    elif data.item == DIARY_SET_WEEKLY and data.value in ("on", "off"):
        result = await deps.diary.set_weekly(chat_id, data.value == "on")
    elif data.item == DIARY_SET_RETENTION and data.value.isascii() and data.value.isdigit() \
            and len(data.value) <= 2:
        found = await deps.diary.set_retention(chat_id, int(data.value))
        if found is None:
            return expired()
        result = found
    else:
        return expired()
    if isinstance(result, NoDiary):
        return Answer(edit=Reply(texts.diary_start_first()))
    return Answer(edit=await diary_reply(deps, chat_id))
