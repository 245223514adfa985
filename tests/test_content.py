"""Health content is tested like code: figures, sources, limits, warning signs, repeats,
length and reading level (issue 9). Expected values are the sources' own figures, written
out here by hand, never read from the data under test."""

from __future__ import annotations

import re
import statistics
import tomllib
from datetime import date
from pathlib import Path

import pytest

from bot.services.needs import Profile, compute_need, example_foods
from tips.catalog import DATA_DIR, Tip, load_catalog
from tips.content_checks import (
    figure_problems,
    flesch_kincaid_grade,
    near_duplicates,
    trigram_overlap,
    word_count,
)
from tips.foods import load_foods
from tips.reference import emergency_number, load_causes, load_rda

# Figures a tip may quote without naming a food: the 420 mg Daily Value, every RDA cell and
# the supplement limits 65 / 110 / 350 mg (NIH ODS fact sheet, Tables 1 and 3).
REFERENCE_MG = {420, 80, 130, 240, 410, 360, 400, 310, 350, 320, 65, 110}
# Word-trigram overlap at which two tips count as the same tip. Changing one word kills the
# three trigrams it sits in, so a copy with one word in five reworded still scores about
# 1 - 3/5 = 0.4; tips that merely share a formula ("get medical help the same day",
# "mg of magnesium") stay below it (the highest pair in the catalogue is about 0.34).
DUPLICATE_THRESHOLD = 0.4
MAX_WORDS = 45
MAX_MEAN_GRADE = 9.0
NUT_WORDS = ("nut", "almond", "cashew", "peanut")


@pytest.fixture(scope="module")
def tips() -> list[Tip]:
    return load_catalog()


def sources_md() -> dict[str, tuple[str, str]]:
    """SOURCES.md entries: name -> (url, checked date), from its one-line-per-source list."""
    entry = re.compile(
        r"^- \*\*(?P<name>[^*]+)\*\* — <(?P<url>[^>]+)> — checked (?P<date>\S+) — \S.*$"
    )
    text = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    found: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        if line.startswith("- **"):
            match = entry.match(line)
            assert match, f"SOURCES.md line not in the agreed format: {line[:60]}"
            assert match["name"] not in found, f"listed twice: {match['name']}"
            found[match["name"]] = (match["url"], match["date"])
    return found


# ------------------------------------------------------------------ figures


def test_every_mg_figure_matches_the_food_table_or_a_reference_value(tips):
    foods = load_foods()
    problems = {tip.id: figure_problems(tip.text, foods, REFERENCE_MG) for tip in tips}
    assert {tip_id: found for tip_id, found in problems.items() if found} == {}
    assert sum(len(re.findall(r"\d+ mg", tip.text)) for tip in tips) > 50  # really checked


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("An ounce of almonds has about 90 mg of magnesium.", "90 mg follows 'almonds'"),
        # 80 mg is a reference figure (an RDA), but not spinach's figure:
        ("Half a cup of spinach has about 80 mg.", "80 mg follows 'spinach'"),
        ("A banana (32 mg) and an apple (9 mg) give about 50 mg together.", "50 mg names no food"),
        ("Magnesium pills often hold 500 mg.", "500 mg names no food"),
    ],
)
def test_the_figure_checker_catches_planted_mistakes(text, wrong):
    problems = figure_problems(text, load_foods(), REFERENCE_MG)
    assert len(problems) == 1 and problems[0].startswith(wrong)


def test_the_figure_checker_accepts_true_figures_and_totals():
    text = ("Half a cup of brown rice has about 42 mg. Serve it with black beans and the plate"
            " reaches about 102 mg, a third of 320 mg. Soy milk adds about 61 mg.")
    assert figure_problems(text, load_foods(), REFERENCE_MG) == []


# ------------------------------------------------------------------ sources


def test_every_source_used_resolves_to_a_dated_entry_with_a_url(tips):
    entries = sources_md()
    used = ({tip.source for tip in tips} | {load_foods().source, load_rda().source}
            | {sign.source for sign in load_causes().warning_signs})
    assert used - set(entries) == set(), "cite sources by their SOURCES.md name"
    assert set(entries) - used == set(), "SOURCES.md lists a source nothing cites"
    for name, (url, checked) in entries.items():
        assert url.startswith(("https://", "http://")), name
        assert date.fromisoformat(checked) <= date(2026, 11, 25), name
    # One name for the NIH ODS fact sheet everywhere, so /about lists it once.
    assert len([name for name in used if "ODS" in name or "Dietary Supplements" in name]) == 1


