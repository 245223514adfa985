"""The codes the bot stores for why something did not happen, and nothing else.

Why a chat's tips stopped (`subscribers.inactive_reason`) and why a delivery failed, was
missed, gave up or was cancelled (`deliveries.error`) are stored as one of these codes,
with the raw Telegram description (or the one datum the reason needs: a new chat id, the
kind of error that made a row unreadable) in the matching `…_detail` column. The words
are the text layer's (`bot.ui.texts.reason_text`), chosen when a reason is shown, so a
stored reason reads in whatever words, or language, the bot uses at that time.

A pure module: the sender, the services, storage and the text layer all name the codes.
"""

from __future__ import annotations

from enum import StrEnum

# How long a broadcast copy is retried before it is given up (RETRIES_EXHAUSTED).
BROADCAST_RETRY_HOURS = 24


class Reason(StrEnum):
    """Every stored reason. Values are stored: never rename one, add a new one."""

    # A chat the bot can no longer reach (subscribers and the deliveries they held).
    BLOCKED_BY_USER = "blocked_by_user"  # a private chat blocked the bot
    BOT_KICKED = "bot_kicked"  # removed from a group
    BOT_LEFT = "bot_left"  # left a group
    CHAT_GONE = "chat_gone"  # Telegram said so when sending (detail: its description)
    CHAT_MIGRATED = "chat_migrated"  # a group became a supergroup (detail: the new id)
    QUARANTINED = "quarantined"  # an unreadable row (detail: the kind of error)
    # One send's outcome (detail: Telegram's description where it gave one).
    BAD_REQUEST = "bad_request"
    NETWORK = "network"
    TIMED_OUT = "timed_out"
    TELEGRAM_ERROR = "telegram_error"  # detail: the error's type and description
    INTERNAL_ERROR = "internal_error"  # our own bug while preparing the message
    # A row given up: the last attempt's reason, if any, is kept as its cause.
    GRACE_WINDOW_PASSED = "grace_window_passed"  # a tip or prompt not sent in time
    RETRIES_EXHAUSTED = "retries_exhausted"  # a broadcast copy retried for its whole budget
    # Not sent at all, by decision.
    OFFLINE_PAST_GRACE = "offline_past_grace"  # the bot was down past the grace window
    NO_TIP = "no_tip"  # nothing in the rotation could be sent
    ALREADY_SENT_THAT_DAY = "already_sent_that_day"  # a second slot on one local day
    LATE_OR_QUIET_HOURS = "late_or_quiet_hours"  # a diary prompt too late, or at night
    SUBSCRIBER_STOPPED = "subscriber_stopped"
    SUBSCRIBER_PAUSED = "subscriber_paused"
    CANCELLED_BY_ADMIN = "cancelled_by_admin"
    GLASS_LOGGED = "glass_logged"  # a water nudge: a glass was logged that day after all
    # Stored English from before the codes that matched none of them (detail: that text).
    OTHER = "other"


def chat_left(chat_type: str, member_status: str) -> Reason:
    """Why a chat went inactive when Telegram reports the bot blocked or removed."""
    if chat_type == "private":
        return Reason.BLOCKED_BY_USER
    return Reason.BOT_KICKED if member_status == "kicked" else Reason.BOT_LEFT


def log_form(reason: Reason | str, detail: str | None) -> str:
    """A reason for a log line: its code and Telegram's words, no sentence of ours."""
    return f"{reason}: {detail}" if detail else str(reason)
