"""Every sentence and label the cramp diary shows, drafted for the ui texts module.

Phase 2 folds this module into bot/ui/texts.py; until then nothing in bot/ imports it
except the tests. Messages are Telegram HTML; nothing here comes from user input (all
values are enums, dates and counts), so nothing needs escaping.

Voice: the diary records and summarises; it never diagnoses or prescribes. First aid is
NHS ("Leg cramps") and Mayo Clinic ("Muscle cramp", "Night leg cramps") advice in our own
words: stretch and rub the muscle, stand and put weight on the leg, heat for tight
muscles and cold for soreness afterwards; a swollen, warm or red calf is a reason to get
help the same day (NHS, "DVT"), and breathlessness or chest pain with it is an emergency.
The rules quote NHS's "see a GP if" list: cramps disturbing sleep, lasting over 10
minutes; Mayo's: cramps that happen often.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.diary.chart import Series, text_bars, week_label
from bot.diary.flow import Ask, Step
from bot.diary.models import (
    CheckInAnswer,
    CrampEntry,
    Duration,
    Muscle,
    Period,
    Severity,
    Trigger,
    When,
)
from bot.diary.report import REPORT_WEEKS, Report
from bot.diary.weekly import DAYS_PER_WEEK, WeeklyPicture, WeekStats

# ------------------------------------------------------------------ labels

MUSCLE_LABELS: dict[Muscle, str] = {
    Muscle.CALF: "Calf", Muscle.FOOT: "Foot", Muscle.THIGH: "Front of thigh",
    Muscle.HAMSTRING: "Back of thigh", Muscle.HAND: "Hand", Muscle.OTHER: "Elsewhere",
}
SEVERITY_LABELS: dict[Severity, str] = {
    Severity.MILD: "Mild", Severity.MODERATE: "Moderate", Severity.SEVERE: "Severe",
}
DURATION_LABELS: dict[Duration, str] = {
    Duration.UNDER_1: "Under 1 min", Duration.ONE_TO_10: "1–10 min",
    Duration.OVER_10: "Over 10 min",
}
WHEN_LABELS: dict[When, str] = {
    When.LAST_NIGHT: "Last night", When.EARLIER_TODAY: "Earlier today",
    When.JUST_NOW: "Just now",
}
TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.EXERCISE: "🏃 Exercise", Trigger.HEAT: "☀️ Heat",
    Trigger.LITTLE_WATER: "💧 Little water", Trigger.ALCOHOL: "🍷 Alcohol",
    Trigger.NEW_MEDICINE: "💊 New medicine", Trigger.LONG_STANDING: "🧍 Long standing",
    Trigger.PREGNANCY: "🤰 Pregnancy",
}
STEP_QUESTIONS: dict[Step, str] = {
    Step.MUSCLE: "Where was the cramp?",
    Step.SEVERITY: "How bad was it?",
    Step.DURATION: "How long did it last?",
    Step.WHEN: "When was it?",
}

BUTTON_SOS = "🆘 Cramp now"
BUTTON_LOG = "📝 Log a cramp"
BUTTON_CANCEL = "✖️ Cancel"
BUTTON_UNDO = "↩️ Undo"
BUTTON_DONE = "✅ Done"
BUTTON_DELETE = "🗑 Delete"
BUTTON_WOKE = "😴 It woke me up"
BUTTON_SAFETY_YES = "Yes, it is"
BUTTON_SAFETY_NO = "No"
BUTTON_CHECKIN_NO = "🌙 No cramps"
BUTTON_CHECKIN_YES = "📝 Yes, log it"

CHECKED, UNCHECKED = "✅", "⬜"


def choice_label(choice: Muscle | Severity | Duration | When) -> str:
    """The button label for one answer of a logging step."""
    if isinstance(choice, Muscle):
        return MUSCLE_LABELS[choice]
    if isinstance(choice, Severity):
        return SEVERITY_LABELS[choice]
    if isinstance(choice, Duration):
        return DURATION_LABELS[choice]
    return WHEN_LABELS[choice]


def sos_log_button(muscle: Muscle) -> str:
    return f"📝 Log it: {MUSCLE_LABELS[muscle].lower()}"


def woke_button(entry: CrampEntry) -> str:
    return f"{CHECKED if entry.woke_up else UNCHECKED} {BUTTON_WOKE}"


def trigger_button(entry: CrampEntry, trigger: Trigger) -> str:
    return f"{CHECKED if trigger in entry.triggers else UNCHECKED} {TRIGGER_LABELS[trigger]}"


def day_label(day: date) -> str:
    """'Mon 2 Mar'."""
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"


def span_label(first: date, last: date) -> str:
    """'2–8 Mar', '23 Feb – 1 Mar', '29 Dec 2025 – 4 Jan 2026'."""
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b}"
    return f"{first.day}–{last.day} {last:%b}"


# ------------------------------------------------------------------ /sos

SOS_WARNING = (
    "⚠️ <b>A calf that is swollen, warm or red is not a cramp to rub: get medical help "
    "today. With breathlessness or chest pain, call emergency services now.</b>"
)

SOS_STEPS: dict[Muscle, str] = {
    Muscle.CALF: (
        "<b>Calf</b>: straighten the leg and pull the top of your foot towards your face. "
        "Or stand up, put your weight on that leg and press the heel down, knee slightly "
        "bent. Then rub the muscle firmly."
    ),
    Muscle.FOOT: (
        "<b>Foot</b>: pull your toes up towards your shin, or stand and press the foot flat "
        "on the floor and walk a few steps. Rub the sole."
    ),
    Muscle.THIGH: (
        "<b>Front of thigh</b>: hold a chair for balance and pull the foot on that side up "
        "towards your bottom. Rub the muscle."
    ),
    Muscle.HAMSTRING: (
        "<b>Back of thigh</b>: sit with the leg straight and pull your toes towards you, or "
        "stand and put your weight on that leg. Rub the muscle."
    ),
    Muscle.HAND: (
        "<b>Hand</b>: gently open the hand and straighten the fingers, pressing the palm "
        "flat on a table. Rub the palm and the base of the thumb."
    ),
}
SOS_AFTER = (
    "<b>Afterwards</b>: warmth (a warm towel or shower) for a muscle that stays tight, or "
    "ice wrapped in a cloth for soreness. Most cramps pass within a few minutes; the "
    "muscle can feel sore for up to a day."
)
SOS_FOOTER = "Log it below when you can: a diary shows what helps and what changes."


def sos() -> str:
    """/sos: one message, warning first, no question asked before the help."""
    parts = (SOS_WARNING, "🆘 <b>Ease the cramp now</b>", *SOS_STEPS.values(), SOS_AFTER,
             SOS_FOOTER)
    return "\n\n".join(parts)


def urgent_advice() -> str:
    """The answer to "yes, the calf is swollen, warm or red", sent at once."""
    return (
        "🚨 <b>Please get medical help today.</b>\n\n"
        "A calf that is swollen, warm or red as well as painful needs a doctor to look at "
        "it the same day: it can be a sign of a blood clot, which is treatable but should "
        "not wait. Don't rub or massage it.\n\n"
        "• Ask for an urgent appointment with your doctor, or call your local urgent "
        "medical advice line (NHS 111 in the UK).\n"
        "• <b>Call emergency services now</b> (999 in the UK, 112 in the EU, 911 in the US) "
        "if you are also breathless or have chest pain.\n\n"
        "I can't examine you or diagnose anything; a doctor can."
    )


# ------------------------------------------------------------------ logging

def step_prompt(ask: Ask) -> str:
    """'📝 Log a cramp · 2 of 4' and the question, with what is chosen so far."""
    chosen = [choice_label(v) for v in (ask.draft.muscle, ask.draft.severity,
                                        ask.draft.duration, ask.draft.when) if v is not None]
    so_far = f"\n<i>{' · '.join(chosen)}</i>" if chosen else ""
    return (f"📝 <b>Log a cramp</b> · {ask.taps_so_far + 1} of 4{so_far}\n\n"
            f"{STEP_QUESTIONS[ask.step]}")


def entry_line(entry: CrampEntry) -> str:
    """'Mon 2 Mar, night · Calf · severe · 1–10 min · woke me · 🏃 Exercise'."""
    part = "night" if entry.period is Period.NIGHT else "day"
    bits = [f"{day_label(entry.local_date)}, {part}", MUSCLE_LABELS[entry.muscle],
            SEVERITY_LABELS[entry.severity].lower(), DURATION_LABELS[entry.duration]]
    if entry.woke_up:
        bits.append("woke me")
    bits.extend(TRIGGER_LABELS[t] for t in Trigger if t in entry.triggers)
    return " · ".join(bits)


def entry_saved(entry: CrampEntry, *, safety_pending: bool) -> str:
    """The summary after the fourth tap; the safety question leads when it applies."""
    head = f"✅ <b>Logged</b>: {entry_line(entry)}"
    if safety_pending:
        return f"{head}\n\n{safety_question()}"
    return f"{head}\n\n{EXTRAS_HINT}"


EXTRAS_HINT = "Optional: did it wake you, and did anything come before it? Tap to add."


def safety_question() -> str:
    return "❓ <b>Is the calf also swollen, warm or red?</b>"


def safety_no() -> str:
    return f"Thank you. If that changes, get medical help the same day.\n\n{EXTRAS_HINT}"


def entry_undone() -> str:
    return "↩️ Undone: that cramp is not in your diary."


def entry_deleted() -> str:
    return "🗑 Deleted from your diary."


def entry_gone() -> str:
    """A button for an entry that was deleted, expired, or was never this chat's."""
    return "That entry is no longer in your diary. /diary shows what is."


