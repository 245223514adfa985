"""Inline keyboards: labels from ui.texts, data from ui.callbacks, nothing else.

Every button is built through `_button`, so every callback_data passes the one 64-byte
check in `CallbackData.pack`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.needs import statuses_for
from bot.ui import texts
from bot.ui.callbacks import (
    ANOTHER,
    CAUSES_HELPS,
    CAUSES_OVERVIEW,
    CAUSES_SIGNS,
    CAUSES_WHY,
    FORGET_NO,
    FORGET_YES,
    MENU_CAUSES,
    MENU_FOODS,
    MENU_SETTINGS,
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
    BroadcastTip,
    CallbackData,
    CancelBroadcast,
    CausesPage,
    ConfirmBroadcast,
    DiscardBroadcast,
    Forget,
    LocalNow,
    Menu,
    NeedAge,
    NeedSex,
    NeedStatus,
    PickFood,
    PickTime,
    PickZone,
    RunCommand,
    Setting,
    TipAction,
    ToggleTopic,
)
from tips.catalog import TOPICS
from tips.reference import RdaBand, RdaTable

if TYPE_CHECKING:
    from bot.storage.models import Broadcast, Subscriber

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
        [_button(texts.BUTTON_TIP_NOW, Menu(MENU_TIP)),
         _button(texts.BUTTON_FOODS, Menu(MENU_FOODS))],
        [_button(texts.BUTTON_CAUSES, Menu(MENU_CAUSES)),
         _button(texts.BUTTON_SETTINGS, Menu(MENU_SETTINGS))],
    ])


def settings_menu(subscriber: Subscriber) -> InlineKeyboardMarkup:
    """The /settings panel; every action edits this same message (see handlers.user)."""
    toggle = (_button(texts.BUTTON_STOP_DAILY, Setting(SET_STOP))
              if subscriber.status != "stopped"
              else _button(texts.BUTTON_RESUME_DAILY, Setting(SET_RESUME)))
    pause = (_button(texts.BUTTON_RESUME_NOW, Setting(SET_RESUME))
             if subscriber.status == "paused"
             else _button(texts.BUTTON_PAUSE_WEEK, Setting(SET_PAUSE)))
    rows = [
        [_button(texts.BUTTON_TIME, Setting(SET_TIME)),
         _button(texts.BUTTON_TIMEZONE, Setting(SET_ZONE))],
        [_button(texts.BUTTON_TOPICS, Setting(SET_TOPICS))],
        [pause, toggle] if subscriber.status != "stopped" else [toggle],
    ]
    # (issue 12 adds "📝 Log a cramp" here.)
    return InlineKeyboardMarkup(rows)


def _back() -> list[InlineKeyboardButton]:
    return [_button(texts.BUTTON_BACK, Setting(SET_PANEL))]


def time_choices(back: bool = False) -> InlineKeyboardMarkup:
    row = [_button(t, PickTime(t)) for t in QUICK_TIMES]
    return InlineKeyboardMarkup([row[:3], row[3:]] + ([_back()] if back else []))


def zone_choices(names: tuple[str, ...] | list[str] = QUICK_ZONES, back: bool = False,
                 clock: bool = True) -> InlineKeyboardMarkup:
    buttons = [_button(z, PickZone(z)) for z in names]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    if clock:
        rows.append([_button(texts.BUTTON_LOCAL_TIME, Setting(SET_CLOCK))])
    return InlineKeyboardMarkup(rows + ([_back()] if back else []))


# --- onboarding

def location_keyboard() -> ReplyKeyboardMarkup:
    """Under the sign-up question: share a location, or pick the time, or keep the default."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(texts.BUTTON_SHARE_LOCATION, request_location=True)],
         [KeyboardButton(texts.BUTTON_LOCAL_TIME), KeyboardButton(texts.BUTTON_KEEP_DEFAULTS)]],
        resize_keyboard=True, one_time_keyboard=True)


def remove_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


def local_time_choices(offsets: list[int], now: datetime) -> InlineKeyboardMarkup:
    """One button per UTC offset, labelled with the time it is there now."""
    buttons = [_button((now + timedelta(minutes=m)).strftime("%H:%M"), LocalNow(str(m)))
               for m in offsets]
    rows = [buttons[i:i + 4] for i in range(0, len(buttons), 4)]
    rows.append([_button(texts.BUTTON_KEEP_DEFAULTS, Setting(SET_KEEP))])
    return InlineKeyboardMarkup(rows)


# --- suggestions

def food_choices(names: list[str]) -> InlineKeyboardMarkup | None:
    if not names:
        return None
    return InlineKeyboardMarkup([[_button(n, PickFood(n)) for n in names[:4]]])


def command_choices(names: list[str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(texts.command_button(n), RunCommand(n))
                                  for n in names]])


def topics_menu(subscriber: Subscriber) -> InlineKeyboardMarkup:
    rows = [[_button(texts.topic_button(key, key in subscriber.topics), ToggleTopic(key))]
            for key in TOPICS]
    rows.append([_button(texts.BUTTON_TOPICS_DONE, ToggleTopic(TOPICS_DONE))])
    return InlineKeyboardMarkup(rows)


def tip_actions(tip_id: str, vote: int = 0) -> InlineKeyboardMarkup:
    """The reactions under every tip, the chat's vote marked (tip ids ≤ 32 chars)."""
    up = texts.BUTTON_HELPFUL + (texts.VOTE_MARK if vote > 0 else "")
    down = texts.BUTTON_NOT_FOR_ME + (texts.VOTE_MARK if vote < 0 else "")
    return InlineKeyboardMarkup([[
        _button(up, TipAction(VOTE_UP, tip_id)),
        _button(down, TipAction(VOTE_DOWN, tip_id)),
        _button(texts.BUTTON_ANOTHER, TipAction(ANOTHER, tip_id)),
    ]])


# --- content (issue 9): /causes sections
def causes_menu() -> InlineKeyboardMarkup:
    """Under the /causes overview: one button per detailed section."""
    return InlineKeyboardMarkup([
        [_button(texts.BUTTON_CAUSES_SIGNS, CausesPage(CAUSES_SIGNS))],
        [_button(texts.BUTTON_CAUSES_WHY, CausesPage(CAUSES_WHY)),
         _button(texts.BUTTON_CAUSES_HELPS, CausesPage(CAUSES_HELPS))],
    ])


def causes_back() -> InlineKeyboardMarkup:
    """Under a /causes section: back to the overview."""
    return InlineKeyboardMarkup([[_button(texts.BUTTON_BACK, CausesPage(CAUSES_OVERVIEW))]])


# ------------------------------------------------------------------ personal

def age_keyboard(rda: RdaTable) -> InlineKeyboardMarkup:
    buttons = [_button(band.label, NeedAge(band.key)) for band in rda.bands]
    return InlineKeyboardMarkup([buttons[i:i + AGE_BUTTONS_PER_ROW]
                                 for i in range(0, len(buttons), AGE_BUTTONS_PER_ROW)])


def sex_keyboard(band: RdaBand) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(label, NeedSex(band.key, sex))
                                  for sex, label in texts.NEED_SEX_BUTTONS]])


def status_keyboard(band: RdaBand, sex: str) -> InlineKeyboardMarkup:
    offered = statuses_for(band, sex)
    return InlineKeyboardMarkup([[_button(label, NeedStatus(band.key, sex, status))
                                  for status, label in texts.NEED_STATUS_BUTTONS
                                  if status in offered]])


def forget_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(texts.FORGET_YES_BUTTON, Forget(FORGET_YES)),
                                  _button(texts.FORGET_NO_BUTTON, Forget(FORGET_NO))]])


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
