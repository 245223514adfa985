"""Inline keyboards and the callback_data vocabulary their buttons carry.

callback_data is "<prefix>:<value>", always well under Telegram's 64-byte limit; the
handlers route on the prefix.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.storage import Subscriber
from tips.catalog import TOPIC_EMOJI, TOPICS

QUICK_TIMES = ("07:00", "08:00", "09:00", "12:00", "18:00", "21:00")
QUICK_ZONES = (
    "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
    "Asia/Kolkata", "Australia/Sydney", "UTC",
)


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def main_menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [_button("💡 Tip now", "menu:tip"), _button("🥬 Foods", "menu:foods")],
        [_button("❓ Causes", "menu:causes"), _button("⚙️ Settings", "menu:settings")],
    ])


def settings_menu(subscriber: Subscriber) -> InlineKeyboardMarkup:
    toggle = (_button("⏹ Stop daily tips", "set:stop") if subscriber.status == "active"
              else _button("▶️ Resume daily tips", "set:resume"))
    return InlineKeyboardMarkup([
        [_button("⏰ Time", "set:time"), _button("🌍 Time zone", "set:tz")],
        [_button("🏷 Topics", "set:topics"), toggle],
    ])


def time_choices() -> InlineKeyboardMarkup:
    row = [_button(t, f"time:{t}") for t in QUICK_TIMES]
    return InlineKeyboardMarkup([row[:3], row[3:]])


def zone_choices() -> InlineKeyboardMarkup:
    buttons = [_button(z, f"tz:{z}") for z in QUICK_ZONES]
    return InlineKeyboardMarkup([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


def topics_menu(subscriber: Subscriber) -> InlineKeyboardMarkup:
    rows = [
        [_button(f"{'✅' if key in subscriber.topics else '⬜'} {TOPIC_EMOJI[key]} {label}",
                 f"topic:{key}")]
        for key, label in TOPICS.items()
    ]
    rows.append([_button("Done", "topic:done")])
    return InlineKeyboardMarkup(rows)


def tip_actions(tip_id: str) -> InlineKeyboardMarkup:
    """The reactions under every tip; tip ids are ≤ 32 chars, so data stays < 64 bytes."""
    return InlineKeyboardMarkup([[
        _button("👍 Helpful", f"fb:up:{tip_id}"),
        _button("👎 Not for me", f"fb:down:{tip_id}"),
        _button("➕ Another tip", f"fb:more:{tip_id}"),
    ]])
