"""MagDaily in Russian, Spanish and Brazilian Portuguese with the catalogues it ships
(bot/locales and tips/locales, read here through the standard library, not the bot's code):
what a reader of each language sees first, where it matters most."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

from tests.helpers import USER

ROOT = Path(__file__).resolve().parent.parent
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def content(folder: str) -> gettext.GNUTranslations:
    with (ROOT / "tips" / "locales" / folder / "LC_MESSAGES" / "content.mo").open("rb") as f:
        return gettext.GNUTranslations(f)


def interface(folder: str) -> gettext.GNUTranslations:
    with (ROOT / "bot" / "locales" / folder / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        return gettext.GNUTranslations(f)


async def test_a_russian_reader_gets_russian_from_the_first_start(bot):
    answers = await bot.say("/start", language_code="ru")
    text = "\n".join(answer.text for answer in answers)
    letters = [c for c in text if c.isalpha()]
    assert sum(bool(CYRILLIC.match(c)) for c in letters) > 0.8 * len(letters)
    assert "Welcome" not in text
    menu = interface("ru").gettext("A tip right now")
    assert menu != "A tip right now"
    help_text = (await bot.reply("/help", language_code="ru")).text
    assert f"/tip — {menu}" in help_text


async def test_a_spanish_reader_in_madrid_sees_the_emergency_line_in_spanish_with_112(bot):
    await bot.say("/start", language_code="es")
    await bot.say("Madrid", language_code="es")
    causes = await bot.reply("/causes", language_code="es")
    await bot.press(causes, "causes:signs", language_code="es")
    signs = bot.standin.messages_to(USER)[-1].text
    heading = content("es").pgettext("level:emergency:heading", "Emergency: call {number} now")
    assert heading != "Emergency: call {number} now"
    assert heading.format(number="112") in signs
    assert "Call 112" not in signs and "emergency" not in signs.lower()


@pytest.mark.parametrize(("code", "city", "zone"), [
    ("ru", "Москва", "Europe/Moscow"), ("ru", "Мюнхен", "Europe/Berlin"),
    ("pt-br", "São Paulo", "America/Sao_Paulo"), ("pt-br", "Sao Paulo", "America/Sao_Paulo"),
    ("pt-br", "Brasília", "America/Sao_Paulo"), ("es", "Ciudad de México", "America/Mexico_City"),
])
async def test_a_city_typed_in_the_readers_own_script_and_spelling_sets_its_zone(
        bot, code, city, zone):
    await bot.say("/start", language_code=code)
    await bot.say(f"/timezone {city}", language_code=code)
    assert bot.rows("SELECT timezone FROM subscribers") == [(zone,)]


@pytest.mark.parametrize(("code", "query"), [
    ("ru", "миндаль"), ("es", "almendras"), ("pt-br", "amêndoas"), ("pt-br", "amendoas"),
])
async def test_foods_finds_almonds_by_the_readers_word_with_their_figures(bot, code, query):
    answer = await bot.reply(f"/foods {query}", language_code=code)
    assert "80" in answer.text and "28" in answer.text  # 80 mg per 1 oz (28 g), NIH ODS
    assert "Almonds" not in answer.text
