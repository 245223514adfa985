"""Button data: round-trips, fits Telegram's 64 bytes, and refuses forged or garbled input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.diary.flow import Action, Draft
from bot.diary.models import CheckInAnswer, Duration, Muscle, Severity, Trigger, When
from bot.ui.callbacks import (
    CallbackData,
    CancelDraftButton,
    ChartButton,
    CheckInButton,
    DiarySetting,
    DraftButton,
    EntryButton,
    LogStart,
)

DIARY_KINDS: tuple[type[CallbackData], ...] = (DraftButton, CancelDraftButton, EntryButton,
                                               CheckInButton, LogStart, ChartButton,
                                               DiarySetting)


def parse(data: object) -> CallbackData | None:
    """Any diary button's data, or None for anything a diary button could not carry."""
    for kind in DIARY_KINDS:
        button = kind.parse(data)
        if button is not None:
            return button
    return None


BIGGEST_ROWID = 9223372036854775807  # SQLite's INTEGER PRIMARY KEY maximum, 2**63 - 1

drafts = st.builds(Draft, st.none() | st.sampled_from(Muscle),
                   st.none() | st.sampled_from(Severity),
                   st.none() | st.sampled_from(Duration), st.none() | st.sampled_from(When))
ids = st.integers(min_value=1, max_value=BIGGEST_ROWID)
plain_actions = st.sampled_from([a for a in Action if a is not Action.TRIGGER])
entry_buttons = (st.builds(EntryButton, plain_actions, ids)
                 | st.builds(EntryButton, st.just(Action.TRIGGER), ids,
                             st.sampled_from(Trigger)))
checkin_buttons = st.builds(CheckInButton, st.sampled_from(CheckInAnswer),
                            st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
buttons = (st.builds(DraftButton, drafts) | entry_buttons | checkin_buttons
           | st.just(CancelDraftButton()))


def test_examples_read_as_documented():
    full = Draft(Muscle.CALF, Severity.SEVERE, Duration.ONE_TO_10, When.LAST_NIGHT)
    assert DraftButton(full).pack() == "cd:0210"
    assert DraftButton(Draft(muscle=Muscle.HAND)).pack() == "cd:4---"
    assert EntryButton(Action.TRIGGER, 42, Trigger.NEW_MEDICINE).pack() == "ce:t4:42"
    assert EntryButton(Action.SAFETY_YES, 42).pack() == "ce:s1:42"
    assert CheckInButton(CheckInAnswer.NO_CRAMPS, date(2026, 3, 2)).pack() == "ck:n:20260302"
    assert parse("cd:0210") == DraftButton(full)
    assert parse("ck:y:20260302") == CheckInButton(CheckInAnswer.CRAMPS, date(2026, 3, 2))
    assert parse("cx") == CancelDraftButton()


@given(buttons)
def test_round_trip_and_64_bytes(button):
    data = button.pack()
    assert len(data.encode("utf-8")) <= 64
    assert parse(data) == button
    assert type(button).parse(data) == button


def test_the_longest_entry_data_fits():
    data = EntryButton(Action.TRIGGER, BIGGEST_ROWID, Trigger.PREGNANCY).pack()
    assert data == "ce:t6:9223372036854775807"
    assert len(data.encode("utf-8")) <= 64


@pytest.mark.parametrize("data", [
    "", "cd", "cd:", "cd:----x", "cd:---", "cd:6---", "cd:03--", "cd:0-3-", "cd:0--3",
    "cd:٠---", "CD:0---", " cd:0---", "cd:0---\n",
    "cx:", "cx ",
    "ce:u:0", "ce:u:042", "ce:u:-1", "ce:u:9223372036854775808", "ce:u:99999999999999999999",
    "ce:u:١٢", "ce:u:1.0", "ce:t7:1", "ce:t:1", "ce:s2:1", "ce:q:1", "ce:u", "ce:u:",
    "ce:u:1:2", "ce:w:0x10",
    "ck:y:20260230", "ck:y:20261301", "ck:y:2026032", "ck:m:20260302", "ck:y:19990101",
    "ck:y:２０２６0302", "ck:n:20260302:1",
    "fb:up:x", "menu:tip",
])
def test_forged_and_garbled_data_is_refused(data):
    assert parse(data) is None


def test_constructing_out_of_range_buttons_fails_loudly():
    with pytest.raises(ValueError):
        EntryButton(Action.UNDO, 0)
    with pytest.raises(ValueError):
        EntryButton(Action.UNDO, BIGGEST_ROWID + 1)
    with pytest.raises(ValueError):
        EntryButton(Action.TRIGGER, 1)
    with pytest.raises(ValueError):
        EntryButton(Action.UNDO, 1, Trigger.HEAT)


@given(st.text(max_size=80))
def test_fuzzed_text_never_raises_and_only_canonical_data_parses(data):
    button = parse(data)
    if button is not None:
        assert button.pack() == data


@given(st.binary(max_size=80))
def test_fuzzed_bytes_never_raise(raw):
    for text in (raw.decode("utf-8", "surrogateescape"), raw.decode("latin-1")):
        button = parse(text)
        if button is not None:
            assert button.pack() == text


@given(st.from_regex(r"\A(cd|cx|ce|ck):[0-9a-z:\-]{0,30}\Z"))
def test_near_misses_never_raise(data):
    button = parse(data)
    if button is not None:
        assert button.pack() == data
