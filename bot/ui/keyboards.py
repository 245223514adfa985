"""Inline keyboards: labels from ui.texts, data from ui.callbacks, nothing else.

Every button is built through `_button`, so every callback_data passes the one 64-byte
check in `CallbackData.pack`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.core.i18n import current_locale
from bot.diary.flow import Action, Ask
from bot.diary.models import CheckInAnswer, CrampEntry, Muscle, Trigger
from bot.diary.prompts import RETENTION_MONTHS
from bot.services.needs import statuses_for
from bot.services.water import GLASS_ML, TARGETS
from bot.ui import texts
from bot.ui.callbacks import (
    ANOTHER,
    CAUSES_HELPS,
    CAUSES_OVERVIEW,
    CAUSES_SIGNS,
    CAUSES_WHY,
    DIARY_MENU,
    DIARY_OFF,
    DIARY_SET_CHECKIN,
    DIARY_SET_RETENTION,
    DIARY_SET_STRETCH,
    DIARY_SET_WEEKLY,
    DIARY_SHOW,
    FORGET_NO,
    FORGET_YES,
    LANGUAGE_MENU,
    LATER_ASK,
    LATER_STRETCH,
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
    WATER_ADD_CHECKIN,
    WATER_ADD_NUDGE,
    WATER_ADD_TIP,
    WATER_ADD_WATER,
    WATER_HOT,
    WATER_MENU,
    WATER_OFF,
    WATER_ON,
    WATER_SET_GLASS,
    WATER_SET_NUDGE,
    WATER_SET_TARGET,
    WATER_SHOW,
    BroadcastTip,
    CallbackData,
    CancelBroadcast,
    CancelDraftButton,
    CausesPage,
    ChartButton,
    CheckInButton,
    ConfirmBroadcast,
    DiarySetting,
    DiscardBroadcast,
    DraftButton,
    EntryButton,
    FoodAte,
    FoodUndo,
    Forget,
    LaterButton,
    LocalNow,
    LogStart,
    Menu,
    NeedAge,
    NeedSex,
    NeedStatus,
    PickFood,
    PickLanguage,
    PickTime,
    PickZone,
    RunCommand,
    Setting,
    StretchDone,
    TipAction,
    ToggleTopic,
    WaterAdd,
    WaterSetting,
    WaterUndo,
)
from tips.catalog import TOPICS
from tips.reference import RdaBand, RdaTable

if TYPE_CHECKING:
    from bot.services.water import WaterDay
    from bot.storage.models import Broadcast, DiarySettings, Subscriber

QUICK_TIMES = ("07:00", "08:00", "09:00", "12:00", "18:00", "21:00")
QUICK_ZONES = (
    "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
    "Asia/Kolkata", "Australia/Sydney", "UTC",
)
AGE_BUTTONS_PER_ROW = 4


def _button(label: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


# ------------------------------------------------------------------ user

def main_menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [_button(texts.button_tip_now(), Menu(MENU_TIP)),
         _button(texts.button_foods(), Menu(MENU_FOODS))],
        [_button(texts.button_causes(), Menu(MENU_CAUSES)),
         _button(texts.button_settings(), Menu(MENU_SETTINGS))],
        [_button(texts.button_sos(), Menu(MENU_SOS))],
    ])


def settings_menu(subscriber: Subscriber) -> InlineKeyboardMarkup:
    """The /settings panel; every action edits this same message (see handlers.user)."""
    toggle = (_button(texts.button_stop_daily(), Setting(SET_STOP))
              if subscriber.status != "stopped"
              else _button(texts.button_resume_daily(), Setting(SET_RESUME)))
    pause = (_button(texts.button_resume_now(), Setting(SET_RESUME))
             if subscriber.status == "paused"
             else _button(texts.button_pause_week(), Setting(SET_PAUSE)))
    rows = [
        [_button(texts.button_time(), Setting(SET_TIME)),
         _button(texts.button_timezone(), Setting(SET_ZONE))],
        [_button(texts.button_topics(), Setting(SET_TOPICS))],
        [pause, toggle] if subscriber.status != "stopped" else [toggle],
    ]
    rows.append(log_cramp_row())
    rows.append([_button(texts.button_water_from_settings(),
                         WaterSetting(WATER_MENU, WATER_MENU))])
    return InlineKeyboardMarkup(rows)


def _back() -> list[InlineKeyboardButton]:
    return [_button(texts.button_back(), Setting(SET_PANEL))]


def time_choices(back: bool = False) -> InlineKeyboardMarkup:
    row = [_button(t, PickTime(t)) for t in QUICK_TIMES]
    return InlineKeyboardMarkup([row[:3], row[3:]] + ([_back()] if back else []))


def zone_choices(names: tuple[str, ...] | list[str] = QUICK_ZONES, back: bool = False,
                 clock: bool = True) -> InlineKeyboardMarkup:
    buttons = [_button(z, PickZone(z)) for z in names]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    if clock:
        rows.append([_button(texts.button_local_time(), Setting(SET_CLOCK))])
    return InlineKeyboardMarkup(rows + ([_back()] if back else []))


def place_guesses(places: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One "Munich?" button per (place, zone) guessed from a mistyped name; it sets the
    place's zone, and the clock button stays for anyone whose place is not among them."""
    rows = [[_button(texts.place_guess_button(place), PickZone(zone))] for place, zone in places]
    return InlineKeyboardMarkup([*rows, [_button(texts.button_local_time(), Setting(SET_CLOCK))]])