def draft_cancelled() -> str:
    return "Nothing logged. /cramp starts again."


def private_only(command: str) -> str:
    return (f"🔒 The cramp diary is private: open a private chat with me and send "
            f"/{command} there.")


def diary_list(entries: Sequence[CrampEntry], total: int) -> str:
    """/diary: the latest entries, newest first, and what the buttons below do."""
    if not entries:
        return ("📔 <b>Your cramp diary</b> is empty.\n\n/cramp logs a cramp in four taps; "
                "/sos helps during one.")
    lines = "\n".join(f"• {entry_line(e)}" for e in entries)
    more = f"\n…and {total - len(entries)} older." if total > len(entries) else ""
    return (f"📔 <b>Your cramp diary</b> ({total} entries)\n\n{lines}{more}\n\n"
            "Tap 🗑 under an entry to delete it. /export sends everything as CSV.")


# ------------------------------------------------------------------ prompts

def checkin_question(night_of: date) -> str:
    return f"🌅 Good morning. Any cramps last night ({day_label(night_of)})?"


def checkin_recorded(answer: CheckInAnswer) -> str:
    if answer is CheckInAnswer.NO_CRAMPS:
        return "🌙 Noted: a night without cramps. Quiet nights count too."
    return "📝 Let's log it."


def checkin_too_old() -> str:
    return "That question is from an earlier morning, so I didn't record it."


