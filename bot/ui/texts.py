"""Every sentence and button label the bot shows, in one place.

Messages are Telegram HTML. Anything that came from a user or from data is escaped
here, so handlers never build markup themselves. Text functions take the domain objects
the services return (a Subscriber, a Need, MyData, Stats), not loose fields, so adding a
field is one change here. Percentages use the one rounding rule, `tips.foods.percent_of`.
Health wording follows one rule: the bot informs and points to a professional; it never
diagnoses or prescribes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from html import escape
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.core.i18n import LOCALES, _, current_locale, ngettext, pgettext
from bot.core.reasons import BROADCAST_RETRY_HOURS, Reason
from bot.diary.chart import Series, text_bars
from bot.diary.days import Day, WeekDays
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
from bot.ui import formats
from tips.catalog import TOPIC_EMOJI, TOPICS, Ladder, Tip
from tips.foods import Food, FoodTable, percent_of
from tips.reference import Causes, WarningSign

if TYPE_CHECKING:
    from bot.services.broadcasts import Progress
    from bot.services.diary import DiaryCounts
    from bot.services.food import FoodWeek
    from bot.services.needs import Need
    from bot.services.privacy import MyData
    from bot.services.subscriptions import StartResult
    from bot.services.tip_admin import TipVotes
    from bot.services.water import WaterCounts, WaterDay
    from bot.storage.models import Broadcast, DiarySettings, Stats, Subscriber

BOT_NAME = "MagDaily"
MAX_ECHO = 40  # how much of a user's bad input we quote back


def disclaimer() -> str:
    return _(
        "ℹ️ MagDaily shares general information, not medical advice. It cannot diagnose "
        "anything. For frequent or severe spasms, or before taking any supplement, talk to a "
        "doctor, pharmacist or dietitian."
    )


def commands() -> tuple[tuple[str, str], ...]:
    """Every command with its description (the /help lines and the command menu)."""
    return (
        ("tip", _("A tip right now")),
        ("foods", _("Magnesium-rich foods, e.g. /foods almonds")),
        ("causes", _("Why cramps happen, warning signs")),
        ("settings", _("Your time, time zone and topics")),
        ("time", _("Daily time, e.g. /time 07:30")),
        ("timezone", _("Time zone, e.g. /timezone Europe/Berlin")),
        ("topics", _("Choose tip topics")),
        ("subscribe", _("Start (or resume) daily tips")),
        ("pause", _("Pause daily tips, e.g. /pause 7")),
        ("resume", _("Resume after a pause")),
        ("need", _("Your daily magnesium need")),
        ("mydata", _("What I store about you")),
        ("forget", _("Delete everything about you")),
        ("stop", _("Stop daily tips")),
        ("help", _("What I can do")),
        ("about", _("Sources, disclaimer, privacy")),
        ("sos", _("Help during a cramp, right now")),
        ("cramp", _("Log a cramp in four taps")),
        ("diary", _("Your cramp diary and its settings")),
        ("report", _("A summary for your doctor, e.g. /report 8")),
        ("export", _("Your diary and settings as CSV files")),
        ("water", _("Log a glass of water, see today's count")),
        ("ate", _("Log a serving of a food, e.g. /ate almonds")),
        ("language", _("Choose your language")),
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


def topic_name(topic: str) -> str:
    """A topic's name in the reader's language (tips.catalog.TOPICS holds the English)."""
    names = {
        "hydration": _("Hydration"),
        "foods": _("Magnesium-rich foods"),
        "rest": _("Rest & recovery"),
        "electrolytes": _("Electrolytes"),
        "doctor": _("When to see a doctor"),
    }
    return names.get(topic) or TOPICS.get(topic, topic)


def topic_label(topic: str) -> str:
    return f"{TOPIC_EMOJI.get(topic, '•')} {topic_name(topic)}"


def fmt_time(subscriber: Subscriber) -> str:
    return formats.clock(subscriber.send_time)


def _when(moment: datetime) -> str:
    return formats.moment(moment)


# Human dates: "Sat 28 Nov", "today at 15:56", "from tomorrow"

def day_label(day: date) -> str:
    """A date as people say it: 'Sat 28 Nov' (bot.ui.formats, in the reader's locale)."""
    return formats.day_label(day)


def next_tip_when(subscriber: Subscriber, now: datetime) -> str:
    """When the next daily tip comes, in the chat's zone: 'today at 15:56',
    'tomorrow at 07:00' or 'Sun 29 Nov at 07:00'; '' when none is scheduled."""
    from bot.core.zones import resolve_zone  # texts stays importable without the zone tables

    if subscriber.next_send_at is None or subscriber.status not in ("active", "paused"):
        return ""
    tz = resolve_zone(subscriber.timezone)
    at, today = subscriber.next_send_at.astimezone(tz), now.astimezone(tz).date()
    clock = formats.clock(at)
    if at.date() == today:
        return _("today at {time}").format(time=clock)
    if at.date() == today + timedelta(days=1):
        return _("tomorrow at {time}").format(time=clock)
    # Translators: {day} is a short date such as "Sun 29 Nov", {time} a time such as "07:00".
    return _("{day} at {time}").format(day=day_label(at.date()), time=clock)


def _next_tip_days_ahead(subscriber: Subscriber, now: datetime) -> int | None:
    """In how many local days the next tip comes (0 today, 1 tomorrow), None for none."""
    from bot.core.zones import resolve_zone

    if subscriber.next_send_at is None or subscriber.status not in ("active", "paused"):
        return None
    tz = resolve_zone(subscriber.timezone)
    return (subscriber.next_send_at.astimezone(tz).date() - now.astimezone(tz).date()).days


def pause_phrase(subscriber: Subscriber) -> str:
    """The one wording of a pause, for /pause and /settings alike."""
    resume = subscriber.paused_until
    if resume is None:
        return ""
    # Translators: {last} is the last day without tips, {resume} the day they start again.
    return _("no tips until {last}; they resume {resume}").format(
        last=day_label(resume - timedelta(days=1)), resume=day_label(resume))


def status_label(status: str) -> str:
    """A subscription status in words; an unknown status shows as stored."""
    labels = {
        "active": _("✅ daily tips on"),
        "paused": _("⏸ paused"),
        "stopped": _("⏹ stopped (send /subscribe to resume)"),
        "blocked": _("🚫 inactive (the bot could not reach this chat)"),
    }
    return labels.get(status, status)


# ------------------------------------------------------------------ buttons

def button_tip_now() -> str:
    return _("💡 Tip now")


def button_foods() -> str:
    return _("🥬 Foods")


def button_causes() -> str:
    return _("❓ Causes")


def button_settings() -> str:
    return _("⚙️ Settings")


def button_time() -> str:
    return _("⏰ Time")


def button_timezone() -> str:
    return _("🌍 Time zone")


def button_topics() -> str:
    return _("🏷 Topics")


def button_stop_daily() -> str:
    return _("⏹ Stop daily tips")


def button_resume_daily() -> str:
    return _("▶️ Resume daily tips")


def button_topics_done() -> str:
    return _("Done")


def button_helpful() -> str:
    return _("👍 Helpful")


def button_not_for_me() -> str:
    return _("👎 Not for me")


def button_another() -> str:
    return _("➕ Another tip")


# Settings panel and onboarding buttons
def button_pause_week() -> str:
    return _("⏸ Pause 7 days")


def button_resume_now() -> str:
    return _("▶️ Resume now")


def button_share_location() -> str:
    return _("📍 Share location")


def button_local_time() -> str:
    return _("🕐 Pick the time it is for me")


def button_keep_defaults() -> str:
    return _("Keep the default")


def topic_button(topic: str, on: bool) -> str:
    """A topic in the /topics menu, ticked when it is on (button text is plain, not HTML)."""
    return f"{'✅' if on else '⬜'} {TOPIC_EMOJI[topic]} {topic_name(topic)}"


# ------------------------------------------------------------------ start / stop

# Sign-up: the time zone and time questions right after /start

def bot_description() -> str:
    return _(
        "MagDaily sends one short tip a day about habits linked to fewer muscle cramps: "
        "hydration, magnesium-rich foods, rest, electrolytes, and when to see a doctor. "
        "Sources are named under every tip. General information, not medical advice. "
        "Press Start to get the first tip; you choose the time."
    )


def bot_short_description() -> str:
    return _("One short daily tip on habits linked to fewer cramps. Sources named.")


def zone_question(subscriber: Subscriber) -> str:
    return (
        _("🌍 <b>One question, so tips arrive in your morning:</b> where are you?") + "\n\n"
        + _("• Tap <b>📍 Share location</b> below (I only read the time zone from it and "
            "keep nothing else),") + "\n"
        + _("• or type your city, e.g. <code>Munich</code>,") + "\n"
        + _("• or tap <b>🕐 Pick the time it is for me</b>.") + "\n\n"
        # Translators: {time} is a time such as "08:00", {zone} a time zone name such as "UTC".
        + _("Until then tips come at {time} {zone}.").format(
            time=fmt_time(subscriber), zone=escape(subscriber.timezone))
    )


def local_time_prompt() -> str:
    return _("🕐 What time is it for you right now? Tap the closest:")


def zone_at_offset_prompt() -> str:
    return _("🌍 Which of these is yours?")


def zone_place_choices() -> str:
    return _("🌍 That place spans several time zones. Which one is yours?")


def setup_place_unknown() -> str:
    return _(
        "🌍 I couldn’t find that place. Try a bigger city nearby (e.g. <code>Munich</code>), "
        "tap 📍 Share location, or pick one:"
    )


def setup_kept() -> str:
    return _("👍 Keeping it as it is. /settings changes it any time.")


def setup_zone_done(subscriber: Subscriber, local_now: datetime) -> str:
    # Translators: {zone} is a time zone name such as "Europe/Berlin", {time} the time there.
    return _("🌍 Time zone: <b>{zone}</b> (it’s {time} there now).").format(
        zone=escape(subscriber.timezone), time=formats.clock(local_now))


def setup_time_question() -> str:
    return _(
        "⏰ And when should your daily tip arrive? Tap a time, or type one like "
        "<code>7:30</code>:"
    )


def setup_done(subscriber: Subscriber, now: datetime) -> str:
    # Translators: {when} is e.g. "today at 15:56", "tomorrow at 07:00" or "Sun 29 Nov at
    # 07:00"; {zone} a time zone name.
    return _("✅ All set — your first daily tip comes {when} ({zone}).").format(
        when=next_tip_when(subscriber, now), zone=escape(subscriber.timezone))


def setup_reminder() -> str:
    """One line under the first daily tip of someone who skipped the sign-up questions."""
    return "\n\n" + _(
        "⏰ This tip came at the default time. Want it in your own morning? Type your "
        "city (e.g. <code>Munich</code>) or open /settings."
    )


def location_unknown() -> str:
    return _("I couldn’t find a time zone there (out at sea?). Type your city instead, "
             "e.g. <code>Munich</code>.")


def welcome(result: StartResult) -> str:
    subscriber, was_status = result.subscriber, result.was_status
    if result.created:
        head = (
            _("👋 Welcome to <b>{bot_name}</b>!").format(bot_name=BOT_NAME) + "\n\n"
            + _("Every day I’ll send you one short tip about habits linked to fewer cramps: "
                "hydration, magnesium-rich foods, rest and recovery, electrolytes, and when "
                "to see a doctor.")
            + f"\n\n{evidence()}"
        )
    elif was_status and was_status != "active":
        head = _("👋 Welcome back! Your daily tips are on again.")
    else:
        head = _("👋 You’re already subscribed — nothing changed.")
    return f"{head}\n\n{settings_summary(subscriber)}\n\n<i>{escape(disclaimer())}</i>"


def settings_summary(subscriber: Subscriber) -> str:
    topics = ", ".join(topic_label(t) for t in subscriber.topics)
    status = status_label(subscriber.status)
    if subscriber.status == "paused" and subscriber.paused_until:
        # Translators: {pause} is e.g. "no tips until Sat 28 Nov; they resume Sun 29 Nov".
        status = _("⏸ paused: {pause}").format(pause=pause_phrase(subscriber))
    return "\n".join([
        _("<b>Your settings</b>"),
        _("⏰ Time: <b>{time}</b>").format(time=fmt_time(subscriber)),
        _("🌍 Time zone: <b>{zone}</b>").format(zone=escape(subscriber.timezone)),
        _("🏷 Topics: {topics}").format(topics=topics),
        _("📬 Status: {status}").format(status=status),
    ])


def next_tip_line(subscriber: Subscriber, now: datetime | None = None) -> str:
    if subscriber.status != "active" or subscriber.next_send_at is None:
        return ""
    if now is None:
        return "\n" + _("Next daily tip: {time} ({zone}).").format(
            time=fmt_time(subscriber), zone=escape(subscriber.timezone))
    # Translators: {when} is e.g. "today at 15:56" or "Sun 29 Nov at 07:00".
    return "\n" + _("Next daily tip: {when} ({zone}).").format(
        when=next_tip_when(subscriber, now), zone=escape(subscriber.timezone))


def paused(subscriber: Subscriber, days: int) -> str:
    # Translators: {pause} is e.g. "no tips until Sat 28 Nov; they resume Sun 29 Nov".
    return ngettext(
        "⏸ Paused for {days} day: {pause}. They start again by themselves, or send /resume "
        "sooner.",
        "⏸ Paused for {days} days: {pause}. They start again by themselves, or send /resume "
        "sooner.",
        days,
    ).format(days=formats.number(days), pause=pause_phrase(subscriber))


def pause_invalid() -> str:
    return _("Give the number of days from 1 to 90, e.g. <code>/pause 7</code>.")


def pause_when_stopped() -> str:
    return _("Daily tips are stopped, so there is nothing to pause. /subscribe turns them on.")


def not_paused() -> str:
    return _("Your daily tips aren’t paused.")


def stopped() -> str:
    return _(
        "⏹ Daily tips stopped. Your settings are kept; send /subscribe whenever you want them "
        "back. /tip still works any time."
    )


def already_stopped() -> str:
    return _("Daily tips are already stopped. Send /subscribe to turn them back on.")


def not_subscribed() -> str:
    return _("You’re not subscribed yet. Send /start to begin — it takes one tap.")


def resumed(subscriber: Subscriber) -> str:
    return _("▶️ Daily tips are on.") + next_tip_line(subscriber)


# ---------------------------------------------------------------------- tips

def tip_message(tip: Tip, daily: bool = False) -> str:
    """A tip; the daily one is marked as the tip of the day, an on-demand one is not."""
    return _tip_message(tip, daily, current_locale())


@functools.lru_cache(maxsize=2048)  # per tip, kind and locale: the sender words one tip
def _tip_message(tip: Tip, daily: bool, locale: str) -> str:  # for thousands of chats
    """(`locale` keys the cache: the words are the current locale's.)"""
    head = "<b>" + _("🌅 Tip of the day") + "</b> · " if daily else ""
    source = _("Source: {source}").format(source=escape(tip.source))
    return (
        f"{head}<b>{escape(topic_label(tip.topic))}</b>\n\n{escape(tip.text)}\n\n"
        f"<i>{source}</i>"
    )


def no_tips() -> str:
    return _("I have no tips for your topics right now. Try /topics to add another topic.")


def vote_up() -> str:
    return _("Thanks! Glad it helped. 👍")


def vote_down() -> str:
    return _("Got it — I won’t send you that tip again.")


def vote_retired() -> str:
    return _("Thanks! That tip has since been retired, but your vote is noted.")


def tip_gone() -> str:
    return _("That tip is no longer available. Send /tip for a fresh one.")


def another_limit(next_time: time | None) -> str:
    if next_time:
        return _("That’s all the extra tips for today — small steps stick best. 🙂 "
                 "Your next daily tip comes at {time}.").format(time=formats.clock(next_time))
    return _("That’s all the extra tips for today — small steps stick best. 🙂 "
             "More tomorrow — or /start for one every day.")


def tip_for_guest() -> str:
    return "\n\n" + _("Want one every day? Send /start.")


# Votes shown on the tip
def vote_cleared() -> str:
    return _("Vote removed.")


def vote_guest() -> str:
    return _("Votes shape your own rotation, so they need a subscription: send /start.")


VOTE_MARK = " ✓"


# -------------------------------------------------------------------- causes
# /causes as a short overview with a page per section.
# The overview fits one phone screen; each button redraws the message in place with one
# section and a back button. Warning signs are grouped under their urgency, most urgent
# first, and the emergency line names the number only when the time zone makes the country
# clear (tips.reference.emergency_number). Chest symptoms appear only as emergencies.

def button_causes_why() -> str:
    return _("🔍 Why they happen")


def button_causes_signs() -> str:
    return _("🚩 Warning signs")


def button_causes_helps() -> str:
    return _("✅ What helps")


def button_back() -> str:
    return _("◀ Back")


def causes_title() -> str:
    return _("❓ <b>Why cramps happen</b>")


# One mark per step of the urgency ladder (tips/data/urgency.toml words the steps).
LEVEL_MARKS = {"emergency": "🚨", "immediately": "⏰", "same-day": "⚠️", "appointment": "🩺"}


def local_number() -> str:
    # Translators: stands for the emergency number where the country is unknown; it fills
    # the {number} of the urgency sentences of the health texts ("Call {number} now."), so
    # it must read where the number would. Russian: it follows «в» (e.g. «местную службу
    # экстренной помощи»).
    return _("your local emergency number")


def number_words(number: str | None) -> str:
    """What fills the ladder's {number}: "112", or the local number in words."""
    return escape(number) if number else local_number()


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
    if number:
        emergency = _("🚑 In an emergency, call {number}.").format(number=escape(number))
    else:
        emergency = _("🚑 In an emergency, call your local emergency number.")
    return (f"{causes_title()}\n\n{escape(data.overview)}\n\n{emergency}\n\n"
            + _("Tap a button below for more."))


def causes_why(data: Causes) -> str:
    """The detail behind the overview: how cramps start and what makes them more likely."""
    lines = [causes_title(), "", escape(data.intro), "", escape(data.mechanism), "",
             _("<b>How magnesium can run low</b>")]
    lines += [_cause_line(title, text) for title, text in data.deficiency_causes]
    lines += ["", _("<b>Other common causes</b>")]
    lines += [_cause_line(title, text) for title, text in data.other_causes]
    lines += ["", f"🩺 {escape(data.see_professional)}"]
    return "\n".join(lines)


def causes_signs(data: Causes, number: str | None) -> str:
    """Every warning sign under its urgency heading, most urgent first."""
    lines = [_("🚩 <b>Warning signs: when self-care is not enough</b>")]
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
    lines = [_("✅ <b>What helps</b>"), ""]
    lines += [_cause_line(title, text) for title, text in data.what_helps]
    lines += ["", f"🩺 {escape(data.see_professional)}"]
    return "\n".join(lines)


# --------------------------------------------------------------------- foods

def foods_table(table: FoodTable, need_mg: int | None = None) -> str:
    lines = [
        _("🥬 <b>Top magnesium foods</b> (Daily Value: {mg} mg)").format(
            mg=formats.number(table.daily_value_mg)),
        "",
    ]
    for number, food in enumerate(table.foods, 1):
        if need_mg:
            # Translators: {dv} and {need} are percentages such as "48%"; DV is the Daily
            # Value of the US food labels; {position} is the place in the list (1, 2, …).
            line = _("{position}. {food} — {serving}: <b>{mg} mg</b> ({dv} DV, {need} of "
                     "your need)")
        else:
            line = _("{position}. {food} — {serving}: <b>{mg} mg</b> ({dv} DV)")
        lines.append(line.format(
            position=number, food=escape(food.label), serving=escape(food.serving),
            mg=formats.number(food.mg), dv=formats.percent(food.dv_percent),
            need=formats.percent(percent_of(food.mg, need_mg)) if need_mg else ""))
    lines += [
        "",
        _("<b>Food groups rich in magnesium:</b> {groups}.").format(
            groups=escape(", ".join(table.groups))),
        "",
        _("Ask about one food: <code>/foods {example}</code>").format(
            example=escape(example_food())),
        "<i>" + _("Source: {source}").format(source=escape(table.source)) + "</i>",
    ]
    return "\n".join(lines)


def example_food() -> str:
    # Translators: a food the reader can type after /foods; it must be a name or alias the
    # food table knows in your language (the English table has "almonds").
    return _("almonds")


def food_answer(food: Food, table: FoodTable) -> str:
    # Translators: {percent} is a percentage such as "20%", {dv} an amount such as "420".
    return (
        f"🥬 <b>{escape(food.label)}</b>\n"
        + _("{serving}: <b>{mg} mg</b> of magnesium — {percent} of the {dv} mg Daily "
            "Value.").format(serving=escape(food.serving), mg=formats.number(food.mg),
                             percent=formats.percent(food.dv_percent),
                             dv=formats.number(table.daily_value_mg))
        + "\n\n<i>" + _("Source: {source}").format(source=escape(table.source)) + "</i>"
    )


def food_unknown(query: str, suggestions: list[Food]) -> str:
    """(The suggestions also come as buttons, see keyboards.food_choices.)"""
    names = ", ".join(escape(food.name) for food in suggestions)
    example = suggestions[0].name if suggestions else example_food()
    # Translators: {query} is what the reader typed, {names} a list of food names.
    return (
        _("I don’t have “{query}” in my table. Some I do know: {names}.").format(
            query=quote(query), names=names)
        + "\n"
        + _("Try e.g. <code>/foods {example}</code>, or /foods for the full list.").format(
            example=escape(example))
    )


# ------------------------------------------------------------------ settings

def time_prompt() -> str:
    return _(
        "⏰ When should your daily tip arrive? Send the time like "
        "<code>/time 07:30</code> (also fine: 7:30pm, 19.30), or pick one:"
    )


def time_set(subscriber: Subscriber, now: datetime | None = None) -> str:
    when = next_tip_when(subscriber, now) if now is not None else ""
    done = _("⏰ Done — your daily tip now comes at <b>{time}</b> ({zone}).").format(
        time=fmt_time(subscriber), zone=escape(subscriber.timezone))
    days_ahead = _next_tip_days_ahead(subscriber, now) if now is not None and when else None
    if days_ahead == 0:
        # Translators: {when} is e.g. "today at 15:56".
        return done + " " + _("The next one: {when}.").format(when=when)
    if now is not None and when and _tip_went_out_today(subscriber, now):
        return done + " " + _("Today’s tip already went out, so the new time starts from "
                              "tomorrow.")
    if days_ahead == 1:
        return done + " " + time_passed_today(fmt_time(subscriber),
                                              first=subscriber.last_daily_at is None)
    if when:
        return done + " " + _("The next one: {when}.").format(when=when)
    return done


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
    return _(
        "I couldn’t read “{raw}” as a time of day. Use hours 0–23 and minutes "
        "0–59, like <code>/time 07:30</code>, <code>/time 7:30pm</code> or "
        "<code>/time 19.30</code>."
    ).format(raw=quote(raw))


def timezone_prompt() -> str:
    return _(
        "🌍 Which time zone are you in? Send it like <code>/timezone Europe/Berlin</code> or "
        "<code>/timezone UTC+2</code>, or pick one:"
    )


def timezone_set(subscriber: Subscriber, local_now: datetime) -> str:
    # Translators: {zone} is a time zone name, {now} the time there now, {time} the time
    # of the daily tip.
    return _(
        "🌍 Time zone set to <b>{zone}</b> (it’s {now} there now). Daily tip at "
        "<b>{time}</b> local time."
    ).format(zone=escape(subscriber.timezone), now=formats.clock(local_now),
             time=fmt_time(subscriber))


def timezone_invalid(raw: str, suggestions: list[str]) -> str:
    listed = "\n".join(f"• <code>{escape(name)}</code>" for name in suggestions)
    return _(
        "I don’t know the time zone “{raw}”. Use a region/city name or a UTC "
        "offset, e.g. <code>/timezone America/New_York</code> or "
        "<code>/timezone UTC-5</code>."
    ).format(raw=quote(raw)) + "\n" + _("Did you mean:") + "\n" + listed


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


def topics_prompt() -> str:
    return _("🏷 Tap a topic to turn it on or off (at least one stays on):")


def topic_last_one() -> str:
    return _("At least one topic has to stay on.")


def topics_saved() -> str:
    return _("🏷 Topics saved.")


def topics_now(subscriber: Subscriber) -> str:
    on = ", ".join(topic_label(t) for t in subscriber.topics)
    return topics_prompt() + "\n" + _("On now: {topics}").format(topics=on)


# The promise, the evidence and what /about says is stored
# What the bot offers, in words the evidence supports: habits linked to fewer cramps, not a
# promise to prevent them (tests/test_texts_content.py keeps "prevent spasms" out).
def evidence() -> str:
    return _(
        "<b>What the evidence says:</b> magnesium supplements are unlikely to help ordinary "
        "night cramps in older adults (Cochrane review, 2020), studies in pregnancy give mixed "
        "results, and often no cause for cramps is found."
    )


def privacy_stored() -> tuple[str, ...]:
    """Everything /about says is stored, in the order /mydata shows it (list items that
    follow "I store")."""
    return (
        # Translators: this and the next items are listed after "I store", separated by
        # semicolons; word them to follow it.
        _("your chat id and settings (daily time, time zone, topics, whether tips are on or "
          "paused)"),
        _("the delivery history: which tips and messages were sent to you and when, so you "
          "don’t get repeats"),
        _("your 👍/👎 votes on tips"),
        _("your /need profile if you use it (age band, sex, pregnant or breastfeeding) and the "
          "figure it gives"),
        _("your cramp diary, if you keep one (what each entry holds is below)"),
    )


# ---------------------------------------------------------------- help/about

# Command menu and /help: a short menu, everything else grouped in /help

# The menu Telegram shows next to the text box (5–8 commands); the rest is in /help
# and on the /settings panel.
MENU_COMMANDS: tuple[str, ...] = ("tip", "foods", "causes", "settings", "sos", "need", "help",
                                  "about")


def help_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """/help's groups: (heading, command names). Commands other issues add slot into a group."""
    return (
        (_("Tips"), ("tip", "foods", "causes")),
        (_("Your daily tip"), ("settings", "time", "timezone", "topics", "pause", "resume",
                               "subscribe", "stop")),
        (_("Cramp diary"), ("sos", "cramp", "diary", "report", "export", "water",
                             "ate")),
        (_("You and your data"), ("need", "mydata", "forget", "language")),
        (_("About"), ("about", "help")),
    )


def menu_commands() -> list[tuple[str, str]]:
    descriptions = dict(commands())
    return [(name, descriptions[name]) for name in MENU_COMMANDS]


def help_text(admin: bool = False) -> str:
    descriptions = dict(commands())
    lines = [_("🤖 <b>{bot_name}</b> — one short tip a day about habits linked to fewer "
               "cramps. /start subscribes.").format(bot_name=BOT_NAME),
             "", evidence(), ""]
    for heading, names in help_groups():
        lines.append(f"<b>{heading}</b>")
        lines += [f"/{name} — {escape(descriptions[name])}" for name in names
                  if name in descriptions]
        lines.append("")
    lines.append(_("/unsubscribe — same as /stop"))
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
    # Translators: {stored} is the list of what is stored, items separated by semicolons
    # (each item begins "your …" or "the …").
    privacy = _(
        "<b>Privacy</b>\nI store {stored}. Nothing else — not your messages. /mydata shows "
        "all of it and /forget deletes it. /stop stops the tips; your data stays until you "
        "ask to delete it."
    ).format(stored="; ".join(privacy_stored()))
    translation = about_translation()
    return (
        _("ℹ️ <b>About {bot_name}</b>").format(bot_name=BOT_NAME) + "\n\n"
        f"{escape(disclaimer())}\n\n"
        f"{evidence()}\n\n"
        + _("<b>Sources</b>") + f"\n{listed}\n\n"
        + (f"{translation}\n\n" if translation else "")
        + privacy
        + "\n\n" + about_diary()
    )


def not_a_command() -> str:
    return _("I answer commands rather than chat. Send /help to see them, or /tip for a tip "
             "now.")


def unknown_command() -> str:
    return _("I don’t know that command. Here’s what I can do:") + "\n\n"


# Suggestions for the near-miss of a command


def did_you_mean(typed: str, names: list[str]) -> str:
    listed = formats.or_list([f"/{name}" for name in names])
    # Translators: {typed} is what the reader typed; {commands} one command such as
    # "/foods", or several joined by "or".
    return _("I don’t know “{typed}”. Did you mean {commands}? Tap it, or see /help.").format(
        typed=quote(typed), commands=listed)


def command_button(name: str) -> str:
    return f"/{name}"


def not_in_groups() -> str:
    return _("Please use that in a private chat with me.")


def error_generic() -> str:
    return _("Sorry, something went wrong on my side. Please try again in a moment.")


def button_expired() -> str:
    return _("That button is no longer active. Send /settings for fresh ones.")


# Guards: group administrators, usage of admin ids, long tips
def group_admins_only() -> str:
    return _(
        "Only this group’s administrators can change its daily tips (stop, time, time zone, "
        "topics, pause). Please ask one of them. Everyone can still use /tip, /foods and "
        "/causes."
    )


def group_admins_only_toast() -> str:
    return _("Only the group’s administrators can change these settings.")


def group_vote_admins_only() -> str:
    return _(
        "In a group, only its administrators’ votes change which tips it gets. "
        "Your own votes count in a private chat with me."
    )


def admin_private_only(command: str) -> str:
    """An admin command typed in a group: its screen would show to every member.
    admin: English only."""
    return f"🔒 Admin screens open only in a private chat with me: send /{command} there."


ADMIN_PRIVATE_ONLY_TOAST = "Admin buttons work only in a private chat with me."


# ---------------------------------------------------------------- admin tools
# admin: English only. The admin screens below stay English constants and functions (the
# AST test in tests/test_text_layer.py lists the constants); a sentence a subscriber can
# see is a function returning _().

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
def reason_texts() -> dict[str, str]:
    return {
        Reason.BLOCKED_BY_USER: _("blocked by the user"),
        Reason.BOT_KICKED: _("bot kicked"),
        Reason.BOT_LEFT: _("bot left"),
        Reason.CHAT_GONE: "{detail}",
        # Translators: {detail} is the new chat id.
        Reason.CHAT_MIGRATED: _("chat migrated to {detail}"),
        # Translators: {detail} is a technical description, left in English.
        Reason.QUARANTINED: _("quarantined: unreadable row ({detail})"),
        # Translators: {detail} is Telegram's description of the error, in English.
        Reason.BAD_REQUEST: _("bad request: {detail}"),
        # Translators: {detail} is a technical description of the error, in English.
        Reason.NETWORK: _("network: {detail}"),
        Reason.TIMED_OUT: _("timed out"),
        Reason.TELEGRAM_ERROR: "{detail}",
        Reason.INTERNAL_ERROR: _("internal error"),
        Reason.OFFLINE_PAST_GRACE:
            _("bot was offline past the grace window or the end of that local day"),
        Reason.NO_TIP: _("no active tip to send"),
        Reason.ALREADY_SENT_THAT_DAY: _("a tip already went out that local day"),
        Reason.LATE_OR_QUIET_HOURS: _("late or in quiet hours"),
        Reason.SUBSCRIBER_STOPPED: _("subscriber stopped"),
        Reason.SUBSCRIBER_PAUSED: _("subscriber paused"),
        Reason.CANCELLED_BY_ADMIN: _("cancelled by admin"),
        Reason.GLASS_LOGGED: _("a glass was logged that day"),
        Reason.OTHER: "{detail}",
    }


def gave_up_texts() -> dict[str, tuple[str, str]]:
    """A row given up, after the reason its last attempt failed for ({cause}), if it had one."""
    hours = BROADCAST_RETRY_HOURS
    return {
        Reason.GRACE_WINDOW_PASSED: (
            _("not sent within the grace window"),
            # Translators: {cause} is why the last attempt failed, e.g. "timed out".
            _("{cause}; not sent within the grace window")),
        Reason.RETRIES_EXHAUSTED: (
            ngettext("not sent; gave up after retrying for {hours} h",
                     "not sent; gave up after retrying for {hours} h", hours).format(
                hours=hours),
            ngettext("{cause}; gave up after retrying for {hours} h",
                     "{cause}; gave up after retrying for {hours} h", hours).format(
                hours=hours, cause="{cause}")),
    }


def reason_text(reason: str, cause: str | None = None, detail: str | None = None) -> str:
    """A stored reason code in words (plain text: the caller escapes or quotes it).

    `detail` belongs to the cause of a row given up, else to the reason itself. A code
    this version does not know (or a status standing in for a missing one) shows as is.
    """
    gave_up = gave_up_texts()
    if reason in gave_up:
        alone, after = gave_up[reason]
        return after.format(cause=reason_text(cause, None, detail)) if cause else alone
    return reason_texts().get(reason, "{code}").format(code=reason, detail=detail or "")


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

def sex_label(sex: str) -> str:
    """The sex of a /need profile as it follows an age ("31–50 years, female")."""
    return {"male": _("male"), "female": _("female")}.get(sex, sex)


def need_status_label(status: str) -> str:
    """Pregnancy or breastfeeding as it follows the sex ("…, female, pregnant"); '' for none."""
    return {"none": "", "pregnancy": _("pregnant"),
            "lactation": _("breastfeeding")}.get(status, status)


def need_not_subscribed() -> str:
    return _(
        "🎯 I keep your personal figure with your subscription, and you don’t have one yet. "
        "Send /start first, then /need again."
    )


def need_age_prompt() -> str:
    return (_("🎯 <b>Your daily magnesium need</b>") + "\n\n"
            + _("The recommended amount depends on age, sex and pregnancy. How old are you?"))


def need_sex_buttons() -> tuple[tuple[str, str], ...]:
    return (("male", _("♂️ Male")), ("female", _("♀️ Female")))


def need_status_buttons() -> tuple[tuple[str, str], ...]:
    return (("none", _("Neither")), ("pregnancy", _("🤰 Pregnant")),
            ("lactation", _("🍼 Breastfeeding")))


def need_ask_professional() -> str:
    return _(
        "🩺 Ask a healthcare professional (doctor, pharmacist or dietitian) before taking any "
        "supplement."
    )


def age_band_words(band: str) -> str:
    """A stored age band ('31-50', '51+') in words. The plural follows the band's last
    number, as a reader says it: "1–3 года" but "4–8 лет" in Russian, "51 год и старше"."""
    if band.endswith("+") and band[:-1].isdigit():
        age = int(band[:-1])
        # Translators: {age} is the lowest age of the oldest band, e.g. "51".
        return ngettext("{age} year and older", "{age} years and older", age).format(
            age=formats.number(age))
    low, _dash, high = band.partition("-")
    if not (low.isdigit() and high.isdigit()):
        return escape(band)
    # Translators: {band} is an age range such as "31–50"; the plural follows its last number.
    return ngettext("{band} year", "{band} years", int(high)).format(band=f"{low}–{high}")


def need_profile_words(profile: str) -> str:
    """'31-50:female:pregnancy' → '31–50 years, female, pregnant' (for /mydata)."""
    parts = profile.split(":")
    if len(parts) != 3:
        return escape(profile)
    band, sex, status = parts
    words = [age_band_words(band), sex_label(sex)]
    if need_status_label(status):
        words.append(need_status_label(status))
    return escape(", ".join(words))


def need_sex_prompt(band_label: str) -> str:
    return (
        _("🎯 Age: <b>{age}</b>").format(age=escape(band_label)) + "\n\n"
        + _("The table gives figures by sex. Which should I use?")
    )


def need_status_prompt(band_label: str) -> str:
    return (
        _("🎯 Age: <b>{age}</b>, female").format(age=escape(band_label)) + "\n\n"
        + _("Are you pregnant or breastfeeding? The recommended amount changes.")
    )


def need_answer(need: Need) -> str:
    """The /need result: figure, a food example that adds up to it, the supplement ceiling."""
    sex, status, need_mg = need.profile.sex, need.profile.status, need.mg
    who = [need.band.label, sex_label(sex)]
    if need_status_label(status):
        who.append(need_status_label(status))
    lines = [
        _("🎯 <b>Your daily magnesium need</b>"),
        # Translators: {who} is e.g. "31–50 years, female, pregnant"; {mg} a number.
        _("{who}: <b>{mg} mg a day</b> (US RDA, National Academies, via NIH ODS).").format(
            who=escape(", ".join(who)), mg=formats.number(need_mg)),
        "",
        _("<b>What that looks like in food</b>"),
    ]
    lines += [f"• {escape(food.label)} — {escape(food.serving)}: "
              + _("{mg} mg").format(mg=formats.number(food.mg))
              for food in need.servings]
    # Translators: {percent} is a percentage such as "85%".
    together = _("Together: <b>{mg} mg</b>, {percent} of your need.").format(
        mg=formats.number(need.servings_mg), percent=formats.percent(need.servings_percent))
    if need.servings_mg < need_mg:
        together += " " + _("The rest comes from everything else you eat that day.")
    lines.append(together)
    if need.food_note:
        lines.append(f"<i>{escape(need.food_note)}</i>")
    lines += [
        _("/foods now shows every food as a % of your need."),
        "",
        # The band's own limit: 65 mg at 1–3 years, 110 mg at 4–8, 350 mg from 9.
        "💊 <b>" + _("Supplement limit: {mg} mg a day.").format(
            mg=formats.number(need.upper_limit_mg)) + "</b> "
        + escape(need.upper_limit_note),
        "",
        need_ask_professional(),
    ]
    return "\n".join(lines)


def mydata_nothing() -> str:
    return _(
        "🗂 I store nothing about this chat — no subscription, no settings, no history. "
        "(/tip works without storing anything; /start would subscribe you.)"
    )


def delivery_kind_label(kind: str) -> str:
    """A kind of message in the /mydata counts (plural: "daily tips, sent: 3")."""
    return {
        "daily": _("daily tips"),
        "on_demand": _("tips you asked for"),
        "another": _("extra tips (➕)"),
        "broadcast": _("announcements"),
        "checkin": _("morning check-ins"),
        "stretch": _("evening stretches"),
        "weekly": _("weekly pictures"),
    }.get(kind, escape(kind))


def delivery_kind_one(kind: str) -> str:
    """One message of a kind in /mydata's latest list ("daily tip, sent")."""
    return {
        "daily": _("daily tip"),
        "on_demand": _("tip you asked for"),
        "another": _("extra tip (➕)"),
        "broadcast": _("announcement"),
        "checkin": _("morning check-in"),
        "stretch": _("evening stretch"),
        "weekly": _("weekly picture"),
    }.get(kind, escape(kind))


def delivery_status_label(state: str) -> str:
    return {
        "pending": _("waiting to be sent"),
        "sent": _("sent"),
        "failed": _("could not be sent"),
        "blocked": _("not delivered (chat unreachable)"),
        "missed": _("skipped (the bot was offline)"),
        "cancelled": _("cancelled"),
    }.get(state, escape(state))


def my_data(data: MyData) -> str:
    """/mydata: every stored field in plain words; dates are in the chat's time zone."""
    subscriber, delivery_counts, votes = data.subscriber, data.delivery_counts, data.votes
    status = escape(status_label(subscriber.status))
    topics = ", ".join(topic_label(t) for t in subscriber.topics) or _("none")
    if not subscriber.need_mg:
        need = _("not set (/need works it out)")
    elif subscriber.need_profile:
        # Translators: {profile} is e.g. "31–50 years, female".
        need = _("{mg} mg a day ({profile})").format(
            mg=formats.number(subscriber.need_mg),
            profile=need_profile_words(subscriber.need_profile))
    else:
        need = _("{mg} mg a day").format(mg=formats.number(subscriber.need_mg))
    paused_until = (formats.stored_date(subscriber.paused_until) if subscriber.paused_until
                    else _("not paused"))
    lines = [
        _("🗂 <b>What I store about this chat</b>"),
        "",
        _("• Chat id: <code>{id}</code>").format(id=subscriber.chat_id),
    ]
    if subscriber.user_id is not None and subscriber.user_id != subscriber.chat_id:
        lines.append(_("• Your user id: <code>{id}</code>").format(id=subscriber.user_id))
    lines += [
        _("• Status: {status}").format(status=status),
        _("• Daily tip time: {time}").format(time=fmt_time(subscriber)),
        _("• Time zone: {zone}").format(zone=escape(subscriber.timezone)),
        _("• Topics: {topics}").format(topics=topics),
        _("• Paused until: {date}").format(date=paused_until),
        _("• Daily magnesium need: {need}").format(need=need),
        _("• Subscribed since: {moment}").format(moment=_when(data.created)),
    ]
    if subscriber.inactive_reason:
        why = reason_text(subscriber.inactive_reason, detail=subscriber.inactive_detail)
        lines.append(_("• Why tips stopped: {reason}").format(reason=escape(why)))
    lines += ["", _("<b>Tips and messages sent to you</b>")]
    if delivery_counts:
        # Translators: {kind} is e.g. "daily tips", {status} e.g. "sent", {count} a number.
        lines += [_("• {kind}, {status}: {count}").format(
                      kind=delivery_kind_label(kind), status=delivery_status_label(state),
                      count=formats.number(count))
                  for kind, state, count in delivery_counts]
        lines.append(_("Latest:"))
        for kind, state, made, sent in data.recent:
            # Translators: {moment} is a date and time, {kind} e.g. "daily tip", {status}
            # e.g. "sent".
            lines.append(_("• {moment} — {kind}, {status}").format(
                moment=_when(sent or made), kind=delivery_kind_one(kind),
                status=delivery_status_label(state)))
    else:
        lines.append(_("• none yet"))
    lines += [
        "",
        _("<b>Your votes on tips:</b> {helpful} helpful, {not_for_me} not for me").format(
            helpful=formats.number(votes[0]), not_for_me=formats.number(votes[1])),
        _("<b>Tips marked as seen</b> (so you don’t get repeats): {count}").format(
            count=formats.number(data.tips_seen)),
        "",
        _("Nothing else — not your messages. /forget deletes all of this."),
    ]
    return "\n".join(lines)


def forget_confirm() -> str:
    return (
        _("🗑 <b>Delete everything I store about this chat?</b>") + "\n\n"
        + _("That is your subscription and settings (time, time zone, topics, daily need), the "
            "history of tips sent to you, your votes and your cramp diary. Daily tips stop. "
            "This cannot be undone.")
    )


def forget_yes_button() -> str:
    return _("🗑 Yes, delete everything")


def forget_no_button() -> str:
    return _("Keep my data")


def forget_done() -> str:
    return _(
        "🗑 Done — I deleted everything I stored about this chat: subscription, settings, tip "
        "history, votes and cramp diary. No more daily tips. Send /start if you ever want them "
        "back."
    )


def forget_kept() -> str:
    return _("👍 Nothing was deleted. Your data and daily tips stay as they were.")


def forget_nothing() -> str:
    return _("🗂 There is nothing to delete: I store nothing about this chat.")


# The cramp diary's sentences and labels.
# Values shown here are enums, dates and counts, never user input, so nothing needs
# escaping. Voice: the diary records and summarises; it never diagnoses or prescribes.
# First aid is NHS ("Leg cramps") and Mayo Clinic ("Muscle cramp", "Night leg cramps")
# advice in our own words; a swollen, warm or red calf is a reason to get help the same
# day (NHS, "DVT"), and breathlessness or chest pain with it is an emergency. The rules
# quote NHS's "see a GP if" list (cramps disturbing sleep, lasting over 10 minutes) and
# Mayo's (cramps that happen often).

# ------------------------------------------------------------------ labels
# Labels start with a capital on buttons; sentences lower-case them (ru, es, pt as English).

def muscle_labels() -> dict[Muscle, str]:
    return {
        Muscle.CALF: _("Calf"), Muscle.FOOT: _("Foot"), Muscle.THIGH: _("Front of thigh"),
        Muscle.HAMSTRING: _("Back of thigh"), Muscle.HAND: _("Hand"),
        Muscle.OTHER: _("Elsewhere"),
    }


def severity_labels() -> dict[Severity, str]:
    return {Severity.MILD: _("Mild"), Severity.MODERATE: _("Moderate"),
            Severity.SEVERE: _("Severe")}


def duration_labels() -> dict[Duration, str]:
    return {Duration.UNDER_1: _("Under 1 min"), Duration.ONE_TO_10: _("1–10 min"),
            Duration.OVER_10: _("Over 10 min")}


def when_labels() -> dict[When, str]:
    return {When.LAST_NIGHT: _("Last night"), When.EARLIER_TODAY: _("Earlier today"),
            When.JUST_NOW: _("Just now")}


def trigger_labels() -> dict[Trigger, str]:
    return {
        Trigger.EXERCISE: _("🏃 Exercise"), Trigger.HEAT: _("☀️ Heat"),
        Trigger.LITTLE_WATER: _("💧 Little water"), Trigger.ALCOHOL: _("🍷 Alcohol"),
        Trigger.NEW_MEDICINE: _("💊 New medicine"), Trigger.LONG_STANDING: _("🧍 Long standing"),
        Trigger.PREGNANCY: _("🤰 Pregnancy"),
    }


def step_questions() -> dict[Step, str]:
    return {
        Step.MUSCLE: _("Where was the cramp?"),
        Step.SEVERITY: _("How bad was it?"),
        Step.DURATION: _("How long did it last?"),
        Step.WHEN: _("When was it?"),
    }


def button_sos() -> str:
    return _("🆘 Cramp now")


def button_log() -> str:
    return _("📝 Log a cramp")


def button_cancel() -> str:
    return _("✖️ Cancel")


def button_undo() -> str:
    return _("↩️ Undo")


def button_done() -> str:
    return _("✅ Done")


def button_delete() -> str:
    return _("🗑 Delete")


def button_woke() -> str:
    return _("😴 It woke me up")


def button_safety_yes() -> str:
    # Translators: the answer to "Is the calf also swollen, warm or red?".
    return _("Yes, it is")


def button_safety_no() -> str:
    # Translators: the answer to "Is the calf also swollen, warm or red?".
    return pgettext("answer", "No")


def button_checkin_no() -> str:
    return _("🌙 No cramps")


def button_checkin_yes() -> str:
    return _("📝 Yes, log it")


CHECKED, UNCHECKED = "✅", "⬜"


def choice_label(choice: Muscle | Severity | Duration | When) -> str:
    """The button label for one answer of a logging step."""
    if isinstance(choice, Muscle):
        return muscle_labels()[choice]
    if isinstance(choice, Severity):
        return severity_labels()[choice]
    if isinstance(choice, Duration):
        return duration_labels()[choice]
    return when_labels()[choice]


def sos_log_button(muscle: Muscle) -> str:
    # Translators: {muscle} is a lower-cased muscle label such as "calf".
    return _("📝 Log it: {muscle}").format(muscle=muscle_labels()[muscle].lower())


def woke_button(entry: CrampEntry) -> str:
    return f"{CHECKED if entry.woke_up else UNCHECKED} {button_woke()}"


def trigger_button(entry: CrampEntry, trigger: Trigger) -> str:
    return f"{CHECKED if trigger in entry.triggers else UNCHECKED} {trigger_labels()[trigger]}"


def span_label(first: date, last: date) -> str:
    """'2–8 Mar', '23 Feb – 1 Mar', '29 Dec 2025 – 4 Jan 2026' (bot.ui.formats)."""
    return formats.span_label(first, last)


# ------------------------------------------------------------------ /sos

def sos_warning(same_day: str, emergency: str) -> str:
    """The first line of /sos: the two signs that are no cramp, each with its ladder step.
    The placeholders are the ladder's advice sentences (tips/data/urgency.toml)."""
    # Translators: {same_day} and {emergency} are whole sentences of advice, e.g. "Get
    # medical help the same day." and "Call emergency services now."
    return _("⚠️ <b>A calf that is swollen, warm or red is not a cramp to rub. {same_day} "
             "Breathlessness or chest pain is not a cramp either. {emergency}</b>").format(
        same_day=same_day, emergency=emergency)


def sos_steps() -> dict[Muscle, str]:
    return {
        Muscle.CALF: _(
            "<b>Calf</b>: straighten the leg and pull the top of your foot towards your face. "
            "Or stand up, put your weight on that leg and press the heel down, knee slightly "
            "bent. Then rub the muscle firmly."
        ),
        Muscle.FOOT: _(
            "<b>Foot</b>: pull your toes up towards your shin, or stand and press the foot "
            "flat on the floor and walk a few steps. Rub the sole."
        ),
        Muscle.THIGH: _(
            "<b>Front of thigh</b>: hold a chair for balance and pull the foot on that side up "
            "towards your bottom. Rub the muscle."
        ),
        Muscle.HAMSTRING: _(
            "<b>Back of thigh</b>: sit with the leg straight and pull your toes towards you, "
            "or stand and put your weight on that leg. Rub the muscle."
        ),
        Muscle.HAND: _(
            "<b>Hand</b>: gently open the hand and straighten the fingers, pressing the palm "
            "flat on a table. Rub the palm and the base of the thumb."
        ),
    }


def sos_after() -> str:
    return _(
        "<b>Afterwards</b>: warmth (a warm towel or shower) for a muscle that stays tight, or "
        "ice wrapped in a cloth for soreness. Most cramps pass within a few minutes; the "
        "muscle can feel sore for up to a day."
    )


def sos_footer() -> str:
    return _("Log it below when you can: a diary shows what helps and what changes.")


def sos(causes: Causes) -> str:
    """/sos: one message, warning first, no question asked before the help.

    The 10-minute limit stands right under the first aid, where someone mid-cramp looks.
    """
    warning = sos_warning(same_day=level_advice(causes, "same-day", None),
                          emergency=level_advice(causes, "emergency", None))
    parts = (warning, _("🆘 <b>Ease the cramp now</b>"), *sos_steps().values(),
             long_cramp_warning(causes), sos_after(), sos_footer())
    return "\n\n".join(parts)


def long_cramp_warning(causes: Causes) -> str:
    """The 10-minute sign and its ladder step: on /sos and under any cramp logged "over 10"."""
    return f"⏱ <b>{sign_advice(causes, 'long-cramp')}</b>"


# The warning signs a new medicine can bring, most urgent first (ids in causes.toml).
NEW_MEDICINE_SIGNS = ("statin", "muscle-breakdown", "new-medicine")


def new_medicine_advice(causes: Causes) -> str:
    """What to do, and how soon, when cramps began with a new medicine: the /causes signs."""
    lines = [_("💊 <b>Cramps or muscle pain that began with a new medicine</b>")]
    lines += [f"• {sign_advice(causes, sign_id)}" for sign_id in NEW_MEDICINE_SIGNS]
    return "\n".join(lines)


def urgent_advice(causes: Causes, emergency_number: str | None) -> str:
    """The answer to "yes, the calf is swollen, warm or red", sent at once.

    `emergency_number` comes from the person's time zone (tips.reference); None when the
    zone does not say the country, and then the sentence names no number. Both steps are
    the ladder's own sentences: the blood-clot sign's and the chest sign's.
    """
    same_day = level_advice(causes, causes.sign("blood-clot").level, None)
    chest = level_advice(causes, causes.sign("chest").level, emergency_number)
    return (
        f"🚨 <b>{same_day}</b>\n\n"
        + _("A calf that is swollen, warm or red as well as painful can be a sign of a blood "
            "clot, which is treatable but should not wait. Don't rub or massage it.") + "\n\n"
        + _("• Ask for an urgent appointment with your doctor, or call your local urgent "
            "medical advice line.") + "\n"
        # Translators: {advice} is a whole sentence such as "Call 112 now."
        + _("• Breathless as well, or pain in your chest? <b>{advice}</b>").format(
            advice=chest) + "\n\n"
        + _("I can't examine you or diagnose anything; a doctor can.")
    )


# ------------------------------------------------------------------ logging

def step_prompt(ask: Ask) -> str:
    """'📝 Log a cramp · 2 of 4' and the question, with what is chosen so far."""
    chosen = [choice_label(v) for v in (ask.draft.muscle, ask.draft.severity,
                                        ask.draft.duration, ask.draft.when) if v is not None]
    so_far = f"\n<i>{' · '.join(chosen)}</i>" if chosen else ""
    # Translators: {step} is the number of this question, {total} how many there are (4).
    head = _("📝 <b>Log a cramp</b> · {step} of {total}").format(
        step=ask.taps_so_far + 1, total=4)
    return f"{head}{so_far}\n\n{step_questions()[ask.step]}"


def entry_line(entry: CrampEntry) -> str:
    """'Mon 2 Mar, night · Calf · severe · 1–10 min · woke me · 🏃 Exercise'."""
    if entry.period is Period.NIGHT:
        # Translators: {day} is a date such as "Mon 2 Mar"; the cramp came at night.
        when = _("{day}, night").format(day=day_label(entry.local_date))
    else:
        # Translators: {day} is a date such as "Mon 2 Mar"; the cramp came by day.
        when = _("{day}, day").format(day=day_label(entry.local_date))
    bits = [when, muscle_labels()[entry.muscle],
            severity_labels()[entry.severity].lower(), duration_labels()[entry.duration]]
    if entry.woke_up:
        bits.append(_("woke me"))
    labels = trigger_labels()
    bits.extend(labels[t] for t in Trigger if t in entry.triggers)
    return " · ".join(bits)


def entry_saved(entry: CrampEntry, *, safety_pending: bool, warning: str | None = None,
                note: str | None = None) -> str:
    """The summary after the fourth tap: a warning (e.g. the 10-minute sign) right under
    the entry, then the safety question when it applies, else `note` or the extras hint."""
    # Translators: {entry} is e.g. "Mon 2 Mar, night · Calf · severe · 1–10 min".
    parts = [_("✅ <b>Logged</b>: {entry}").format(entry=entry_line(entry))]
    if warning:
        parts.append(warning)
    if safety_pending:
        parts.append(safety_question())
    else:
        parts.append(note or extras_hint())
    return "\n\n".join(parts)


def extras_hint() -> str:
    return _("Optional: did it wake you, and did anything come before it? Tap to add.")


def safety_question() -> str:
    return _("❓ <b>Is the calf also swollen, warm or red?</b>")


def safety_no(causes: Causes) -> str:
    """After "No": the blood-clot sign stays a sign, with its ladder step."""
    # Translators: {advice} is a whole sentence such as "Get medical help the same day."
    return (_("Thank you. If the calf becomes swollen, warm or red later, that is a warning "
              "sign. {advice}").format(
                advice=level_advice(causes, causes.sign("blood-clot").level, None))
            + f"\n\n{extras_hint()}")


def entry_undone() -> str:
    return _("↩️ Undone: that cramp is not in your diary.")


def entry_deleted() -> str:
    return _("🗑 Deleted from your diary.")


def entry_gone() -> str:
    """A button for an entry that was deleted, expired, or was never this chat's."""
    return _("That entry is no longer in your diary. /diary shows what is.")


def draft_cancelled() -> str:
    return _("Nothing logged. /cramp starts again.")


def private_only(command: str) -> str:
    # Translators: {command} is a command name such as "cramp" (after a slash).
    return _("🔒 The cramp diary is private: open a private chat with me and send "
             "/{command} there.").format(command=command)


def diary_list(entries: Sequence[CrampEntry], total: int) -> str:
    """/diary: the latest entries, newest first, and what the buttons below do."""
    if not entries:
        return (_("📔 <b>Your cramp diary</b> is empty.") + "\n\n"
                + _("/cramp logs a cramp in four taps; /sos helps during one."))
    lines = "\n".join(f"• {entry_line(e)}" for e in entries)
    older = total - len(entries)
    more = "\n" + ngettext("…and {count} older.", "…and {count} older.", older).format(
        count=formats.number(older)) if older > 0 else ""
    head = ngettext("📔 <b>Your cramp diary</b> ({count} entry)",
                    "📔 <b>Your cramp diary</b> ({count} entries)", total).format(
        count=formats.number(total))
    return (f"{head}\n\n{lines}{more}\n\n"
            + _("Tap 🗑 under an entry to delete it. /export sends everything as CSV."))


# ------------------------------------------------------------------ prompts

def checkin_question(night_of: date) -> str:
    # Translators: {night} is the date of last night, e.g. "Sat 28 Nov".
    return _("🌅 Good morning. Any cramps last night ({night})?").format(
        night=day_label(night_of))


def checkin_recorded(answer: CheckInAnswer) -> str:
    if answer is CheckInAnswer.NO_CRAMPS:
        return _("🌙 Noted: a night without cramps. Quiet nights count too.")
    return _("📝 Let's log it.")


def checkin_night_has_cramps(night_of: date) -> str:
    """"No cramps" pressed for a night the diary already has a cramp for."""
    return _("📝 Your diary already has a cramp for last night ({night}), so I kept it as "
             "a night with cramps. Anything else to add? Log it below, or leave it as it "
             "is.").format(night=day_label(night_of))


def button_log_another() -> str:
    return _("📝 Log another cramp")


def checkin_too_old() -> str:
    return _("That question is from an earlier morning, so I didn't record it.")


def evening_stretch() -> str:
    """The one-minute stretch (NHS calf stretch; seated hamstring stretch), own words."""
    return (
        _("🧘 <b>One-minute stretch before bed</b>") + "\n\n"
        + _("1. <b>Calves</b> (30 s): stand facing a wall, arms straight, hands on the wall, "
            "feet flat on the floor. Lean in until you feel the stretch in your calves, hold "
            "for a few seconds, stand straight again, repeat.") + "\n"
        + _("2. <b>Backs of thighs</b> (15 s each leg): sit on the front edge of a chair, one "
            "leg straight out with the heel on the floor. Sit tall and lean forward from the "
            "hips until you feel a gentle pull behind the thigh. Hold, then swap.") + "\n\n"
        + _("A gentle pull, never pain. This is a short version: the NHS suggests calf "
            "stretches for 5 minutes, 3 times a day, the last one just before bed. Regular "
            "stretching may make night cramps less frequent.")
    )


def _prompt_states(checkin: str | None, stretch: str | None) -> list[str]:
    """Which prompts are on, one line each."""
    return [
        _("🌅 Morning check-in: at {time}").format(time=checkin) if checkin
        else _("🌅 Morning check-in: off"),
        _("🧘 Evening stretch: at {time}").format(time=stretch) if stretch
        else _("🧘 Evening stretch: off"),
    ]


def _quiet_hours() -> str:
    return _("No prompts between 22:00 and 07:00 unless you pick such a time, and never more "
             "than three scheduled messages a day, your daily tip included.")


def prompts_explained(checkin: str | None, stretch: str | None) -> str:
    """The diary settings line: which prompts are on, and the quiet-hours promise."""
    return "\n".join([*_prompt_states(checkin, stretch), _quiet_hours()])


def retention_line(months: int) -> str:
    return ngettext("🗓 Entries older than {months} month are deleted automatically.",
                    "🗓 Entries older than {months} months are deleted automatically.",
                    months).format(months=months)


# ------------------------------------------------------------------ rules

def rule_sentence(key: str, week: WeekStats, previous: WeekStats | None) -> str:
    """Each rule says what it saw and states itself; its ladder advice follows it."""
    if key == "rule_over_10_min":
        return _("⏱ A cramp lasted over 10 minutes this week. <i>Rule: any cramp over 10 "
                 "minutes is worth showing a doctor.</i>")
    if key == "rule_severe":
        return _("😣 You marked a cramp as severe this week. <i>Rule: cramps that cause "
                 "severe pain are worth showing a doctor.</i>")
    if key == "rule_frequent_nights":
        last = previous.times_with_cramps if previous else 0
        # Translators: {count} is this week's number of nights or days with cramps, {last}
        # last week's.
        return ngettext(
            "🌙 Cramps on {count} night or day this week and {last} last week. "
            "<i>MagDaily's rule of thumb (no guideline gives a number): cramps on 3 or more "
            "nights or days a week, two weeks running, are worth talking over with a "
            "doctor.</i>",
            "🌙 Cramps on {count} nights or days this week and {last} last week. "
            "<i>MagDaily's rule of thumb (no guideline gives a number): cramps on 3 or more "
            "nights or days a week, two weeks running, are worth talking over with a "
            "doctor.</i>",
            week.times_with_cramps).format(count=week.times_with_cramps, last=last)
    if key == "rule_sleep_disturbed":
        return ngettext(
            "😴 Cramps woke you on {count} night this week. <i>MagDaily's rule of thumb (no "
            "guideline gives a number): cramps that disturb your sleep on 3 or more nights a "
            "week are worth talking over with a doctor.</i>",
            "😴 Cramps woke you on {count} nights this week. <i>MagDaily's rule of thumb (no "
            "guideline gives a number): cramps that disturb your sleep on 3 or more nights a "
            "week are worth talking over with a doctor.</i>",
            week.disturbed_nights).format(count=week.disturbed_nights)
    if key == "rule_new_medicine":
        return _("💊 You tagged “new medicine” this week. <i>Rule: some medicines can cause "
                 "cramps or muscle pain, and some of that needs help soon.</i>")
    raise KeyError(key)


def rule_advice(causes: Causes, key: str) -> str:
    """What to do after a fired rule, from the ladder (the new-medicine signs for that rule)."""
    if key == "rule_new_medicine":
        return new_medicine_advice(causes)
    return level_advice(causes, RULE_LEVELS[key], None)


def doctor_suggestion() -> str:
    return _("🩺 Consider showing your diary to a doctor: /report makes a summary "
             "to take along. I can't diagnose; they can look for a cause.")


def no_rule() -> str:
    return _("No rule fired this week. That doesn't rule anything out: /causes lists the "
             "warning signs.")


def not_a_diagnosis() -> str:
    return _("I record and summarise; I don't diagnose.")


# ------------------------------------------------------------------ weekly picture

def chart_title() -> str:
    return _("Nights with cramps, week by week")


def chart_y_axis() -> str:
    # Translators: the chart's vertical axis: the number of nights with cramps.
    return _("nights")


def chart_x_axis() -> str:
    # Translators: the chart's horizontal axis: each bar is labelled with the date its week
    # starts on.
    return _("week starting")


def week_label(start: date) -> str:
    """'3 Mar': the Monday a week starts on, in the reader's locale."""
    return formats.short_date(start)


def week_labels(series: Series) -> tuple[str, ...]:
    """Each week's label for the chart and the text bars, oldest first."""
    return tuple(week_label(start) for start in series.starts)


def chart_caption(series: Series) -> str:
    """The PNG's caption: the same numbers as the bars, oldest week first."""
    weeks = len(series.values)
    numbers = " · ".join(formats.number(v) for v in series.values)
    # Translators: {title} is "Nights with cramps, week by week"; {first} and {last} dates
    # such as "3 Mar"; {numbers} the counts, oldest week first.
    return ngettext("{title} ({weeks} week, {first} – {last}): {numbers}",
                    "{title} ({weeks} weeks, {first} – {last}): {numbers}", weeks).format(
        title=chart_title(), weeks=weeks, first=week_label(series.starts[0]),
        last=week_label(series.starts[-1]), numbers=numbers)


def _counts(counts: dict[Severity, int]) -> str:
    labels = severity_labels()
    return " · ".join(f"{labels[s].lower()} {formats.number(counts[s])}" for s in Severity)


def days_with_daytime_cramps(days: int, last_week: int | None = None) -> str:
    """The count is of days (two cramps one afternoon are one day), so the label says so."""
    if last_week is None:
        return _("Days with daytime cramps: {days}").format(days=days)
    return _("☀️ Days with daytime cramps: {days} ({last_week})").format(
        days=days, last_week=last_week)


def weekly_summary(picture: WeeklyPicture, bars: Series, causes: Causes,
                   food: FoodWeek | None = None, days: WeekDays | None = None) -> str:
    """The Sunday message: this week against last, the bars, the rules, the logged
    foods' magnesium estimate when something was logged this week, and the week's days
    side by side."""
    this, last = picture.this_week, picture.last_week
    # Translators: {span} is a span of dates such as "2–8 Mar".
    lines = [_("📊 <b>Your cramp week</b>, {span}").format(span=span_label(this.start, this.end)),
             _("<i>(last week in brackets)</i>"), ""]
    if this.entries == 0:
        lines.append(_("No cramps logged this week."))
    # Translators: in the four lines below, the number in brackets is last week's.
    lines += [
        _("🌙 Nights with cramps: <b>{count}</b> ({last})").format(
            count=this.nights_with_cramps, last=last.nights_with_cramps),
        days_with_daytime_cramps(this.days_with_cramps, last.days_with_cramps),
        _("✅ Check-ins answered: {count} of {days} ({last} of {last_days})").format(
            count=this.checkins_answered, days=this.days, last=last.checkins_answered,
            last_days=DAYS_PER_WEEK),
        _("😴 Nights a cramp woke you: {count} ({last})").format(
            count=this.disturbed_nights, last=last.disturbed_nights),
    ]
    if food is not None:
        lines.append(food_week(food))
    if this.entries:
        lines.append(_("📈 Severity: {counts}").format(counts=_counts(this.severity)))
        if this.longest is not None:
            lines.append(_("⏱ Longest: {duration}").format(
                duration=duration_labels()[this.longest]))
        if this.top_muscle is not None:
            lines.append(_("💪 Most often: {muscle}").format(
                muscle=muscle_labels()[this.top_muscle].lower()))
        if this.top_triggers:
            labels = trigger_labels()
            tags = ", ".join(labels[t] for t in this.top_triggers)
            lines.append(_("🏷 Tagged most: {tags}").format(tags=tags))
    lines += ["", f"<code>{text_bars(bars, week_labels(bars))}</code>", ""]
    if days is not None:
        lines += [*days_block(days), ""]
    if picture.rules:
        for key in picture.rules:
            lines += [rule_sentence(key, this, last), rule_advice(causes, key)]
        lines += ["", doctor_suggestion()]
    else:
        lines += [no_rule(), not_a_diagnosis()]
    return "\n".join(lines)


# ------------------------------------------------------------------ /report

def report_usage() -> str:
    choices = ", ".join(str(w) for w in REPORT_WEEKS)
    # Translators: {choices} is a list of numbers such as "4, 8, 12".
    return _("Choose {choices} weeks, for example: /report 8").format(choices=choices)


def report_text(report: Report, food: FoodWeek | None = None) -> str:
    """The doctor report as a message; the PNGs and the CSV carry the same numbers. The
    last week's days stand side by side (with its logged foods' estimate, if any), and
    every week gets the same counts in one line."""
    durations, muscles, triggers = duration_labels(), muscle_labels(), trigger_labels()
    muscle_counts = " · ".join(f"{muscles[m].lower()} {n}"
                               for m, n in report.muscles.items() if n)
    trigger_counts = " · ".join(f"{triggers[t]} {n}" for t, n in report.triggers.items() if n)
    weeks = len(report.weeks)
    lines = [
        # Translators: {span} is a span of dates such as "2 Feb – 1 Mar".
        ngettext("🩺 <b>Cramp diary report</b>, {weeks} week: {span}",
                 "🩺 <b>Cramp diary report</b>, {weeks} weeks: {span}", weeks).format(
            weeks=weeks, span=span_label(report.first_day, report.last_day)),
        "",
        _("Cramps logged: {count}").format(count=report.entries),
        _("Nights with cramps: {count}").format(count=report.nights_with_cramps),
        days_with_daytime_cramps(report.days_with_cramps),
        _("Nights sleep was disturbed: {count}").format(count=report.disturbed_nights),
        _("Severity: {counts}").format(counts=_counts(report.severity)),
        _("Duration: {counts}").format(counts=" · ".join(
            f"{durations[d]} {report.durations[d]}" for d in Duration)),
        _("Muscles: {counts}").format(counts=muscle_counts) if muscle_counts
        else _("Muscles: none"),
        _("Tagged: {counts}").format(counts=trigger_counts) if trigger_counts
        else _("Tagged: nothing"),
        # Translators: {percent} is a percentage such as "86%".
        _("Record coverage: {recorded} of {nights} nights ({percent}), {checkins} morning "
          "check-ins").format(recorded=report.nights_recorded, nights=report.nights_in_period,
                              percent=formats.percent(report.coverage_percent),
                              checkins=report.checkins_answered),
        "",
        _("<b>Week by week</b> (nights with cramps / cramps logged / check-ins):"),
    ]
    lines += [f"{week_label(w.start)}: {w.nights_with_cramps} / {w.entries} / "
              f"{w.checkins_answered}" for w in report.weeks]
    if report.rules:
        lines += ["", _("<b>Rules that fired</b> (weeks starting):")]
        for key, name in rule_names().items():
            starts = [week_label(start) for start, fired in report.rules if fired == key]
            if starts:
                lines.append(f"• {name}: {', '.join(starts)}")
    if report.days:
        lines += ["", _("<b>Side by side, week by week</b> (🌙 nights with cramps · "
                        "cramp-free nights · 💧 days water logged · 🍽 magnesium from logged "
                        "foods · 🧘 days stretched):")]
        lines += [report_week_line(week) for week in report.days]
        lines += ["", *days_block(report.days[-1])]
        if food is not None:
            lines.append(food_week(food))
    lines += ["", _("Self-recorded by the patient with MagDaily; not a diagnosis.")]
    return "\n".join(lines)


def rule_names() -> dict[str, str]:
    return {
        "rule_over_10_min": _("a cramp over 10 minutes"),
        "rule_severe": _("a cramp marked severe"),
        "rule_frequent_nights": _("cramps on 3+ nights or days a week, two weeks running"),
        "rule_sleep_disturbed": _("sleep disturbed on 3+ nights in a week"),
        "rule_new_medicine": _("“new medicine” tagged"),
    }


# ------------------------------------------------------------------ privacy and export

def about_diary() -> str:
    return _(
        "📔 <b>The cramp diary</b> stores, for each cramp you log: where, how bad, how long, "
        "when (night or day and the date), whether it woke you, the tags you chose, your "
        "answer to the swollen/warm/red question, and when you logged it. Morning check-ins "
        "store the night and your answer; the evening stretch, the days you marked it done; "
        "the water and food logs, each glass and food with its date, and your hot days. "
        "Nothing else: no free text. Entries older than your retention (12 months unless you "
        "choose) are deleted automatically; /forget deletes them all at once, /export sends "
        "you everything. Admins only ever see counts."
    )


def export_caption(kind: str) -> str:
    captions = {
        "entries": _("📔 Your cramp diary (CSV, one row per cramp)."),
        "checkins": _("🌅 Your morning check-ins (CSV)."),
        "settings": _("⚙️ Your settings and /need profile (CSV)."),
        "water": _("💧 Your water log (CSV, one row per glass)."),
        "food": _("🍽 Your food log (CSV, one row per serving)."),
        "stretches": stretches_caption(),
        "report": _("🩺 The report's week-by-week numbers (CSV)."),
    }
    return captions[kind]


# Wiring — commands, settings panel, prompts, counts


def diary_start_first() -> str:
    return _(
        "📔 The cramp diary belongs to your subscription, so /forget can delete it with "
        "everything else. Send /start first (one tap), then /cramp."
    )


def button_chart() -> str:
    return _("📊 Chart")


def button_checkin_time() -> str:
    return _("🌅 Check-in time")


def button_stretch_time() -> str:
    return _("🧘 Stretch time")


def button_off() -> str:
    # Translators: a button that turns a daily prompt off.
    return pgettext("prompt", "Off")


def checkin_time_prompt() -> str:
    return _("🌅 When should I ask “Any cramps last night?” Your local time; "
             "“Off” stops the question.")


def stretch_time_prompt() -> str:
    return _("🧘 When should I send the one-minute evening stretch? Your local "
             "time; “Off” stops it.")


def chart_no_diary() -> str:
    return _("There is no diary to draw yet. /cramp logs a cramp.")


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


def weekly_button(enabled: bool) -> str:
    return f"{CHECKED if enabled else UNCHECKED} " + _("📊 Weekly picture")


def retention_button(months: int) -> str:
    return ngettext("🗓 Keep {months} month", "🗓 Keep {months} months", months).format(
        months=months)


def _diary_settings(settings: DiarySettings | None) -> list[str]:
    """The diary settings, one line each, without the quiet-hours promise."""
    if settings is None:
        return [*_prompt_states(None, None), _("📊 Weekly picture: on"), retention_line(12)]

    def hhmm(at: time | None) -> str | None:
        return formats.clock(at) if at else None

    weekly = (_("📊 Weekly picture: on (Sundays at your daily tip time)")
              if settings.weekly_enabled else _("📊 Weekly picture: off"))
    return [*_prompt_states(hhmm(settings.checkin_time), hhmm(settings.stretch_time)),
            weekly, retention_line(settings.retention_months)]


def diary_settings_lines(settings: DiarySettings | None) -> str:
    """The settings under /diary: prompts, weekly picture, retention."""
    lines = _diary_settings(settings)
    return "\n".join([*lines[:2], _quiet_hours(), *lines[2:]])


def diary_screen(entries: Sequence[CrampEntry], total: int,
                 settings: DiarySettings | None) -> str:
    return (f"{diary_list(entries, total)}\n\n" + _("<b>Settings</b>")
            + f"\n{diary_settings_lines(settings)}")


def entry_delete_button(entry: CrampEntry, zone: tzinfo) -> str:
    """Two cramps of one muscle on one day must not give two identical buttons: the
    label adds when it was logged (in the person's zone), how bad and how long."""
    return _("🗑 Delete {day} {time} · {muscle} · {severity} · {duration}").format(
        day=day_label(entry.local_date), time=formats.clock(entry.logged_at.astimezone(zone)),
        muscle=muscle_labels()[entry.muscle],
        severity=severity_labels()[entry.severity].lower(),
        duration=duration_labels()[entry.duration])


def diary_counts(counts: DiaryCounts) -> str:
    """/mydata's diary part: how much is stored and the settings, never the entries."""
    lines = ["", _("<b>Your cramp diary</b>"),
             _("• Cramps logged: {count}").format(count=formats.number(counts.entries)),
             _("• Morning check-ins answered: {count}").format(
                 count=formats.number(counts.checkins)),
             stretches_marked(counts.stretches)]
    if counts.settings is not None:
        lines += [f"• {line}" for line in _diary_settings(counts.settings)]
    lines.append(_("/diary shows the entries, /export sends them as CSV."))
    return "\n".join(lines)


def diary_stats(people: int, recent_entries: int) -> str:
    """/stats: aggregate counts only, never an entry (entries logged in the last 7 days,
    a rolling window, not the calendar week)."""
    keepers = "1 person keeps one" if people == 1 else f"{people:,} people keep one"
    entries = "1 entry" if recent_entries == 1 else f"{recent_entries:,} entries"
    return f"Cramp diary: {keepers} · {entries} in the last 7 days"



# ------------------------------------------------------------------ language
# The languages are offered in their own names, never translated: a reader who cannot
# read the current language must still find theirs.

def language_names() -> dict[str, str]:
    """Each bot.core.i18n locale by its own name, in the order the buttons show them."""
    return {"en": "English", "ru": "Русский", "es": "Español", "pt-BR": "Português (Brasil)"}


def button_language() -> str:
    return _("🌐 Language")


def language_question() -> str:
    return _("🌐 Which language should MagDaily write to you in?")


def language_chosen() -> str:
    """The answer to a choice, already in the chosen language."""
    return _("✅ MagDaily writes to you in English from now on: tips, warning signs, the "
             "diary and the command menu.")


# ------------------------------------------------------------------ the water log

def button_water_add() -> str:
    return _("💧 +1 glass")


def button_water_settings() -> str:
    return _("⚙️ Glass size and target")


def button_water_back() -> str:
    return _("💧 Back to today")


def water_glass_label(glass: str) -> str:
    """A glass size choice by its stored code ('ml200', 'ml250', 'ml300', 'cup')."""
    if glass == "cup":
        return _("US cup (8 fl oz)")
    # Translators: {ml} is a number of millilitres, e.g. "250".
    return _("{ml} ml").format(ml=formats.number(int(glass.removeprefix("ml"))))


def water_target_label(target: int | None) -> str:
    if target is None:
        return _("No target")
    return ngettext("{target} glass a day", "{target} glasses a day", target).format(
        target=formats.number(target))


def water_count(day: WaterDay) -> str:
    """The day's count, with the person's own target beside it where they set one."""
    count, ml = formats.number(day.glasses), formats.number(day.ml)
    if day.glass == "cup":
        if day.target is None:
            text = ngettext("💧 {count} cup today (about {ml} ml)",
                            "💧 {count} cups today (about {ml} ml)", day.glasses)
        else:
            text = ngettext("💧 {count} cup today (about {ml} ml) · your target: {target}",
                            "💧 {count} cups today (about {ml} ml) · your target: {target}",
                            day.glasses)
    elif day.target is None:
        text = ngettext("💧 {count} glass today ({ml} ml)",
                        "💧 {count} glasses today ({ml} ml)", day.glasses)
    else:
        text = ngettext("💧 {count} glass today ({ml} ml) · your target: {target}",
                        "💧 {count} glasses today ({ml} ml) · your target: {target}",
                        day.glasses)
    return text.format(count=count, ml=ml, target=formats.number(day.target or 0))


def water_caution() -> str:
    """Shown wherever a target is set: a number is not for everyone, and more is not better."""
    return _("⚠️ With heart or kidney disease, or a fluid limit from your doctor, ask them "
             "before aiming for any number. Drinking far more than your thirst asks for is "
             "not better: too much water can lower the sodium in your blood.")


def water_day(day: WaterDay) -> str:
    """/water's answer and the +1 glass answer: the count, and the caution with a target."""
    lines = [water_count(day)]
    if day.undone is not None and day.undone != day.day:
        lines.insert(0, _("↩️ One glass removed from {day}.").format(
            day=formats.day_label(day.undone)))
    elif day.undone is not None:
        lines.insert(0, _("↩️ One glass removed."))
    if day.target is not None:
        lines.append(water_caution())
    return "\n".join(lines)


def water_settings(day: WaterDay) -> str:
    """The settings view: what is chosen now, and how the choices work."""
    lines = [_("<b>Water log settings</b>"),
             _("Glass size: {size}").format(size=water_glass_label(day.glass)),
             _("Daily target: {target}").format(target=water_target_label(day.target)),
             _("Pick a glass size, and a daily target of your own if you want one. "
               "Your thirst is a good guide on most days."),
             water_nudge_settings(day)]
    if day.target is not None:
        lines.append(water_caution())
    return "\n".join(lines)


def water_already_undone() -> str:
    return _("That glass is already removed.")


def water_saved() -> str:
    return _("✅ Saved.")


def water_private_only() -> str:
    return _("🔒 The water log is private: open a private chat with me and send /water "
             "there.")


def water_start_first() -> str:
    return _("💧 The water log belongs to your subscription, so /forget can delete it with "
             "everything else. Send /start first (one tap), then /water.")


def water_counts(counts: WaterCounts) -> str:
    """/mydata's water part: how many glasses are stored and the settings, never the log."""
    lines = ["", _("<b>Your water log</b>"),
             _("• Glasses logged: {count}").format(count=formats.number(counts.glasses))]
    if counts.settings is not None:
        lines += [_("• Glass size: {size}").format(
                      size=water_glass_label(counts.settings.glass)),
                  _("• Daily target: {target}").format(
                      target=water_target_label(counts.settings.target))]
    lines.append(water_nudge_counts(counts))
    lines.append(_("/export sends every glass as CSV; /forget deletes them."))
    return "\n".join(lines)


# -- the afternoon water nudge and hot days

def button_water_hot() -> str:
    return _("🔥 Hot day / 🏃 training")


def button_water_nudge(turn_on: bool) -> str:
    return _("🔔 Turn on the afternoon reminder") if turn_on else \
        _("🔕 Turn off the afternoon reminder")


def button_water_from_settings() -> str:
    return _("💧 Water log and reminder")


def water_nudge_settings(day: WaterDay) -> str:
    """The settings view's lines on the nudge: on or off, when it comes, and when not."""
    state = (_("🔔 Afternoon reminder: on") if day.nudge
             else _("🔕 Afternoon reminder: off"))
    # Translators: {time} is a local time such as "15:00".
    rule = _("It is one short message at {time}, only on a day with no glass logged by "
             "then, and never within 3 hours of your evening stretch or of 22:00. "
             "🔥 Hot day / 🏃 training on the morning check-in, or /water hot, turns it on "
             "for that day.").format(time=formats.clock(day.nudge_at))
    lines = [state, rule]
    if day.nudge and not day.nudge_room:
        lines.append(_("ℹ️ Your daily tip, morning check-in and evening stretch already take "
                       "the three scheduled messages a day, so this reminder does not come "
                       "while all three are on."))
    return "\n".join(lines)


def water_nudge() -> str:
    """The afternoon nudge itself: short and kind, never a scolding."""
    return _("💧 An afternoon reminder: a glass of water, if you feel like one? Tap below "
             "when you have had it.")


def water_hot_day(nudge_at: datetime | None) -> str:
    """The answer to 🔥 Hot day / 🏃 training and /water hot (NHS and ACSM-style advice on
    drinking around heat and exercise), with when today's reminder comes if it does."""
    lines = [_("🔥 Noted for today. On a hot or training day, drink some water before you "
               "start, sip during it and drink again afterwards; thirst and pale yellow "
               "urine are good guides. With heart or kidney disease, or a fluid limit from "
               "your doctor, follow their advice instead.")]
    if nudge_at is not None:
        # Translators: {time} is a local time such as "15:00".
        lines.append(_("🔔 If no glass is logged by {time}, I will send one reminder "
                       "then.").format(time=formats.clock(nudge_at.time())))
    return "\n".join(lines)


def water_usage() -> str:
    """/water with words it does not know: the two forms it takes."""
    return _("💧 /water logs one glass for today. /water hot marks today as a hot or "
             "training day.")


def water_nudge_counts(counts: WaterCounts) -> str:
    """/mydata's lines on the nudge setting and the hot days (a count, never the dates)."""
    on = counts.settings is not None and counts.settings.nudge
    return "\n".join([
        _("• Afternoon reminder: on") if on else _("• Afternoon reminder: off"),
        _("• Hot or training days: {count}").format(count=formats.number(counts.hot_days))])


def water_stats(people: int) -> str:
    """/stats: a count of people only, never a glass. admin: English only."""
    keepers = "1 person keeps one" if people == 1 else f"{people:,} people keep one"
    return f"Water log: {keepers}"


# ------------------------------------------------------------------ the food log

def button_food_ate() -> str:
    return _("🍽 I ate this")


def food_logged(food: Food) -> str:
    """The answer to "I ate this" and /ate: what was logged, for which day, and its figure."""
    # Translators: {food} is a food's label such as "Almonds, dry roasted", {serving} an
    # amount such as "1 oz (28 g)".
    return _("🍽 Logged for today: 1 serving of <b>{food}</b> ({serving}), {mg} mg of "
             "magnesium.").format(food=escape(food.label), serving=escape(food.serving),
                                  mg=formats.number(food.mg))


def food_undone(food: Food) -> str:
    return _("↩️ Removed: 1 serving of {food}.").format(food=escape(food.label))


def food_already_undone() -> str:
    return _("That entry is already removed.")


def food_private_only() -> str:
    return _("🔒 The food log is private: open a private chat with me and send /ate there.")


def food_start_first() -> str:
    return _("🍽 The food log belongs to your subscription, so /forget can delete it with "
             "everything else. Send /start first (one tap), then /ate.")


def ate_usage() -> str:
    return _("🍽 Tell me what you ate, e.g. <code>/ate {example}</code>. /foods lists every "
             "food I know.").format(example=escape(example_food()))


def ate_unknown(query: str, suggestions: list[Food]) -> str:
    """(The suggestions also come as buttons that log, see keyboards.ate_choices.)"""
    names = ", ".join(escape(food.name) for food in suggestions)
    example = suggestions[0].name if suggestions else example_food()
    # Translators: {query} is what the reader typed, {names} a list of food names.
    return (
        _("I don’t have “{query}” in my table, so nothing is logged. Some I do know: "
          "{names}.").format(query=quote(query), names=names)
        + "\n"
        + _("Tap one to log a serving, or try e.g. <code>/ate {example}</code>.").format(
            example=escape(example))
    )


def food_week(food: FoodWeek) -> str:
    """The weekly picture's one line: a rough estimate from the logged foods only."""
    week_need = food.need_mg * DAYS_PER_WEEK
    values = {"mg": formats.number(food.mg), "need": formats.number(week_need),
              "percent": formats.percent(percent_of(food.mg, week_need))}
    if food.own_need:
        return _("🍽 Magnesium from the foods you logged: about {mg} mg this week, {percent} "
                 "of your /need figure for 7 days ({need} mg). A rough estimate from what you "
                 "logged, not everything you ate.").format(**values)
    return _("🍽 Magnesium from the foods you logged: about {mg} mg this week, {percent} of "
             "the adult figure for 7 days ({need} mg; /need gives your own). A rough "
             "estimate from what you logged, not everything you ate.").format(**values)


def food_counts(servings: int) -> str:
    """/mydata's food part: how many servings are stored, never the log."""
    return "\n".join(["", _("<b>Your food log</b>"),
                      _("• Servings logged: {count}").format(count=formats.number(servings)),
                      _("/export sends every serving as CSV; /forget deletes them.")])


def food_stats(people: int) -> str:
    """/stats: a count of people only, never an entry. admin: English only."""
    keepers = "1 person keeps one" if people == 1 else f"{people:,} people keep one"
    return f"Food log: {keepers}"


# "⏰ Later"
def button_later() -> str:
    return _("⏰ Later")


def button_later_hour() -> str:
    return _("In 1 hour")


def button_later_evening() -> str:
    return _("This evening")


def button_later_morning() -> str:
    return _("Tomorrow morning")


def later_question(stretch: bool = False) -> str:
    if stretch:
        return _("⏰ When should I send the stretch again?")
    return _("⏰ When should I send this tip again?")


def later_planned(at: datetime, today: date, moved: str | None) -> str:
    """The answer to a Later choice: when it comes, in local time, and why it moved."""
    clock = formats.clock(at)
    if at.date() == today:
        text = _("⏰ I'll send it again today at {time}.").format(time=clock)
    elif at.date() == today + timedelta(days=1):
        text = _("⏰ I'll send it again tomorrow at {time}.").format(time=clock)
    else:
        text = _("⏰ I'll send it again on {day} at {time}.").format(
            day=formats.day_label(at.date()), time=clock)
    if moved == "quiet":
        text += "\n" + _("That would be in quiet hours (22:00–07:00), so it comes at their "
                         "end.")
    elif moved == "cap":
        text += "\n" + _("That day already has its three scheduled messages, so it comes "
                         "the next morning.")
    return text


def later_off() -> str:
    return _("⏰ Tips are paused or off in this chat, so I won't send it again. /resume "
             "turns them back on.")


# ------------------------------------------------------------------ the evening stretch's answer

def button_stretch_done() -> str:
    return _("✅ I stretched")


def stretch_recorded() -> str:
    return _("✅ Noted: you stretched today. Your weekly picture counts the days you "
             "stretched.")


def stretch_too_old() -> str:
    return _("This stretch is from an earlier day, so I didn't record it.")


# ------------------------------------------------------------------ the week side by side

def moves_together() -> str:
    """Said once wherever the days stand side by side: the diary compares, never explains."""
    return _("<i>A diary shows what moves together, not what causes what.</i>")


def days_title(week: WeekDays) -> str:
    # Translators: {span} is a span of dates such as "2–8 Mar".
    return _("Your week side by side, {span}").format(
        span=span_label(week.start, week.days[-1].day if week.days else week.start))


def days_row_labels() -> tuple[str, str, str, str]:
    """The PNG's four rows (the chart font has no emoji, so words only)."""
    return (_("Night cramps"), _("Glasses of water"), _("Magnesium, mg"), _("Stretch"))


def days_png_note() -> str:
    return _("Magnesium: a rough estimate from the foods you logged, not everything you "
             "ate. — : nothing recorded.")


def days_total_label() -> str:
    # Translators: the PNG's last column: the week's counts and totals.
    return _("Week")


def days_labels(week: WeekDays) -> tuple[str, ...]:
    """Each day's column label: 'Mon 23' in the reader's locale."""
    return tuple(formats.weekday_day(d.day) for d in week.days)


def _cell(value: int | None) -> str:
    return "—" if value is None else formats.number(value)


def _day_line(day: Day) -> str:
    return _("{day}: 🌙 {night} · 💧 {glasses} · 🍽 {mg} · 🧘 {stretch}").format(
        day=formats.day_label(day.day), night=_cell(day.night_cramps),
        glasses=_cell(day.glasses),
        mg=_("{mg} mg").format(mg=formats.number(day.mg)) if day.mg is not None else "—",
        stretch="✓" if day.stretched else "—")


def days_counts(week: WeekDays) -> list[str]:
    """The week's counts, never streaks; the water and stretch counts only once the person
    used them that week (0 days would claim what nothing recorded)."""
    total = week.day_count
    lines = [ngettext("🌙 {count} night with cramps, {free} cramp-free",
                      "🌙 {count} nights with cramps, {free} cramp-free",
                      week.cramp_nights).format(count=formats.number(week.cramp_nights),
                                                free=formats.number(week.cramp_free_nights))]
    if week.water_days:
        # Translators: {count} days out of {days}, e.g. "on 6 of 7 days".
        lines.append(ngettext("💧 Water logged on {count} of {days} day",
                              "💧 Water logged on {count} of {days} days", total).format(
            count=formats.number(week.water_days), days=formats.number(total)))
    if week.stretch_days:
        lines.append(ngettext("🧘 Stretched on {count} of {days} day",
                              "🧘 Stretched on {count} of {days} days", total).format(
            count=formats.number(week.stretch_days), days=formats.number(total)))
    return lines


def days_block(week: WeekDays) -> list[str]:
    """The days of a week side by side, their counts and the one careful sentence."""
    lines = [_("<b>Day by day</b> (🌙 night cramps · 💧 glasses · 🍽 magnesium from logged "
               "foods · 🧘 stretched; — nothing recorded)")]
    lines += [_day_line(day) for day in week.days]
    return [*lines, *days_counts(week), moves_together()]


def days_caption(week: WeekDays) -> str:
    """The side-by-side PNG's caption: the same counts as the text."""
    return "\n".join([days_title(week), *days_counts(week)])


def report_week_line(week: WeekDays) -> str:
    """One week of the report, side by side in counts."""
    # Translators: {week} is the date a week starts on, such as "3 Mar".
    return _("{week}: 🌙 {nights} · cramp-free {free} · 💧 {water}/{days} · 🍽 {mg} · "
             "🧘 {stretched}/{days}").format(
        week=week_label(week.start), nights=formats.number(week.cramp_nights),
        free=formats.number(week.cramp_free_nights), water=formats.number(week.water_days),
        days=formats.number(week.day_count),
        mg=_("{mg} mg").format(mg=formats.number(week.mg)) if week.mg is not None else "—",
        stretched=formats.number(week.stretch_days))


# ------------------------------------------------------------------ stretch days kept

def stretches_marked(count: int) -> str:
    """/mydata's diary part: how many evenings "✅ I stretched" stored, never which."""
    return _("• Evening stretches marked done: {count}").format(count=formats.number(count))


def stretches_caption() -> str:
    return _("🧘 Your evening stretches marked done (CSV, one row per day).")


def stretch_stats(people: int) -> str:
    """/stats: a count of people only, never a day. admin: English only."""
    marked = "1 person has marked one" if people == 1 else f"{people:,} people have marked one"
    return f"Evening stretch done: {marked}"
