"""The domain records storage reads and writes: plain frozen dataclasses and tuples.

Owns the shapes that cross the storage boundary (a subscriber, a stored tip, a broadcast,
an outbox row, a daily plan, a send outcome, the /stats numbers). It imports neither
aiosqlite nor any other storage module, so presentation and services can name these
types without opening a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import NamedTuple

from tips.catalog import Tip


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One chat's subscription and rotation state, as stored."""

    chat_id: int
    user_id: int | None
    chat_type: str
    status: str
    send_time: time
    timezone: str
    topics: tuple[str, ...]
    next_send_at: datetime | None
    last_daily_at: datetime | None  # UTC instant of the last daily slot (sent or missed)
    last_topic: str | None
    rotation_cycle: int
    paused_until: date | None
    inactive_reason: str | None  # a bot.core.reasons.Reason code
    created_at: datetime
    updated_at: datetime
    need_mg: int | None = None
    need_profile: str | None = None
    setup_step: str | None = None  # onboarding: 'zone' | 'time' asked, 'done'; None: never
    inactive_detail: str | None = None  # Telegram's words for inactive_reason, if any
    language: str = "en"  # a bot.core.i18n locale: what the sender renders this chat's rows in
    language_chosen: bool = False  # set with /language (else it follows Telegram's language_code)


@dataclass(frozen=True, slots=True)
class StoredTip:
    """A tip with its database-only facts (who added it, whether it is retired)."""

    tip: Tip
    origin: str
    retired: bool


@dataclass(frozen=True, slots=True)
class Broadcast:
    """An admin's message to every active subscriber, and where its progress is shown."""

    id: int
    admin_id: int
    text: str
    status: str
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class Failure(NamedTuple):
    """One kind of failed or blocked delivery in /stats: its Reason code (the row's status
    when it has none), the give-up's cause and Telegram's words."""

    reason: str
    cause: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    """The numbers behind /stats: subscribers by status, sends, failures, best and worst tips."""

    by_status: dict[str, int]
    new_last_7_days: int
    tips_sent_today: int
    tips_sent_7_days: int
    failures: list[tuple[Failure, int]]
    top_tips: list[tuple[str, int, int]]
    bottom_tips: list[tuple[str, int, int]]
    # Bulk sends (daily tips, broadcasts) while ALLOW_PAID_BROADCAST is on; None
    # when it is off. Telegram bills those above ~30/s, so this is an upper bound.
    paid_sends_today: int | None = None
    paid_sends_7_days: int | None = None
    timeouts_7_days: int = 0  # sends that timed out (each may have arrived twice)
    active_by_language: dict[str, int] = field(default_factory=dict)  # most read first


class DueSubscriber(NamedTuple):
    """A subscriber whose daily tip is due: only what the tick needs to plan it.

    Not a whole Subscriber: the tick reads up to 2,000 of these per batch at 1,000,000
    subscribers, and a tuple of the eleven fields it uses is built in a fraction of the
    time of an eighteen-field frozen dataclass (bench/README.md). It has the attributes
    the selector reads (chat_id, topics, last_topic, rotation_cycle), so TipFeed.choose
    takes it as it takes a Subscriber.
    """

    chat_id: int
    send_time: time
    timezone: str
    topics: tuple[str, ...]
    next_send_at: datetime | None
    last_daily_at: datetime | None
    last_topic: str | None
    rotation_cycle: int
    resume: bool  # paused (or a pause end still set): the tick's write resumes it
    seen: frozenset[str]  # tip ids shown in the current rotation cycle
    disliked: frozenset[str] = frozenset()


class DailyPlan(NamedTuple):
    """What the scheduler decided for one due subscriber, written in one transaction.

    A tuple, like DueSubscriber: one is built per due subscriber per day, and a frozen
    dataclass of ten fields costs four times as much to build.
    """

    chat_id: int
    local_date: date
    due_at: datetime
    next_send_at: datetime
    tip_id: str | None  # None: the slot was missed (too late) and is recorded as such
    cycle: int
    last_topic: str | None
    expires_at: datetime | None = None  # the end of the grace window: never sent later
    reason: str | None = None  # a Reason code: why a missed slot (tip_id None) was missed
    resume: bool = False  # the subscriber was paused: this slot ends the pause


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """An outbox row ready to send, joined with the text it carries."""

    id: int
    chat_id: int
    chat_type: str
    kind: str
    tip_id: str | None
    broadcast_id: int | None
    text: str
    attempts: int
    remind_setup: bool = False  # the first daily tip of someone who skipped the sign-up questions
    local_date: str | None = None  # the scheduled kinds' day (a check-in's night)
    expires_at: datetime | None = None  # past this the row is given up, never sent late
    created_at: datetime | None = None
    last_error: str | None = None  # a Reason code: why the previous attempt failed, if one did
    last_error_detail: str | None = None  # Telegram's words for it
    language: str = "en"  # the recipient's locale (the subscriber row's): rendered in it
    # A broadcast's texts other than the English, by language (one mapping shared by the
    # broadcast's rows); the renderer picks the recipient's.
    translations: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """How one send ended; applied to the outbox in batches."""

    delivery_id: int
    status: str  # 'sent' | 'failed' | 'blocked' | 'pending' (retry later)
    at: datetime
    message_id: int | None = None
    error: str | None = None  # a Reason code
    detail: str | None = None  # Telegram's description, or the datum the reason needs
    cause: str | None = None  # a row given up: the last attempt's Reason code
    retry_at: datetime | None = None
    count_attempt: bool = True
    timed_out: bool = False  # Telegram may have delivered it anyway: counted, see /stats


