"""Every sentence and button label the bot shows, in one place.

Messages are Telegram HTML. Anything that came from a user or from data is escaped
here, so handlers never build markup themselves. Text functions take the domain objects
the services return (a Subscriber, a Need, MyData, Stats), not loose fields, so adding a
field is one change here. Percentages use the one rounding rule, `tips.foods.percent_of`.
Health wording follows one rule: the bot informs and points to a professional; it never
diagnoses or prescribes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from html import escape
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.core.i18n import LOCALES, _, current_locale
from bot.core.reasons import BROADCAST_RETRY_HOURS, Reason
from bot.diary.chart import Series, text_bars
from bot.diary.flow import Ask, Step
from bot.diary.models import (
    CheckInAnswer,
    CrampEntry,
    Duration,
    Muscle,
    Period,
    Severity,
    Trigger,
    When,
)
from bot.diary.report import REPORT_WEEKS, Report
from bot.diary.weekly import DAYS_PER_WEEK, RULE_LEVELS, WeeklyPicture, WeekStats
from tips.catalog import TOPIC_EMOJI, TOPICS, Ladder, Tip
from tips.foods import Food, FoodTable, percent_of
from tips.reference import Causes, WarningSign

if TYPE_CHECKING:
    from bot.services.broadcasts import Progress
    from bot.services.diary import DiaryCounts
    from bot.services.needs import Need
    from bot.services.privacy import MyData
    from bot.services.subscriptions import StartResult
    from bot.services.tip_admin import TipVotes
    from bot.storage.models import Broadcast, DiarySettings, Stats, Subscriber

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
    ("causes", "Why cramps happen, warning signs"),
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
    ("sos", "Help during a cramp, right now"),
    ("cramp", "Log a cramp in four taps"),
    ("diary", "Your cramp diary and its settings"),
    ("report", "A summary for your doctor, e.g. /report 8"),
    ("export", "Your diary and settings as CSV files"),
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


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


# Human dates: "Sat 28 Nov", "today at 15:56", "from tomorrow"

def day_label(day: date) -> str:
    """A date as people say it: 'Sat 28 Nov'."""
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"


def next_tip_when(subscriber: Subscriber, now: datetime) -> str:
    """When the next daily tip comes, in the chat's zone: 'today at 15:56',
    'tomorrow at 07:00' or 'Sun 29 Nov at 07:00'; '' when none is scheduled."""
    from bot.core.zones import resolve_zone  # texts stays importable without the zone tables

    if subscriber.next_send_at is None or subscriber.status not in ("active", "paused"):
        return ""
    tz = resolve_zone(subscriber.timezone)
    at, today = subscriber.next_send_at.astimezone(tz), now.astimezone(tz).date()
    clock = at.strftime("%H:%M")
    if at.date() == today:
        return f"today at {clock}"
    if at.date() == today + timedelta(days=1):
        return f"tomorrow at {clock}"
    return f"{day_label(at.date())} at {clock}"


def pause_phrase(subscriber: Subscriber) -> str:
    """The one wording of a pause, for /pause and /settings alike."""
    resume = subscriber.paused_until
    if resume is None:
        return ""
    return (f"no tips until {day_label(resume - timedelta(days=1))}; "
            f"they resume {day_label(resume)}")


STATUS_LABELS = {
    "active": "✅ daily tips on",
    "paused": "⏸ paused",
    "stopped": "⏹ stopped (send /subscribe to resume)",
    "blocked": "🚫 inactive (the bot could not reach this chat)",
}


# ------------------------------------------------------------------ buttons

BUTTON_TIP_NOW = "💡 Tip now"
BUTTON_FOODS = "🥬 Foods"
BUTTON_CAUSES = "❓ Causes"
BUTTON_SETTINGS = "⚙️ Settings"
BUTTON_TIME = "⏰ Time"
BUTTON_TIMEZONE = "🌍 Time zone"
BUTTON_TOPICS = "🏷 Topics"
BUTTON_STOP_DAILY = "⏹ Stop daily tips"
BUTTON_RESUME_DAILY = "▶️ Resume daily tips"
BUTTON_TOPICS_DONE = "Done"
BUTTON_HELPFUL = "👍 Helpful"
BUTTON_NOT_FOR_ME = "👎 Not for me"
BUTTON_ANOTHER = "➕ Another tip"
# Settings panel and onboarding buttons
BUTTON_PAUSE_WEEK = "⏸ Pause 7 days"
BUTTON_RESUME_NOW = "▶️ Resume now"
BUTTON_SHARE_LOCATION = "📍 Share location"
BUTTON_LOCAL_TIME = "🕐 Pick the time it is for me"
BUTTON_KEEP_DEFAULTS = "Keep the default"


def topic_button(topic: str, on: bool) -> str:
    """A topic in the /topics menu, ticked when it is on (button text is plain, not HTML)."""
    return f"{'✅' if on else '⬜'} {TOPIC_EMOJI[topic]} {TOPICS[topic]}"


# ------------------------------------------------------------------ start / stop

# Sign-up: the time zone and time questions right after /start

BOT_DESCRIPTION = (
    "MagDaily sends one short tip a day about habits linked to fewer muscle cramps: "
    "hydration, magnesium-rich foods, rest, electrolytes, and when to see a doctor. "
    "Sources are named under every tip. General information, not medical advice. "
    "Press Start to get the first tip; you choose the time."
)
BOT_SHORT_DESCRIPTION = "One short daily tip on habits linked to fewer cramps. Sources named."


def zone_question(subscriber: Subscriber) -> str:
    return (
        "🌍 <b>One question, so tips arrive in your morning:</b> where are you?\n\n"
        "• Tap <b>📍 Share location</b> below (I only read the time zone from it and "
        "keep nothing else),\n"
        "• or type your city, e.g. <code>Munich</code>,\n"
        "• or tap <b>🕐 Pick the time it is for me</b>.\n\n"
        f"Until then tips come at {fmt_time(subscriber)} {escape(subscriber.timezone)}."
    )


LOCAL_TIME_PROMPT = "🕐 What time is it for you right now? Tap the closest:"
ZONE_AT_OFFSET_PROMPT = "🌍 Which of these is yours?"
ZONE_PLACE_CHOICES = "🌍 That place spans several time zones. Which one is yours?"
SETUP_PLACE_UNKNOWN = (
    "🌍 I couldn’t find that place. Try a bigger city nearby (e.g. <code>Munich</code>), "
    "tap 📍 Share location, or pick one:"
)
SETUP_KEPT = "👍 Keeping it as it is. /settings changes it any time."


def setup_zone_done(subscriber: Subscriber, local_now: datetime) -> str:
    return (f"🌍 Time zone: <b>{escape(subscriber.timezone)}</b> "
            f"(it’s {local_now.strftime('%H:%M')} there now).")


SETUP_TIME_QUESTION = (
    "⏰ And when should your daily tip arrive? Tap a time, or type one like "
    "<code>7:30</code>:"
)


def setup_done(subscriber: Subscriber, now: datetime) -> str:
    return (f"✅ All set — your first daily tip comes {next_tip_when(subscriber, now)} "
            f"({escape(subscriber.timezone)}).")


# One line under the first daily tip of someone who skipped the sign-up questions.
SETUP_REMINDER = (
    "\n\n⏰ This tip came at the default time. Want it in your own morning? Type your "
    "city (e.g. <code>Munich</code>) or open /settings."
)


def location_unknown() -> str:
    return ("I couldn’t find a time zone there (out at sea?). Type your city instead, "
            "e.g. <code>Munich</code>.")

def welcome(result: StartResult) -> str:
    subscriber, was_status = result.subscriber, result.was_status
    if result.created:
        head = (
            f"👋 Welcome to <b>{BOT_NAME}</b>!\n\n"
            f"Every day I’ll send you one short tip {PROMISE}: hydration, "
            "magnesium-rich foods, rest and recovery, electrolytes, and when to see a "
            f"doctor.\n\n{EVIDENCE}"
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
        status = f"⏸ paused: {pause_phrase(subscriber)}"
    return (
        "<b>Your settings</b>\n"
        f"⏰ Time: <b>{fmt_time(subscriber)}</b>\n"
        f"🌍 Time zone: <b>{escape(subscriber.timezone)}</b>\n"
        f"🏷 Topics: {topics}\n"
        f"📬 Status: {status}"
    )


def next_tip_line(subscriber: Subscriber, now: datetime | None = None) -> str:
    if subscriber.status != "active" or subscriber.next_send_at is None:
        return ""
    if now is None:
        return f"\nNext daily tip: {fmt_time(subscriber)} ({escape(subscriber.timezone)})."
    return (f"\nNext daily tip: {next_tip_when(subscriber, now)} "
            f"({escape(subscriber.timezone)}).")


def paused(subscriber: Subscriber, days: int) -> str:
    return (
        f"⏸ Paused for {days} day{'s' if days != 1 else ''}: {pause_phrase(subscriber)}. "
        "They start again by themselves, or send /resume sooner."
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

TIP_OF_THE_DAY = "🌅 Tip of the day"


def tip_message(tip: Tip, daily: bool = False) -> str:
    """A tip; the daily one is marked as the tip of the day, an on-demand one is not."""
    head = f"<b>{TIP_OF_THE_DAY}</b> · " if daily else ""
    return (
        f"{head}<b>{escape(topic_label(tip.topic))}</b>\n\n{escape(tip.text)}\n\n"
        f"<i>Source: {escape(tip.source)}</i>"
    )


NO_TIPS = "I have no tips for your topics right now. Try /topics to add another topic."
VOTE_UP = "Thanks! Glad it helped. 👍"
VOTE_DOWN = "Got it — I won’t send you that tip again."
VOTE_RETIRED = "Thanks! That tip has since been retired, but your vote is noted."
TIP_GONE = "That tip is no longer available. Send /tip for a fresh one."


def another_limit(next_time: time | None) -> str:
    at = f"Your next daily tip comes at {next_time.strftime('%H:%M')}." if next_time \
        else "More tomorrow — or /start for one every day."
    return (
        "That’s all the extra tips for today — small steps stick best. 🙂 "
        f"{at}"
    )
TIP_FOR_GUEST = "\n\nWant one every day? Send /start."

# Votes shown on the tip
VOTE_CLEARED = "Vote removed."
VOTE_GUEST = "Votes shape your own rotation, so they need a subscription: send /start."
VOTE_MARK = " ✓"


# -------------------------------------------------------------------- causes
# /causes as a short overview with a page per section.
# The overview fits one phone screen; each button redraws the message in place with one
# section and a back button. Warning signs are grouped under their urgency, most urgent
# first, and the emergency line names the number only when the time zone makes the country
# clear (tips.reference.emergency_number). Chest symptoms appear only as emergencies.

BUTTON_CAUSES_WHY = "🔍 Why they happen"
BUTTON_CAUSES_SIGNS = "🚩 Warning signs"
BUTTON_CAUSES_HELPS = "✅ What helps"
BUTTON_BACK = "◀ Back"

CAUSES_TITLE = "❓ <b>Why cramps happen</b>"
# One mark per step of the urgency ladder (tips/data/urgency.toml words the steps).
LEVEL_MARKS = {"emergency": "🚨", "immediately": "⏰", "same-day": "⚠️", "appointment": "🩺"}
LOCAL_NUMBER = "your local emergency number"


def emergency_call(number: str | None) -> str:
    """"call 112" where the time zone names the country, else the local number in words."""
    return f"call {escape(number)}" if number else f"call {LOCAL_NUMBER}"


def number_words(number: str | None) -> str:
    """What fills the ladder's {number}: "112", or the local number in words."""
    return escape(number) if number else LOCAL_NUMBER