# Sign-up: where the person is and what time it is for them

def location_keyboard() -> ReplyKeyboardMarkup:
    """Under the sign-up question: share a location, or pick the time, or keep the default."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(texts.button_share_location(), request_location=True)],
         [KeyboardButton(texts.button_local_time()), KeyboardButton(texts.button_keep_defaults())]],
        resize_keyboard=True, one_time_keyboard=True)


def remove_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


def local_time_choices(offsets: list[int], now: datetime) -> InlineKeyboardMarkup:
    """One button per UTC offset, labelled with the time it is there now."""
    buttons = [_button((now + timedelta(minutes=m)).strftime("%H:%M"), LocalNow(str(m)))
               for m in offsets]
    rows = [buttons[i:i + 4] for i in range(0, len(buttons), 4)]
    rows.append([_button(texts.button_keep_defaults(), Setting(SET_KEEP))])
    return InlineKeyboardMarkup(rows)


# Suggestions: the near-misses of a food's name

def food_choices(names: list[str]) -> InlineKeyboardMarkup | None:
    if not names:
        return None
    return InlineKeyboardMarkup([[_button(n, PickFood(n)) for n in names[:4]]])


def food_answer(name: str) -> InlineKeyboardMarkup:
    """Under one food's figures: log a serving of it."""
    return InlineKeyboardMarkup([[_button(texts.button_food_ate(), FoodAte(name))]])


def ate_choices(names: list[str]) -> InlineKeyboardMarkup | None:
    """The near-misses of a typed /ate: each logs a serving of that food when pressed."""
    if not names:
        return None
    return InlineKeyboardMarkup([[_button(n, FoodAte(n)) for n in names[:4]]])


def food_logged(entry_id: int) -> InlineKeyboardMarkup:
    """Under a logged serving: its Undo."""
    return InlineKeyboardMarkup([[_button(texts.button_undo(), FoodUndo(entry_id))]])


def command_choices(names: list[str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(texts.command_button(n), RunCommand(n))
                                  for n in names]])


def topics_menu(subscriber: Subscriber) -> InlineKeyboardMarkup:
    rows = [[_button(texts.topic_button(key, key in subscriber.topics), ToggleTopic(key))]
            for key in TOPICS]
    rows.append([_button(texts.button_topics_done(), ToggleTopic(TOPICS_DONE))])
    return InlineKeyboardMarkup(rows)


def tip_actions(tip_id: str, vote: int = 0, *, later: bool = False) -> InlineKeyboardMarkup:
    """The reactions under every tip, the chat's vote marked (tip ids ≤ 32 chars).

    One shared object per (tip, vote): the sender puts one under every daily tip, and
    building four buttons was a tenth of its CPU per message. Sharing is safe because
    python-telegram-bot freezes its objects once built, and it lets the transport encode
    each keyboard once (`bot.delivery.sender.BotTransport`).
    """
    return _tip_actions(tip_id, max(-1, min(1, vote)), current_locale(), later)


