"""/about in Russian, Spanish or Portuguese says the health texts are translated from the
English originals (the reference), as of when, and that the cited sources are in English.

The sentence is one gettext message with a named placeholder: a catalogue made here holds
its Russian, as the shipped one will, and /about then says it whole in Russian with the
date in Russian.
"""

from __future__ import annotations

import io
from gettext import GNUTranslations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo

from bot.core import i18n
from bot.ui import texts

SOURCES = ["NIH Office of Dietary Supplements, Magnesium fact sheet", "Cochrane review, 2020"]
RUSSIAN = ("🌐 Медицинские тексты переведены с английских оригиналов MagDaily, которые "
           "остаются эталоном (перевод от {date}). Источники указаны на английском языке.")


def _russian_catalogue() -> GNUTranslations:
    """The message as `make i18n` extracts it from the text layer, with its Russian."""
    found = [message for _line, message, _comments, _context in extract_from_file(
        "python", texts.__file__, keywords={"_": None})
        if isinstance(message, str) and "English originals" in message]
    assert len(found) == 1 and "{date}" in found[0]  # one whole sentence, named placeholder
    catalogue = Catalog(locale="ru")
    catalogue.add(found[0], RUSSIAN)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return GNUTranslations(buffer)


def test_english_about_is_the_reference_and_says_nothing_of_translation():
    shown = texts.about(SOURCES)
    assert "translated" not in shown.lower()


@pytest.mark.parametrize(("locale", "date"), [
    ("ru", "7 декабря 2026\u202fг."),  # Babel's narrow no-break space before г.
    ("es", "7 de diciembre de 2026"),
    ("pt-BR", "7 de dezembro de 2026"),
])
def test_each_other_language_says_when_the_health_texts_were_translated(locale, date):
    with i18n.use_locale(locale):
        shown = texts.about(SOURCES)
    assert date in shown
    assert shown.count(date) == 1


def test_the_russian_about_says_it_whole_in_russian(monkeypatch):
    russian = _russian_catalogue()
    real = i18n.translations
    monkeypatch.setattr(i18n, "translations",
                        lambda locale, directory=None: russian if locale == "ru"
                        else real(locale, directory))
    with i18n.use_locale("ru"):
        shown = texts.about(SOURCES)
    assert RUSSIAN.format(date="7 декабря 2026\u202fг.") in shown
    # next to the sources it speaks of
    assert shown.index("Источники указаны на английском") > shown.index("Cochrane review")
