"""When the morning check-in, the evening stretch and the weekly picture may be sent.

Pure rules over the daily tip's time arithmetic (bot.timecalc), so prompts follow DST
exactly like the tip: a chosen time inside a spring-forward gap is sent when the clocks
jump, a time that occurs twice is sent at its first occurrence, and each prompt has one
slot per local date.

Contracts:
- Opt-in only: a prompt with no time set is off.
- Quiet hours are 22:00-07:00 local. A slot the person chose inside them is theirs and is
  kept; a prompt that would go out in quiet hours only because it is late (the bot was
  down) is skipped instead. Any prompt later than the grace window is skipped too, like a
  missed daily tip: "Any cramps last night?" at teatime helps nobody.
- At most three scheduled messages a day per person, the daily tip included. Which ones
  is decided per local date by a fixed priority (daily tip, check-in, weekly picture,
  evening stretch, afternoon water nudge), so a crash or a replay cannot change the
  choice; the storage layer
  keeps one row per (person, kind, local date), which makes each prompt at most once.
- Prompts go to private chats only, and only while daily tips are active (not paused,
  not stopped, not blocked).
- Diary rows older than the retention (default 12 months) are deleted; the cut-off is a
  local date, the same key entries are counted by.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.core.timecalc import local_date, next_send

QUIET_STARTS = time(22, 0)
QUIET_ENDS = time(7, 0)
MAX_SCHEDULED_PER_DAY = 3
DEFAULT_GRACE = timedelta(hours=3)
WEEKLY_WEEKDAY = 6  # Sunday
RETENTION_MONTHS: tuple[int, ...] = (3, 6, 12, 24)
DEFAULT_RETENTION_MONTHS = 12


class PromptKind(StrEnum):
    DAILY_TIP = "daily"  # the existing daily tip: counted, never scheduled here
    CHECK_IN = "checkin"
    WEEKLY = "weekly"
    STRETCH = "stretch"
    NUDGE = "nudge"  # the afternoon water nudge (bot.services.water turns it on)


# Who keeps a place when a day would have more than three scheduled messages. The water
# nudge comes last and gives way to everything, a "⏰ Later" included: it is the one
# message nobody asked for at a time of their choosing, it only says what the person
# already knows (drink when thirsty), and a fourth message in a day is what makes people
# mute a bot that also carries the warning signs.
PRIORITY: tuple[PromptKind, ...] = (PromptKind.DAILY_TIP, PromptKind.CHECK_IN,
                                    PromptKind.WEEKLY, PromptKind.STRETCH, PromptKind.NUDGE)


# The afternoon water nudge: the time of day nearest NUDGE_AT that keeps NUDGE_CLEAR away
# from the evening stretch and from the start of quiet hours, with NUDGE_WINDOW left to
# send it in (a busy sender or a short outage must not push it into the forbidden span).
NUDGE_AT = time(15, 0)
NUDGE_CLEAR = timedelta(hours=3)
NUDGE_WINDOW = timedelta(hours=1)
_DAY_MINUTES = 24 * 60


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def nudge_window(stretch: time | None) -> tuple[time, time]:
    """(when the nudge is planned, the latest it may go out) as local wall times.

    Allowed: waking hours up to NUDGE_CLEAR before quiet hours (07:00-19:00), and never
    within NUDGE_CLEAR of the stretch time on either side (on the 24-hour circle, so a
    stretch at 00:30 counts from the evening before). Of the spans left, the planned time
    is the one nearest 15:00 that still leaves an hour before its span ends (the earlier
    of two equally near): 15:00 with no stretch, or one at 19:00 or later or before noon;
    14:00 with one at 18:00; 17:00 with one at 14:00. The spans of one day always leave
    such a time: a stretch forbids six hours of the twelve.
    """
    spans = [(_minutes(QUIET_ENDS),
              _minutes(QUIET_STARTS) - int(NUDGE_CLEAR.total_seconds()) // 60)]
    if stretch is not None:
        clear = int(NUDGE_CLEAR.total_seconds()) // 60
        at = _minutes(stretch)
        for centre in (at - _DAY_MINUTES, at, at + _DAY_MINUTES):
            low, high = centre - clear, centre + clear  # open: exactly 3 h away is fine
            spans = [piece for start, end in spans
                     for piece in ((start, min(end, low)), (max(start, high), end))
                     if piece[1] > piece[0]]
    window = int(NUDGE_WINDOW.total_seconds()) // 60
    target = _minutes(NUDGE_AT)
    best: tuple[int, int, int] | None = None  # (distance, planned, span end)
    for start, end in spans:
        if end - start < window:
            continue
        planned = min(max(target, start), end - window)
        candidate = (abs(planned - target), planned, end)
        if best is None or candidate < best:
            best = candidate
    if best is None:  # pragma: no cover - see the docstring
        raise AssertionError("a day always has room for the nudge")
    return _clock(best[1]), _clock(best[2])


def in_quiet_hours(at: time) -> bool:
    """22:00 up to (not including) 07:00 local."""
    at = at.replace(tzinfo=None)
    return at >= QUIET_STARTS or at < QUIET_ENDS


def receives_prompts(status: str, chat_type: str, paused_until: date | None,
                     day: date) -> bool:
    """Whether this person gets scheduled diary prompts on local date `day`.

    `paused_until` is the day tips resume (as /pause stores it): from that day on a
    paused person counts as active again, even before the tick flips the status.
    """
    if chat_type != "private":
        return False
    if status == "active":
        return True
    return status == "paused" and paused_until is not None and day >= paused_until


def enabled_kinds(tips_on: bool, checkin: time | None, stretch: time | None,
                  weekly: bool) -> set[PromptKind]:
    """The scheduled kinds a person has on (the water nudge aside: its owner adds it)."""
    found = {kind for kind, on in ((PromptKind.DAILY_TIP, tips_on),
                                   (PromptKind.CHECK_IN, checkin is not None),
                                   (PromptKind.STRETCH, stretch is not None),
                                   (PromptKind.WEEKLY, weekly)) if on}
    return found


def day_plan(enabled: Collection[PromptKind], day: date) -> tuple[PromptKind, ...]:
    """The scheduled messages local date `day` gets, in priority order, at most three.

    `enabled` holds the daily tip when tips are on, and each prompt the person turned on.
    The weekly picture only exists on Sundays.
    """
    wanted = [kind for kind in PRIORITY if kind in enabled
              and (kind is not PromptKind.WEEKLY or day.weekday() == WEEKLY_WEEKDAY)]
    return tuple(wanted[:MAX_SCHEDULED_PER_DAY])


def nudge_crowded_out(checkin: time | None, stretch: time | None) -> bool:
    """Whether the daily tip, check-in and stretch take every day's three places, so the
    water nudge, last in PRIORITY, never gets one (a hot day's neither): the settings say
    so instead of promising a reminder that cannot come. Sundays are fuller still (the
    weekly picture), so a weekday decides."""
    enabled = enabled_kinds(True, checkin, stretch, False) | {PromptKind.NUDGE}
    return PromptKind.NUDGE not in day_plan(enabled, _A_WEEKDAY)


_A_WEEKDAY = date(2026, 1, 5)  # a Monday: day_plan only asks whether a date is a Sunday


def within_daily_cap(kind: PromptKind, enabled: Collection[PromptKind], day: date,
                     already_sent: Collection[PromptKind], others: int = 0) -> bool:
    """The last check before queueing: in today's plan, not sent yet, and under the cap
    counting what was actually sent today (a belt to the plan's braces), with `others`
    scheduled messages of no prompt kind (a "⏰ Later") that day."""
    return (kind in day_plan(enabled, day) and kind not in already_sent
            and len(set(already_sent)) + others < MAX_SCHEDULED_PER_DAY)


def next_slot(kind: PromptKind, at: time, tz: tzinfo, after: datetime,
              last_sent: datetime | None = None) -> tuple[datetime, date]:
    """The next (UTC instant, local date) for a prompt at local time `at`.

    Daily prompts reuse the daily tip's `next_send`, including its guard against a second
    prompt on the same local date after a zone change; the weekly picture takes the first
    such slot that falls on a Sunday.
    """
    if kind is PromptKind.DAILY_TIP:
        raise ValueError("the daily tip is scheduled by the tip scheduler")
    instant, day = next_send(at, tz, after, last_sent=last_sent)
    if kind is not PromptKind.WEEKLY:
        return instant, day
    for _ in range(8):
        if day.weekday() == WEEKLY_WEEKDAY:
            return instant, day
        instant, day = next_send(at, tz, after, day, last_sent=last_sent)
    raise AssertionError("a Sunday comes within eight daily slots")  # pragma: no cover


class Decision(StrEnum):
    SEND = "send"
    LATE = "late"  # past the grace window: record as missed, move on
    QUIET = "quiet"  # late into quiet hours the person did not choose


def decide(slot: datetime, chosen: time, now: datetime, tz: tzinfo,
           grace: timedelta = DEFAULT_GRACE) -> Decision:
    """Whether a due prompt whose slot was `slot` goes out at `now`."""
    if now - slot > grace:
        return Decision.LATE
    wall = now.astimezone(tz).time()
    if in_quiet_hours(wall) and not in_quiet_hours(chosen):
        return Decision.QUIET
    return Decision.SEND


CHECKIN_ANSWER_DAYS = 1  # yesterday's question may still be answered today


def checkin_accepts(night_of: date, today: date) -> bool:
    """Whether a check-in button for `night_of` is still answered on local date `today`.

    Yesterday's unanswered question can be answered late (someone who slept in), older
    or future-dated buttons are refused with a short note, so a forged date cannot fill
    the record.
    """
    return today - timedelta(days=CHECKIN_ANSWER_DAYS) <= night_of <= today


def slot_date(slot: datetime, tz: tzinfo) -> date:
    """The local date a slot belongs to: the uniqueness key with the person and kind."""
    return local_date(slot, tz)


def retention_cutoff(today: date, months: int = DEFAULT_RETENTION_MONTHS) -> date:
    """Diary rows dated before this local date are deleted.

    Calendar months, with the day clamped to the shorter month (31 March minus one month
    is 28 or 29 February), so "12 months" means the same date last year.
    """
    if months not in RETENTION_MONTHS:
        raise ValueError(f"retention is one of {RETENTION_MONTHS} months")
    total = today.year * 12 + (today.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))