# The cramp diary

@dataclass(frozen=True, slots=True)
class DiarySettings:
    """One person's diary settings: prompt times (None: off), weekly on/off, retention."""

    chat_id: int
    checkin_time: time | None
    stretch_time: time | None
    weekly_enabled: bool
    retention_months: int
    checkin_next_at: datetime | None = None
    stretch_next_at: datetime | None = None
    weekly_next_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DuePrompt:
    """A diary prompt whose slot has come, with what the prompt scheduler decides on."""

    kind: str  # 'checkin' | 'stretch' | 'weekly'
    slot: datetime
    settings: DiarySettings
    subscriber: Subscriber


@dataclass(frozen=True, slots=True)
class PromptPlan:
    """The prompt scheduler's decision for one due prompt, written in one transaction."""

    chat_id: int
    kind: str
    local_date: date
    due_at: datetime
    next_at: datetime | None
    status: str | None  # 'pending' | 'missed'; None: nothing queued (paused, over the cap)
    expires_at: datetime | None = None  # the latest send (the water nudge's window end)


@dataclass(frozen=True, slots=True)
class PromptTimes:
    """The diary prompts a person has on, as a change of their daily schedule sees them."""

    checkin_time: time | None
    stretch_time: time | None
    weekly_enabled: bool


@dataclass(frozen=True, slots=True)
class PromptSlots:
    """Where a schedule change moves the prompts that are on (None: off, left as it is)."""

    checkin_next_at: datetime | None
    stretch_next_at: datetime | None
    weekly_next_at: datetime | None


@dataclass(frozen=True, slots=True)
class SubscriberChange:
    """What a settings action writes: the row as it is to read afterwards (its settable
    fields: status, time, zone, topics, next slot, pause, reason, sign-up step) and, for a
    new zone or time, the diary prompts' new slots."""

    subscriber: Subscriber
    prompts: PromptSlots | None = None


@dataclass(frozen=True, slots=True)
class Changed:
    """A settings action's row as it was and as it is now (what the panel shows)."""

    before: Subscriber
    subscriber: Subscriber


# The water log

@dataclass(frozen=True, slots=True)
class WaterSettings:
    """One person's water-log settings: a glass size code, their own daily target, and the
    afternoon nudge (on or off, and its next slot while one is planned)."""

    chat_id: int
    glass: str  # 'ml200' | 'ml250' | 'ml300' | 'cup'
    target: int | None  # glasses a day; None: no target
    nudge: bool = False
    nudge_next_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DueNudge:
    """An afternoon water nudge whose slot has come, with what the scheduler decides on:
    whether the setting is on, the stretch time it keeps clear of, and the subscription.
    Whether its day has a glass or is a hot day is read for the whole batch at once."""

    chat_id: int
    slot: datetime
    enabled: bool
    prompts: PromptTimes | None  # the diary prompts that are on (None: no diary)
    # Of the subscription, only what the decision reads (a whole Subscriber row is most
    # of the due query's cost at 2,000 rows).
    timezone: str
    status: str
    chat_type: str
    paused_until: date | None


@dataclass(frozen=True, slots=True)
class NudgeDay:
    """One (chat, local date)'s facts for its nudge: a glass logged, a hot day, and the
    scheduled kinds already queued or sent that day (the daily cap)."""

    glass: bool
    hot: bool
    kinds: frozenset[str]


@dataclass(frozen=True, slots=True)
class Glass:
    """One logged glass: its person's local date when logged, and its size then."""

    id: int
    chat_id: int
    local_date: date
    ml: int
    logged_at: datetime


# The food log

@dataclass(frozen=True, slots=True)
class FoodEntry:
    """One "I ate this": the food's code, on its person's local date when logged, with
    the servings and the magnesium the table gave for them then."""

    id: int
    chat_id: int
    local_date: date
    food: str  # the food table's name of the row (its English key), never a label
    servings: int
    mg: int
    logged_at: datetime
