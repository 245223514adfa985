"""CSV export: round-trips through Python's csv module; formula cells cannot run."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.diary.export import checkins_csv, entries_csv, inert, settings_csv
from bot.diary.models import Duration, Muscle, Severity, Trigger
from tests.diary.helpers import night_cramp, no_cramps


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(("cell", "shown"), [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("calf", "calf"), ("a=b", "a=b"), ("", ""), ("Europe/Berlin", "Europe/Berlin"),
])
def test_formula_starts_are_made_text(cell, shown):
    assert inert(cell) == shown


def test_hostile_settings_round_trip_escaped():
    hostile = {
        "timezone": "=HYPERLINK(\"http://x\",\"y\")",
        "note": "-2+3",
        "profile": "@cmd|' /C calc'!A0",
        "quoted": 'a "b", c\nd',
        "daily_time": "07:30",
    }
    read = rows(settings_csv(hostile))
    assert read[0] == ["setting", "value"]
    assert read[1:] == [
        ["timezone", "'=HYPERLINK(\"http://x\",\"y\")"],
        ["note", "'-2+3"],
        ["profile", "'@cmd|' /C calc'!A0"],
        ["quoted", 'a "b", c\nd'],
        ["daily_time", "07:30"],
    ]


@given(st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=5))
def test_any_settings_round_trip_and_no_cell_starts_a_formula(settings):
    read = rows(settings_csv(settings))
    assert read[1:] == [[inert(k), inert(v)] for k, v in settings.items()]
    for row in read[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_entries_csv_reads_back_as_written():
    first = night_cramp(date(2026, 3, 2), muscle=Muscle.CALF, severity=Severity.SEVERE,
                        duration=Duration.OVER_10, woke_up=True,
                        triggers={Trigger.NEW_MEDICINE, Trigger.EXERCISE})
    second = night_cramp(date(2026, 3, 1), muscle=Muscle.FOOT)
    read = list(csv.DictReader(io.StringIO(entries_csv([first, second]), newline="")))
    assert [r["local_date"] for r in read] == ["2026-03-01", "2026-03-02"]  # oldest first
    assert read[1] == {
        "local_date": "2026-03-02", "part_of_day": "night",
        "logged_at_utc": "2026-03-02T06:30:00Z", "muscle": "calf", "severity": "severe",
        "duration": "over_10_min", "when": "last_night", "woke_up": "yes",
        "triggers": "exercise;new_medicine", "swollen_warm_or_red": "",
    }
    assert read[0]["woke_up"] == "" and read[0]["triggers"] == ""


def test_checkins_csv():
    read = list(csv.DictReader(io.StringIO(checkins_csv([no_cramps(date(2026, 3, 3))]),
                                           newline="")))
    assert read == [{"night_of": "2026-03-03", "answer": "no_cramps",
                     "answered_at_utc": "2026-03-03T06:30:00Z"}]


def test_every_field_is_quoted():
    text = settings_csv({"a": "1"})
    assert text == '"setting","value"\r\n"a","1"\r\n'
