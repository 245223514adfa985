"""The week side by side as pure builders: empty versus zero, counts (never streaks) and
their phrasing, the careful sentence once in every language, the CSV's per-day columns
and the PNG in every language."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

from bot.core.i18n import use_locale
from bot.diary import chart
from bot.diary.chart import missing_glyphs, nights_series
from bot.diary.days import DayLogs, week_days
from bot.diary.models import (
    CheckIn,
    CheckInAnswer,
    Duration,
    Muscle,
    Severity,
    When,
    new_entry,
)
from bot.diary.report import build_report, report_csv
from bot.diary.weekly import weekly_picture
from bot.ui import formats, texts
from tips.reference import load_causes

MONDAY = date(2026, 11, 23)
LOCALES = ("en", "ru", "es", "pt-BR")
CAREFUL = {
    "en": "A diary shows what moves together, not what causes what.",
    "ru": "Дневник показывает, что меняется вместе, а не что чем вызвано.",
    "es": "Un diario muestra qué cambia a la vez, no qué causa qué.",
    "pt-BR": "Um diário mostra o que muda junto, não o que causa o quê.",
}


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def night_cramp(n: int, when: When = When.LAST_NIGHT):
    logged = datetime.combine(day(n), datetime.min.time(), UTC).replace(hour=12)
    return new_entry(chat_id=1, muscle=Muscle.CALF, severity=Severity.MILD,
                     duration=Duration.UNDER_1, when=when, logged_at=logged, tz=UTC)


def checkin(n: int, answer: CheckInAnswer) -> CheckIn:
    return CheckIn(1, day(n), answer, datetime.combine(day(n), datetime.min.time(), UTC))


def test_nothing_recorded_is_empty_and_zero_only_where_it_is_true():
    week = week_days(
        [night_cramp(0), night_cramp(0), night_cramp(2, When.EARLIER_TODAY)],
        [checkin(1, CheckInAnswer.NO_CRAMPS), checkin(3, CheckInAnswer.CRAMPS)],
        DayLogs(stretches=(day(4),)), MONDAY, day(6))
    assert [d.night_cramps for d in week.days] == [2, 0, None, None, None, None, None]
    assert [d.glasses for d in week.days] == [None] * 7  # water log unused this week
    assert [d.mg for d in week.days] == [None] * 7
    assert [d.stretched for d in week.days] == [False] * 4 + [True, False, False]
    assert (week.cramp_nights, week.cramp_free_nights, week.water_days, week.glasses,
            week.mg, week.stretch_days) == (1, 1, 0, None, None, 1)


def test_a_week_using_the_logs_counts_days_without_an_entry_as_zero_logged():
    logs = DayLogs(glasses=(day(0), day(0), day(5), day(-1), day(7)),
                   foods=((day(3), 80), (day(3), 78), (day(8), 80)))
    week = week_days([], [], logs, MONDAY, day(6))
    assert [d.glasses for d in week.days] == [2, 0, 0, 0, 0, 1, 0]
    assert [d.mg for d in week.days] == [0, 0, 0, 158, 0, 0, 0]
    assert (week.water_days, week.glasses, week.mg) == (2, 3, 158)


def test_the_current_week_stops_at_today():
    week = week_days([], [], DayLogs(glasses=(day(4),)), MONDAY, day(2))
    assert [d.day for d in week.days] == [day(0), day(1), day(2)]
    assert week.water_days == 0 and week.glasses is None  # nothing logged in these days
    with pytest.raises(ValueError):
        week_days([], [], DayLogs(), day(1), day(2))


def counts(entries, checkins, logs, today=None):
    with use_locale("en"):
        return texts.days_counts(week_days(entries, checkins, logs, MONDAY, today or day(6)))


def test_counts_are_phrased_as_counts_and_shown_only_for_what_was_used():
    assert counts([], [], DayLogs()) == ["🌙 0 nights with cramps, 0 cramp-free"]
    assert counts([night_cramp(0)], [checkin(n, CheckInAnswer.NO_CRAMPS) for n in (1, 2, 3, 4)],
                  DayLogs(glasses=tuple(day(n) for n in range(6)),
                          stretches=tuple(day(n) for n in range(5)))) == [
        "🌙 1 night with cramps, 4 cramp-free",
        "💧 Water logged on 6 of 7 days",
        "🧘 Stretched on 5 of 7 days",
    ]
    assert counts([], [], DayLogs(glasses=(MONDAY,), stretches=(MONDAY,)))[1:] == [
        "💧 Water logged on 1 of 7 days",
        "🧘 Stretched on 1 of 7 days",
    ]
    assert counts([], [], DayLogs(glasses=(MONDAY,), stretches=(MONDAY,)), today=MONDAY) == [
        "🌙 0 nights with cramps, 0 cramp-free",
        "💧 Water logged on 1 of 1 day",
        "🧘 Stretched on 1 of 1 day",
    ]


def a_week():
    entries = [night_cramp(0), night_cramp(2)]
    checkins = [checkin(1, CheckInAnswer.NO_CRAMPS)]
    logs = DayLogs(glasses=(day(0), day(1)), foods=((day(3), 80),), stretches=(day(0),))
    return entries, checkins, logs


@pytest.mark.parametrize("locale", LOCALES)
def test_the_careful_sentence_comes_once_in_the_picture_and_the_report(locale):
    entries, checkins, logs = a_week()
    picture = weekly_picture(entries, checkins, day(6))
    report = build_report(entries, checkins, day(6), 4, logs)
    with use_locale(locale):
        weekly = texts.weekly_summary(picture, nights_series(picture.history), load_causes(),
                                      None, week_days(entries, checkins, logs, MONDAY, day(6)))
        written = texts.report_text(report)
    sentence = CAREFUL[locale]
    assert weekly.count(sentence) == 1 and written.count(sentence) == 1
    for text in (weekly, written):
        assert "prevent" not in text.lower() and "supplement" not in text.lower()


def test_the_report_csv_has_per_day_columns_that_load_and_add_up():
    entries, checkins, logs = a_week()
    report = build_report(entries, checkins, day(2), 4, logs)  # a Wednesday: 3 days so far
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert len(rows) == 4
    week = rows[-1]
    for name in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        for column in ("date", "night_cramps", "glasses", "magnesium_mg_estimate",
                       "stretched"):
            assert f"{name}_{column}" in week
    assert [week["mon_night_cramps"], week["tue_night_cramps"], week["wed_night_cramps"],
            week["thu_night_cramps"]] == ["1", "0", "1", ""]
    assert [week["mon_glasses"], week["tue_glasses"], week["wed_glasses"],
            week["thu_glasses"]] == ["1", "1", "0", ""]  # Thursday has not come yet
    assert (week["days_water_logged"], week["glasses_logged"], week["days_stretched"],
            week["cramp_free_nights"], week["nights_with_cramps"]) == ("2", "2", "1", "1", "2")
    assert week["magnesium_mg_estimate"] == ""  # no food logged in the days so far
    assert rows[0]["glasses_logged"] == "" and rows[0]["mon_glasses"] == ""


@pytest.mark.parametrize("locale", LOCALES)
def test_the_days_png_renders_in_every_language_at_a_readable_size(locale):
    entries, checkins, logs = a_week()
    week = week_days(entries, checkins, logs, MONDAY, day(6))
    with use_locale(locale):
        words = [texts.days_title(week), *texts.days_row_labels(), texts.days_total_label(),
                 texts.days_png_note(), *texts.days_labels(week)]
        png = chart.days_png(week, title=words[0], day_labels=texts.days_labels(week),
                             row_labels=texts.days_row_labels(),
                             total_label=texts.days_total_label(), note=texts.days_png_note(),
                             number=formats.number)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (960, 540)
    assert [missing_glyphs(word) for word in words] == [""] * len(words)
    if locale != "en":
        with use_locale("en"):
            assert words[1:5] != [*texts.days_row_labels(), texts.days_total_label()]