def _ladder(data: Causes) -> Ladder:
    assert data.ladder is not None, "load_causes attaches the urgency ladder"
    return data.ladder


def level_advice(data: Causes, level: str, number: str | None) -> str:
    """One ladder step's advice sentence, with the person's emergency number."""
    return escape(_ladder(data).advice(level, number_words(number)))


def sign_advice(data: Causes, sign_id: str, number: str | None = None) -> str:
    """A warning sign followed by its level's advice: the same words wherever it appears."""
    sign = data.sign(sign_id)
    return f"{escape(sign.text)} {level_advice(data, sign.level, number)}"


def _cause_line(title: str, text: str) -> str:
    return f"• <b>{escape(title)}</b> — {escape(text)}"


def causes_overview(data: Causes, number: str | None) -> str:
    """The first /causes screen: what a cramp is, the short story, the two urgent signs."""
    return (
        f"{CAUSES_TITLE}\n\n{escape(data.overview)}\n\n"
        f"🚑 In an emergency, {emergency_call(number)}.\n\n"
        "Tap a button below for more."
    )


def causes_why(data: Causes) -> str:
    """The detail behind the overview: how cramps start and what makes them more likely."""
    lines = [CAUSES_TITLE, "", escape(data.intro), "", escape(data.mechanism), "",
             "<b>How magnesium can run low</b>"]
    lines += [_cause_line(title, text) for title, text in data.deficiency_causes]
    lines += ["", "<b>Other common causes</b>"]
    lines += [_cause_line(title, text) for title, text in data.other_causes]
    lines += ["", f"🩺 {escape(data.see_professional)}"]
    return "\n".join(lines)


def causes_signs(data: Causes, number: str | None) -> str:
    """Every warning sign under its urgency heading, most urgent first."""
    lines = ["🚩 <b>Warning signs: when self-care is not enough</b>"]
    by_level: dict[str, list[WarningSign]] = {}
    for sign in data.warning_signs:
        by_level.setdefault(sign.level, []).append(sign)
    for level, signs in by_level.items():
        heading = escape(_ladder(data).heading(level, number_words(number)))
        lines += ["", f"{LEVEL_MARKS.get(level, '❗')} <b>{heading}</b>"]
        lines += [f"• {escape(sign.text)}" for sign in signs]
    return "\n".join(lines)


def causes_helps(data: Causes) -> str:
    """Self-care with the best support, and where magnesium pills stand."""
    lines = ["✅ <b>What helps</b>", ""]
    lines += [_cause_line(title, text) for title, text in data.what_helps]
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
            share += f", {percent_of(food.mg, need_mg)}% of your need"
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
    """(The suggestions also come as buttons, see keyboards.food_choices.)"""
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


def time_set(subscriber: Subscriber, now: datetime | None = None) -> str:
    when = next_tip_when(subscriber, now) if now is not None else ""
    if when.startswith("today"):
        starts = f" The next one: {when}."
    elif when and now is not None and _tip_went_out_today(subscriber, now):
        starts = " Today’s tip already went out, so the new time starts from tomorrow."
    elif when.startswith("tomorrow"):
        starts = " " + time_passed_today(fmt_time(subscriber),
                                         first=subscriber.last_daily_at is None)
    elif when:
        starts = f" The next one: {when}."
    else:
        starts = ""
    return (
        f"⏰ Done — your daily tip now comes at <b>{fmt_time(subscriber)}</b> "
        f"({escape(subscriber.timezone)}).{starts}"
    )


def _tip_went_out_today(subscriber: Subscriber, now: datetime) -> bool:
    """Whether today's daily slot (in the chat's zone) is behind it: only then may a new
    time be explained by "today's tip already went out"."""
    from bot.core.zones import resolve_zone  # texts stays importable without the zone tables

    if subscriber.last_daily_at is None:
        return False
    tz = resolve_zone(subscriber.timezone)
    return subscriber.last_daily_at.astimezone(tz).date() == now.astimezone(tz).date()


def time_passed_today(at: str, *, first: bool) -> str:
    """A new time already past today, with no tip sent today: tomorrow is the next one."""
    if first:
        return _("{time} has passed today, so your first tip comes tomorrow.").format(time=at)
    return _("{time} has passed today, so your next tip comes tomorrow.").format(time=at)


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


def timezone_place_guess(raw: str, place: str) -> str:
    """A mistyped place after /timezone; the buttons below name the places it may mean."""
    return _("I don’t know the time zone “{typed}”. Did you mean one of these places? Tap "
             "it, or send e.g. <code>/timezone {place}</code>.").format(
        typed=quote(raw), place=escape(place))


def place_guess_button(place: str) -> str:
    return _("{place}?").format(place=place)


def timezone_unknown(raw: str) -> str:
    """/timezone with a name that resembles no place and no zone: examples, no guesses."""
    return _("I don’t know the time zone “{typed}”. Send your city, like "
             "<code>/timezone Munich</code>, or a UTC offset, like "
             "<code>/timezone UTC+2</code>, or tell me the time it is for you:").format(
        typed=quote(raw))


TOPICS_PROMPT = "🏷 Tap a topic to turn it on or off (at least one stays on):"
TOPIC_LAST_ONE = "At least one topic has to stay on."
TOPICS_SAVED = "🏷 Topics saved."


def topics_now(subscriber: Subscriber) -> str:
    return TOPICS_PROMPT + "\nOn now: " + ", ".join(topic_label(t) for t in subscriber.topics)


# The promise, the evidence and what /about says is stored
# What the bot offers, in words the evidence supports: habits linked to fewer cramps, not a
# promise to prevent them (tests/test_texts_content.py keeps "prevent spasms" out).
PROMISE = "about habits linked to fewer cramps"
EVIDENCE = (
    "<b>What the evidence says:</b> magnesium supplements are unlikely to help ordinary "
    "night cramps in older adults (Cochrane review, 2020), studies in pregnancy give mixed "
    "results, and often no cause for cramps is found."
)
# Everything /about says is stored, in the order /mydata shows it.
PRIVACY_STORED: tuple[str, ...] = (
    "your chat id and settings (daily time, time zone, topics, whether tips are on or "
    "paused)",
    "the delivery history: which tips and messages were sent to you and when, so you "
    "don’t get repeats",
    "your 👍/👎 votes on tips",
    "your /need profile if you use it (age band, sex, pregnant or breastfeeding) and the "
    "figure it gives",
)
# The diary helper fills this in (e.g. "your cramp diary entries …"); empty: no diary yet.
DIARY_STORED = "your cramp diary, if you keep one (what each entry holds is below)"