def test_no_meta_references_or_stigmatising_labels(tips):
    causes = load_causes()
    texts = [tip.text for tip in tips] + [tip.source for tip in tips] + [
        causes.overview, causes.intro, causes.mechanism, causes.see_professional,
        *(text for _, text in causes.deficiency_causes + causes.other_causes + causes.what_helps),
        *causes.when_to_see_doctor,
    ]
    for banned in ("source article", "listed triggers", "alcoholism", "ironically"):
        assert not [t for t in texts if banned in t.lower()], banned
    assert any("long-term heavy drinking" in t.lower() for t in texts)


# ------------------------------------------------------------------ limits and /need


CHILD_LIMITS = {"1-3": 65, "4-8": 110}


@pytest.mark.parametrize(("band", "limit"), [*CHILD_LIMITS.items(), ("9-13", 350), ("14-18", 350),
                                              ("19-30", 350), ("31-50", 350), ("51+", 350)])
def test_every_age_band_gets_its_own_supplement_limit(band, limit):
    need = compute_need(load_rda(), load_foods(), Profile(band, "male"))
    assert need is not None and need.upper_limit_mg == limit
    if band in CHILD_LIMITS:
        for shown in (need.upper_limit_note, need.food_note):
            assert "350" not in shown
        assert "paediatrician" in need.upper_limit_note


def test_childrens_examples_have_no_nuts_and_carry_the_choking_and_allergy_note():
    rda, foods = load_rda(), load_foods()
    children = [band for band in rda.bands if band.child]
    assert [band.key for band in children] == ["1-3", "4-8", "9-13"]
    for band in children:
        for food in example_foods(foods, band):
            words = f"{food.name} {food.label}".lower()
            assert not any(nut in words for nut in NUT_WORDS), (band.key, food.name)
    assert "whole nuts" in rda.child_food_note and "under 5" in rda.child_food_note
    assert "allergen" in rda.child_food_note


def test_adults_get_a_varied_day_not_rows_of_seeds_and_nuts():
    rda, foods = load_rda(), load_foods()
    for band in rda.bands:
        picked = example_foods(foods, band)
        nuts_and_seeds = [f for f in picked if any(w in f.name for w in (*NUT_WORDS, "seed"))]
        assert len(picked) >= 2 and len(nuts_and_seeds) <= 1, band.key


def test_supplement_tips_carry_the_safety_wording(tips):
    by_id = {tip.id: tip.text for tip in tips}
    assert "unless your doctor advises otherwise" in by_id["elec-006"]
    assert "Antacids and laxatives" in by_id["elec-006"]
    assert "65 mg" in by_id["elec-014"] and "110 mg" in by_id["elec-014"]
    assert "80 mg" not in by_id["elec-014"] and "paediatrician" in by_id["elec-014"]
    assert "can cause diarrhoea, nausea and stomach cramps" in by_id["elec-007"]
    assert "can cause diarrhoea, nausea and stomach cramps" in load_rda().upper_limit_note
    assert "statin" in by_id["doc-010"] and "diuretic" in by_id["doc-023"]
    assert "PPIs" in by_id["elec-017"] and "type 2 diabetes" in by_id["elec-017"]
    assert "antibiotics" in by_id["doc-014"] and "osteoporosis" in by_id["doc-014"]
    assert "already allow" in by_id["food-013"]
    assert "not a target" in by_id["hyd-002"] and "limit fluids" in by_id["hyd-002"]
    assert "thirsty" in by_id["hyd-004"]
    assert "Cochrane" in by_id["elec-016"] and "pregnancy" in by_id["elec-016"]
    assert "no cause is found" in by_id["doc-004"]


# ------------------------------------------------------------------ warning signs


# Every warning sign and its step on the urgency ladder (NHS, nidirect, Mayo Clinic; the
# wording each rests on is recorded in SOURCES.md). Most urgent first.
LADDER = ["emergency", "immediately", "same-day", "appointment"]
SIGN_LEVELS = [
    ("chest", "emergency"), ("tetanus", "emergency"), ("seizure", "emergency"),
    ("long-cramp", "immediately"), ("lead-mercury", "immediately"),
    ("statin", "immediately"), ("muscle-breakdown", "immediately"),
    ("blood-clot", "same-day"), ("heartbeat", "same-day"), ("new-medicine", "same-day"),
    ("numbness", "appointment"), ("often", "appointment"), ("weakness", "appointment"),
    ("severe", "appointment"),
]
# The ladder's sentences as a reader sees them in a tip.
ADVICE = {
    "emergency": "Call emergency services now.",
    "immediately": "Get medical help now: call your doctor or an urgent care or out-of-hours"
                   " service straight away.",
    "same-day": "Get medical help the same day.",
    "appointment": "Book an appointment with a doctor.",
}
# Words that say how urgent something is: only the ladder may use them.
URGENCY_WORDS = re.compile(r"same day|today|emergency services|straight away|right away|"
                           r"immediate|urgent|\bnow\b|\b(?:999|911|112)\b", re.IGNORECASE)