@functools.lru_cache(maxsize=4096)  # 3 per tip and locale: a few hundred tips fit with room
def _tip_actions(tip_id: str, vote: int, locale: str, later: bool) -> InlineKeyboardMarkup:
    """(`locale` keys the cache: the labels are the current locale's.)"""
    up = texts.button_helpful() + (texts.VOTE_MARK if vote > 0 else "")
    down = texts.button_not_for_me() + (texts.VOTE_MARK if vote < 0 else "")
    return InlineKeyboardMarkup([[
        _button(up, TipAction(VOTE_UP, tip_id)),
        _button(down, TipAction(VOTE_DOWN, tip_id)),
        _button(texts.button_another(), TipAction(ANOTHER, tip_id)),
    ], [*log_cramp_row(), water_add_button(WATER_ADD_TIP),  # a small row under the reactions
        *([_button(texts.button_later(), LaterButton(LATER_ASK, tip_id))] if later else [])]])


# /causes sections
def causes_menu() -> InlineKeyboardMarkup:
    """Under the /causes overview: one button per detailed section."""
    return InlineKeyboardMarkup([
        [_button(texts.button_causes_signs(), CausesPage(CAUSES_SIGNS))],
        [_button(texts.button_causes_why(), CausesPage(CAUSES_WHY)),
         _button(texts.button_causes_helps(), CausesPage(CAUSES_HELPS))],
    ])


def causes_back() -> InlineKeyboardMarkup:
    """Under a /causes section: back to the overview."""
    return InlineKeyboardMarkup([[_button(texts.button_back(), CausesPage(CAUSES_OVERVIEW))]])


# ------------------------------------------------------------------ personal

def age_keyboard(rda: RdaTable) -> InlineKeyboardMarkup:
    buttons = [_button(band.label, NeedAge(band.key)) for band in rda.bands]
    return InlineKeyboardMarkup([buttons[i:i + AGE_BUTTONS_PER_ROW]
                                 for i in range(0, len(buttons), AGE_BUTTONS_PER_ROW)])


def sex_keyboard(band: RdaBand) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(label, NeedSex(band.key, sex))
                                  for sex, label in texts.need_sex_buttons()]])


def status_keyboard(band: RdaBand, sex: str) -> InlineKeyboardMarkup:
    offered = statuses_for(band, sex)
    return InlineKeyboardMarkup([[_button(label, NeedStatus(band.key, sex, status))
                                  for status, label in texts.need_status_buttons()
                                  if status in offered]])


def forget_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(texts.forget_yes_button(), Forget(FORGET_YES)),
                                  _button(texts.forget_no_button(), Forget(FORGET_NO))]])


# ------------------------------------------------------------------ admin

def broadcast_confirm(broadcast_id: int, audience: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        _button(texts.broadcast_send_button(audience), ConfirmBroadcast(broadcast_id)),
        _button(texts.BUTTON_DISCARD_BROADCAST, DiscardBroadcast(broadcast_id)),
    ]])


def broadcast_progress(broadcast: Broadcast) -> InlineKeyboardMarkup | None:
    """Under a running broadcast's status message: the cancel button, and only then."""
    if broadcast.status != "sending":
        return None
    return InlineKeyboardMarkup([[_button(texts.BUTTON_CANCEL_BROADCAST,
                                          CancelBroadcast(broadcast.id))]])


def broadcast_tip(tip_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(texts.BUTTON_BROADCAST_TIP, BroadcastTip(tip_id))]])


# The cramp diary

DIARY_CHECKIN_TIMES = ("06:00", "07:00", "08:00", "09:00", "10:00")
DIARY_STRETCH_TIMES = ("20:00", "21:00", "22:00", "23:00")
TRIGGERS_PER_ROW = 2