# ---------------------------------------------------------------- help/about

# Command menu and /help: a short menu, everything else grouped in /help

# The menu Telegram shows next to the text box (5–8 commands); the rest is in /help
# and on the /settings panel.
MENU_COMMANDS: tuple[str, ...] = ("tip", "foods", "causes", "settings", "sos", "need", "help",
                                  "about")

# /help's groups: (heading, command names). Commands other issues add slot into a group.
HELP_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Tips", ("tip", "foods", "causes")),
    ("Your daily tip", ("settings", "time", "timezone", "topics", "pause", "resume",
                        "subscribe", "stop")),
    ("Cramp diary", ("sos", "cramp", "diary", "report", "export")),
    ("You and your data", ("need", "mydata", "forget")),
    ("About", ("about", "help")),
)


def menu_commands() -> list[tuple[str, str]]:
    descriptions = dict(COMMANDS)
    return [(name, descriptions[name]) for name in MENU_COMMANDS]


def help_text(admin: bool = False) -> str:
    descriptions = dict(COMMANDS)
    lines = [f"🤖 <b>{BOT_NAME}</b> — one short tip a day {PROMISE}. /start subscribes.",
             "", EVIDENCE, ""]
    for heading, names in HELP_GROUPS:
        lines.append(f"<b>{heading}</b>")
        lines += [f"/{name} — {escape(descriptions[name])}" for name in names
                  if name in descriptions]
        lines.append("")
    lines.append("/unsubscribe — same as /stop")
    if admin:
        lines += ["", "<b>Admin</b>"]
        lines += [f"/{name} — {escape(desc.removeprefix('Admin: '))}"
                  for name, desc in ADMIN_COMMANDS]
        lines.append(f"/broadcast: {BROADCAST_LANGUAGES_FORM}")
    return "\n".join(lines)


# When the health texts (tips, warning signs, foods, /need, the diary's advice) were last
# translated from the English; /about names it in every other language.
HEALTH_TEXTS_TRANSLATED_ON = date(2026, 12, 7)


def about_translation() -> str | None:
    """What /about says of the translation, in the reader's language; None in English,
    which is the reference itself."""
    locale = current_locale()
    if locale == "en":
        return None
    return _("🌐 The health texts are translated from MagDaily’s English originals, which "
             "remain the reference (translation of {date}). The cited sources are in "
             "English.").format(date=format_date(HEALTH_TEXTS_TRANSLATED_ON, "long",
                                                 locale=LOCALES[locale]))


def about(sources: list[str]) -> str:
    """Disclaimer, the evidence, each source once (first spelling kept), what is stored."""
    listed = "\n".join(f"• {escape(source)}" for source in dict.fromkeys(sources))
    stored = [*PRIVACY_STORED, *((DIARY_STORED,) if DIARY_STORED else ())]
    translation = about_translation()
    return (
        f"ℹ️ <b>About {BOT_NAME}</b>\n\n"
        f"{escape(DISCLAIMER)}\n\n"
        f"{EVIDENCE}\n\n"
        f"<b>Sources</b>\n{listed}\n\n"
        + (f"{translation}\n\n" if translation else "") +
        "<b>Privacy</b>\nI store " + "; ".join(stored) + ". Nothing else — not your "
        "messages. /mydata shows all of it and /forget deletes it. /stop stops the tips; "
        "your data stays until you ask to delete it."
        "\n\n" + ABOUT_DIARY
    )


NOT_A_COMMAND = "I answer commands rather than chat. Send /help to see them, or /tip for a tip now."
UNKNOWN_COMMAND = "I don’t know that command. Here’s what I can do:\n\n"


# Suggestions for the near-miss of a command


def did_you_mean(typed: str, names: list[str]) -> str:
    listed = " or ".join(f"/{name}" for name in names)
    return f"I don’t know “{quote(typed)}”. Did you mean {listed}? Tap it, or see /help."


def command_button(name: str) -> str:
    return f"/{name}"
NOT_IN_GROUPS = "Please use that in a private chat with me."
ERROR_GENERIC = "Sorry, something went wrong on my side. Please try again in a moment."
BUTTON_EXPIRED = "That button is no longer active. Send /settings for fresh ones."

# Guards: group administrators, usage of admin ids, long tips
GROUP_ADMINS_ONLY = (
    "Only this group’s administrators can change its daily tips (stop, time, time zone, "
    "topics, pause). Please ask one of them. Everyone can still use /tip, /foods and /causes."
)
GROUP_ADMINS_ONLY_TOAST = "Only the group’s administrators can change these settings."
GROUP_VOTE_ADMINS_ONLY = (
    "In a group, only its administrators’ votes change which tips it gets. "
    "Your own votes count in a private chat with me."
)


def admin_private_only(command: str) -> str:
    """An admin command typed in a group: its screen would show to every member."""
    return f"🔒 Admin screens open only in a private chat with me: send /{command} there."


ADMIN_PRIVATE_ONLY_TOAST = "Admin buttons work only in a private chat with me."


# ---------------------------------------------------------------- admin tools

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("broadcast", "Admin: send a message to every subscriber"),
    ("broadcasts", "Admin: recent broadcasts"),
    ("cancel", "Admin: cancel a broadcast, e.g. /cancel 3"),
    ("newtip", "Admin: add a tip, e.g. /newtip foods text | source"),
    ("tips", "Admin: list tips, e.g. /tips foods"),
    ("retire", "Admin: take a tip out of rotation, e.g. /retire food-003"),
    ("stats", "Admin: subscriber and delivery numbers"),
)

# How an admin writes a broadcast in several languages (in /help, the usage and refusals).
BROADCAST_LANGUAGES_FORM = (
    "Other languages: each under a line of its own, <code>[ru]</code>, <code>[es]</code> "
    "or <code>[pt-BR]</code>, after the English; readers of a language without a text get "
    "the English."
)
BROADCAST_USAGE = (
    "Send <code>/broadcast your message</code> (Telegram HTML allowed), or reply "
    "<code>/broadcast</code> to a message to send that message as it is.\n"
    + BROADCAST_LANGUAGES_FORM + " For example:\n"
    "<code>/broadcast New tips are here!\n[ru]\nНовые советы!\n[es]\n¡Consejos nuevos!</code>"
)


def broadcast_refused(problem: str | None) -> str:
    return (f"🚫 Not queued: {escape(problem or 'invalid')}. Fix it and send /broadcast "
            f"again.\n{BROADCAST_LANGUAGES_FORM}")


def broadcast_confirm_languages(broadcast_id: int, audience: int, languages: Sequence[str],
                                readers: dict[str, int]) -> str:
    """The question under a broadcast's previews, one per language: who gets which."""
    own = [language for language in languages if language != "en"]
    counts = " · ".join(f"{language} {readers.get(language, 0):,}" for language in own)
    english = audience - sum(readers.get(language, 0) for language in own)
    return (
        f"⬆️ Those are the previews of broadcast #{broadcast_id}, one per language "
        f"({', '.join(languages)}), exactly as subscribers will see them.\n"
        f"Send it to <b>{audience:,}</b> active subscriber{'' if audience == 1 else 's'}? "
        f"{counts} · English {english:,}"
    )


def broadcast_confirm(broadcast_id: int, audience: int) -> str:
    return (
        f"⬆️ That is the preview of broadcast #{broadcast_id}, exactly as subscribers will "
        f"see it.\nSend it to <b>{audience:,}</b> active subscriber"
        f"{'' if audience == 1 else 's'}?"
    )


def broadcast_discarded(broadcast_id: int) -> str:
    return f"Broadcast #{broadcast_id} discarded — nothing was sent."


def broadcast_not_draft(broadcast_id: int) -> str:
    return f"Broadcast #{broadcast_id} was already confirmed or discarded."


def broadcast_cancelled(broadcast_id: int, dropped: int) -> str:
    return f"⏹ Broadcast #{broadcast_id} cancelled; {dropped:,} messages will not be sent."


# /cancel usage
CANCEL_USAGE = ("Send <code>/cancel</code> with the broadcast’s number, e.g. "
                "<code>/cancel 3</code>. /broadcasts lists them.")


def broadcast_nothing_to_cancel(raw: str) -> str:
    return (f"There is no running broadcast “{quote(raw)}”. See /broadcasts for ids, then "
            "e.g. <code>/cancel 3</code>.")


def broadcast_send_button(audience: int) -> str:
    return f"✅ Send to {audience:,}"


BUTTON_DISCARD_BROADCAST = "✖ Cancel"
BUTTON_CANCEL_BROADCAST = "⏹ Cancel broadcast"
BUTTON_BROADCAST_TIP = "📣 Broadcast it now"


