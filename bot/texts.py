"""Every sentence the bot says, in one place.

Messages are Telegram HTML. Anything that came from a user or from data is escaped
here, so handlers never build markup themselves. Health wording follows one rule: the
bot informs and points to a professional; it never diagnoses or prescribes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from bot.storage import Subscriber
from tips.catalog import TOPIC_EMOJI, TOPICS, Tip
from tips.foods import Food, FoodTable
from tips.reference import Causes

BOT_NAME = "MagDaily"
MAX_ECHO = 40  # how much of a user's bad input we quote back

DISCLAIMER = (
    "ℹ️ MagDaily shares general information, not medical advice. It cannot diagnose "
    "anything. For frequent or severe spasms, or before taking any supplement, talk to a "
    "doctor, pharmacist or dietitian."
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("tip", "A tip right now"),
    ("foods", "Magnesium-rich foods, e.g. /foods almonds"),
    ("causes", "Why muscle spasms happen"),
    ("settings", "Your time, time zone and topics"),
    ("time", "Daily time, e.g. /time 07:30"),
    ("timezone", "Time zone, e.g. /timezone Europe/Berlin"),
    ("topics", "Choose tip topics"),
    ("subscribe", "Start (or resume) daily tips"),
    ("pause", "Pause daily tips, e.g. /pause 7"),
    ("resume", "Resume after a pause"),
    ("need", "Your daily magnesium need"),
    ("mydata", "What I store about you"),
    ("forget", "Delete everything about you"),
    ("stop", "Stop daily tips"),
    ("help", "What I can do"),
    ("about", "Sources, disclaimer, privacy"),
)


# Bidirectional-override characters would flip the rest of our own reply when echoed.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                        "\u2066\u2067\u2068\u2069"))


def quote(text: str) -> str:
    """A short, escaped echo of user input: enough to recognise, never a wall of text."""
    text = " ".join(text.translate(_BIDI_CONTROLS).split())
    if len(text) > MAX_ECHO:
        text = text[: MAX_ECHO - 1] + "…"
    return escape(text)


def topic_label(topic: str) -> str:
    return f"{TOPIC_EMOJI.get(topic, '•')} {TOPICS.get(topic, topic)}"


def fmt_time(subscriber: Subscriber) -> str:
    return subscriber.send_time.strftime("%H:%M")


STATUS_LABELS = {
    "active": "✅ daily tips on",
    "paused": "⏸ paused",
    "stopped": "⏹ stopped (send /subscribe to resume)",
    "blocked": "🚫 inactive (the bot could not reach this chat)",
}


# ------------------------------------------------------------------ start / stop

def welcome(subscriber: Subscriber, created: bool, was_status: str | None) -> str:
    if created:
        head = (
            f"👋 Welcome to <b>{BOT_NAME}</b>!\n\n"
            "Every day I’ll send you one short tip to help prevent muscle spasms: "
            "hydration, magnesium-rich foods, rest and recovery, electrolytes, and when to "
            "see a doctor."
        )
    elif was_status and was_status != "active":
        head = "👋 Welcome back! Your daily tips are on again."
    else:
        head = "👋 You’re already subscribed — nothing changed."
    return f"{head}\n\n{settings_summary(subscriber)}\n\n<i>{escape(DISCLAIMER)}</i>"


def settings_summary(subscriber: Subscriber) -> str:
    topics = ", ".join(topic_label(t) for t in subscriber.topics)
    status = STATUS_LABELS.get(subscriber.status, subscriber.status)
    if subscriber.status == "paused" and subscriber.paused_until:
        status = f"⏸ paused until {paused_date(subscriber)} (tips resume the day after)"
    return (
        "<b>Your settings</b>\n"
        f"⏰ Time: <b>{fmt_time(subscriber)}</b>\n"
        f"🌍 Time zone: <b>{escape(subscriber.timezone)}</b>\n"
        f"🏷 Topics: {topics}\n"
        f"📬 Status: {status}"
    )


def next_tip_line(subscriber: Subscriber) -> str:
    if subscriber.status != "active" or subscriber.next_send_at is None:
        return ""
    return f"\nNext daily tip: {fmt_time(subscriber)} ({escape(subscriber.timezone)})."


def paused_date(subscriber: Subscriber) -> str:
    """The last paused day; `paused_until` stores the day tips resume."""
    resume = subscriber.paused_until
    return (resume - timedelta(days=1)).isoformat() if resume else ""


def paused(subscriber: Subscriber, days: int) -> str:
    return (
        f"⏸ Paused for {days} day{'s' if days != 1 else ''} — no daily tips until "
        f"{paused_date(subscriber)}. They start again by themselves, or send /resume sooner."
    )


PAUSE_INVALID = "Give the number of days from 1 to 90, e.g. <code>/pause 7</code>."
PAUSE_WHEN_STOPPED = (
    "Daily tips are stopped, so there is nothing to pause. /subscribe turns them on.")
NOT_PAUSED = "Your daily tips aren’t paused."


STOPPED = (
    "⏹ Daily tips stopped. Your settings are kept; send /subscribe whenever you want them "
    "back. /tip still works any time."
)
ALREADY_STOPPED = "Daily tips are already stopped. Send /subscribe to turn them back on."
NOT_SUBSCRIBED = "You’re not subscribed yet. Send /start to begin — it takes one tap."


def resumed(subscriber: Subscriber) -> str:
    return "▶️ Daily tips are on." + next_tip_line(subscriber)


# ---------------------------------------------------------------------- tips

def tip_message(tip: Tip) -> str:
    return (
        f"<b>{escape(topic_label(tip.topic))}</b>\n\n{escape(tip.text)}\n\n"
        f"<i>Source: {escape(tip.source)}</i>"
    )


NO_TIPS = "I have no tips for your topics right now. Try /topics to add another topic."
VOTE_UP = "Thanks! Glad it helped. 👍"
VOTE_DOWN = "Got it — I won’t send you that tip again."
VOTE_RETIRED = "Thanks! That tip has since been retired, but your vote is noted."
TIP_GONE = "That tip is no longer available. Send /tip for a fresh one."


def another_limit(next_time: str) -> str:
    return (
        "That’s all the extra tips for today — small steps stick best. 🙂 "
        f"Your next daily tip comes at {next_time}."
    )
TIP_FOR_GUEST = "\n\nWant one every day? Send /start."


# -------------------------------------------------------------------- causes

def _cause_line(title: str, text: str) -> str:
    return f"• <b>{escape(title)}</b> — {escape(text)}"


def causes(data: Causes) -> str:
    lines = [
        "❓ <b>Why muscle spasms happen</b>",
        "",
        escape(data.intro),
        "",
        escape(data.mechanism),
        "",
        "<b>How magnesium can run low</b>",
    ]
    lines += [_cause_line(title, text) for title, text in data.deficiency_causes]
    lines += ["", "<b>Other common causes</b>"]
    lines += [_cause_line(title, text) for title, text in data.other_causes]
    lines += ["", "<b>See a doctor when</b>"]
    lines += [f"• {escape(item)}" for item in data.when_to_see_doctor]
    lines += ["", f"🩺 {escape(data.see_professional)}"]
    return "\n".join(lines)


# --------------------------------------------------------------------- foods

def foods_table(table: FoodTable, need_mg: int | None = None) -> str:
    lines = [
        f"🥬 <b>Top magnesium foods</b> (Daily Value: {table.daily_value_mg} mg)",
        "",
    ]
    for number, food in enumerate(table.foods, 1):
        share = f"{food.dv_percent}% DV"
        if need_mg:
            share += f", {round(food.mg * 100 / need_mg)}% of your need"
        lines.append(
            f"{number}. {escape(food.label)} — {escape(food.serving)}: "
            f"<b>{food.mg} mg</b> ({share})"
        )
    lines += [
        "",
        "<b>Food groups rich in magnesium:</b> " + escape(", ".join(table.groups)) + ".",
        "",
        "Ask about one food: <code>/foods almonds</code>",
        f"<i>Source: {escape(table.source)}</i>",
    ]
    return "\n".join(lines)


def food_answer(food: Food, table: FoodTable) -> str:
    return (
        f"🥬 <b>{escape(food.label)}</b>\n"
        f"{escape(food.serving)}: <b>{food.mg} mg</b> of magnesium — "
        f"{food.dv_percent}% of the {table.daily_value_mg} mg Daily Value.\n\n"
        f"<i>Source: {escape(table.source)}</i>"
    )


def food_unknown(query: str, suggestions: list[Food]) -> str:
    names = ", ".join(escape(food.name) for food in suggestions)
    example = suggestions[0].name if suggestions else "almonds"
    return (
        f"I don’t have “{quote(query)}” in my table. Some I do know: {names}.\n"
        f"Try e.g. <code>/foods {escape(example)}</code>, or /foods for the full list."
    )


# ------------------------------------------------------------------ settings

TIME_PROMPT = (
    "⏰ When should your daily tip arrive? Send the time like "
    "<code>/time 07:30</code> (also fine: 7:30pm, 19.30), or pick one:"
)


def time_set(subscriber: Subscriber) -> str:
    return (
        f"⏰ Done — your daily tip now comes at <b>{fmt_time(subscriber)}</b> "
        f"({escape(subscriber.timezone)}). If today’s tip already went out, the new time "
        "starts tomorrow."
    )


def time_invalid(raw: str) -> str:
    return (
        f"I couldn’t read “{quote(raw)}” as a time of day. Use hours 0–23 and minutes "
        "0–59, like <code>/time 07:30</code>, <code>/time 7:30pm</code> or "
        "<code>/time 19.30</code>."
    )


TIMEZONE_PROMPT = (
    "🌍 Which time zone are you in? Send it like <code>/timezone Europe/Berlin</code> or "
    "<code>/timezone UTC+2</code>, or pick one:"
)


def timezone_set(subscriber: Subscriber, local_now: datetime) -> str:
    return (
        f"🌍 Time zone set to <b>{escape(subscriber.timezone)}</b> "
        f"(it’s {local_now.strftime('%H:%M')} there now). Daily tip at "
        f"<b>{fmt_time(subscriber)}</b> local time."
    )


def timezone_invalid(raw: str, suggestions: list[str]) -> str:
    listed = "\n".join(f"• <code>{escape(name)}</code>" for name in suggestions)
    return (
        f"I don’t know the time zone “{quote(raw)}”. Use a region/city name or a UTC "
        f"offset, e.g. <code>/timezone America/New_York</code> or "
        f"<code>/timezone UTC-5</code>.\nDid you mean:\n{listed}"
    )


TOPICS_PROMPT = "🏷 Tap a topic to turn it on or off (at least one stays on):"
TOPIC_LAST_ONE = "At least one topic has to stay on."
TOPICS_SAVED = "🏷 Topics saved."


def topics_now(subscriber: Subscriber) -> str:
    return TOPICS_PROMPT + "\nOn now: " + ", ".join(topic_label(t) for t in subscriber.topics)


# ---------------------------------------------------------------- help/about

def help_text(is_admin: bool = False) -> str:
    lines = [f"🤖 <b>{BOT_NAME}</b> — one short tip a day to help prevent muscle spasms.", ""]
    lines += ["/start — subscribe and see your settings"]
    lines += [f"/{name} — {escape(desc)}" for name, desc in COMMANDS]
    lines += ["/unsubscribe — same as /stop"]
    return "\n".join(lines)


def about(sources: list[str]) -> str:
    listed = "\n".join(f"• {escape(source)}" for source in sources)
    return (
        f"ℹ️ <b>About {BOT_NAME}</b>\n\n"
        f"{escape(DISCLAIMER)}\n\n"
        f"<b>Sources</b>\n{listed}\n\n"
        "<b>Privacy</b>\nI store your chat id, your daily time, time zone and topics, "
        "whether tips are on, which tips were sent to you and when (so you don’t get "
        "repeats), and nothing else — not your messages. /stop stops the tips; your "
        "settings stay until you ask to delete them."
    )


NOT_A_COMMAND = "I answer commands rather than chat. Send /help to see them, or /tip for a tip now."
UNKNOWN_COMMAND = "I don’t know that command. Here’s what I can do:\n\n"
NOT_IN_GROUPS = "Please use that in a private chat with me."
ERROR_GENERIC = "Sorry, something went wrong on my side. Please try again in a moment."
BUTTON_EXPIRED = "That button is no longer active. Send /settings for fresh ones."


# ------------------------------------------------ issue 5: need, my data, forget
# (texts for /need, /mydata and /forget go here)