def evening_stretch() -> str:
    """The one-minute stretch (NHS calf stretch; seated hamstring stretch), own words."""
    return (
        "🧘 <b>One-minute stretch before bed</b>\n\n"
        "1. <b>Calves</b> (30 s): stand facing a wall, arms straight, hands on the wall, "
        "feet flat on the floor. Lean in until you feel the stretch in your calves, hold "
        "for a few seconds, stand straight again, repeat.\n"
        "2. <b>Backs of thighs</b> (15 s each leg): sit on the front edge of a chair, one "
        "leg straight out with the heel on the floor. Sit tall and lean forward from the "
        "hips until you feel a gentle pull behind the thigh. Hold, then swap.\n\n"
        "A gentle pull, never pain. Regular stretching may make night cramps less "
        "frequent."
    )


def prompts_explained(checkin: str | None, stretch: str | None) -> str:
    """The diary settings line: which prompts are on, and the quiet-hours promise."""
    def state(at: str | None) -> str:
        return f"at {at}" if at else "off"
    return (f"🌅 Morning check-in: {state(checkin)}\n🧘 Evening stretch: {state(stretch)}\n"
            "No prompts between 22:00 and 07:00 unless you pick such a time, and never more "
            "than three scheduled messages a day, your daily tip included.")


def retention_line(months: int) -> str:
    return f"🗓 Entries older than {months} months are deleted automatically."