def _eta(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds)} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def broadcast_progress(broadcast: Broadcast, progress: Progress) -> str:
    """The admin's live status message for one broadcast, and its final report."""
    broadcast_id, status = broadcast.id, broadcast.status
    sent, failed, blocked = progress.sent, progress.failed, progress.blocked
    pending, cancelled = progress.pending, progress.cancelled
    eta_seconds = progress.eta.total_seconds() if progress.eta else None
    head = {"sending": "sending…", "done": "finished", "cancelled": "cancelled"}.get(
        status, status)
    lines = [
        f"📣 <b>Broadcast #{broadcast_id}</b> — {head}",
        f"✅ sent {sent:,} · ⚠️ failed {failed:,} · 🚫 blocked {blocked:,}",
    ]
    if pending:
        lines.append(f"⏳ remaining {pending:,}"
                     + (f" · ETA ≈ {_eta(eta_seconds)}" if eta_seconds else ""))
    if cancelled:
        lines.append(f"⏹ not sent (cancelled) {cancelled:,}")
    if status != "sending":
        total = sent + failed + blocked + pending + cancelled
        lines.append(f"Final report: {sent:,} of {total:,} delivered.")
    return "\n".join(lines)


BROADCAST_STATUS_LABELS = {
    "draft": "📝 draft", "sending": "⏳ sending", "done": "✅ done", "cancelled": "⏹ cancelled",
}


def broadcasts_list(recent: list[tuple[Broadcast, Progress]], zone: str = "UTC") -> str:
    """/broadcasts: one block per broadcast, times in the admin's own zone."""
    from bot.core.zones import resolve_zone

    if not recent:
        return "No broadcasts yet. Start one with /broadcast."
    tz = resolve_zone(zone)
    lines = [f"📣 <b>Recent broadcasts</b> (times in {escape(zone)})", ""]
    for broadcast, p in recent:
        local = broadcast.created_at.astimezone(tz)
        status = BROADCAST_STATUS_LABELS.get(broadcast.status, escape(broadcast.status))
        lines += [
            f"<b>#{broadcast.id}</b> · {status} · {day_label(local.date())} "
            f"{local.strftime('%H:%M')}",
            f"   ✅ {p.sent:,} sent · ⚠️ {p.failed:,} failed · 🚫 {p.blocked:,} blocked"
            + (f" · ⏳ {p.pending:,} left" if p.pending else ""),
            f"   <i>{quote(broadcast.text)}</i>",
            "",
        ]
    lines.append("Cancel a running one with e.g. <code>/cancel 3</code>.")
    return "\n".join(lines).strip()


NEWTIP_USAGE = (
    "Add a tip like this:\n<code>/newtip foods Half a cup of cooked black beans has about "
    "60 mg of magnesium. | NIH ODS magnesium fact sheet</code>\nTopics: "
    + ", ".join(TOPICS) + ". The part after | names the source."
)


NEWTIP_NO_SOURCE = (
    "🚫 Not saved: the source is missing. Put it after a <code>|</code> at the end, e.g.\n"
    "<code>/newtip foods Half a cup of cooked black beans has about 60 mg of magnesium. "
    "| NIH ODS magnesium fact sheet</code>"
)


def newtip_invalid(problems: list[str]) -> str:
    return "🚫 Not saved: " + escape("; ".join(problems)) + ".\n\n" + NEWTIP_USAGE


def newtip_saved(tip: Tip) -> str:
    return (f"✅ Saved as <code>{escape(tip.id)}</code> and added to every subscriber’s "
            f"rotation. Preview:\n\n{tip_message(tip)}")


# A tip near Telegram's length limit
def newtip_saved_short(tip: Tip) -> str:
    return (f"✅ Saved as <code>{escape(tip.id)}</code> and added to every subscriber’s "
            "rotation. It is long, so its preview follows as a message of its own.")


def tips_quarantined(quarantined: dict[str, str]) -> str:
    """The `run.py check` line for tips kept out of the rotation (plain text, one line)."""
    return (f"{len(quarantined)} tip(s) quarantined, not sent: "
            + "; ".join(f"{tip_id} ({why})" for tip_id, why in sorted(quarantined.items())))


def tips_list(rows: list[TipVotes]) -> list[str]:
    """The /tips listing, split into messages that fit Telegram's limit."""
    if not rows:
        return ["No tips found. Topics: " + ", ".join(TOPICS)]
    lines = [f"<code>{escape(row.tip.id)}</code> {TOPIC_EMOJI.get(row.tip.topic, '')} "
             f"👍{row.up} 👎{row.down}{' (retired)' if row.retired else ''} — "
             f"{quote(row.tip.text)}"
             for row in rows]
    chunks, current = [], f"🗂 <b>{len(rows)} tips</b>"
    for line in lines:
        if len(current) + len(line) + 1 > 3500:
            chunks.append(current)
            current = line
        else:
            current += "\n" + line
    chunks.append(current)
    return chunks


def tips_unknown_topic(raw: str) -> str:
    return (f"Unknown topic “{quote(raw)}”. Use one of: {', '.join(TOPICS)}, "
            "e.g. <code>/tips foods</code>.")


def retired(tip_id: str) -> str:
    return (f"🗄 <code>{escape(tip_id)}</code> is out of the rotation (kept for history). "
            "Nobody will get it again.")


# /retire usage
RETIRE_USAGE = ("Send <code>/retire</code> with a tip’s id, e.g. <code>/retire food-003</code>. "
                "/tips lists them.")


def retire_unknown(raw: str) -> str:
    return (f"There is no active tip “{quote(raw)}”. See /tips for ids, e.g. "
            "<code>/retire food-003</code>.")


# Why tips stopped (/mydata) and why deliveries failed (/stats, logs), by stored code
# (bot.core.reasons.Reason); {detail} is Telegram's description or the one datum kept.
REASON_TEXTS: dict[str, str] = {
    Reason.BLOCKED_BY_USER: "blocked by the user",
    Reason.BOT_KICKED: "bot kicked",
    Reason.BOT_LEFT: "bot left",
    Reason.CHAT_GONE: "{detail}",
    Reason.CHAT_MIGRATED: "chat migrated to {detail}",
    Reason.QUARANTINED: "quarantined: unreadable row ({detail})",
    Reason.BAD_REQUEST: "bad request: {detail}",
    Reason.NETWORK: "network: {detail}",
    Reason.TIMED_OUT: "timed out",
    Reason.TELEGRAM_ERROR: "{detail}",
    Reason.INTERNAL_ERROR: "internal error",
    Reason.OFFLINE_PAST_GRACE:
        "bot was offline past the grace window or the end of that local day",
    Reason.NO_TIP: "no active tip to send",
    Reason.ALREADY_SENT_THAT_DAY: "a tip already went out that local day",
    Reason.LATE_OR_QUIET_HOURS: "late or in quiet hours",
    Reason.SUBSCRIBER_STOPPED: "subscriber stopped",
    Reason.SUBSCRIBER_PAUSED: "subscriber paused",
    Reason.CANCELLED_BY_ADMIN: "cancelled by admin",
    Reason.OTHER: "{detail}",
}
# A row given up, after the reason its last attempt failed for ({cause}), if it had one.
GAVE_UP_TEXTS: dict[str, tuple[str, str]] = {
    Reason.GRACE_WINDOW_PASSED: ("not sent within the grace window",
                                 "{cause}; not sent within the grace window"),
    Reason.RETRIES_EXHAUSTED: (
        f"not sent; gave up after retrying for {BROADCAST_RETRY_HOURS} h",
        f"{{cause}}; gave up after retrying for {BROADCAST_RETRY_HOURS} h"),
}


def reason_text(reason: str, cause: str | None = None, detail: str | None = None) -> str:
    """A stored reason code in words (plain text: the caller escapes or quotes it).

    `detail` belongs to the cause of a row given up, else to the reason itself. A code
    this version does not know (or a status standing in for a missing one) shows as is.
    """
    if reason in GAVE_UP_TEXTS:
        alone, after = GAVE_UP_TEXTS[reason]
        return after.format(cause=reason_text(cause, None, detail)) if cause else alone
    return REASON_TEXTS.get(reason, "{code}").format(code=reason, detail=detail or "")

def stats_paid(today: int, week: int) -> str:
    """The /stats line while ALLOW_PAID_BROADCAST is on (an upper bound of what is billed)."""
    return f"Paid sends today: {today:,} · last 7 days: {week:,}"


