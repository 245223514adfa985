"""Check-in, evening stretch and weekly picture timing: DST, quiet hours, the daily cap."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.timecalc import next_send
from bot.diary.prompts import (
    Decision,
    PromptKind,
    checkin_accepts,
    day_plan,
    decide,
    in_quiet_hours,
    next_slot,
    receives_prompts,
    retention_cutoff,
    within_daily_cap,
)

BERLIN = ZoneInfo("Europe/Berlin")  # clocks go forward 29 Mar 2026
NEW_YORK = ZoneInfo("America/New_York")  # clocks go back 1 Nov 2026
ALL = {PromptKind.DAILY_TIP, PromptKind.CHECK_IN, PromptKind.WEEKLY, PromptKind.STRETCH}
SUNDAY, MONDAY = date(2026, 3, 29), date(2026, 3, 30)


@pytest.mark.parametrize(("clock", "quiet"), [
    (time(21, 59), False), (time(22, 0), True), (time(0, 0), True), (time(6, 59), True),
    (time(7, 0), False), (time(12, 0), False),
])
def test_quiet_hours_are_22_to_7(clock, quiet):
    assert in_quiet_hours(clock) is quiet


@pytest.mark.parametrize(("status", "chat_type", "paused_until", "expected"), [
    ("active", "private", None, True),
    ("active", "group", None, False),
    ("active", "supergroup", None, False),
    ("stopped", "private", None, False),
    ("blocked", "private", None, False),
    ("paused", "private", date(2026, 3, 31), False),
    ("paused", "private", MONDAY, True),  # the pause ends today
    ("paused", "private", None, False),
])
def test_who_receives_prompts(status, chat_type, paused_until, expected):
    assert receives_prompts(status, chat_type, paused_until, MONDAY) is expected


def test_at_most_three_a_day_daily_tip_included():
    assert day_plan(ALL, MONDAY) == (PromptKind.DAILY_TIP, PromptKind.CHECK_IN,
                                     PromptKind.STRETCH)
    assert day_plan(ALL, SUNDAY) == (PromptKind.DAILY_TIP, PromptKind.CHECK_IN,
                                     PromptKind.WEEKLY)
    assert day_plan(ALL - {PromptKind.DAILY_TIP}, SUNDAY) == (
        PromptKind.CHECK_IN, PromptKind.WEEKLY, PromptKind.STRETCH)
    assert day_plan(set(), SUNDAY) == ()


def test_cap_counts_what_was_already_sent():
    kinds = {PromptKind.CHECK_IN, PromptKind.STRETCH}
    assert within_daily_cap(PromptKind.STRETCH, kinds, MONDAY, [PromptKind.CHECK_IN])
    assert not within_daily_cap(PromptKind.STRETCH, kinds, MONDAY, [PromptKind.STRETCH])
    three = [PromptKind.DAILY_TIP, PromptKind.CHECK_IN, PromptKind.WEEKLY]
    assert not within_daily_cap(PromptKind.STRETCH, kinds, MONDAY, three)
    assert not within_daily_cap(PromptKind.STRETCH, {PromptKind.CHECK_IN}, MONDAY, [])


def test_decide_late_quiet_and_chosen_quiet_times():
    slot = datetime(2026, 3, 2, 21, 30, tzinfo=BERLIN).astimezone(UTC)
    assert decide(slot, time(21, 30), slot, BERLIN) is Decision.SEND
    assert decide(slot, time(21, 30), slot + timedelta(minutes=29), BERLIN) is Decision.SEND
    # the bot was down: 22:40 is quiet hours the person did not choose
    assert decide(slot, time(21, 30), slot + timedelta(minutes=70), BERLIN) is Decision.QUIET
    assert decide(slot, time(21, 30), slot + timedelta(hours=3, seconds=1),
                  BERLIN) is Decision.LATE
    own = datetime(2026, 3, 2, 23, 0, tzinfo=BERLIN).astimezone(UTC)
    assert decide(own, time(23, 0), own, BERLIN) is Decision.SEND  # they chose 23:00


def test_the_daily_tip_is_not_scheduled_here():
    with pytest.raises(ValueError):
        next_slot(PromptKind.DAILY_TIP, time(9, 0), BERLIN, datetime(2026, 3, 2, tzinfo=UTC))


def simulate(tz, start: datetime, days: int, times: dict[PromptKind, time],
             paused: set[date] = frozenset(), outage: tuple[datetime, datetime] | None = None,
             step=timedelta(minutes=5)):
    """Run the prompt rules on a clock that moves in steps; returns (kind, local dt) sent."""
    enabled = set(times)
    slots = {}
    for kind, at in times.items():
        if kind is PromptKind.DAILY_TIP:
            slots[kind] = next_send(at, tz, start)
        else:
            slots[kind] = next_slot(kind, at, tz, start)
    sent, per_day = [], defaultdict(list)
    now, end = start, start + timedelta(days=days)
    while now < end:
        if outage and outage[0] <= now < outage[1]:
            now += step
            continue
        for kind, (slot, day) in list(slots.items()):
            if slot > now:
                continue
            ok = (decide(slot, times[kind], now, tz) is Decision.SEND
                  and receives_prompts("paused" if day in paused else "active", "private",
                                       None, day)
                  and within_daily_cap(kind, enabled, day, per_day[day]))
            if ok:
                per_day[day].append(kind)
                sent.append((kind, now.astimezone(tz)))
            if kind is PromptKind.DAILY_TIP:
                slots[kind] = next_send(times[kind], tz, now, last_sent=slot)
            else:
                slots[kind] = next_slot(kind, times[kind], tz, now, last_sent=slot)
        now += step
    return sent, per_day


def by_kind(sent, kind):
    return [local for k, local in sent if k is kind]


def test_three_weeks_across_spring_forward():
    start = datetime(2026, 3, 16, 0, 0, tzinfo=BERLIN).astimezone(UTC)  # a Monday
    times = {PromptKind.DAILY_TIP: time(9, 0), PromptKind.CHECK_IN: time(7, 30),
             PromptKind.STRETCH: time(21, 30), PromptKind.WEEKLY: time(9, 0)}
    sent, per_day = simulate(BERLIN, start, 21, times)
    days = [date(2026, 3, 16) + timedelta(days=n) for n in range(21)]
    checkins = by_kind(sent, PromptKind.CHECK_IN)
    assert [c.date() for c in checkins] == days  # exactly one every local day
    assert all(c.time() == time(7, 30) for c in checkins)  # also on 29 Mar (DST)
    assert [w.date() for w in by_kind(sent, PromptKind.WEEKLY)] == [
        date(2026, 3, 22), date(2026, 3, 29), date(2026, 4, 5)]
    stretches = by_kind(sent, PromptKind.STRETCH)
    assert [s.date() for s in stretches] == [d for d in days if d.weekday() != 6]
    assert all(s.time() == time(21, 30) for s in stretches)
    assert len(by_kind(sent, PromptKind.DAILY_TIP)) == 21
    assert max(len(kinds) for kinds in per_day.values()) == 3
    assert not any(in_quiet_hours(local.time()) for _, local in sent)


def test_a_chosen_time_in_quiet_hours_and_the_autumn_fold():
    start = datetime(2026, 10, 26, 12, 0, tzinfo=NEW_YORK).astimezone(UTC)
    times = {PromptKind.CHECK_IN: time(1, 30)}  # chosen by the person: kept
    sent, _ = simulate(NEW_YORK, start, 14, times)
    checkins = by_kind(sent, PromptKind.CHECK_IN)
    days = [date(2026, 10, 27) + timedelta(days=n) for n in range(14)]
    assert [c.date() for c in checkins] == days  # 1 Nov's 01:30 happens twice: sent once
    assert all(c.time() == time(1, 30) for c in checkins)
    fold_day = next(c for c in checkins if c.date() == date(2026, 11, 1))
    assert fold_day.utcoffset() == timedelta(hours=-4)  # the first 01:30, still EDT


def test_a_gap_time_is_sent_when_the_clocks_jump():
    start = datetime(2026, 3, 27, 12, 0, tzinfo=BERLIN).astimezone(UTC)
    sent, _ = simulate(BERLIN, start, 4, {PromptKind.CHECK_IN: time(2, 30)})
    checkins = by_kind(sent, PromptKind.CHECK_IN)
    assert [c.date() for c in checkins] == [date(2026, 3, 28), date(2026, 3, 29),
                                            date(2026, 3, 30), date(2026, 3, 31)]
    assert [c.time() for c in checkins] == [time(2, 30), time(3, 0), time(2, 30),
                                            time(2, 30)]


def test_none_while_paused():
    start = datetime(2026, 3, 2, 0, 0, tzinfo=BERLIN).astimezone(UTC)
    paused = {date(2026, 3, 4), date(2026, 3, 5)}
    sent, _ = simulate(BERLIN, start, 7, {PromptKind.CHECK_IN: time(8, 0),
                                          PromptKind.STRETCH: time(21, 0)}, paused=paused)
    assert not any(local.date() in paused for _, local in sent)
    assert len(by_kind(sent, PromptKind.CHECK_IN)) == 5


def test_an_outage_into_quiet_hours_skips_the_stretch_and_tomorrow_is_normal():
    start = datetime(2026, 3, 2, 12, 0, tzinfo=BERLIN).astimezone(UTC)
    down = (datetime(2026, 3, 2, 21, 0, tzinfo=BERLIN).astimezone(UTC),
            datetime(2026, 3, 2, 22, 40, tzinfo=BERLIN).astimezone(UTC))
    sent, _ = simulate(BERLIN, start, 2, {PromptKind.STRETCH: time(21, 30)}, outage=down)
    assert [s.date() for s in by_kind(sent, PromptKind.STRETCH)] == [date(2026, 3, 3)]


@pytest.mark.parametrize(("today", "months", "cutoff"), [
    (date(2026, 3, 31), 12, date(2025, 3, 31)),
    (date(2024, 2, 29), 12, date(2023, 2, 28)),
    (date(2026, 5, 31), 3, date(2026, 2, 28)),
    (date(2026, 1, 15), 6, date(2025, 7, 15)),
    (date(2026, 1, 15), 24, date(2024, 1, 15)),
])
def test_retention_cutoff(today, months, cutoff):
    assert retention_cutoff(today, months) == cutoff


def test_retention_defaults_to_twelve_months_and_refuses_odd_choices():
    assert retention_cutoff(date(2026, 3, 8)) == date(2025, 3, 8)
    with pytest.raises(ValueError):
        retention_cutoff(date(2026, 3, 8), 13)


@pytest.mark.parametrize(("night_of", "accepted"), [
    (date(2026, 3, 8), True), (date(2026, 3, 7), True),
    (date(2026, 3, 6), False), (date(2026, 3, 9), False), (date(2025, 3, 8), False),
])
def test_checkin_buttons_are_answered_today_or_tomorrow_only(night_of, accepted):
    assert checkin_accepts(night_of, date(2026, 3, 8)) is accepted
