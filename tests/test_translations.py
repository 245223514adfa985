"""The real catalogues (tips/locales/{ru,es,pt_BR}) against the English in tips/data.

Two kinds of test, marked so a reader of a failing run knows which is which:

- ``strict_translations``: every key translated and current, and /foods finding almonds by
  each language's word. These FAIL until the translators' catalogues are complete and
  merged (then `make i18n` and commit); they name every untranslated, stale or missing
  entry, so they are the to-do list. ``pytest -m "not strict_translations"`` runs the rest.
- the others hold whatever has been translated so far to the English's meaning (figures,
  tags, placeholders, sources), to the message limits once levels are filled, and to
  search words that name one food each; they pass on an empty catalogue and fail on the
  first bad translation.
"""

from __future__ import annotations

import logging
import re

import pytest

from tips.catalog import DATA_DIR, load_catalog, load_ladder
from tips.content_messages import content_messages
from tips.foods import find_food, load_foods
from tips.i18n import LOCALES, ContentTranslator, catalogue_path
from tips.i18n_build import entries, read_catalogue
from tips.reference import load_causes, load_rda
from tips.translation_checks import (
    SOURCE_NAMES,
    Entry,
    catalogue_problems,
    search_word_clashes,
)

strict = pytest.mark.strict_translations
ENGLISH = {message.context: message.english for message in content_messages()}
TELEGRAM_LIMIT = 4096


def catalogue(locale: str) -> list[Entry]:
    return entries(read_catalogue(catalogue_path(locale), locale))


class CurrentTranslations:
    """The .po's current, reviewed translations (what `make i18n` would compile)."""

    def __init__(self, locale: str) -> None:
        self.texts = {entry.key: entry.translated for entry in catalogue(locale)
                      if not (entry.obsolete or entry.fuzzy) and entry.translated
                      and ENGLISH.get(entry.key) == entry.english}

    def pgettext(self, context: str, message: str) -> str:
        return self.texts.get(context, message) if ENGLISH.get(context) == message else message


def listed(lines: list[str], limit: int = 60) -> str:
    more = f"\n… and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


@strict
@pytest.mark.parametrize("locale", LOCALES)
def test_strict_every_entry_is_translated_and_current(locale):
    report = catalogue_problems(catalogue(locale), ENGLISH)
    todo = report.untranslated + report.stale + report.missing
    assert not todo, (
        f"{locale}: {len(report.untranslated)} untranslated, {len(report.stale)} stale,"
        f" {len(report.missing)} missing (run `make i18n` after merging):\n"
        + listed([line for line in report.lines() if not line.startswith("changes")]))


@strict
@pytest.mark.parametrize(("locale", "query"), [
    ("ru", "миндаль"), ("es", "almendras"), ("pt_BR", "amêndoas"), ("pt_BR", "amendoas"),
])
def test_strict_foods_finds_almonds_in_each_language(locale, query):
    found = find_food(load_foods(translation=ContentTranslator(locale)), query)
    assert found is not None and found.name == "almonds"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_translation_changes_a_figure_tag_placeholder_or_source(locale):
    report = catalogue_problems(catalogue(locale), ENGLISH)
    assert report.meaning == [], f"{locale}:\n" + listed(report.meaning)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_load_whole_and_within_the_limits(locale, caplog):
    """Tips at most 600 characters with their levels, the /causes overview 1,200, any text
    4,096; every level placeholder a whole sentence. A translation failing one is refused
    by the loader (English shown, a warning logged), which this test turns into a failure."""
    translation = CurrentTranslations(locale)
    caplog.set_level(logging.WARNING, logger="tips")
    tips = load_catalog(translation=translation)
    causes = load_causes(translation=translation)
    rda = load_rda(translation=translation)
    foods = load_foods(translation=translation)
    ladder = load_ladder(translation=translation)
    refused = [record.getMessage() for record in caplog.records]
    assert refused == [], f"{locale}:\n" + listed(refused)
    texts = [tip.text for tip in tips] + [causes.overview, *causes.when_to_see_doctor]
    texts += [rda.upper_limit_note, rda.child_food_note] + [f.label for f in foods.foods]
    texts += [ladder.advice(level.key, "112") for level in ladder.levels]
    texts += list(translation.texts.values())
    too_long = [text[:60] for text in texts if len(text) > TELEGRAM_LIMIT]
    assert too_long == []


@pytest.mark.parametrize("locale", LOCALES)
def test_each_search_word_names_one_food(locale):
    clashes = search_word_clashes(load_foods(translation=CurrentTranslations(locale)))
    assert clashes == {}, f"{locale}: {clashes}"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_catalogue_loads_at_run_time(locale):
    """The compiled catalogue opens (a damaged or absent one would silently mean English)."""
    translator = ContentTranslator(locale)
    assert translator.pgettext("tip:doc-001", ENGLISH["tip:doc-001"])
    assert catalogue_path(locale, suffix=".mo").stat().st_size > 0


def test_every_cited_source_has_a_name_the_checks_look_for():
    """So a source named in a text is held by the source check, add a new source's name to
    SOURCE_NAMES when tips/data cites it."""
    sources = set()
    for path in sorted(DATA_DIR.glob("*.toml")):
        sources.update(re.findall(r'^source = "(.*)"$', path.read_text(encoding="utf-8"),
                                  flags=re.MULTILINE))
    assert sources
    unnamed = [s for s in sorted(sources)
               if not any(re.search(rf"\b{re.escape(n)}\b", s) for n in SOURCE_NAMES)]
    assert unnamed == []