def stats(found: Stats) -> str:
    by_status, failures = found.by_status, found.failures
    top, bottom = found.top_tips, found.bottom_tips
    lines = [
        "📊 <b>Stats</b>",
        "Subscribers: " + " · ".join(
            f"{name} {by_status.get(name, 0):,}"
            for name in ("active", "paused", "stopped", "blocked")),
        f"New in the last 7 days: {found.new_last_7_days:,}",
        f"Tips sent today: {found.tips_sent_today:,} · last 7 days: {found.tips_sent_7_days:,}",
    ]
    if failures:
        lines.append("Failures by reason:")
        lines += [f"• {quote(reason_text(*failure))} — {count:,}"
                  for failure, count in failures]
    else:
        lines.append("Failures: none")
    if found.paid_sends_today is not None:
        lines.append(stats_paid(found.paid_sends_today, found.paid_sends_7_days or 0))
    lines.append(f"Timed-out sends in the last 7 days (each may have arrived twice): "
                 f"{found.timeouts_7_days:,}")
    if found.active_by_language:
        lines.append("Active subscribers by language: " + " · ".join(
            f"{language} {count:,}" for language, count in found.active_by_language.items()))
    if top:
        lines.append("Top tips: " + ", ".join(f"{escape(t)} (👍{u} 👎{d})" for t, u, d in top))
    if bottom:
        lines.append("Bottom tips: " + ", ".join(
            f"{escape(t)} (👍{u} 👎{d})" for t, u, d in bottom))
    return "\n".join(lines)


# ------------------------------------------------------- need, my data, forget

SEX_LABELS = {"male": "male", "female": "female"}
NEED_STATUS_LABELS = {"none": "", "pregnancy": "pregnant", "lactation": "breastfeeding"}
NEED_NOT_SUBSCRIBED = (
    "🎯 I keep your personal figure with your subscription, and you don’t have one yet. "
    "Send /start first, then /need again."
)
NEED_AGE_PROMPT = (
    "🎯 <b>Your daily magnesium need</b>\n\n"
    "The recommended amount depends on age, sex and pregnancy. How old are you?"
)
NEED_SEX_BUTTONS = (("male", "♂️ Male"), ("female", "♀️ Female"))
NEED_STATUS_BUTTONS = (
    ("none", "Neither"), ("pregnancy", "🤰 Pregnant"), ("lactation", "🍼 Breastfeeding"),
)
NEED_ASK_PROFESSIONAL = (
    "🩺 Ask a healthcare professional (doctor, pharmacist or dietitian) before taking any "
    "supplement."
)


def need_profile_words(profile: str) -> str:
    """'31-50:female:pregnancy' → '31–50 years, female, pregnant' (for /mydata)."""
    parts = profile.split(":")
    if len(parts) != 3:
        return escape(profile)
    band, sex, status = parts
    words = [f"{band.replace('-', '–')} years", SEX_LABELS.get(sex, sex)]
    if NEED_STATUS_LABELS.get(status, status):
        words.append(NEED_STATUS_LABELS.get(status, status))
    return escape(", ".join(words))


def need_sex_prompt(band_label: str) -> str:
    return (
        f"🎯 Age: <b>{escape(band_label)}</b>\n\n"
        "The table gives figures by sex. Which should I use?"
    )


def need_status_prompt(band_label: str) -> str:
    return (
        f"🎯 Age: <b>{escape(band_label)}</b>, female\n\n"
        "Are you pregnant or breastfeeding? The recommended amount changes."
    )


def need_answer(need: Need) -> str:
    """The /need result: figure, a food example that adds up to it, the supplement ceiling."""
    sex, status, need_mg = need.profile.sex, need.profile.status, need.mg
    who = [need.band.label, SEX_LABELS.get(sex, sex)]
    if NEED_STATUS_LABELS.get(status):
        who.append(NEED_STATUS_LABELS[status])
    lines = [
        "🎯 <b>Your daily magnesium need</b>",
        f"{escape(', '.join(who))}: <b>{need_mg} mg a day</b> "
        "(US RDA, National Academies, via NIH ODS).",
        "",
        "<b>What that looks like in food</b>",
    ]
    lines += [f"• {escape(food.label)} — {escape(food.serving)}: {food.mg} mg"
              for food in need.servings]
    together = (f"Together: <b>{need.servings_mg} mg</b>, "
                f"{need.servings_percent}% of your need.")
    if need.servings_mg < need_mg:
        together += " The rest comes from everything else you eat that day."
    lines.append(together)
    if need.food_note:
        lines.append(f"<i>{escape(need.food_note)}</i>")
    lines += [
        "/foods now shows every food as a % of your need.",
        "",
        # The band's own limit: 65 mg at 1–3 years, 110 mg at 4–8, 350 mg from 9.
        f"💊 <b>Supplement limit: {need.upper_limit_mg} mg a day.</b> "
        f"{escape(need.upper_limit_note)}",
        "",
        NEED_ASK_PROFESSIONAL,
    ]
    return "\n".join(lines)


MYDATA_NOTHING = (
    "🗂 I store nothing about this chat — no subscription, no settings, no history. "
    "(/tip works without storing anything; /start would subscribe you.)"
)
DELIVERY_KIND_LABELS = {
    "daily": "daily tips",
    "on_demand": "tips you asked for",
    "another": "extra tips (➕)",
    "broadcast": "announcements",
    "checkin": "morning check-ins",
    "stretch": "evening stretches",
    "weekly": "weekly pictures",
}
DELIVERY_KIND_ONE = {
    "daily": "daily tip",
    "on_demand": "tip you asked for",
    "another": "extra tip (➕)",
    "broadcast": "announcement",
    "checkin": "morning check-in",
    "stretch": "evening stretch",
    "weekly": "weekly picture",
}
DELIVERY_STATUS_LABELS = {
    "pending": "waiting to be sent",
    "sent": "sent",
    "failed": "could not be sent",
    "blocked": "not delivered (chat unreachable)",
    "missed": "skipped (the bot was offline)",
    "cancelled": "cancelled",
}


def my_data(data: MyData) -> str:
    """/mydata: every stored field in plain words; dates are in the chat's time zone."""
    subscriber, delivery_counts, votes = data.subscriber, data.delivery_counts, data.votes
    status = STATUS_LABELS.get(subscriber.status, escape(subscriber.status))
    topics = ", ".join(topic_label(t) for t in subscriber.topics) or "none"
    need = (f"{subscriber.need_mg} mg a day"
            + (f" ({need_profile_words(subscriber.need_profile)})"
               if subscriber.need_profile else "")
            if subscriber.need_mg else "not set (/need works it out)")
    lines = [
        "🗂 <b>What I store about this chat</b>",
        "",
        f"• Chat id: <code>{subscriber.chat_id}</code>",
    ]
    if subscriber.user_id is not None and subscriber.user_id != subscriber.chat_id:
        lines.append(f"• Your user id: <code>{subscriber.user_id}</code>")
    lines += [
        f"• Status: {status}",
        f"• Daily tip time: {fmt_time(subscriber)}",
        f"• Time zone: {escape(subscriber.timezone)}",
        f"• Topics: {topics}",
        "• Paused until: " + (subscriber.paused_until.isoformat()
                              if subscriber.paused_until else "not paused"),
        f"• Daily magnesium need: {need}",
        f"• Subscribed since: {_when(data.created)}",
    ]
    if subscriber.inactive_reason:
        why = reason_text(subscriber.inactive_reason, detail=subscriber.inactive_detail)
        lines.append(f"• Why tips stopped: {escape(why)}")
    lines += ["", "<b>Tips and messages sent to you</b>"]
    if delivery_counts:
        lines += [f"• {DELIVERY_KIND_LABELS.get(kind, escape(kind))}, "
                  f"{DELIVERY_STATUS_LABELS.get(state, escape(state))}: {count}"
                  for kind, state, count in delivery_counts]
        lines.append("Latest:")
        for kind, state, made, sent in data.recent:
            moment = sent or made
            lines.append(f"• {_when(moment)} — {DELIVERY_KIND_ONE.get(kind, escape(kind))}, "
                         f"{DELIVERY_STATUS_LABELS.get(state, escape(state))}")
    else:
        lines.append("• none yet")
    lines += [
        "",
        f"<b>Your votes on tips:</b> {votes[0]} helpful, {votes[1]} not for me",
        f"<b>Tips marked as seen</b> (so you don’t get repeats): {data.tips_seen}",
        "",
        "Nothing else — not your messages. /forget deletes all of this.",
    ]
    return "\n".join(lines)


FORGET_CONFIRM = (
    "🗑 <b>Delete everything I store about this chat?</b>\n\n"
    "That is your subscription and settings (time, time zone, topics, daily need), the "
    "history of tips sent to you, your votes and your cramp diary. Daily tips stop. This "
    "cannot be undone."
)
FORGET_YES_BUTTON = "🗑 Yes, delete everything"
FORGET_NO_BUTTON = "Keep my data"
FORGET_DONE = (
    "🗑 Done — I deleted everything I stored about this chat: subscription, settings, tip "
    "history, votes and cramp diary. No more daily tips. Send /start if you ever want them back."
)
FORGET_KEPT = "👍 Nothing was deleted. Your data and daily tips stay as they were."
FORGET_NOTHING = "🗂 There is nothing to delete: I store nothing about this chat."

