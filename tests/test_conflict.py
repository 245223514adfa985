"""Telegram's 409 Conflict: a rolling deploy's short overlap is retried for 60 s, a second
bot that keeps polling stops this one (the process side is in tests/test_process.py)."""

from __future__ import annotations

import pytest

from bot.runtime.lifecycle import ConflictSpell, Verdict


class Seconds:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def spell_at(grace: float = 60) -> tuple[ConflictSpell, Seconds]:
    clock = Seconds()
    return ConflictSpell(grace, clock), clock


def conflicts_at(spell: ConflictSpell, clock: Seconds, offsets: list[float]) -> list[Verdict]:
    start = clock.now
    verdicts = []
    for offset in offsets:
        clock.now = start + offset
        verdicts.append(spell.seen())
    return verdicts


def test_a_deploy_overlap_within_60_seconds_is_retried_and_said_once():
    spell, clock = spell_at()
    # PTB's polling loop retries after 1, 1.5, 2.25 … seconds
    verdicts = conflicts_at(spell, clock, [0, 1, 2.5, 4.75, 8.1, 13.2, 20.8, 32.2, 49.3, 60])
    assert verdicts[0] is Verdict.FIRST
    assert verdicts[1:] == [Verdict.RETRY] * 9


def test_a_conflict_past_60_seconds_stops_the_bot():
    spell, clock = spell_at()
    verdicts = conflicts_at(spell, clock, [0, 1, 2.5, 4.75, 8.1, 13.2, 20.8, 32.2, 49.3, 60.5])
    assert verdicts[-1] is Verdict.STOP
    assert Verdict.STOP not in verdicts[:-1]


def test_a_second_bot_whose_polls_sometimes_succeed_still_stops_this_one():
    """Two bots polling take turns: between 409s a poll may succeed, up to 30 s apart (PTB's
    longest wait) plus a 10 s long poll. Those gaps do not start a fresh minute of grace."""
    spell, clock = spell_at()
    verdicts = conflicts_at(spell, clock, [0, 40, 80])
    assert verdicts == [Verdict.FIRST, Verdict.RETRY, Verdict.STOP]


def test_a_later_overlap_after_a_quiet_minute_gets_its_own_60_seconds():
    spell, clock = spell_at()
    assert conflicts_at(spell, clock, [0, 1, 20]) == [Verdict.FIRST, Verdict.RETRY,
                                                       Verdict.RETRY]
    clock.now += 61  # the deploy is done; no 409 for over a minute
    assert conflicts_at(spell, clock, [0, 30, 59]) == [Verdict.FIRST, Verdict.RETRY,
                                                        Verdict.RETRY]


@pytest.mark.parametrize(("grace", "offsets"), [(2, [0, 1, 1.5, 2.5]),
                                                 (90, [0, 1, 45, 89.5, 90.5])])
def test_the_retry_time_is_the_configured_one(grace, offsets):
    spell, clock = spell_at(grace)
    verdicts = conflicts_at(spell, clock, offsets)
    assert verdicts[0] is Verdict.FIRST
    assert verdicts[1:-1] == [Verdict.RETRY] * (len(offsets) - 2)
    assert verdicts[-1] is Verdict.STOP