# ------------------------------------------------------------------ rules

def rule_sentence(key: str, week: WeekStats, previous: WeekStats | None) -> str:
    """Each rule says what it saw and states itself, then suggests a doctor."""
    if key == "rule_over_10_min":
        return ("⏱ A cramp lasted over 10 minutes this week. "
                "<i>Rule: any cramp over 10 minutes is worth showing a doctor.</i>")
    if key == "rule_frequent_nights":
        last = previous.nights_with_cramps if previous else 0
        return (f"🌙 Cramps on {week.nights_with_cramps} nights this week and {last} last "
                "week. <i>Rule: cramps on 3 or more nights a week, two weeks running, are "
                "worth talking over with a doctor.</i>")
    if key == "rule_sleep_disturbed":
        return (f"😴 Cramps woke you on {week.disturbed_nights} nights this week. "
                "<i>Rule: cramps that disturb your sleep on 3 or more nights a week are "
                "worth talking over with a doctor.</i>")
    if key == "rule_new_medicine":
        return ("💊 You tagged “new medicine” this week. <i>Rule: some medicines can cause "
                "cramps, so tell the doctor or pharmacist who prescribed it. Don't stop a "
                "medicine on your own.</i>")
    raise KeyError(key)


DOCTOR_SUGGESTION = ("🩺 Consider showing your diary to a doctor: /report makes a summary "
                     "to take along. I can't diagnose; they can look for a cause.")
NO_RULE = "No rule fired this week."
NOT_A_DIAGNOSIS = "I record and summarise; I don't diagnose."


# ------------------------------------------------------------------ weekly picture

CHART_TITLE = "Nights with cramps, week by week"
CHART_Y_AXIS = "nights"
CHART_X_AXIS = "week starting"


def chart_caption(series: Series) -> str:
    """The PNG's caption: the same numbers as the bars, oldest week first."""
    weeks = len(series.values)
    numbers = " · ".join(str(v) for v in series.values)
    return (f"{CHART_TITLE} ({weeks} weeks, {week_label(series.starts[0])} – "
            f"{week_label(series.starts[-1])}): {numbers}")


def _counts(counts: dict[Severity, int]) -> str:
    return " · ".join(f"{SEVERITY_LABELS[s].lower()} {counts[s]}" for s in Severity)


def weekly_summary(picture: WeeklyPicture, bars: Series) -> str:
    """The Sunday message: this week against last, the bars, the rules."""
    this, last = picture.this_week, picture.last_week
    lines = [f"📊 <b>Your cramp week</b>, {span_label(this.start, this.end)}",
             "<i>(last week in brackets)</i>", ""]
    if this.entries == 0:
        lines.append("No cramps logged this week.")
    lines += [
        f"🌙 Nights with cramps: <b>{this.nights_with_cramps}</b> ({last.nights_with_cramps})",
        f"☀️ Daytime cramps: {this.days_with_cramps} ({last.days_with_cramps})",
        f"✅ Check-ins answered: {this.checkins_answered} of {this.days} "
        f"({last.checkins_answered} of {DAYS_PER_WEEK})",
        f"😴 Nights a cramp woke you: {this.disturbed_nights} ({last.disturbed_nights})",
    ]
    if this.entries:
        lines.append(f"📈 Severity: {_counts(this.severity)}")
        if this.longest is not None:
            lines.append(f"⏱ Longest: {DURATION_LABELS[this.longest]}")
        if this.top_muscle is not None:
            lines.append(f"💪 Most often: {MUSCLE_LABELS[this.top_muscle].lower()}")
        if this.top_triggers:
            tags = ", ".join(TRIGGER_LABELS[t] for t in this.top_triggers)
            lines.append(f"🏷 Tagged most: {tags}")
    lines += ["", f"<code>{text_bars(bars)}</code>", ""]
    if picture.rules:
        lines += [rule_sentence(key, this, last) for key in picture.rules]
        lines += ["", DOCTOR_SUGGESTION]
    else:
        lines += [NO_RULE, NOT_A_DIAGNOSIS]
    return "\n".join(lines)