# The cramp diary's sentences and labels.
# Values shown here are enums, dates and counts, never user input, so nothing needs
# escaping. Voice: the diary records and summarises; it never diagnoses or prescribes.
# First aid is NHS ("Leg cramps") and Mayo Clinic ("Muscle cramp", "Night leg cramps")
# advice in our own words; a swollen, warm or red calf is a reason to get help the same
# day (NHS, "DVT"), and breathlessness or chest pain with it is an emergency. The rules
# quote NHS's "see a GP if" list (cramps disturbing sleep, lasting over 10 minutes) and
# Mayo's (cramps that happen often).

# ------------------------------------------------------------------ labels

MUSCLE_LABELS: dict[Muscle, str] = {
    Muscle.CALF: "Calf", Muscle.FOOT: "Foot", Muscle.THIGH: "Front of thigh",
    Muscle.HAMSTRING: "Back of thigh", Muscle.HAND: "Hand", Muscle.OTHER: "Elsewhere",
}
SEVERITY_LABELS: dict[Severity, str] = {
    Severity.MILD: "Mild", Severity.MODERATE: "Moderate", Severity.SEVERE: "Severe",
}
DURATION_LABELS: dict[Duration, str] = {
    Duration.UNDER_1: "Under 1 min", Duration.ONE_TO_10: "1–10 min",
    Duration.OVER_10: "Over 10 min",
}
WHEN_LABELS: dict[When, str] = {
    When.LAST_NIGHT: "Last night", When.EARLIER_TODAY: "Earlier today",
    When.JUST_NOW: "Just now",
}
TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.EXERCISE: "🏃 Exercise", Trigger.HEAT: "☀️ Heat",
    Trigger.LITTLE_WATER: "💧 Little water", Trigger.ALCOHOL: "🍷 Alcohol",
    Trigger.NEW_MEDICINE: "💊 New medicine", Trigger.LONG_STANDING: "🧍 Long standing",
    Trigger.PREGNANCY: "🤰 Pregnancy",
}
STEP_QUESTIONS: dict[Step, str] = {
    Step.MUSCLE: "Where was the cramp?",
    Step.SEVERITY: "How bad was it?",
    Step.DURATION: "How long did it last?",
    Step.WHEN: "When was it?",
}

BUTTON_SOS = "🆘 Cramp now"
BUTTON_LOG = "📝 Log a cramp"
BUTTON_CANCEL = "✖️ Cancel"
BUTTON_UNDO = "↩️ Undo"
BUTTON_DONE = "✅ Done"
BUTTON_WOKE = "😴 It woke me up"
BUTTON_SAFETY_YES = "Yes, it is"
BUTTON_SAFETY_NO = "No"
BUTTON_CHECKIN_NO = "🌙 No cramps"
BUTTON_CHECKIN_YES = "📝 Yes, log it"

CHECKED, UNCHECKED = "✅", "⬜"


def choice_label(choice: Muscle | Severity | Duration | When) -> str:
    """The button label for one answer of a logging step."""
    if isinstance(choice, Muscle):
        return MUSCLE_LABELS[choice]
    if isinstance(choice, Severity):
        return SEVERITY_LABELS[choice]
    if isinstance(choice, Duration):
        return DURATION_LABELS[choice]
    return WHEN_LABELS[choice]


def sos_log_button(muscle: Muscle) -> str:
    return f"📝 Log it: {MUSCLE_LABELS[muscle].lower()}"


def woke_button(entry: CrampEntry) -> str:
    return f"{CHECKED if entry.woke_up else UNCHECKED} {BUTTON_WOKE}"


def trigger_button(entry: CrampEntry, trigger: Trigger) -> str:
    return f"{CHECKED if trigger in entry.triggers else UNCHECKED} {TRIGGER_LABELS[trigger]}"


def span_label(first: date, last: date) -> str:
    """'2–8 Mar', '23 Feb – 1 Mar', '29 Dec 2025 – 4 Jan 2026'."""
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b}"
    return f"{first.day}–{last.day} {last:%b}"


# ------------------------------------------------------------------ /sos

# The first line of /sos: the two signs that are no cramp, each with its ladder step. The
# placeholders are the ladder's advice sentences (tips/data/urgency.toml).
SOS_WARNING = ("⚠️ <b>A calf that is swollen, warm or red is not a cramp to rub. {same_day} "
               "Breathlessness or chest pain is not a cramp either. {emergency}</b>")

SOS_STEPS: dict[Muscle, str] = {
    Muscle.CALF: (
        "<b>Calf</b>: straighten the leg and pull the top of your foot towards your face. "
        "Or stand up, put your weight on that leg and press the heel down, knee slightly "
        "bent. Then rub the muscle firmly."
    ),
    Muscle.FOOT: (
        "<b>Foot</b>: pull your toes up towards your shin, or stand and press the foot flat "
        "on the floor and walk a few steps. Rub the sole."
    ),
    Muscle.THIGH: (
        "<b>Front of thigh</b>: hold a chair for balance and pull the foot on that side up "
        "towards your bottom. Rub the muscle."
    ),
    Muscle.HAMSTRING: (
        "<b>Back of thigh</b>: sit with the leg straight and pull your toes towards you, or "
        "stand and put your weight on that leg. Rub the muscle."
    ),
    Muscle.HAND: (
        "<b>Hand</b>: gently open the hand and straighten the fingers, pressing the palm "
        "flat on a table. Rub the palm and the base of the thumb."
    ),
}
SOS_AFTER = (
    "<b>Afterwards</b>: warmth (a warm towel or shower) for a muscle that stays tight, or "
    "ice wrapped in a cloth for soreness. Most cramps pass within a few minutes; the "
    "muscle can feel sore for up to a day."
)
SOS_FOOTER = "Log it below when you can: a diary shows what helps and what changes."


def sos(causes: Causes) -> str:
    """/sos: one message, warning first, no question asked before the help.

    The 10-minute limit stands right under the first aid, where someone mid-cramp looks.
    """
    warning = SOS_WARNING.format(same_day=level_advice(causes, "same-day", None),
                                 emergency=level_advice(causes, "emergency", None))
    parts = (warning, "🆘 <b>Ease the cramp now</b>", *SOS_STEPS.values(),
             long_cramp_warning(causes), SOS_AFTER, SOS_FOOTER)
    return "\n\n".join(parts)


def long_cramp_warning(causes: Causes) -> str:
    """The 10-minute sign and its ladder step: on /sos and under any cramp logged "over 10"."""
    return f"⏱ <b>{sign_advice(causes, 'long-cramp')}</b>"


NEW_MEDICINE_TITLE = "💊 <b>Cramps or muscle pain that began with a new medicine</b>"
# The warning signs a new medicine can bring, most urgent first (ids in causes.toml).
NEW_MEDICINE_SIGNS = ("statin", "muscle-breakdown", "new-medicine")


def new_medicine_advice(causes: Causes) -> str:
    """What to do, and how soon, when cramps began with a new medicine: the /causes signs."""
    lines = [NEW_MEDICINE_TITLE]
    lines += [f"• {sign_advice(causes, sign_id)}" for sign_id in NEW_MEDICINE_SIGNS]
    return "\n".join(lines)


def urgent_advice(causes: Causes, emergency_number: str | None) -> str:
    """The answer to "yes, the calf is swollen, warm or red", sent at once.

    `emergency_number` comes from the person's time zone (tips.reference); None when the
    zone does not say the country, and then the sentence names no number. Both steps are
    the ladder's own sentences: the blood-clot sign's and the chest sign's.
    """
    return (
        f"🚨 <b>{level_advice(causes, causes.sign('blood-clot').level, None)}</b>\n\n"
        "A calf that is swollen, warm or red as well as painful can be a sign of a blood "
        "clot, which is treatable but should not wait. Don't rub or massage it.\n\n"
        "• Ask for an urgent appointment with your doctor, or call your local urgent "
        "medical advice line.\n"
        "• Breathless as well, or pain in your chest? "
        f"<b>{level_advice(causes, causes.sign('chest').level, emergency_number)}</b>\n\n"
        "I can't examine you or diagnose anything; a doctor can."
    )


# ------------------------------------------------------------------ logging

def step_prompt(ask: Ask) -> str:
    """'📝 Log a cramp · 2 of 4' and the question, with what is chosen so far."""
    chosen = [choice_label(v) for v in (ask.draft.muscle, ask.draft.severity,
                                        ask.draft.duration, ask.draft.when) if v is not None]
    so_far = f"\n<i>{' · '.join(chosen)}</i>" if chosen else ""
    return (f"📝 <b>Log a cramp</b> · {ask.taps_so_far + 1} of 4{so_far}\n\n"
            f"{STEP_QUESTIONS[ask.step]}")


def entry_line(entry: CrampEntry) -> str:
    """'Mon 2 Mar, night · Calf · severe · 1–10 min · woke me · 🏃 Exercise'."""
    part = "night" if entry.period is Period.NIGHT else "day"
    bits = [f"{day_label(entry.local_date)}, {part}", MUSCLE_LABELS[entry.muscle],
            SEVERITY_LABELS[entry.severity].lower(), DURATION_LABELS[entry.duration]]
    if entry.woke_up:
        bits.append("woke me")
    bits.extend(TRIGGER_LABELS[t] for t in Trigger if t in entry.triggers)
    return " · ".join(bits)