def sign_wording() -> dict[str, list[str]]:
    """SOURCES.md's "Warning-sign wording" lines: sign id -> the recorded wording."""
    text = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for match in re.finditer(r'^- sign `([a-z-]+)` \(([^)]*(?:\([^)]*\))?[^)]*)\): "([^"]+)"',
                             text, re.M):
        found.setdefault(match[1], []).append(match[3])
    return found


def test_every_sign_is_listed_with_its_level():
    signs = load_causes().warning_signs
    assert [(sign.id, sign.level) for sign in signs] == SIGN_LEVELS


@pytest.mark.parametrize(("sign_id", "level"), SIGN_LEVELS)
def test_no_sign_is_graded_below_its_source_wording(sign_id, level):
    wording = sign_wording()
    assert len(wording.get(sign_id, [])) == 1, f"SOURCES.md records no wording for {sign_id}"
    said = wording[sign_id][0]
    if re.search(r"\b(?:999|911|112)\b", said):
        assert level == "emergency", (sign_id, said)
    if re.search(r"\bimmediate(?:ly)?\b", said, re.IGNORECASE):
        assert LADDER.index(level) <= LADDER.index("immediately"), (sign_id, said)
    assert load_causes().sign(sign_id).level == level


def test_no_text_in_the_data_types_out_how_urgent_it_is():
    """Levels are worded once, by the ladder: tips and signs only name them."""
    offenders = []
    for path in sorted(DATA_DIR.glob("*.toml")):
        if path.name == "urgency.toml":
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        pieces = [(t["id"], t["text"]) for t in data.get("tip", [])]
        pieces += [(s["id"], s["text"]) for s in data.get("warning_sign", [])]
        if "overview" in data:
            pieces.append(("overview", data["overview"]))
        offenders += [(name, hit.group(0)) for name, text in pieces
                      if (hit := URGENCY_WORDS.search(re.sub(r"\{[a-z_]+\}", "", text)))]
    assert offenders == []


@pytest.mark.parametrize(("tip_id", "level", "sentences"), [
    ("doc-002", "emergency", ["same-day", "emergency"]),
    ("doc-010", "immediately", ["immediately"]),
    ("doc-016", "emergency", ["emergency"]),
    ("doc-017", "immediately", ["immediately"]),
    ("doc-018", "emergency", ["emergency"]),
    ("doc-020", "emergency", ["same-day", "emergency"]),
    ("doc-021", "same-day", ["same-day"]),
    ("doc-022", "immediately", ["immediately"]),
    ("doc-023", "same-day", ["same-day"]),
    ("doc-024", "immediately", ["immediately"]),
    ("doc-025", "emergency", ["emergency"]),
    ("elec-008", "emergency", ["emergency", "same-day"]),
    ("doc-003", "appointment", ["appointment"]),
    ("doc-019", "appointment", ["appointment"]),
])
def test_tips_that_send_someone_to_care_carry_the_ladder_sentence(tips, tip_id, level, sentences):
    tip = next(tip for tip in tips if tip.id == tip_id)
    assert tip.level == level
    for key in sentences:
        assert ADVICE[key] in tip.text, (tip_id, key)


def test_statin_tetanus_and_seizure_advice(tips):
    by_id = {tip.id: tip.text for tip in tips}
    assert "stop taking the statin" in by_id["doc-010"]
    assert "don't stop a prescription on your own" in by_id["doc-023"]
    assert "tetanus" in by_id["doc-018"] and "lead or mercury" in by_id["doc-022"]
    assert "cola-coloured urine" in by_id["doc-024"] and "seizure" in by_id["doc-025"]
    assert "Call emergency services now." in by_id["elec-008"].split("fainting")[1]
    assert "Get medical help the same day." in by_id["elec-008"].split("irregular heartbeat")[1]


def test_stretching_and_ibuprofen_are_stated_honestly(tips):
    by_id = {tip.id: tip.text for tip in tips}
    causes = load_causes()
    helps = dict(causes.what_helps)
    assert "calf stretches alone" in causes.overview and "over 55" in causes.overview
    assert "older adults" in causes.overview
    assert "better first step" not in by_id["elec-016"]
    assert "191" in by_id["rest-023"] and "hamstrings" in by_id["rest-023"]
    for text in (by_id["rest-021"], helps["Afterwards"]):
        assert "pregnancy" in text and "kidney disease" in text and "pharmacist" in text
        # The current UK advice: in pregnancy only on a doctor's advice, whatever the week
        # (not usually from week 20); "after week 28" was the older page's line.
        assert "doctor" in text.split("Ibuprofen")[1] and "28" not in text


