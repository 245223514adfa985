"""Checks that a translation says what its English says: figures, tags, placeholders, sources.

A translation of health advice may reword everything except what a reader acts on: the
numbers (mg, %, litres, hours, ages, minutes), the urgency levels (``{same_day}``) and the
emergency number (``{number}``), the HTML, and which source the English cites. Each check
is a pure function returning the problems it found (empty when all is well), so the tests
run it over every locale's catalogue and, on planted mistakes, prove it would catch them,
and `tips.i18n.ContentTranslator` refuses (English shown, logged) a translation that
fails one at run time.

`catalogue_problems` judges a whole catalogue against the current English: untranslated
entries, stale ones (made from an older English, fuzzy or obsolete), missing keys.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tips.foods import FoodTable, normalize

# Digit runs as a reader takes them: a fraction ("1/2", or "½"), a time ("6:30"), a decimal
# with either separator ("2.7" or "2,7"), or a whole number ("30–40" is 30 and 40).
_NUMBER_RE = re.compile(r"\d+\s?/\s?\d+|\d+:\d\d|\d+[.,]\d+|\d+")
_VULGAR = {"½": "1/2", "¼": "1/4", "¾": "3/4", "⅓": "1/3", "⅔": "2/3"}
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
_PLACEHOLDER_RE = re.compile(r"\{[^{}]*\}")

# Who the English may cite by name inside a text, spelt as the translation must keep it
# (readers look the source up, and the sources are in English). tests/test_translations.py
# holds every `source` of tips/data to one of these, so a new source is added here.
SOURCE_NAMES = (
    "NIH", "ODS", "NHS", "nidirect", "Mayo", "Cochrane", "National Academies",
    "American Academy of Sleep Medicine", "emc", "Hallegraeff", "Coppin",
)


def numbers(text: str) -> Counter[str]:
    """The multiset of figures in ``text``, written the same way whatever the language."""
    for glyph, fraction in _VULGAR.items():
        text = text.replace(glyph, f" {fraction} ")
    found: Counter[str] = Counter()
    for match in _NUMBER_RE.findall(text):
        found[re.sub(r"\s", "", match).replace(",", ".")] += 1
    return found


def tags(text: str) -> Counter[str]:
    return Counter(_TAG_RE.findall(text))


def placeholders(text: str) -> Counter[str]:
    return Counter(_PLACEHOLDER_RE.findall(text))


def sources_named(text: str) -> set[str]:
    return {name for name in SOURCE_NAMES if re.search(rf"\b{re.escape(name)}\b", text)}


def _listed(counts: Counter[str]) -> str:
    return ", ".join(sorted(counts.elements())) or "none"


def meaning_problems(english: str, translated: str) -> list[str]:
    """What ``translated`` changed that a reader acts on, in words a translator can act on."""
    problems: list[str] = []
    for what, measure in (("numbers", numbers), ("HTML tags", tags),
                          ("placeholders", placeholders)):
        want, have = measure(english), measure(translated)
        if want != have:
            problems.append(f"{what}: the English has {_listed(want)}, the translation"
                            f" {_listed(have)}")
    lost = sources_named(english) - sources_named(translated)
    if lost:
        problems.append(f"source: the English names {', '.join(sorted(lost))}, the"
                        " translation does not")
    return problems


def search_word_clashes(table: FoodTable) -> dict[str, list[str]]:
    """Spellings (normalised) that would find more than one food: lookup would never pick.

    The English table refuses these when it loads; translated search words are checked here.
    """
    owners: dict[str, list[str]] = {}
    for food in table.foods:
        for spelling in {normalize(word) for word in (food.name, *food.aliases)}:
            owners.setdefault(spelling, []).append(food.name)
    return {spelling: names for spelling, names in owners.items() if len(names) > 1}


@dataclass(frozen=True)
class Entry:
    """One catalogue entry as the checks need it (read from a .po file by tips.i18n_build)."""

    key: str  # msgctxt
    english: str  # msgid: the English the translation was made from
    translated: str  # msgstr, "" when untranslated
    fuzzy: bool = False
    obsolete: bool = False


@dataclass
class CatalogueReport:
    """What keeps a catalogue from being complete and current, each list naming keys."""

    untranslated: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # "key: why"
    missing: list[str] = field(default_factory=list)  # keys the catalogue lacks entirely
    meaning: list[str] = field(default_factory=list)  # "key: problem"

    def lines(self) -> list[str]:
        return ([f"untranslated: {key}" for key in self.untranslated]
                + [f"stale: {item}" for item in self.stale]
                + [f"missing: {key}" for key in self.missing]
                + [f"changes the meaning: {item}" for item in self.meaning])


def catalogue_problems(entries: Iterable[Entry], english: Mapping[str, str]) -> CatalogueReport:
    """Judge ``entries`` against ``english`` (key → the current English).

    Stale: obsolete (the key left the template), fuzzy (a guess or a carried-over
    translation awaiting review), made from an older English than the current one, or a
    key the English no longer has. Such a translation is never shown (gettext finds no
    match for the current English, or the compiler leaves fuzzy entries out), so the reader
    gets English until it is redone; this report is how a translator finds them.
    """
    report = CatalogueReport()
    seen: set[str] = set()
    for entry in entries:
        if entry.obsolete:
            report.stale.append(f"{entry.key}: obsolete (the English no longer has it)")
            continue
        seen.add(entry.key)
        current = english.get(entry.key)
        if current is None:
            report.stale.append(f"{entry.key}: the English no longer has this key")
        elif entry.english != current:
            report.stale.append(f"{entry.key}: made from an older English")
        elif not entry.translated:
            report.untranslated.append(entry.key)
        elif entry.fuzzy:
            report.stale.append(f"{entry.key}: fuzzy (to be reviewed)")
        else:
            report.meaning.extend(f"{entry.key}: {problem}"
                                  for problem in meaning_problems(current, entry.translated))
    report.missing = [key for key in english if key not in seen]
    return report
