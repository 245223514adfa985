"""The week-by-week picture and each rule on both sides of its threshold."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.diary.models import Duration, Muscle, Severity, Trigger
from bot.diary.weekly import (
    RULES,
    fired_rules,
    week_start,
    week_stats,
    weekly_picture,
    weeks,
)
from tests.diary.helpers import day_cramp, night_cramp, no_cramps

# Monday 23 Feb 2026 .. Sunday 1 Mar 2026 is "last week"; 2..8 Mar is "this week".
LAST_MON = date(2026, 2, 23)
THIS_MON = date(2026, 3, 2)
SUNDAY = date(2026, 3, 8)


def nights(monday: date, count: int, **kwargs):
    return [night_cramp(monday + timedelta(days=i), **kwargs) for i in range(count)]


def test_week_start_is_monday():
    assert week_start(date(2026, 3, 8)) == date(2026, 3, 2)  # Sunday
    assert week_start(date(2026, 3, 2)) == date(2026, 3, 2)
    assert week_start(date(2026, 3, 9)) == date(2026, 3, 9)


def test_counts_for_one_week():
    entries = [
        night_cramp(THIS_MON, muscle=Muscle.CALF, severity=Severity.SEVERE, woke_up=True,
                    triggers={Trigger.EXERCISE, Trigger.HEAT}),
        night_cramp(THIS_MON, muscle=Muscle.FOOT, duration=Duration.ONE_TO_10,
                    triggers={Trigger.HEAT}),  # same night: still one night
        night_cramp(date(2026, 3, 4), muscle=Muscle.CALF, severity=Severity.MILD),
        day_cramp(date(2026, 3, 5)),
        night_cramp(date(2026, 3, 9)),  # next Monday: not this week
        night_cramp(date(2026, 3, 1)),  # last Sunday: not this week
    ]
    checkins = [no_cramps(date(2026, 3, 3)), no_cramps(date(2026, 3, 6)),
                no_cramps(THIS_MON)]  # "no" on a night that has a cramp is not cramp-free
    week = week_stats(entries, checkins, THIS_MON, SUNDAY)
    assert week.days == 7
    assert week.entries == 4
    assert week.nights_with_cramps == 2
    assert week.days_with_cramps == 1
    assert week.disturbed_nights == 1
    assert week.checkins_answered == 3
    assert week.cramp_free_nights == 2
    assert week.nights_recorded == 4  # Mon, Tue, Wed, Fri
    assert week.severity == {Severity.MILD: 2, Severity.MODERATE: 1, Severity.SEVERE: 1}
    assert week.longest is Duration.ONE_TO_10
    assert week.top_muscle is Muscle.CALF
    assert week.top_triggers == (Trigger.HEAT, Trigger.EXERCISE)
    assert week.end == SUNDAY


def test_an_empty_week():
    week = week_stats([], [], THIS_MON, SUNDAY)
    assert (week.entries, week.nights_with_cramps, week.longest, week.top_muscle,
            week.top_triggers) == (0, 0, None, None, ())


def test_ties_keep_the_vocabulary_order_and_at_most_three_triggers():
    entries = [night_cramp(THIS_MON, muscle=Muscle.HAND, triggers=set(Trigger)),
               night_cramp(date(2026, 3, 3), muscle=Muscle.FOOT)]
    week = week_stats(entries, [], THIS_MON, SUNDAY)
    assert week.top_muscle is Muscle.FOOT  # foot comes before hand
    assert week.top_triggers == (Trigger.EXERCISE, Trigger.HEAT, Trigger.LITTLE_WATER)


def test_the_current_week_counts_only_the_days_so_far():
    wednesday = date(2026, 3, 4)
    entries = [night_cramp(wednesday)]
    week = week_stats(entries, [no_cramps(THIS_MON)], THIS_MON, wednesday)
    assert week.days == 3
    assert week.nights_recorded == 2


def test_weeks_are_oldest_first_and_end_with_today_s_week():
    history = weeks([], [], SUNDAY, 8)
    assert [w.start for w in history] == [THIS_MON - timedelta(weeks=n)
                                          for n in range(7, -1, -1)]


# ------------------------------------------------------------------ rules

def picture(entries):
    return weekly_picture(entries, [], SUNDAY)


def test_any_cramp_over_ten_minutes():
    assert "rule_over_10_min" in picture(
        [night_cramp(THIS_MON, duration=Duration.OVER_10)]).rules
    assert "rule_over_10_min" not in picture(
        [night_cramp(THIS_MON, duration=Duration.ONE_TO_10)]).rules
    # last week's long cramp does not fire this week's rule
    assert "rule_over_10_min" not in picture(
        [night_cramp(LAST_MON, duration=Duration.OVER_10)]).rules


@pytest.mark.parametrize(("last", "this", "fires"), [
    (3, 3, True), (7, 4, True), (3, 2, False), (2, 3, False), (2, 2, False), (0, 7, False),
])
def test_three_or_more_nights_two_weeks_running(last, this, fires):
    entries = nights(LAST_MON, last) + nights(THIS_MON, this)
    assert ("rule_frequent_nights" in picture(entries).rules) is fires


def test_several_cramps_in_one_night_are_one_night():
    entries = nights(LAST_MON, 3) + [night_cramp(THIS_MON) for _ in range(3)]
    assert "rule_frequent_nights" not in picture(entries).rules


@pytest.mark.parametrize(("woken", "fires"), [(3, True), (4, True), (2, False), (0, False)])
def test_sleep_disturbed_on_three_or_more_nights(woken, fires):
    entries = [*nights(THIS_MON, woken, woke_up=True),
               night_cramp(date(2026, 3, 7), woke_up=False)]
    assert ("rule_sleep_disturbed" in picture(entries).rules) is fires


def test_three_wakings_in_one_night_are_one_disturbed_night():
    entries = [night_cramp(THIS_MON, woke_up=True) for _ in range(3)]
    assert "rule_sleep_disturbed" not in picture(entries).rules


def test_new_medicine_tagged():
    assert "rule_new_medicine" in picture(
        [night_cramp(THIS_MON, triggers={Trigger.NEW_MEDICINE})]).rules
    assert "rule_new_medicine" in picture(
        [day_cramp(SUNDAY, triggers={Trigger.NEW_MEDICINE})]).rules
    assert "rule_new_medicine" not in picture(
        [night_cramp(THIS_MON, triggers={Trigger.ALCOHOL, Trigger.HEAT})]).rules


def test_quiet_week_fires_nothing_and_rules_keep_their_order():
    assert picture([]).rules == ()
    everything = nights(LAST_MON, 3) + nights(THIS_MON, 3, woke_up=True) + [
        night_cramp(SUNDAY, duration=Duration.OVER_10, triggers={Trigger.NEW_MEDICINE})]
    assert picture(everything).rules == ("rule_over_10_min", "rule_frequent_nights",
                                         "rule_sleep_disturbed", "rule_new_medicine")


def test_frequent_nights_needs_a_previous_week():
    this = week_stats(nights(THIS_MON, 7), [], THIS_MON, SUNDAY)
    assert "rule_frequent_nights" not in fired_rules(this, None)
    assert len(RULES) == 5


def test_picture_holds_this_week_last_week_and_eight_weeks():
    pic = weekly_picture(nights(LAST_MON, 2) + nights(THIS_MON, 5), [], SUNDAY)
    assert (pic.this_week.start, pic.last_week.start) == (THIS_MON, LAST_MON)
    assert (pic.this_week.nights_with_cramps, pic.last_week.nights_with_cramps) == (5, 2)
    assert len(pic.history) == 8 and pic.history[-1] == pic.this_week