def entry_saved(entry: CrampEntry, *, safety_pending: bool, warning: str | None = None,
                note: str | None = None) -> str:
    """The summary after the fourth tap: a warning (e.g. the 10-minute sign) right under
    the entry, then the safety question when it applies, else `note` or the extras hint."""
    parts = [f"✅ <b>Logged</b>: {entry_line(entry)}"]
    if warning:
        parts.append(warning)
    if safety_pending:
        parts.append(safety_question())
    else:
        parts.append(note or EXTRAS_HINT)
    return "\n\n".join(parts)


EXTRAS_HINT = "Optional: did it wake you, and did anything come before it? Tap to add."


def safety_question() -> str:
    return "❓ <b>Is the calf also swollen, warm or red?</b>"


def safety_no(causes: Causes) -> str:
    """After "No": the blood-clot sign stays a sign, with its ladder step."""
    return (f"Thank you. If the calf becomes swollen, warm or red later, that is a warning "
            f"sign. {level_advice(causes, causes.sign('blood-clot').level, None)}"
            f"\n\n{EXTRAS_HINT}")


def entry_undone() -> str:
    return "↩️ Undone: that cramp is not in your diary."


def entry_deleted() -> str:
    return "🗑 Deleted from your diary."


def entry_gone() -> str:
    """A button for an entry that was deleted, expired, or was never this chat's."""
    return "That entry is no longer in your diary. /diary shows what is."


def draft_cancelled() -> str:
    return "Nothing logged. /cramp starts again."


def private_only(command: str) -> str:
    return (f"🔒 The cramp diary is private: open a private chat with me and send "
            f"/{command} there.")


def diary_list(entries: Sequence[CrampEntry], total: int) -> str:
    """/diary: the latest entries, newest first, and what the buttons below do."""
    if not entries:
        return ("📔 <b>Your cramp diary</b> is empty.\n\n/cramp logs a cramp in four taps; "
                "/sos helps during one.")
    lines = "\n".join(f"• {entry_line(e)}" for e in entries)
    more = f"\n…and {total - len(entries)} older." if total > len(entries) else ""
    return (f"📔 <b>Your cramp diary</b> ({total} entries)\n\n{lines}{more}\n\n"
            "Tap 🗑 under an entry to delete it. /export sends everything as CSV.")


# ------------------------------------------------------------------ prompts

def checkin_question(night_of: date) -> str:
    return f"🌅 Good morning. Any cramps last night ({day_label(night_of)})?"


def checkin_recorded(answer: CheckInAnswer) -> str:
    if answer is CheckInAnswer.NO_CRAMPS:
        return "🌙 Noted: a night without cramps. Quiet nights count too."
    return "📝 Let's log it."


def checkin_night_has_cramps(night_of: date) -> str:
    """"No cramps" pressed for a night the diary already has a cramp for."""
    return _("📝 Your diary already has a cramp for last night ({night}), so I kept it as "
             "a night with cramps. Anything else to add? Log it below, or leave it as it "
             "is.").format(night=day_label(night_of))


def button_log_another() -> str:
    return _("📝 Log another cramp")


def checkin_too_old() -> str:
    return "That question is from an earlier morning, so I didn't record it."


def evening_stretch() -> str:
    """The one-minute stretch (NHS calf stretch; seated hamstring stretch), own words."""
    return (
        "🧘 <b>One-minute stretch before bed</b>\n\n"
        "1. <b>Calves</b> (30 s): stand facing a wall, arms straight, hands on the wall, "
        "feet flat on the floor. Lean in until you feel the stretch in your calves, hold "
        "for a few seconds, stand straight again, repeat.\n"
        "2. <b>Backs of thighs</b> (15 s each leg): sit on the front edge of a chair, one "
        "leg straight out with the heel on the floor. Sit tall and lean forward from the "
        "hips until you feel a gentle pull behind the thigh. Hold, then swap.\n\n"
        "A gentle pull, never pain. This is a short version: the NHS suggests calf "
        "stretches for 5 minutes, 3 times a day, the last one just before bed. Regular "
        "stretching may make night cramps less frequent."
    )


def prompts_explained(checkin: str | None, stretch: str | None) -> str:
    """The diary settings line: which prompts are on, and the quiet-hours promise."""
    def state(at: str | None) -> str:
        return f"at {at}" if at else "off"
    return (f"🌅 Morning check-in: {state(checkin)}\n🧘 Evening stretch: {state(stretch)}\n"
            "No prompts between 22:00 and 07:00 unless you pick such a time, and never more "
            "than three scheduled messages a day, your daily tip included.")


def retention_line(months: int) -> str:
    return f"🗓 Entries older than {months} months are deleted automatically."


# ------------------------------------------------------------------ rules

RULE_OF_THUMB = "MagDaily's rule of thumb (no guideline gives a number)"


def rule_sentence(key: str, week: WeekStats, previous: WeekStats | None) -> str:
    """Each rule says what it saw and states itself; its ladder advice follows it."""
    if key == "rule_over_10_min":
        return ("⏱ A cramp lasted over 10 minutes this week. <i>Rule: any cramp over 10 "
                "minutes is worth showing a doctor.</i>")
    if key == "rule_severe":
        return ("😣 You marked a cramp as severe this week. <i>Rule: cramps that cause "
                "severe pain are worth showing a doctor.</i>")
    if key == "rule_frequent_nights":
        last = previous.times_with_cramps if previous else 0
        return (f"🌙 Cramps on {week.times_with_cramps} nights or days this week and {last} "
                f"last week. <i>{RULE_OF_THUMB}: cramps on 3 or more nights or days a week, "
                "two weeks running, are worth talking over with a doctor.</i>")
    if key == "rule_sleep_disturbed":
        return (f"😴 Cramps woke you on {week.disturbed_nights} nights this week. "
                f"<i>{RULE_OF_THUMB}: cramps that disturb your sleep on 3 or more nights a "
                "week are worth talking over with a doctor.</i>")
    if key == "rule_new_medicine":
        return ("💊 You tagged “new medicine” this week. <i>Rule: some medicines can cause "
                "cramps or muscle pain, and some of that needs help soon.</i>")
    raise KeyError(key)


def rule_advice(causes: Causes, key: str) -> str:
    """What to do after a fired rule, from the ladder (the new-medicine signs for that rule)."""
    if key == "rule_new_medicine":
        return new_medicine_advice(causes)
    return level_advice(causes, RULE_LEVELS[key], None)


DOCTOR_SUGGESTION = ("🩺 Consider showing your diary to a doctor: /report makes a summary "
                     "to take along. I can't diagnose; they can look for a cause.")
NO_RULE = ("No rule fired this week. That doesn't rule anything out: /causes lists the "
           "warning signs.")
NOT_A_DIAGNOSIS = "I record and summarise; I don't diagnose."


# ------------------------------------------------------------------ weekly picture

CHART_TITLE = "Nights with cramps, week by week"
CHART_Y_AXIS = "nights"
CHART_X_AXIS = "week starting"


def week_label(start: date) -> str:
    """'2 Mar' (ru '2 мар.'): the Monday a week starts on, short enough for a bar's label,
    in the reader's language."""
    return format_date(start, "d MMM", locale=LOCALES[current_locale()])


def week_labels(series: Series) -> tuple[str, ...]:
    """Each week's label for the chart and the text bars, oldest first."""
    return tuple(week_label(start) for start in series.starts)


def chart_caption(series: Series) -> str:
    """The PNG's caption: the same numbers as the bars, oldest week first."""
    weeks = len(series.values)
    numbers = " · ".join(str(v) for v in series.values)
    return (f"{CHART_TITLE} ({weeks} weeks, {week_label(series.starts[0])} – "
            f"{week_label(series.starts[-1])}): {numbers}")


def _counts(counts: dict[Severity, int]) -> str:
    return " · ".join(f"{SEVERITY_LABELS[s].lower()} {counts[s]}" for s in Severity)


def days_with_daytime_cramps(days: int, last_week: int | None = None) -> str:
    """The count is of days (two cramps one afternoon are one day), so the label says so."""
    if last_week is None:
        return _("Days with daytime cramps: {days}").format(days=days)
    return _("☀️ Days with daytime cramps: {days} ({last_week})").format(
        days=days, last_week=last_week)