def _rows(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def sos_keyboard() -> InlineKeyboardMarkup:
    """"📝 Log it" per muscle the first aid covers: the muscle is then already chosen."""
    buttons = [_button(texts.sos_log_button(muscle), LogStart(muscle))
               for muscle in texts.sos_steps()]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def subscribe_and_log(muscle: Muscle | None) -> InlineKeyboardMarkup:
    """The one tap offered to someone without a subscription who wants to log a cramp."""
    return InlineKeyboardMarkup([[_button(texts.button_subscribe_and_log(),
                                          LogStart(muscle, subscribe=True))]])


def log_cramp_row() -> list[InlineKeyboardButton]:
    return [_button(texts.button_log(), LogStart())]


def diary_step(ask: Ask) -> InlineKeyboardMarkup:
    """One logging question: a button per choice carrying the draft after it, and Cancel."""
    buttons = [_button(texts.choice_label(choice), DraftButton(ask.draft.with_choice(choice)))
               for choice in ask.options]
    return InlineKeyboardMarkup([*_rows(buttons, 3),
                                 [_button(texts.button_cancel(), CancelDraftButton())]])


def entry_summary(entry: CrampEntry, *, safety_pending: bool) -> InlineKeyboardMarkup:
    """Under a saved entry: the safety question while pending, else the optional extras;
    Undo always."""
    assert entry.id is not None
    undo = _button(texts.button_undo(), EntryButton(Action.UNDO, entry.id))
    if safety_pending:
        return InlineKeyboardMarkup([
            [_button(texts.button_safety_yes(), EntryButton(Action.SAFETY_YES, entry.id)),
             _button(texts.button_safety_no(), EntryButton(Action.SAFETY_NO, entry.id))],
            [undo]])
    tags = [_button(texts.trigger_button(entry, tag), EntryButton(Action.TRIGGER, entry.id, tag))
            for tag in Trigger]
    return InlineKeyboardMarkup([
        [_button(texts.woke_button(entry), EntryButton(Action.WOKE, entry.id))],
        *_rows(tags, TRIGGERS_PER_ROW),
        [undo, _button(texts.button_done(), EntryButton(Action.DONE, entry.id))]])


def diary_screen(entries: Sequence[CrampEntry], settings: DiarySettings | None,
                 today: date, zone: tzinfo) -> InlineKeyboardMarkup:
    rows = [[_button(texts.entry_delete_button(e, zone), EntryButton(Action.DELETE, e.id))]
            for e in entries if e.id is not None]
    weekly_on = settings.weekly_enabled if settings else True
    months = settings.retention_months if settings else 12
    following = RETENTION_MONTHS[(RETENTION_MONTHS.index(months) + 1) % len(RETENTION_MONTHS)]
    rows += [
        [_button(texts.button_checkin_time(), DiarySetting(DIARY_SET_CHECKIN, DIARY_MENU)),
         _button(texts.button_stretch_time(), DiarySetting(DIARY_SET_STRETCH, DIARY_MENU))],
        [_button(texts.weekly_button(weekly_on),
                 DiarySetting(DIARY_SET_WEEKLY, "off" if weekly_on else "on")),
         _button(texts.retention_button(months),
                 DiarySetting(DIARY_SET_RETENTION, str(following)))],
        [*log_cramp_row(), _button(texts.button_chart(), ChartButton(today))],
    ]
    return InlineKeyboardMarkup(rows)


def diary_times(item: str) -> InlineKeyboardMarkup:
    choices = DIARY_CHECKIN_TIMES if item == DIARY_SET_CHECKIN else DIARY_STRETCH_TIMES
    buttons = [_button(at, DiarySetting(item, at)) for at in choices]
    return InlineKeyboardMarkup([*_rows(buttons, 3),
                                 [_button(texts.button_off(), DiarySetting(item, DIARY_OFF)),
                                  _button(texts.button_back(),
                                          DiarySetting(DIARY_SHOW, DIARY_MENU))]])


def checkin_question(night_of: date) -> InlineKeyboardMarkup:
    """Yes / No about the night, and the morning's water: a glass, or a hot day."""
    return InlineKeyboardMarkup([[
        _button(texts.button_checkin_no(), CheckInButton(CheckInAnswer.NO_CRAMPS, night_of)),
        _button(texts.button_checkin_yes(), CheckInButton(CheckInAnswer.CRAMPS, night_of)),
    ], [water_add_button(WATER_ADD_CHECKIN),
        _button(texts.button_water_hot(), WaterSetting(WATER_HOT, WATER_HOT))]])


def log_another_for(night_of: date) -> InlineKeyboardMarkup:
    """Under "you already logged a cramp for that night": the check-in's own Yes, which
    opens the logging steps for last night."""
    return InlineKeyboardMarkup([[
        _button(texts.button_log_another(), CheckInButton(CheckInAnswer.CRAMPS, night_of))]])


def stretch_actions(day: date) -> InlineKeyboardMarkup:
    """Under the evening stretch of local date `day`: "done" (counted in the weekly
    picture) and "⏰ Later"."""
    return InlineKeyboardMarkup([[
        _button(texts.button_stretch_done(), StretchDone(day)),
        _button(texts.button_later(), LaterButton(LATER_ASK, LATER_STRETCH))]])


def weekly_chart(day: date) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(texts.button_chart(), ChartButton(day))]])


