"""The meaning checks, each seen catching a planted mistake and passing a faithful translation.

tests/test_translations.py runs the same checks over the real catalogues; here each gets a
small synthetic catalogue with one planted error, so a check that stopped looking would fail.
"""

from __future__ import annotations

import pytest

from tests.test_i18n import write_catalogue
from tips.foods import load_foods
from tips.translation_checks import (
    Entry,
    catalogue_problems,
    meaning_problems,
    search_word_clashes,
)

SPINACH = "Spinach, boiled: 1/2 cup gives 78 mg, 19% of the Daily Value."
WATER = "The NIH says women need about 2.7 litres of water a day from all drinks and food."
LIMIT = "From age 9 the limit is 350 mg a day; 30–40% of magnesium in food is absorbed."
CLOT = "A swollen, red calf can be a clot. {same_day} Chest pain as well? {emergency}"


@pytest.mark.parametrize(("english", "translated"), [
    (SPINACH, "Espinacas hervidas: 1/2 taza aporta 78 mg, el 19% del valor diario."),
    (SPINACH, "Espinacas hervidas: ½ taza aporta 78 mg, el 19 % del valor diario."),
    (WATER, "Según los NIH, las mujeres necesitan unos 2,7 litros de agua al día."),
    (LIMIT, "С 9 лет предел — 350 мг в день; усваивается 30-40 % магния из пищи."),
    (CLOT, "Икра опухла и покраснела: возможен тромб. {same_day} Боль в груди? {emergency}"),
    ("Call {number} now.", "Ligue para o {number} agora."),
    ("A <b>2020</b> Cochrane review", "Una revisión Cochrane de <b>2020</b>"),
])
def test_a_faithful_translation_passes(english, translated):
    assert meaning_problems(english, translated) == []


@pytest.mark.parametrize(("english", "translated", "problem"), [
    # a figure changed, dropped or added
    (LIMIT, "С 9 лет предел — 35 мг в день; усваивается 30–40 % магния.", "numbers"),
    (SPINACH, "Espinacas hervidas: 1 taza aporta 78 mg, el 19% del valor diario.", "numbers"),
    (SPINACH, "Espinacas hervidas: 1 / 2 taza aporta 78 mg.", "numbers"),
    (WATER, "Segundo o NIH, as mulheres precisam de 27 litros de água por dia.", "numbers"),
    (LIMIT, "Desde los 9 años el límite es 350 mg al día; se absorbe el 30–45%.", "numbers"),
    ("Up at 6:30 means asleep by 11:30.", "Подъём в 6:30 — значит, сон с 23:30.", "numbers"),
    ("Drink a glass of water.", "Beba 1 copo de água.", "numbers"),
    # the urgency level or the emergency number
    (CLOT, "Икра опухла: возможен тромб. {appointment} Боль в груди? {emergency}",
     "placeholders"),
    (CLOT, "Икра опухла: возможен тромб. {same_day} Боль в груди? {emergency} Номер 112.",
     "numbers"),
    ("Call {number} now.", "Llame ahora a emergencias.", "placeholders"),
    ("Emergency: call {number} now", "Emergência: ligue {numero} agora", "placeholders"),
    # markup
    ("A <b>2020</b> Cochrane review", "Una revisión Cochrane de 2020", "HTML tags"),
    ("A 2020 Cochrane review", "Una <i>revisión</i> Cochrane de 2020", "HTML tags"),
    # the cited source
    (WATER, "Según los Institutos de Salud, 2,7 litros de agua al día.", "source"),
    ("The NHS advice: stop taking the statin.", "Совет НСЗ: прекратите приём статина.",
     "source"),
    ("The Mayo Clinic lists severe discomfort.", "La clínica lista el malestar intenso.",
     "source"),
])
def test_a_planted_change_of_meaning_is_named(english, translated, problem):
    problems = meaning_problems(english, translated)
    assert len(problems) == 1
    assert problems[0].startswith(f"{problem}:")


def test_the_problem_says_what_differs():
    [problem] = meaning_problems(LIMIT, "С 9 лет предел — 35 мг в день; усваивается 30–40 %.")
    assert problem == "numbers: the English has 30, 350, 40, 9, the translation 30, 35, 40, 9"


ENGLISH = {
    "tip:a": "Drink 2 glasses of water. {same_day}",
    "tip:b": "Stretch your calves before bed.",
    "tip:c": "Almonds have 80 mg.",
    "tip:d": "Rest.",
    "tip:e": "Walk daily.",
}


def test_a_synthetic_catalogue_is_judged_entry_by_entry():
    report = catalogue_problems([
        Entry("tip:a", ENGLISH["tip:a"], "Beba 2 vasos de agua. {same_day}"),  # fine
        Entry("tip:b", ENGLISH["tip:b"], ""),  # untranslated
        Entry("tip:c", "Almonds have 90 mg.", "Las almendras tienen 90 mg."),  # older English
        Entry("tip:d", ENGLISH["tip:d"], "Descanse.", fuzzy=True),  # fuzzy
        Entry("tip:gone", "Old text.", "Texto viejo."),  # a key the English dropped
        Entry("tip:old", "Older text.", "Texto más viejo.", obsolete=True),
        Entry("tip:a2", "x", "y", obsolete=True),
    ], ENGLISH)
    assert report.untranslated == ["tip:b"]
    assert report.stale == [
        "tip:c: made from an older English",
        "tip:d: fuzzy (to be reviewed)",
        "tip:gone: the English no longer has this key",
        "tip:old: obsolete (the English no longer has it)",
        "tip:a2: obsolete (the English no longer has it)",
    ]
    assert report.missing == ["tip:e"]
    assert report.meaning == []


def test_a_current_translation_that_changes_a_figure_is_reported_with_its_key():
    report = catalogue_problems([Entry("tip:c", ENGLISH["tip:c"], "Миндаль: 8 мг.")],
                                {"tip:c": ENGLISH["tip:c"]})
    assert report.meaning == ["tip:c: numbers: the English has 80, the translation 8"]
    assert report.lines() == ["changes the meaning: tip:c: numbers: the English has 80,"
                              " the translation 8"]


def test_search_words_that_name_two_foods_are_found(tmp_path):
    es = write_catalogue(tmp_path, "es", {"food:almonds:search": "almendras",
                                          "food:cashews:search": "anacardos, almendras"})
    assert search_word_clashes(load_foods(translation=es)) == {
        "almendras": ["almonds", "cashews"]}
    assert search_word_clashes(load_foods()) == {}
