"""When a subscriber's daily tip is due: DST gaps and folds, zone changes, the date line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.core.timecalc import local_date, local_instant, next_send
from bot.core.zones import parse_zone

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
PAGO_PAGO = ZoneInfo("Pacific/Pago_Pago")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def wall(instant, tz):
    return instant.astimezone(tz).replace(tzinfo=None)


# --- local_instant: gaps and folds -----------------------------------------------------


def test_plain_day_gives_the_wall_time():
    assert local_instant(date(2026, 6, 10), time(9, 0), BERLIN) == utc(2026, 6, 10, 7, 0)
    assert local_instant(date(2026, 1, 10), time(9, 0), BERLIN) == utc(2026, 1, 10, 8, 0)


def test_spring_forward_gap_new_york_sends_when_clocks_jump():
    instant = local_instant(date(2026, 3, 8), time(2, 30), NEW_YORK)
    assert instant == utc(2026, 3, 8, 7, 0)
    assert wall(instant, NEW_YORK) == datetime(2026, 3, 8, 3, 0)


def test_spring_forward_gap_london_sends_at_two_bst():
    instant = local_instant(date(2026, 3, 29), time(1, 30), LONDON)
    assert instant == utc(2026, 3, 29, 1, 0)
    local = instant.astimezone(LONDON)
    assert local.replace(tzinfo=None) == datetime(2026, 3, 29, 2, 0)
    assert local.tzname() == "BST"


@pytest.mark.parametrize("minute", [0, 1, 29, 59])
def test_every_time_inside_the_gap_goes_to_the_jump(minute):
    instant = local_instant(date(2026, 3, 8), time(2, minute), NEW_YORK)
    assert instant == utc(2026, 3, 8, 7, 0)


def test_times_next_to_the_gap_are_untouched():
    assert local_instant(date(2026, 3, 8), time(1, 59), NEW_YORK) == utc(2026, 3, 8, 6, 59)
    assert local_instant(date(2026, 3, 8), time(3, 0), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    assert local_instant(date(2026, 3, 8), time(3, 1), NEW_YORK) == utc(2026, 3, 8, 7, 1)


def test_autumn_fold_new_york_uses_first_occurrence():
    instant = local_instant(date(2026, 11, 1), time(1, 30), NEW_YORK)
    assert instant == utc(2026, 11, 1, 5, 30)
    local = instant.astimezone(NEW_YORK)
    assert local.replace(tzinfo=None) == datetime(2026, 11, 1, 1, 30)
    assert local.tzname() == "EDT"


def test_autumn_fold_london_uses_first_occurrence():
    instant = local_instant(date(2026, 10, 25), time(1, 30), LONDON)
    assert instant == utc(2026, 10, 25, 0, 30)
    assert instant.astimezone(LONDON).tzname() == "BST"


def test_lord_howe_half_hour_gap():
    # 2025-10-05 02:00 +10:30 jumps to 02:30 +11:00
    instant = local_instant(date(2025, 10, 5), time(2, 15), LORD_HOWE)
    assert instant == utc(2025, 10, 4, 15, 30)
    assert wall(instant, LORD_HOWE) == datetime(2025, 10, 5, 2, 30)
    assert instant.astimezone(LORD_HOWE).utcoffset() == timedelta(hours=11)


def test_lord_howe_half_hour_fold_uses_first_occurrence():
    # 2026-04-05 02:00 +11:00 falls back to 01:30 +10:30; 01:45 happens twice
    instant = local_instant(date(2026, 4, 5), time(1, 45), LORD_HOWE)
    assert instant == utc(2026, 4, 4, 14, 45)
    assert instant.astimezone(LORD_HOWE).utcoffset() == timedelta(hours=11)


def test_kathmandu_quarter_hour_offset():
    instant = local_instant(date(2026, 6, 10), time(9, 0), KATHMANDU)
    assert instant == utc(2026, 6, 10, 3, 15)
    instant, day = next_send(time(9, 0), KATHMANDU, utc(2026, 6, 10, 3, 16))
    assert (instant, day) == (utc(2026, 6, 11, 3, 15), date(2026, 6, 11))


def test_local_date_follows_the_zone():
    instant = utc(2026, 6, 10, 23, 30)
    assert local_date(instant, BERLIN) == date(2026, 6, 11)
    assert local_date(instant, NEW_YORK) == date(2026, 6, 10)
    assert local_date(instant, UTC) == date(2026, 6, 10)


# --- next_send -------------------------------------------------------------------------


def test_next_send_before_todays_slot_is_today():
    instant, day = next_send(time(9, 0), BERLIN, utc(2026, 6, 10, 6, 59))
    assert (instant, day) == (utc(2026, 6, 10, 7, 0), date(2026, 6, 10))


def test_next_send_at_todays_slot_is_today():
    instant, day = next_send(time(9, 0), BERLIN, utc(2026, 6, 10, 7, 0))
    assert (instant, day) == (utc(2026, 6, 10, 7, 0), date(2026, 6, 10))


def test_next_send_after_todays_slot_is_tomorrow():
    instant, day = next_send(time(9, 0), BERLIN, utc(2026, 6, 10, 7, 0, 1))
    assert (instant, day) == (utc(2026, 6, 11, 7, 0), date(2026, 6, 11))


def test_next_send_returns_aware_utc():
    instant, _ = next_send(time(9, 0), BERLIN, utc(2026, 6, 10, 6, 0))
    assert instant.utcoffset() == timedelta(0)


def test_done_through_today_skips_today():
    instant, day = next_send(time(9, 0), BERLIN, utc(2026, 6, 10, 6, 0),
                             done_through=date(2026, 6, 10))
    assert (instant, day) == (utc(2026, 6, 11, 7, 0), date(2026, 6, 11))


def test_done_through_in_the_past_changes_nothing():
    instant, day = next_send(time(9, 0), BERLIN, utc(2026, 6, 10, 6, 0),
                             done_through=date(2026, 6, 1))
    assert (instant, day) == (utc(2026, 6, 10, 7, 0), date(2026, 6, 10))


def test_done_through_ahead_skips_to_the_day_after():
    instant, day = next_send(time(9, 0), BERLIN, utc(2026, 6, 10, 6, 0),
                             done_through=date(2026, 6, 12))
    assert (instant, day) == (utc(2026, 6, 13, 7, 0), date(2026, 6, 13))


def test_moving_the_time_later_after_todays_tip_waits_for_tomorrow():
    sent = utc(2026, 6, 10, 7, 0)  # 09:00 Berlin
    instant, day = next_send(time(18, 0), BERLIN, sent + timedelta(minutes=5),
                             done_through=date(2026, 6, 10))
    assert day == date(2026, 6, 11)
    assert instant == utc(2026, 6, 11, 16, 0)


def test_moving_the_time_later_before_todays_tip_keeps_today():
    instant, day = next_send(time(18, 0), BERLIN, utc(2026, 6, 10, 6, 0),
                             done_through=date(2026, 6, 9))
    assert (instant, day) == (utc(2026, 6, 10, 16, 0), date(2026, 6, 10))


@pytest.mark.parametrize(
    ("old", "new", "at"),
    [
        (BERLIN, NEW_YORK, time(9, 0)),       # westward: NY's 09:00 is still ahead
        (TOKYO, BERLIN, time(9, 0)),          # westward
        (TOKYO, LOS_ANGELES, time(9, 0)),     # westward across the date line
        (LONDON, PAGO_PAGO, time(23, 0)),     # westward, far
        (NEW_YORK, BERLIN, time(9, 0)),       # eastward
        (BERLIN, TOKYO, time(9, 0)),          # eastward
        (LONDON, KATHMANDU, time(7, 0)),      # eastward, +5:45
        (PAGO_PAGO, KIRITIMATI, time(9, 0)),  # eastward, 25 hours apart
    ],
)
def test_zone_change_after_todays_tip_never_gives_a_second_tip_that_day(old, new, at):
    today = date(2026, 6, 10)
    sent = local_instant(today, at, old)
    for minutes_later in (1, 60, 6 * 60):
        now = sent + timedelta(minutes=minutes_later)
        instant, day = next_send(at, new, now, done_through=today)
        assert day > today
        assert local_date(instant, new) == day
        assert instant >= now
        assert wall(instant, new).time() == at
        # without the done_through guard the westward cases would repeat today
        if new is NEW_YORK and minutes_later == 1:
            assert next_send(at, new, now)[1] == today


def test_eastward_change_across_midnight_never_repeats_the_new_local_date():
    # Tip at 20:00 UTC on 10 June, which is 05:00 on 11 June in Tokyo. The subscriber
    # then switches to Asia/Tokyo; SubscriptionService passes the last slot's instant.
    sent = utc(2026, 6, 10, 20, 0)
    instant, day = next_send(time(20, 0), TOKYO, sent + timedelta(minutes=5), last_sent=sent)
    assert local_date(instant, TOKYO) != local_date(sent, TOKYO)
    assert day == date(2026, 6, 12)


def test_westward_change_after_todays_tip_waits_for_the_next_new_zone_date():
    # Tip at 20:00 Tokyo on 10 June = 11:00 UTC = 04:00 in Los Angeles on 10 June.
    sent = utc(2026, 6, 10, 11, 0)
    los_angeles = ZoneInfo("America/Los_Angeles")
    instant, day = next_send(time(20, 0), los_angeles, sent + timedelta(minutes=5),
                             last_sent=sent)
    assert day == date(2026, 6, 11)
    assert wall(instant, los_angeles).time() == time(20, 0)


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("UTC+2", utc(2026, 1, 10, 7, 0)),
        ("UTC-03:30", utc(2026, 1, 10, 12, 30)),
        ("UTC+05:45", utc(2026, 1, 10, 3, 15)),
        ("UTC+14", utc(2026, 1, 9, 19, 0)),
        ("UTC-12", utc(2026, 1, 10, 21, 0)),
    ],
)
def test_fixed_offset_zones(text, instant):
    tz = parse_zone(text).tz
    assert local_instant(date(2026, 1, 10), time(9, 0), tz) == instant
    # a fixed offset has no DST: same UTC time of day all year
    for month in range(1, 13):
        got, day = next_send(time(9, 0), tz, utc(2026, month, 5, 0, 0) - timedelta(days=1))
        assert (got.hour, got.minute) == (instant.hour, instant.minute)
        assert wall(got, tz).time() == time(9, 0)
        assert local_date(got, tz) == day


def test_date_line_same_instant_different_days():
    now = utc(2026, 6, 10, 10, 30)
    assert local_date(now, KIRITIMATI) == date(2026, 6, 11)   # 00:30 on the 11th
    assert local_date(now, PAGO_PAGO) == date(2026, 6, 9)     # 23:30 on the 9th

    instant, day = next_send(time(9, 0), KIRITIMATI, now)
    assert (instant, day) == (utc(2026, 6, 10, 19, 0), date(2026, 6, 11))

    instant, day = next_send(time(9, 0), PAGO_PAGO, now)
    assert (instant, day) == (utc(2026, 6, 10, 20, 0), date(2026, 6, 10))


def test_date_line_late_and_early_slots():
    # 23:59 in Kiritimati is 09:59 UTC the same day; 00:01 in Pago Pago is 11:01 UTC
    now = utc(2026, 6, 10, 9, 58)
    assert next_send(time(23, 59), KIRITIMATI, now) == (utc(2026, 6, 10, 9, 59),
                                                        date(2026, 6, 10))
    assert next_send(time(0, 1), PAGO_PAGO, now) == (utc(2026, 6, 10, 11, 1),
                                                     date(2026, 6, 10))
    # a minute later Kiritimati's 23:59 for the 10th is gone: the 11th is next
    assert next_send(time(23, 59), KIRITIMATI, utc(2026, 6, 10, 10, 0)) == (
        utc(2026, 6, 11, 9, 59), date(2026, 6, 11))


def test_daily_cycle_across_the_date_line():
    for tz in (KIRITIMATI, PAGO_PAGO):
        day = date(2026, 12, 28)
        instant = local_instant(day, time(0, 0), tz)
        for _ in range(10):
            instant, new_day = next_send(time(0, 0), tz, instant, done_through=day)
            assert new_day == day + timedelta(days=1)
            assert wall(instant, tz) == datetime.combine(new_day, time(0, 0))
            day = new_day


# --- a whole year, day by day ------------------------------------------------------------


YEAR_CASES = [
    # zone, chosen time, {gap day: wall time actually used}
    (NEW_YORK, time(2, 30), {date(2026, 3, 8): time(3, 0)}),
    (NEW_YORK, time(1, 30), {}),  # fold on 2026-11-01
    (LONDON, time(1, 30), {date(2026, 3, 29): time(2, 0)}),  # fold on 2026-10-25 too
    (LORD_HOWE, time(2, 15), {date(2026, 10, 4): time(2, 30)}),
    (LORD_HOWE, time(1, 45), {}),  # fold on 2026-04-05
    (BERLIN, time(9, 0), {}),
]


@pytest.mark.parametrize(("tz", "at", "gaps"), YEAR_CASES,
                         ids=lambda v: getattr(v, "key", str(v)))
@pytest.mark.parametrize("tick_delay", [timedelta(0), timedelta(seconds=20),
                                        timedelta(hours=3)])
def test_a_year_of_sends_has_each_local_date_exactly_once(tz, at, gaps, tick_delay):
    start = date(2026, 1, 1)
    day = start
    instant = local_instant(day, at, tz)
    sends = [(instant, day)]
    for _ in range(400):
        # the scheduler runs at (or a little after) the slot and books the next one
        instant, day = next_send(at, tz, instant + tick_delay, done_through=day)
        sends.append((instant, day))

    days = [d for _, d in sends]
    assert days == [start + timedelta(days=i) for i in range(len(sends))]
    assert len({local_date(i, tz) for i, _ in sends}) == len(sends)
    for (earlier, _), (later, _) in pairwise(sends):
        assert timedelta(hours=22) < later - earlier < timedelta(hours=26)
    for instant, d in sends:
        assert local_date(instant, tz) == d
        local = instant.astimezone(tz)
        expected = gaps.get(d, at)
        assert local.time() == expected, d
        if d not in gaps:
            # a repeated wall time is sent at its first occurrence only
            assert local.fold == 0


def test_a_year_without_done_through_still_moves_one_day_at_a_time():
    day = date(2026, 1, 1)
    instant = local_instant(day, time(2, 30), NEW_YORK)
    seen = {day}
    for _ in range(365):
        instant, day = next_send(time(2, 30), NEW_YORK, instant + timedelta(seconds=1))
        assert day not in seen
        seen.add(day)
    assert len(seen) == 366
    assert max(seen) - min(seen) == timedelta(days=365)


def test_a_skipped_calendar_day_does_not_send_twice_the_next_day():
    apia = ZoneInfo("Pacific/Apia")
    day = date(2011, 12, 27)
    instant = local_instant(day, time(9, 0), apia)
    sends = [(instant, day)]
    for _ in range(5):
        instant, day = next_send(time(9, 0), apia, instant, done_through=day)
        sends.append((instant, day))
    for instant, day in sends:
        assert local_date(instant, apia) == day
    assert len({local_date(i, apia) for i, _ in sends}) == len(sends)