# ------------------------------------------------------------------ language

def language_button() -> InlineKeyboardButton:
    """🌐: opens the language list (on the settings panel and under the first /start)."""
    return _button(texts.button_language(), PickLanguage(LANGUAGE_MENU))


def with_language_button(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """The same keyboard with 🌐 as its last row."""
    return InlineKeyboardMarkup([*markup.inline_keyboard, [language_button()]])


def language_choices() -> InlineKeyboardMarkup:
    """One button per language, each in its own name."""
    return InlineKeyboardMarkup([[_button(name, PickLanguage(locale))]
                                 for locale, name in texts.language_names().items()])


def command_menu(admin: bool = False) -> list[BotCommand]:
    """The command menu in the current locale; an admin's has the admin tools too."""
    public = [BotCommand(name, description) for name, description in texts.menu_commands()]
    if not admin:
        return public
    return public + [BotCommand(name, description) for name, description in texts.ADMIN_COMMANDS]


# ------------------------------------------------------------------ the water log

def water_add_button(source: str) -> InlineKeyboardButton:
    return _button(texts.button_water_add(), WaterAdd(source))


def water_day(day: WaterDay) -> InlineKeyboardMarkup:
    """Under a count: Undo of the glass just logged (if any), another glass, the settings."""
    first = [water_add_button(WATER_ADD_WATER)]
    if day.glass_id is not None:
        first.insert(0, _button(texts.button_undo(), WaterUndo(day.glass_id)))
    return InlineKeyboardMarkup([first, [_button(
        texts.button_water_settings(), WaterSetting(WATER_MENU, WATER_MENU))]])


def water_settings(day: WaterDay) -> InlineKeyboardMarkup:
    """Glass sizes and targets, the current ones marked, and the way back to the count."""
    def mark(label: str, chosen: bool) -> str:
        return label + (texts.VOTE_MARK if chosen else "")

    sizes = [_button(mark(texts.water_glass_label(code), code == day.glass),
                     WaterSetting(WATER_SET_GLASS, code)) for code in GLASS_ML]
    targets = [_button(mark(texts.water_target_label(None), day.target is None),
                       WaterSetting(WATER_SET_TARGET, WATER_OFF))]
    targets += [_button(mark(texts.water_target_label(n), day.target == n),
                        WaterSetting(WATER_SET_TARGET, str(n))) for n in TARGETS]
    nudge = _button(texts.button_water_nudge(not day.nudge),
                    WaterSetting(WATER_SET_NUDGE, WATER_OFF if day.nudge else WATER_ON))
    return InlineKeyboardMarkup([*_rows(sizes, 2), *_rows(targets, 2), [nudge],
                                 [_button(texts.button_water_back(),
                                          WaterSetting(WATER_SHOW, WATER_SHOW))]])


def nudge() -> InlineKeyboardMarkup:
    """Under the afternoon nudge: one tap logs the glass."""
    return InlineKeyboardMarkup([[water_add_button(WATER_ADD_NUDGE)]])


def offers_later(markup: InlineKeyboardMarkup | None) -> bool:
    """Whether a tip's keyboard has "⏰ Later" (a daily tip's): a redraw keeps it."""
    rows = markup.inline_keyboard if markup is not None else ()
    return any(isinstance(parsed := LaterButton.parse(button.callback_data), LaterButton)
               and parsed.choice == LATER_ASK for row in rows for button in row)


def later_choices(tip_id: str) -> InlineKeyboardMarkup:
    """The three times a "⏰ Later" offers."""
    return InlineKeyboardMarkup([[
        _button(texts.button_later_hour(), LaterButton("hour", tip_id)),
        _button(texts.button_later_evening(), LaterButton("evening", tip_id)),
    ], [_button(texts.button_later_morning(), LaterButton("morning", tip_id))]])
