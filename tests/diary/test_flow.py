"""The logging steps: four taps to a minimal entry, presets, the safety question once."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date

import pytest

from bot.diary.flow import (
    Action,
    Ask,
    Closed,
    Complete,
    Draft,
    Rejected,
    Removed,
    Step,
    Updated,
    advance,
    apply,
    needs_safety_question,
    safety_pending,
    start,
)
from bot.diary.models import Duration, Muscle, Severity, Trigger, When
from bot.ui.callbacks import DraftButton
from tests.diary.helpers import night_cramp


def tap_through(first: Ask, picks: dict[Step, object]) -> tuple[Complete, int, list[Step]]:
    """Press one button per question, as Telegram would: data out, data back in."""
    state, taps, asked = first, 0, []
    while isinstance(state, Ask):
        asked.append(state.step)
        choice = picks[state.step]
        assert choice in state.options
        data = DraftButton(state.draft.with_choice(choice)).pack()
        parsed = DraftButton.parse(data)
        assert parsed is not None
        state = advance(parsed.draft)
        taps += 1
    return state, taps, asked


ALL = list(itertools.product(Muscle, Severity, Duration, When))


@pytest.mark.parametrize(("muscle", "severity", "duration", "when"), ALL)
def test_every_minimal_entry_takes_exactly_four_taps(muscle, severity, duration, when):
    picks = {Step.MUSCLE: muscle, Step.SEVERITY: severity, Step.DURATION: duration,
             Step.WHEN: when}
    done, taps, asked = tap_through(start(), picks)
    assert taps == 4
    assert asked == [Step.MUSCLE, Step.SEVERITY, Step.DURATION, Step.WHEN]
    assert done == Complete(muscle, severity, duration, when)


def test_the_questions_offer_the_issue_s_choices():
    first = start()
    assert [o.value for o in first.options] == ["calf", "foot", "thigh", "hamstring", "hand",
                                                "other"]
    assert first.taps_so_far == 0
    second = advance(Draft(muscle=Muscle.FOOT))
    assert [o.value for o in second.options] == ["mild", "moderate", "severe"]
    third = advance(Draft(muscle=Muscle.FOOT, severity=Severity.MILD))
    assert [o.value for o in third.options] == ["under_1_min", "1_to_10_min", "over_10_min"]
    fourth = advance(Draft(Muscle.FOOT, Severity.MILD, Duration.UNDER_1))
    assert [o.value for o in fourth.options] == ["last_night", "earlier_today", "just_now"]
    assert fourth.taps_so_far == 3


def test_sos_log_it_starts_with_the_muscle_chosen():
    first = start(muscle=Muscle.HAND)
    assert first.step is Step.SEVERITY
    picks = {Step.SEVERITY: Severity.MILD, Step.DURATION: Duration.UNDER_1,
             Step.WHEN: When.JUST_NOW}
    done, taps, _ = tap_through(first, picks)
    assert taps == 3
    assert done.muscle is Muscle.HAND


def test_checkin_yes_starts_with_last_night_chosen_and_skips_that_question():
    first = start(when=When.LAST_NIGHT)
    picks = {Step.MUSCLE: Muscle.CALF, Step.SEVERITY: Severity.MILD,
             Step.DURATION: Duration.UNDER_1}
    done, taps, asked = tap_through(first, picks)
    assert taps == 3
    assert Step.WHEN not in asked
    assert done.when is When.LAST_NIGHT


@pytest.mark.parametrize(("muscle", "severity", "duration", "asks"), [
    (Muscle.CALF, Severity.SEVERE, Duration.UNDER_1, True),
    (Muscle.CALF, Severity.MILD, Duration.OVER_10, True),
    (Muscle.CALF, Severity.SEVERE, Duration.OVER_10, True),
    (Muscle.CALF, Severity.MODERATE, Duration.ONE_TO_10, False),  # just below both
    (Muscle.FOOT, Severity.SEVERE, Duration.OVER_10, False),
    (Muscle.HAMSTRING, Severity.SEVERE, Duration.OVER_10, False),
])
def test_safety_question_only_for_a_severe_or_long_calf_cramp(muscle, severity, duration,
                                                              asks):
    assert needs_safety_question(muscle, severity, duration) is asks


def saved(**kwargs):
    return dataclasses.replace(night_cramp(date(2026, 3, 2), **kwargs), id=42)


def test_safety_question_is_asked_once_and_yes_is_urgent():
    entry = saved(severity=Severity.SEVERE)
    assert safety_pending(entry)
    yes = apply(entry, Action.SAFETY_YES)
    assert isinstance(yes, Updated) and yes.urgent and yes.entry.red_flags is True
    assert not safety_pending(yes.entry)
    no = apply(entry, Action.SAFETY_NO)
    assert isinstance(no, Updated) and not no.urgent and no.entry.red_flags is False
    assert not safety_pending(no.entry)


def test_a_stale_yes_still_gets_the_urgent_advice():
    answered_no = dataclasses.replace(saved(duration=Duration.OVER_10), red_flags=False)
    outcome = apply(answered_no, Action.SAFETY_YES)
    assert isinstance(outcome, Updated) and outcome.urgent


def test_forged_safety_answer_for_a_foot_cramp_is_rejected():
    assert apply(saved(muscle=Muscle.FOOT, severity=Severity.SEVERE),
                 Action.SAFETY_YES) == Rejected()


def test_optional_details_toggle():
    entry = saved()
    woke = apply(entry, Action.WOKE)
    assert isinstance(woke, Updated) and woke.entry.woke_up is True
    unwoke = apply(woke.entry, Action.WOKE)
    assert isinstance(unwoke, Updated) and unwoke.entry.woke_up is False
    tagged = apply(entry, Action.TRIGGER, Trigger.HEAT)
    assert isinstance(tagged, Updated) and tagged.entry.triggers == {Trigger.HEAT}
    untagged = apply(tagged.entry, Action.TRIGGER, Trigger.HEAT)
    assert isinstance(untagged, Updated) and untagged.entry.triggers == frozenset()
    assert apply(entry, Action.TRIGGER) == Rejected()


def test_undo_delete_and_done():
    entry = saved()
    assert apply(entry, Action.UNDO) == Removed(42)
    assert apply(entry, Action.DELETE) == Removed(42)
    assert apply(entry, Action.DONE) == Closed(entry)
    assert apply(dataclasses.replace(entry, id=None), Action.UNDO) == Rejected()