def test_chest_symptoms_only_ever_appear_as_emergencies(tips):
    causes = load_causes()
    pieces = [tip.text for tip in tips] + [causes.overview, causes.intro, causes.mechanism] + [
        text for _, text in causes.deficiency_causes + causes.other_causes + causes.what_helps
    ] + list(causes.when_to_see_doctor)
    chest = [piece for piece in pieces if "chest" in piece.lower()]
    assert len(chest) >= 4
    for piece in chest:
        assert "emergency services" in piece, piece[:60]
    assert "chest" not in causes.intro.lower()


def test_the_causes_overview_fits_a_phone_screen():
    causes = load_causes()
    assert len(causes.overview) <= 1000
    assert causes.deficiency_causes and causes.other_causes and causes.what_helps


# ------------------------------------------------------------------ emergency numbers


@pytest.mark.parametrize(
    ("zone", "number"),
    [
        ("Europe/Berlin", "112"), ("Europe/Paris", "112"), ("Europe/Dublin", "112"),
        ("Europe/Warsaw", "112"), ("Atlantic/Canary", "112"), ("Asia/Nicosia", "112"),
        ("Europe/London", "999"), ("Europe/Belfast", "999"), ("Europe/Jersey", "999"),
        ("America/New_York", "911"), ("America/Chicago", "911"), ("America/Los_Angeles", "911"),
        ("Pacific/Honolulu", "911"), ("US/Eastern", "911"), ("America/Toronto", "911"),
        ("America/Vancouver", "911"), ("America/St_Johns", "911"), ("Canada/Pacific", "911"),
        ("Asia/Tokyo", None), ("Australia/Sydney", None), ("Europe/Zurich", None),
        ("Europe/Oslo", None), ("Europe/Moscow", None), ("America/Mexico_City", None),
        ("UTC", None), ("Etc/GMT", None), ("", None), ("Not/A_Zone", None),
    ],
)
def test_emergency_number_by_time_zone(zone, number):
    assert emergency_number(zone) == number


# ------------------------------------------------------------------ repeats, length, reading


def test_no_two_tips_say_the_same_thing(tips):
    # The ladder's sentences are shared on purpose; the rest of each tip must differ.
    ladder = load_causes().ladder
    assert ladder is not None
    shared = [ladder.advice(level.key) for level in ladder.levels]
    stripped = [Tip(tip.id, tip.topic, strip_all(tip.text, shared), tip.source) for tip in tips]
    assert near_duplicates(stripped, DUPLICATE_THRESHOLD) == []


def strip_all(text: str, pieces: list[str]) -> str:
    for piece in pieces:
        text = text.replace(piece, "")
    return text


def test_the_duplicate_check_catches_a_planted_rewording(tips):
    original = next(tip for tip in tips if tip.id == "doc-002")
    words = original.text.split()
    reworded = " ".join("often" if i % 5 == 4 else w for i, w in enumerate(words))
    planted = [*tips, Tip("doc-099", "doctor", reworded, original.source)]
    assert ("doc-002", "doc-099") in [(a, b) for a, b, _ in
                                      near_duplicates(planted, DUPLICATE_THRESHOLD)]
    assert trigram_overlap(original.text, "Drink water with every meal today.") == 0.0


def test_the_catalogue_keeps_enough_short_tips(tips):
    assert len(tips) >= 75
    too_long = {tip.id: word_count(tip.text) for tip in tips if word_count(tip.text) > MAX_WORDS}
    assert too_long == {}
    assert word_count("A 1 oz (28 g) handful, about 156 mg.") == 9


def test_the_catalogue_reads_near_grade_8(tips):
    grades = [flesch_kincaid_grade(tip.text) for tip in tips]
    assert statistics.mean(grades) <= MAX_MEAN_GRADE
    # The measure can fail: dense clinical prose scores far above the limit, plain words below.
    dense = ("Pharmacological magnesium supplementation demonstrates negligible prophylactic"
             " efficacy regarding idiopathic nocturnal musculoskeletal cramping.")
    assert flesch_kincaid_grade(dense) > 15 > MAX_MEAN_GRADE > flesch_kincaid_grade(
        "Drink a glass of water with each meal. Stretch your calves before bed.")


def test_changes_list_names_every_old_and_new_tip_id(tips):
    changes = (Path(DATA_DIR) / "CHANGES.md").read_text(encoding="utf-8")
    for tip in tips:
        assert f"`{tip.id}`" in changes, tip.id
