"""Every sentence and button label the bot shows, in one place.

Messages are Telegram HTML. Anything that came from a user or from data is escaped
here, so handlers never build markup themselves. Text functions take the domain objects
the services return (a Subscriber, a Need, MyData, Stats), not loose fields, so adding a
field is one change here. Percentages use the one rounding rule, `tips.foods.percent_of`.
Health wording follows one rule: the bot informs and points to a professional; it never
diagnoses or prescribes.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from html import escape
from typing import TYPE_CHECKING

from tips.catalog import TOPIC_EMOJI, TOPICS, Tip
from tips.foods import Food, FoodTable, percent_of
from tips.reference import Causes

if TYPE_CHECKING:
    from bot.broadcasts import Progress
    from bot.needs import Need
    from bot.privacy import MyData
    from bot.storage.models import Broadcast, Stats, Subscriber
    from bot.subscriptions import StartResult
    from bot.tip_admin import TipVotes

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


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


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


def topic_button(topic: str, on: bool) -> str:
    """A topic in the /topics menu, ticked when it is on (button text is plain, not HTML)."""
    return f"{'✅' if on else '⬜'} {TOPIC_EMOJI[topic]} {TOPICS[topic]}"


# ------------------------------------------------------------------ start / stop

def welcome(result: StartResult) -> str:
    subscriber, was_status = result.subscriber, result.was_status
    if result.created:
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
def chat_left_reason(chat_type: str, member_status: str) -> str:
    """Why a chat went inactive when the bot was blocked or removed (kept, shown in /mydata)."""
    return "blocked by the user" if chat_type == "private" else f"bot {member_status}"


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


def another_limit(next_time: time | None) -> str:
    at = next_time.strftime("%H:%M") if next_time else "the usual time"
    return (
        "That’s all the extra tips for today — small steps stick best. 🙂 "
        f"Your next daily tip comes at {at}."
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

def help_text() -> str:
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

BROADCAST_USAGE = (
    "Send <code>/broadcast your message</code> (Telegram HTML allowed), or reply "
    "<code>/broadcast</code> to a message to send that message as it is."
)


def broadcast_refused(problem: str | None) -> str:
    return f"🚫 Not queued: {escape(problem or 'invalid')}. Fix it and send /broadcast again."


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


def broadcasts_list(recent: list[tuple[Broadcast, Progress]]) -> str:
    if not recent:
        return "No broadcasts yet. Start one with /broadcast."
    lines = ["📣 <b>Recent broadcasts</b>"]
    for broadcast, p in recent:
        lines.append(
            f"#{broadcast.id} · {broadcast.status} · {_when(broadcast.created_at)} · "
            f"✅{p.sent:,} ⚠️{p.failed:,} 🚫{p.blocked:,} ⏳{p.pending:,}\n"
            f"   {quote(broadcast.text)}"
        )
    return "\n".join(lines)


NEWTIP_USAGE = (
    "Add a tip like this:\n<code>/newtip foods Half a cup of cooked black beans has about "
    "60 mg of magnesium. | NIH ODS magnesium fact sheet</code>\nTopics: "
    + ", ".join(TOPICS) + ". The part after | names the source."
)


def newtip_invalid(problems: list[str]) -> str:
    return "🚫 Not saved: " + escape("; ".join(problems)) + ".\n\n" + NEWTIP_USAGE


def newtip_saved(tip: Tip) -> str:
    return (f"✅ Saved as <code>{escape(tip.id)}</code> and added to every subscriber’s "
            f"rotation. Preview:\n\n{tip_message(tip)}")


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


def retire_unknown(raw: str) -> str:
    return (f"There is no active tip “{quote(raw)}”. See /tips for ids, e.g. "
            "<code>/retire food-003</code>.")


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
        lines += [f"• {quote(reason)} — {count:,}" for reason, count in failures]
    else:
        lines.append("Failures: none")
    # --- delivery reliability (issue 10)
    lines.append(f"Timed-out sends in the last 7 days (each may have arrived twice): "
                 f"{found.timeouts_7_days:,}")
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
NEED_CHILD_LIMIT = (
    "For children under 9 the supplement limit is lower still, so ask a paediatrician "
    "before giving any magnesium product."
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
        "(NIH Recommended Dietary Allowance).",
        "",
        "<b>What that looks like in food</b>",
    ]
    lines += [f"• {escape(food.label)} — {escape(food.serving)}: {food.mg} mg"
              for food in need.servings]
    together = (f"Together: <b>{need.servings_mg} mg</b>, "
                f"{need.servings_percent}% of your need.")
    if need.servings_mg < need_mg:
        together += " The rest comes from everything else you eat that day."
    lines += [
        together,
        "/foods now shows every food as a % of your need.",
        "",
        f"💊 <b>Supplement limit: {need.upper_limit_mg} mg a day.</b> "
        f"{escape(need.upper_limit_note)}",
    ]
    if not need.upper_limit_applies:
        lines.append(escape(NEED_CHILD_LIMIT))
    lines += ["", NEED_ASK_PROFESSIONAL]
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
}
DELIVERY_KIND_ONE = {
    "daily": "daily tip",
    "on_demand": "tip you asked for",
    "another": "extra tip (➕)",
    "broadcast": "announcement",
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
        lines.append(f"• Why tips stopped: {escape(subscriber.inactive_reason)}")
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
    "history of tips sent to you and your votes. Daily tips stop. This cannot be undone."
)
FORGET_YES_BUTTON = "🗑 Yes, delete everything"
FORGET_NO_BUTTON = "Keep my data"
FORGET_DONE = (
    "🗑 Done — I deleted everything I stored about this chat: subscription, settings, tip "
    "history and votes. No more daily tips. Send /start if you ever want them back."
)
FORGET_KEPT = "👍 Nothing was deleted. Your data and daily tips stay as they were."
FORGET_NOTHING = "🗂 There is nothing to delete: I store nothing about this chat."