def weekly_summary(picture: WeeklyPicture, bars: Series, causes: Causes) -> str:
    """The Sunday message: this week against last, the bars, the rules."""
    this, last = picture.this_week, picture.last_week
    lines = [f"📊 <b>Your cramp week</b>, {span_label(this.start, this.end)}",
             "<i>(last week in brackets)</i>", ""]
    if this.entries == 0:
        lines.append("No cramps logged this week.")
    lines += [
        f"🌙 Nights with cramps: <b>{this.nights_with_cramps}</b> ({last.nights_with_cramps})",
        days_with_daytime_cramps(this.days_with_cramps, last.days_with_cramps),
        f"✅ Check-ins answered: {this.checkins_answered} of {this.days} "
        f"({last.checkins_answered} of {DAYS_PER_WEEK})",
        f"😴 Nights a cramp woke you: {this.disturbed_nights} ({last.disturbed_nights})",
    ]
    if this.entries:
        lines.append(f"📈 Severity: {_counts(this.severity)}")
        if this.longest is not None:
            lines.append(f"⏱ Longest: {DURATION_LABELS[this.longest]}")
        if this.top_muscle is not None:
            lines.append(f"💪 Most often: {MUSCLE_LABELS[this.top_muscle].lower()}")
        if this.top_triggers:
            tags = ", ".join(TRIGGER_LABELS[t] for t in this.top_triggers)
            lines.append(f"🏷 Tagged most: {tags}")
    lines += ["", f"<code>{text_bars(bars, week_labels(bars))}</code>", ""]
    if picture.rules:
        for key in picture.rules:
            lines += [rule_sentence(key, this, last), rule_advice(causes, key)]
        lines += ["", DOCTOR_SUGGESTION]
    else:
        lines += [NO_RULE, NOT_A_DIAGNOSIS]
    return "\n".join(lines)


# ------------------------------------------------------------------ /report

def report_usage() -> str:
    choices = ", ".join(str(w) for w in REPORT_WEEKS)
    return f"Choose {choices} weeks, for example: /report 8"


def report_text(report: Report) -> str:
    """The doctor report as a message; the PNG and the CSV carry the same numbers."""
    lines = [
        f"🩺 <b>Cramp diary report</b>, {len(report.weeks)} weeks: "
        f"{span_label(report.first_day, report.last_day)}",
        "",
        f"Cramps logged: {report.entries}",
        f"Nights with cramps: {report.nights_with_cramps}",
        days_with_daytime_cramps(report.days_with_cramps),
        f"Nights sleep was disturbed: {report.disturbed_nights}",
        f"Severity: {_counts(report.severity)}",
        "Duration: " + " · ".join(f"{DURATION_LABELS[d]} {report.durations[d]}"
                                  for d in Duration),
        "Muscles: " + (" · ".join(f"{MUSCLE_LABELS[m].lower()} {n}"
                                  for m, n in report.muscles.items() if n) or "none"),
        "Tagged: " + (" · ".join(f"{TRIGGER_LABELS[t]} {n}"
                                 for t, n in report.triggers.items() if n) or "nothing"),
        f"Record coverage: {report.nights_recorded} of {report.nights_in_period} nights "
        f"({report.coverage_percent}%), {report.checkins_answered} morning check-ins",
        "",
        "<b>Week by week</b> (nights with cramps / cramps logged / check-ins):",
    ]
    lines += [f"{week_label(w.start)}: {w.nights_with_cramps} / {w.entries} / "
              f"{w.checkins_answered}" for w in report.weeks]
    if report.rules:
        lines += ["", "<b>Rules that fired</b> (weeks starting):"]
        for key, name in RULE_NAMES.items():
            starts = [week_label(start) for start, fired in report.rules if fired == key]
            if starts:
                lines.append(f"• {name}: {', '.join(starts)}")
    lines += ["", "Self-recorded by the patient with MagDaily; not a diagnosis."]
    return "\n".join(lines)


RULE_NAMES: dict[str, str] = {
    "rule_over_10_min": "a cramp over 10 minutes",
    "rule_severe": "a cramp marked severe",
    "rule_frequent_nights": "cramps on 3+ nights or days a week, two weeks running",
    "rule_sleep_disturbed": "sleep disturbed on 3+ nights in a week",
    "rule_new_medicine": "“new medicine” tagged",
}


# ------------------------------------------------------------------ privacy and export

ABOUT_DIARY = (
    "📔 <b>The cramp diary</b> stores, for each cramp you log: where, how bad, how long, "
    "when (night or day and the date), whether it woke you, the tags you chose, your "
    "answer to the swollen/warm/red question, and when you logged it. Morning check-ins "
    "store the night and your answer. Nothing else: no free text. Entries older than your "
    "retention (12 months unless you choose) are deleted automatically; /forget deletes "
    "them all at once, /export sends you everything. Admins only ever see counts."
)


def export_caption(kind: str) -> str:
    captions = {
        "entries": "📔 Your cramp diary (CSV, one row per cramp).",
        "checkins": "🌅 Your morning check-ins (CSV).",
        "settings": "⚙️ Your settings and /need profile (CSV).",
        "report": "🩺 The report's week-by-week numbers (CSV).",
    }
    return captions[kind]


# Wiring — commands, settings panel, prompts, counts


DIARY_START_FIRST = (
    "📔 The cramp diary belongs to your subscription, so /forget can delete it with "
    "everything else. Send /start first (one tap), then /cramp."
)


def diary_subscribe_offer() -> str:
    """/cramp or /sos "Log it" without a subscription: what the tap below does, not a reason."""
    return _("📔 The cramp diary is kept with your MagDaily subscription, so /forget can "
             "delete it with everything else. One tap subscribes you (one short tip a day; "
             "/stop ends the tips and keeps the diary) and logs this cramp:")


def button_subscribe_and_log() -> str:
    return _("📝 Subscribe and log it")


def subscribed_for_diary(subscriber: Subscriber) -> str:
    """Under the first logging step, once "Subscribe and log it" made the subscription."""
    return _("✅ You’re subscribed: one short tip a day at {time} ({zone}). Type your city "
             "(e.g. <code>Munich</code>) to get it in your own morning; /stop ends the tips "
             "and keeps your diary.").format(time=fmt_time(subscriber),
                                              zone=escape(subscriber.timezone))


BUTTON_CHART = "📊 Chart"
BUTTON_CHECKIN_TIME = "🌅 Check-in time"
BUTTON_STRETCH_TIME = "🧘 Stretch time"
BUTTON_OFF = "Off"
CHECKIN_TIME_PROMPT = ("🌅 When should I ask “Any cramps last night?” Your local time; "
                       "“Off” stops the question.")
STRETCH_TIME_PROMPT = ("🧘 When should I send the one-minute evening stretch? Your local "
                       "time; “Off” stops it.")
CHART_NO_DIARY = "There is no diary to draw yet. /cramp logs a cramp."


def weekly_button(enabled: bool) -> str:
    return f"{CHECKED if enabled else UNCHECKED} 📊 Weekly picture"


def retention_button(months: int) -> str:
    return f"🗓 Keep {months} months"


def diary_settings_lines(settings: DiarySettings | None) -> str:
    """The settings under /diary: prompts, weekly picture, retention."""
    if settings is None:
        return prompts_explained(None, None) + "\n📊 Weekly picture: on\n" + retention_line(12)
    def hhmm(at: time | None) -> str | None:
        return at.strftime("%H:%M") if at else None
    weekly_state = ("on (Sundays at your daily tip time)" if settings.weekly_enabled
                    else "off")
    return (prompts_explained(hhmm(settings.checkin_time), hhmm(settings.stretch_time))
            + f"\n📊 Weekly picture: {weekly_state}\n"
            + retention_line(settings.retention_months))


def diary_screen(entries: Sequence[CrampEntry], total: int,
                 settings: DiarySettings | None) -> str:
    return f"{diary_list(entries, total)}\n\n<b>Settings</b>\n{diary_settings_lines(settings)}"


def entry_delete_button(entry: CrampEntry, zone: tzinfo) -> str:
    """Two cramps of one muscle on one day must not give two identical buttons: the
    label adds when it was logged (in the person's zone), how bad and how long."""
    return _("🗑 Delete {day} {time} · {muscle} · {severity} · {duration}").format(
        day=day_label(entry.local_date), time=entry.logged_at.astimezone(zone).strftime("%H:%M"),
        muscle=MUSCLE_LABELS[entry.muscle], severity=SEVERITY_LABELS[entry.severity].lower(),
        duration=DURATION_LABELS[entry.duration])


def diary_counts(counts: DiaryCounts) -> str:
    """/mydata's diary part: how much is stored and the settings, never the entries."""
    lines = ["", "<b>Your cramp diary</b>",
             f"• Cramps logged: {counts.entries}",
             f"• Morning check-ins answered: {counts.checkins}"]
    if counts.settings is not None:
        lines += [f"• {line}" for line in diary_settings_lines(counts.settings).splitlines()
                  if not line.startswith("No prompts")]
    lines.append("/diary shows the entries, /export sends them as CSV.")
    return "\n".join(lines)


def diary_stats(people: int, recent_entries: int) -> str:
    """/stats: aggregate counts only, never an entry (entries logged in the last 7 days,
    a rolling window, not the calendar week)."""
    keepers = "1 person keeps one" if people == 1 else f"{people:,} people keep one"
    entries = "1 entry" if recent_entries == 1 else f"{recent_entries:,} entries"
    return f"Cramp diary: {keepers} · {entries} in the last 7 days"

