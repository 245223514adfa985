"""Health content per language, on small synthetic catalogues written to tmp_path.

What a reader of another language gets: the translation where one is current and keeps
the English's figures, tags, placeholders and sources, that language's urgency wording in
every tip and sign, foods found by their words in that language, and otherwise the English,
never a blank, logged once per key. Also the Babel build: a changed English turns its
translation fuzzy, a removed key obsolete, and the committed template and .mo files are up
to date. The real catalogues are judged in tests/test_translations.py.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from tips.catalog import DATA_DIR, load_catalog, load_ladder
from tips.content_messages import content_messages
from tips.foods import find_food, load_foods, suggest_foods
from tips.i18n import LOCALES, ContentTranslator
from tips.i18n_build import (
    compile_all,
    compiled,
    entries,
    main,
    po_bytes,
    read_catalogue,
    same_messages,
    template,
)
from tips.reference import load_causes, load_rda
from tips.translation_checks import catalogue_problems

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "tips" / "locales"

RU_LADDER = {
    "level:emergency:advice": "Звоните {number} немедленно.",
    "level:emergency:heading": "Экстренно: звоните {number}",
    "level:same-day:advice": "Обратитесь за медицинской помощью в тот же день.",
    "level:tip-number": "в экстренные службы",
}
RU_CLOT = ("Болезненная икра, которая ещё и опухла, горячая, красная или темнее обычного, чаще"
           " на одной ноге, может быть тромбом. {same_day} Одышка или боль в груди? {emergency}")


def english_of(data_dir: Path = DATA_DIR) -> dict[str, str]:
    return {message.context: message.english for message in content_messages(data_dir)}


def write_catalogue(localedir: Path, locale: str, translations: dict[str, str], *,
                    made_from: dict[str, str] | None = None, fuzzy: tuple[str, ...] = (),
                    data_dir: Path = DATA_DIR) -> ContentTranslator:
    """A .po with ``translations`` (key → text), compiled, and a translator over it."""
    english = english_of(data_dir)
    catalog = Catalog(locale=locale)
    for key, text in translations.items():
        catalog.add((made_from or {}).get(key, english[key]), text, context=key,
                    flags=["fuzzy"] if key in fuzzy else [])
    path = localedir / locale / "LC_MESSAGES" / "content.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(po_bytes(catalog))
    compile_all(localedir, [locale])
    return ContentTranslator(locale, localedir)


class DictTranslation:
    """A bare translation (no run-time checks), to test the loaders' own guards."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts

    def pgettext(self, context: str, message: str) -> str:
        return self.texts.get(context, message)


def tip(tips, tip_id):
    return next(t for t in tips if t.id == tip_id)


def warnings_about(caplog, key):
    return [r for r in caplog.records if r.levelno >= logging.WARNING and key in r.getMessage()]


# ------------------------------------------------------------------ reading a language


def test_a_russian_tip_carries_the_russian_urgency_wording_and_the_english_level(tmp_path):
    ru = write_catalogue(tmp_path, "ru", {"tip:doc-002": RU_CLOT, **RU_LADDER})
    clot = tip(load_catalog(translation=ru), "doc-002")
    assert clot.text == (
        "Болезненная икра, которая ещё и опухла, горячая, красная или темнее обычного, чаще"
        " на одной ноге, может быть тромбом. Обратитесь за медицинской помощью в тот же день."
        " Одышка или боль в груди? Звоните в экстренные службы немедленно.")
    assert clot.level == "emergency"
    assert tip(load_catalog(), "doc-002").text.endswith(
        "Get medical help the same day. Short of breath or chest pain as well?"
        " Call emergency services now.")


def test_english_is_the_same_with_no_translation_or_an_empty_catalogue(tmp_path):
    empty = write_catalogue(tmp_path, "es", {})
    assert load_catalog(translation=empty) == load_catalog()
    assert load_causes(translation=empty) == load_causes()
    assert load_rda(translation=empty) == load_rda()
    assert load_foods(translation=empty) == load_foods()
    assert load_ladder(translation=empty) == load_ladder()


def test_an_untranslated_text_is_english_and_logged_once_per_key(tmp_path, caplog):
    ru = write_catalogue(tmp_path, "ru", {"tip:doc-002": RU_CLOT, **RU_LADDER})
    caplog.set_level(logging.WARNING)
    first = load_catalog(translation=ru)
    second = load_catalog(translation=ru)
    english = tip(load_catalog(), "doc-016").text
    assert tip(first, "doc-016").text == english
    assert tip(second, "doc-016").text == english
    # A tip with no translation is the English tip, its level worded in English too.
    assert english.endswith("Call emergency services now. Don't drive yourself to hospital."
                            " Chest pain is never a cramp to stretch out.")
    logged = warnings_about(caplog, "tip:doc-016")
    assert len(logged) == 1
    assert "ru" in logged[0].getMessage()
    assert warnings_about(caplog, "tip:doc-002") == []


