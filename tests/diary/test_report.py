"""The doctor report: 4, 8 or 12 weeks, totals, coverage, the same numbers in its CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from bot.diary.models import Duration, Muscle, Severity, Trigger
from bot.diary.report import build_report, parse_weeks, report_csv
from tests.diary.helpers import day_cramp, night_cramp, no_cramps

TODAY = date(2026, 3, 8)  # a Sunday
FIRST = date(2026, 2, 9)  # the Monday four weeks back


@pytest.mark.parametrize(("argument", "weeks"), [
    (None, 4), ("", 4), ("4", 4), ("8", 8), ("12", 12), (" 8 ", 8),
    ("5", None), ("0", None), ("-4", None), ("twelve", None), ("٨", None), ("8 weeks", None),
    ("1" * 5000, None),
])
def test_parse_weeks(argument, weeks):
    assert parse_weeks(argument) == weeks


def data():
    entries = [
        # the week before the report: three nights, so the first week's rule has its past
        *(night_cramp(date(2026, 2, 2) + timedelta(days=d)) for d in range(3)),
        # week 1 (9 Feb): three nights, one over 10 minutes
        night_cramp(FIRST, severity=Severity.SEVERE, duration=Duration.OVER_10),
        night_cramp(FIRST + timedelta(days=1), muscle=Muscle.FOOT, woke_up=True),
        night_cramp(FIRST + timedelta(days=2), triggers={Trigger.NEW_MEDICINE}),
        # week 3 (23 Feb): one daytime cramp
        day_cramp(date(2026, 2, 25)),
    ]
    checkins = [no_cramps(date(2026, 3, 2) + timedelta(days=d)) for d in range(7)]
    return entries, checkins


def test_four_week_report_totals_and_coverage():
    report = build_report(*data(), TODAY, 4)
    assert (report.first_day, report.last_day) == (FIRST, TODAY)
    assert [w.start for w in report.weeks] == [date(2026, 2, 9), date(2026, 2, 16),
                                               date(2026, 2, 23), date(2026, 3, 2)]
    assert report.entries == 4  # the week before is not in the report
    assert report.nights_with_cramps == 3
    assert report.days_with_cramps == 1
    assert report.disturbed_nights == 1
    assert report.nights_in_period == 28
    assert report.checkins_answered == 7
    assert report.nights_recorded == 10
    assert report.coverage_percent == 36  # 10 / 28 = 35.7 %
    assert report.severity == {Severity.MILD: 1, Severity.MODERATE: 2, Severity.SEVERE: 1}
    assert report.durations[Duration.OVER_10] == 1
    assert report.muscles[Muscle.FOOT] == 1 and report.muscles[Muscle.CALF] == 2
    assert report.triggers[Trigger.NEW_MEDICINE] == 1
    assert report.rules == ((FIRST, "rule_over_10_min"), (FIRST, "rule_severe"),
                            (FIRST, "rule_frequent_nights"), (FIRST, "rule_new_medicine"))


def test_eight_and_twelve_weeks_and_nothing_else():
    assert len(build_report([], [], TODAY, 8).weeks) == 8
    twelve = build_report([], [], TODAY, 12)
    assert len(twelve.weeks) == 12 and twelve.first_day == date(2025, 12, 15)
    assert twelve.coverage_percent == 0
    with pytest.raises(ValueError):
        build_report([], [], TODAY, 6)


def test_midweek_report_counts_only_nights_so_far():
    wednesday = date(2026, 3, 4)
    report = build_report([], [no_cramps(wednesday)], wednesday, 4)
    assert report.nights_in_period == 21 + 3
    assert report.nights_recorded == 1


def test_report_csv_has_a_row_per_week_with_the_same_numbers():
    report = build_report(*data(), TODAY, 4)
    read = list(csv.DictReader(io.StringIO(report_csv(report), newline="")))
    assert [r["week_start"] for r in read] == ["2026-02-09", "2026-02-16", "2026-02-23",
                                               "2026-03-02"]
    first = read[0]
    assert (first["week_end"], first["days"], first["entries"],
            first["nights_with_cramps"]) == ("2026-02-15", "7", "3", "3")
    assert (first["severity_severe"], first["duration_over_10_min"], first["muscle_foot"],
            first["trigger_new_medicine"], first["nights_sleep_disturbed"]) == (
        "1", "1", "1", "1", "1")
    assert first["rules"] == ("rule_over_10_min;rule_severe;rule_frequent_nights;"
                              "rule_new_medicine")
    assert read[2]["days_with_cramps"] == "1"
    assert read[3]["checkins_answered"] == "7" and read[3]["rules"] == ""
    assert sum(int(r["entries"]) for r in read) == report.entries