# ------------------------------------------------------------------ /report

def report_usage() -> str:
    choices = ", ".join(str(w) for w in REPORT_WEEKS)
    return f"Choose {choices} weeks, for example: /report 8"


def report_text(report: Report) -> str:
    """The doctor report as a message; the PNG and the CSV carry the same numbers."""
    lines = [
        f"🩺 <b>Cramp diary report</b>, {len(report.weeks)} weeks: "
        f"{span_label(report.first_day, report.last_day)}",
        "",
        f"Cramps logged: {report.entries}",
        f"Nights with cramps: {report.nights_with_cramps}",
        f"Daytime cramps: {report.days_with_cramps}",
        f"Nights sleep was disturbed: {report.disturbed_nights}",
        f"Severity: {_counts(report.severity)}",
        "Duration: " + " · ".join(f"{DURATION_LABELS[d]} {report.durations[d]}"
                                  for d in Duration),
        "Muscles: " + (" · ".join(f"{MUSCLE_LABELS[m].lower()} {n}"
                                  for m, n in report.muscles.items() if n) or "none"),
        "Tagged: " + (" · ".join(f"{TRIGGER_LABELS[t]} {n}"
                                 for t, n in report.triggers.items() if n) or "nothing"),
        f"Record coverage: {report.nights_recorded} of {report.nights_in_period} nights "
        f"({report.coverage_percent}%), {report.checkins_answered} morning check-ins",
        "",
        "<b>Week by week</b> (nights with cramps / cramps logged / check-ins):",
    ]
    lines += [f"{week_label(w.start)}: {w.nights_with_cramps} / {w.entries} / "
              f"{w.checkins_answered}" for w in report.weeks]
    if report.rules:
        lines += ["", "<b>Rules that fired</b> (weeks starting):"]
        for key, name in RULE_NAMES.items():
            starts = [week_label(start) for start, fired in report.rules if fired == key]
            if starts:
                lines.append(f"• {name}: {', '.join(starts)}")
    lines += ["", "Self-recorded by the patient with MagDaily; not a diagnosis."]
    return "\n".join(lines)


RULE_NAMES: dict[str, str] = {
    "rule_over_10_min": "a cramp over 10 minutes",
    "rule_frequent_nights": "cramps on 3+ nights a week, two weeks running",
    "rule_sleep_disturbed": "sleep disturbed on 3+ nights in a week",
    "rule_new_medicine": "“new medicine” tagged",
}


# ------------------------------------------------------------------ privacy and export

ABOUT_DIARY = (
    "📔 <b>The cramp diary</b> stores, for each cramp you log: where, how bad, how long, "
    "when (night or day and the date), whether it woke you, the tags you chose, your "
    "answer to the swollen/warm/red question, and when you logged it. Morning check-ins "
    "store the night and your answer. Nothing else: no free text. Entries older than your "
    "retention (12 months unless you choose) are deleted automatically; /forget deletes "
    "them all at once, /export sends you everything. Admins only ever see counts."
)


def export_caption(kind: str) -> str:
    captions = {
        "entries": "📔 Your cramp diary (CSV, one row per cramp).",
        "checkins": "🌅 Your morning check-ins (CSV).",
        "settings": "⚙️ Your settings and /need profile (CSV).",
        "report": "🩺 The report's week-by-week numbers (CSV).",
    }
    return captions[kind]