def test_a_missing_catalogue_gives_english_and_one_warning(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    nothing = ContentTranslator("pt_BR", tmp_path)
    assert load_causes(translation=nothing) == load_causes()
    assert len(warnings_about(caplog, "no pt_BR catalogue")) == 1


def test_a_translation_that_changes_a_figure_is_refused_at_run_time(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    ru = write_catalogue(tmp_path, "ru", {
        "tip:doc-017": "Судорога дольше 5 минут, которая не проходит, требует помощи."
                       " {immediately}",
    })
    assert tip(load_catalog(translation=ru), "doc-017").text.startswith(
        "A cramp that lasts longer than 10 minutes")
    [record] = warnings_about(caplog, "tip:doc-017")
    assert "numbers" in record.getMessage()


def test_a_level_wording_without_the_number_is_refused(tmp_path):
    ru = write_catalogue(tmp_path, "ru", {**RU_LADDER,
                                          "level:emergency:advice": "Звоните немедленно."})
    ladder = load_ladder(translation=ru)
    assert ladder.advice("emergency", "112") == "Call 112 now."
    assert ladder.heading("emergency", "112") == "Экстренно: звоните 112"
    assert ladder.advice("same-day") == "Обратитесь за медицинской помощью в тот же день."


@pytest.mark.parametrize("translated", [
    # another level than the English's: the urgency would change
    "Икра опухла и покраснела: это может быть тромб. {appointment} Боль в груди? {emergency}",
    # a level glued into a sentence cannot be worded by the ladder
    "Икра опухла и покраснела: это может быть тромб.{same_day} Боль в груди? {emergency}",
    # too long once filled (tips are at most 600 characters)
    "Икра опухла. " + "Очень длинный текст. " * 28 + "{same_day} Боль в груди? {emergency}",
])
def test_the_catalogue_loader_keeps_the_english_tip_over_an_unusable_translation(translated):
    tips = load_catalog(translation=DictTranslation({"tip:doc-002": translated, **RU_LADDER}))
    assert tip(tips, "doc-002") == tip(load_catalog(), "doc-002")


def test_causes_in_russian_keep_each_signs_level_and_word_it_in_russian(tmp_path):
    english = load_causes()
    ru = write_catalogue(tmp_path, "ru", {
        **RU_LADDER,
        "sign:statin": "Боль, слабость или судороги в мышцах без явной причины, пока вы"
                       " принимаете статин. Это может быть повреждение мышц; совет NHS —"
                       " прекратить приём статина.",
    })
    causes = load_causes(translation=ru)
    assert [s.level for s in causes.warning_signs] == [s.level for s in english.warning_signs]
    statin = causes.sign("statin")
    assert statin.text.startswith("Боль, слабость или судороги")
    assert statin.source == english.sign("statin").source
    same_day = [line for line, sign in zip(causes.when_to_see_doctor, causes.warning_signs,
                                           strict=True) if sign.level == "same-day"]
    assert same_day
    assert all(line.endswith("Обратитесь за медицинской помощью в тот же день.")
               for line in same_day)
    assert causes.intro == english.intro  # untranslated: the English


def test_a_sign_translation_that_types_a_level_in_is_refused():
    causes = load_causes(translation=DictTranslation({
        "sign:statin": "Боль в мышцах при приёме статина. {appointment}"}))
    assert causes.sign("statin").text == load_causes().sign("statin").text


def test_an_overview_too_long_in_translation_gives_the_english_overview():
    raw = next(m.english for m in content_messages() if m.context == "causes:overview")
    long = "Судорога. " * 120 + raw[raw.index("{emergency}"):]
    causes = load_causes(translation=DictTranslation({"causes:overview": long, **RU_LADDER}))
    assert causes.overview == load_causes().overview
    assert len(long.replace("{emergency}", "").replace("{same_day}", "")) > 1200


def test_need_notes_and_band_labels_in_spanish_with_the_same_figures(tmp_path):
    es = write_catalogue(tmp_path, "es", {
        "rda:1-3:label": "1–3 años",
        "rda:child_limit_note": "Dé a un niño un suplemento de magnesio solo si se lo"
                                " indica un pediatra.",
    })
    rda, english = load_rda(translation=es), load_rda()
    band = rda.band("1-3")
    assert band is not None and band.label == "1–3 años"
    assert (band.male, band.supplement_limit_mg) == (80, 65)
    assert rda.child_limit_note.startswith("Dé a un niño")
    assert rda.upper_limit_note == english.upper_limit_note
    assert rda.absorbed_percent == "30–40"


# ------------------------------------------------------------------ /foods in the reader's words


@pytest.mark.parametrize(("locale", "words", "query"), [
    ("ru", "миндаль, миндальные орехи", "миндаль"),
    ("ru", "миндаль, миндальные орехи", "Миндальные орехи"),
    ("es", "almendras, almendra", "almendras"),
    ("pt_BR", "amêndoas, amêndoa", "amêndoas"),
    ("pt_BR", "amêndoas, amêndoa", "amendoas"),
])
def test_foods_finds_almonds_by_the_readers_word(tmp_path, locale, words, query):
    translator = write_catalogue(tmp_path, locale, {"food:almonds:search": words})
    table = load_foods(translation=translator)
    found = find_food(table, query)
    assert found is not None and found.name == "almonds"
    assert (found.mg, found.dv_percent) == (80, 19)
    # English still works for the same reader, and other foods are not taken for almonds.
    assert find_food(table, "almonds") == found
    assert find_food(table, "spinach") is not None
    assert find_food(table, "spinach").name == "spinach"


def test_foods_in_russian_shows_russian_label_serving_and_groups_and_suggests_by_a_near_miss(
        tmp_path):
    ru = write_catalogue(tmp_path, "ru", {
        "food:almonds:search": "миндаль",
        "food:almonds:label": "Миндаль, сухой обжарки",
        "food:almonds:serving": "1 унция (28 г)",
        "foods:groups": "листовые зелёные овощи, орехи, семена, цельные злаки, бобовые",
    })
    table = load_foods(translation=ru)
    almonds = find_food(table, "миндаль")
    assert almonds is not None
    assert (almonds.label, almonds.serving) == ("Миндаль, сухой обжарки", "1 унция (28 г)")
    assert table.groups == ("листовые зелёные овощи", "орехи", "семена", "цельные злаки",
                            "бобовые")
    assert "almonds" in [food.name for food in suggest_foods(table, "миндл")]
    assert find_food(load_foods(), "миндаль") is None  # English readers' table is unchanged


# ------------------------------------------------------------------ stale translations


def test_a_translation_of_an_older_english_is_not_shown_and_is_named_stale(tmp_path):
    old = "A cramp that lasts longer than 15 minutes needs a doctor. {immediately}"
    ru = write_catalogue(tmp_path, "ru", {
        "tip:doc-017": "Судорога дольше 15 минут требует врача. {immediately}",
        "tip:doc-016": "Боль в груди. {emergency}",
    }, made_from={"tip:doc-017": old}, fuzzy=("tip:doc-016",))
    tips, english = load_catalog(translation=ru), load_catalog()
    assert tip(tips, "doc-017") == tip(english, "doc-017")
    assert tip(tips, "doc-016") == tip(english, "doc-016")  # fuzzy: not compiled
    report = catalogue_problems(entries(read_catalogue(
        tmp_path / "ru" / "LC_MESSAGES" / "content.po")), english_of())
    assert report.stale == ["tip:doc-017: made from an older English",
                            "tip:doc-016: fuzzy (to be reviewed)"]


def test_update_keeps_translations_marks_a_changed_english_fuzzy_and_a_removed_key_obsolete(
        tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.md"))
    locales = tmp_path / "locales"
    assert main(["extract", "--data", str(data), "--locales", str(locales)]) == 0
    write_catalogue(locales, "es", {
        "tip:doc-017": "Un calambre que dura más de 10 minutos y no cede al moverse o"
                       " estirarse necesita atención médica. {immediately}",
        "tip:doc-018": "Rigidez o espasmos dolorosos tras una herida con tierra pueden ser"
                       " tétanos. {emergency}",
        "tip:doc-002": RU_CLOT,
    }, data_dir=data)
    doctor = data / "doctor.toml"
    text = doctor.read_text(encoding="utf-8")
    text = text.replace("longer than 10 minutes", "longer than 15 minutes")
    start = text.index('[[tip]]\nid = "doc-018"')
    text = text[:start] + text[text.index("[[tip]]", start + 1):]
    doctor.write_text(text, encoding="utf-8")

    assert main(["all", "--data", str(data), "--locales", str(locales)]) == 0
    po = locales / "es" / "LC_MESSAGES" / "content.po"
    written = po.read_text(encoding="utf-8")
    assert '#, fuzzy, python-brace-format\n#| msgid ""' in written
    assert "#~ msgctxt \"tip:doc-018\"" in written
    report = catalogue_problems(entries(read_catalogue(po)), english_of(data))
    assert "tip:doc-017: fuzzy (to be reviewed)" in report.stale
    assert "tip:doc-018: obsolete (the English no longer has it)" in report.stale
    assert "tip:doc-002" not in " ".join(report.stale)
    # The fuzzy translation is not compiled: the reader gets the new English.
    es = ContentTranslator("es", locales)
    assert "15 minutes" in tip(load_catalog(data, es), "doc-017").text
    # A second run changes nothing.
    before = {path: path.read_bytes() for path in locales.rglob("*.*")}
    capsys.readouterr()
    assert main(["all", "--data", str(data), "--locales", str(locales)]) == 0
    assert {path: path.read_bytes() for path in locales.rglob("*.*")} == before
    assert capsys.readouterr().out.strip().endswith("content.pot: up to date")


# ------------------------------------------------------------------ committed files up to date


def test_the_committed_template_holds_exactly_the_current_english():
    committed = read_catalogue(LOCALE_DIR / "content.pot")
    assert same_messages(committed, template()), "run `make i18n` and commit the result"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_committed_mo_is_compiled_from_its_po(locale):
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    assert (folder / "content.mo").read_bytes() == compiled(
        read_catalogue(folder / "content.po", locale)), "run `make i18n` and commit the result"
