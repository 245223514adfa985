"""The diary's sentences: /sos warning first, valid Telegram HTML, rules stated when fired."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from bot.core.htmlcheck import check_html
from bot.diary.chart import nights_series
from bot.diary.flow import advance, start
from bot.diary.models import CheckInAnswer, Duration, Muscle, Severity, Trigger
from bot.diary.report import build_report
from bot.diary.weekly import RULES, week_stats, weekly_picture
from bot.ui import texts as t
from tests.diary.helpers import night_cramp
from tips.reference import load_causes

CAUSES = load_causes()

SUNDAY = date(2026, 3, 8)
THIS_MON = date(2026, 3, 2)


def valid(text: str) -> str:
    assert check_html(text) is None, check_html(text)
    assert len(text) <= 4096
    return text


def test_sos_is_one_message_with_the_warning_first_and_every_muscle():
    text = valid(t.sos(CAUSES))
    first_line = text.splitlines()[0]
    assert "swollen, warm or red" in first_line
    assert "Call your local emergency number now." in first_line
    for section in ("Calf", "Foot", "Front of thigh", "Back of thigh", "Hand", "Afterwards"):
        assert f"<b>{section}</b>" in text
    assert "?" not in text  # help first, no question


def test_urgent_advice_says_same_day_help_and_emergency_with_breathlessness():
    text = valid(t.urgent_advice(CAUSES, "112"))
    assert "Get medical help the same day." in text
    assert "Breathless" in text and "chest" in text
    assert "Call 112 now." in text
    unknown = valid(t.urgent_advice(CAUSES, None))
    assert "Call your local emergency number now." in unknown


def test_step_prompts_count_to_four():
    assert "1 of 4" in valid(t.step_prompt(start()))
    third = advance(dataclasses.replace(start().draft, muscle=Muscle.CALF,
                                        severity=Severity.SEVERE))
    text = valid(t.step_prompt(third))
    assert "3 of 4" in text and "Calf · Severe" in text and "How long" in text


def test_saved_summary_leads_with_the_safety_question_when_it_applies():
    entry = night_cramp(THIS_MON, severity=Severity.SEVERE, woke_up=True,
                        triggers={Trigger.HEAT})
    asking = valid(t.entry_saved(entry, safety_pending=True))
    assert "Mon 2 Mar, night · Calf · severe · Under 1 min · woke me · ☀️ Heat" in asking
    assert asking.strip().endswith("swollen, warm or red?</b>")
    assert t.extras_hint() in valid(t.entry_saved(entry, safety_pending=False))


def test_checkin_and_stretch_texts():
    assert "Any cramps last night (Mon 2 Mar)?" in valid(t.checkin_question(THIS_MON))
    assert "without cramps" in valid(t.checkin_recorded(CheckInAnswer.NO_CRAMPS))
    stretch = valid(t.evening_stretch())
    assert "Calves" in stretch and "Backs of thighs" in stretch and "never pain" in stretch


def test_every_rule_has_a_sentence_that_states_it():
    week = week_stats([], [], THIS_MON, SUNDAY)
    for rule in RULES:
        sentence = valid(t.rule_sentence(rule.key, week, week))
        assert "Rule:" in sentence or "rule of thumb" in sentence
    with pytest.raises(KeyError):
        t.rule_sentence("rule_unknown", week, None)


def test_weekly_summary_states_fired_rules_and_suggests_a_doctor():
    entries = [night_cramp(THIS_MON - timedelta(days=7) + timedelta(days=d))
               for d in range(3)]
    entries += [night_cramp(THIS_MON + timedelta(days=d), woke_up=True) for d in range(3)]
    entries.append(night_cramp(SUNDAY, duration=Duration.OVER_10, muscle=Muscle.FOOT))
    picture = weekly_picture(entries, [], SUNDAY)
    text = valid(t.weekly_summary(picture, nights_series(picture.history), CAUSES))
    assert "2–8 Mar" in text
    assert "Nights with cramps: <b>4</b> (3)" in text
    assert "Cramps on 4 nights or days this week and 3 last week" in text
    assert "3 or more nights or days a week, two weeks running" in text
    assert "woke you on 3 nights" in text
    assert "over 10 minutes" in text
    assert t.doctor_suggestion() in text
    assert "Longest: Over 10 min" in text and "Most often: calf" in text


def test_quiet_week_summary_says_no_rule_fired():
    picture = weekly_picture([], [], SUNDAY)
    text = valid(t.weekly_summary(picture, nights_series(picture.history), CAUSES))
    assert "No cramps logged this week." in text
    assert t.no_rule() in text and t.doctor_suggestion() not in text


def test_report_text_matches_the_report():
    entries = [night_cramp(THIS_MON, triggers={Trigger.NEW_MEDICINE}, woke_up=True)]
    report = build_report(entries, [], SUNDAY, 4)
    text = valid(t.report_text(report))
    assert "4 weeks: 9 Feb – 8 Mar" in text
    assert "Cramps logged: 1" in text
    assert "Record coverage: 1 of 28 nights (4%)" in text
    assert "“new medicine” tagged: 2 Mar" in text
    assert "not a diagnosis" in text
    assert t.report_usage() == "Choose 4, 8, 12 weeks, for example: /report 8"


def test_span_labels():
    assert t.span_label(date(2026, 3, 2), date(2026, 3, 8)) == "2–8 Mar"
    assert t.span_label(date(2026, 2, 23), date(2026, 3, 1)) == "23 Feb – 1 Mar"
    assert t.span_label(date(2025, 12, 29), date(2026, 1, 4)) == "29 Dec 2025 – 4 Jan 2026"


def test_every_choice_has_a_label_and_diary_texts_are_valid():
    for vocabulary in (Muscle, Severity, Duration):
        for choice in vocabulary:
            assert t.choice_label(choice)
    assert all(t.trigger_labels()[trigger] for trigger in Trigger)
    valid(t.diary_list([], 0))
    entries = [night_cramp(THIS_MON)] * 3
    assert "…and 7 older." in valid(t.diary_list(entries, 10))
    valid(t.private_only("cramp"))
    valid(t.about_diary())
    valid(t.prompts_explained("08:00", None))
