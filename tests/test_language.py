"""The reader's language: chosen, else Telegram's, else English — from the first /start on.

The interface catalogue here is a tiny one of the test's own (bot.core.i18n.LOCALE_DIR
points at it), so these tests do not wait for the real interface translations; the health
content is the shipped one (tips/locales), read back here with the standard library.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gettext
import sqlite3
import tomllib
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from bot.core import i18n
from bot.storage import Storage
from bot.storage.schema import MIGRATIONS
from tests.helpers import USER, stored_rows

pytestmark = pytest.mark.both_engines

CONTENT = Path(__file__).resolve().parent.parent / "tips" / "locales"
RU_LOCAL_NUMBER = "местную службу экстренной помощи"
# The test's interface catalogue: (English, Russian, Brazilian Portuguese).
UI = {
    "🌐 Language": ("🌐 Язык", "🌐 Idioma"),
    "🌐 Which language should MagDaily write to you in?": (
        "🌐 На каком языке вам писать?", "🌐 Em que idioma devo escrever?"),
    "✅ MagDaily writes to you in English from now on: tips, warning signs, the diary and "
    "the command menu.": ("✅ Теперь MagDaily пишет вам по-русски.",
                          "✅ O MagDaily agora escreve em português."),
    "your local emergency number": (RU_LOCAL_NUMBER, "o número de emergência local"),
    "Choose your language": ("Выбрать язык", "Escolher o idioma"),
}


@pytest.fixture(autouse=True)
def interface_catalogue(tmp_path, monkeypatch):
    for column, folder in ((0, "ru"), (1, "pt_BR")):
        catalog = Catalog(locale=folder)
        for english, translated in UI.items():
            catalog.add(english, translated[column])
        target = tmp_path / "locales" / folder / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locales")
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


def content_translation(folder: str, key: str, english: str) -> str:
    """What the shipped content catalogue says for ``key`` (read without the bot's code)."""
    with (CONTENT / folder / "LC_MESSAGES" / "content.mo").open("rb") as handle:
        return gettext.GNUTranslations(handle).pgettext(key, english)


def labels(message) -> list[str]:
    return [button["text"] for row in message.inline_keyboard for button in row]


async def test_a_russian_user_reads_russian_from_the_first_start_to_the_daily_tip(bot):
    welcome = await bot.start(language_code="ru")
    assert "🌐 Язык" in labels(welcome)
    assert bot.rows("SELECT language, language_chosen FROM subscribers") == [("ru", 0)]
    await bot.say("Munich", language_code="ru")
    await bot.say("08:00", language_code="ru")

    causes = await bot.reply("/causes", language_code="ru")
    overview = content_translation("ru", "causes:overview", _english_overview())
    assert escape(overview.split("{")[0]) in causes.text  # {same_day}: the ladder's words

    # The daily tip at 08:00 in Munich (07:00 UTC), worded by the sender in Russian.
    bot.clock.set(datetime(2026, 11, 26, 7, 0, 30, tzinfo=UTC))
    before = len(bot.standin.messages_to(USER))
    # The sender works in a task of its own, where no update has set a language.
    await asyncio.create_task(bot.deliver_due(), context=contextvars.Context())
    (tip,) = bot.standin.messages_to(USER)[before:]
    ((tip_id,),) = bot.rows("SELECT tip_id FROM deliveries WHERE kind = 'daily'")
    english = _english_tip(tip_id)
    russian = content_translation("ru", f"tip:{tip_id}", english)
    assert russian != english
    first_sentence = russian.split("{")[0].split(". ")[0]
    assert escape(first_sentence) in tip.text
    assert escape(english.split(". ")[0]) not in tip.text


def _english_tip(tip_id: str) -> str:
    """The tip as written in tips/data (its placeholders unfilled, as translated)."""
    for path in sorted((CONTENT.parent / "data").glob("*.toml")):
        for tip in tomllib.loads(path.read_text("utf-8")).get("tip", ()):
            if tip["id"] == tip_id:
                return tip["text"]
    raise AssertionError(tip_id)


def _english_overview() -> str:
    data = tomllib.loads((CONTENT.parent / "data" / "causes.toml").read_text("utf-8"))
    return data["overview"]


async def test_the_local_number_phrase_is_the_readers_language(bot):
    await bot.start(language_code="ru")  # the default zone (UTC) names no country
    answer = await bot.reply("/causes", language_code="ru")
    await bot.press(answer, "causes:signs", language_code="ru")
    signs = bot.standin.message(USER, answer.message_id).text
    assert RU_LOCAL_NUMBER in signs
    assert "your local emergency number" not in signs


async def test_ukrainian_reads_english_never_russian(bot):
    welcome = await bot.start(language_code="uk")
    assert "🌐 Language" in labels(welcome)
    assert bot.rows("SELECT language FROM subscribers") == [("en",)]
    answer = await bot.reply("/causes", language_code="uk")
    assert "🚑 In an emergency" in answer.text


async def test_foods_in_russian_finds_almonds(bot):
    await bot.start(language_code="ru")
    answer = await bot.reply("/foods миндаль", language_code="ru")
    assert "Миндаль, обжаренный без масла" in answer.text and "80" in answer.text
    english = await bot.reply("/foods миндаль", language_code="en")  # any reader
    assert "Almonds, dry roasted" in english.text and "80 mg" in english.text


async def test_a_brazilian_switching_to_english_gets_the_english_menu(bot):
    welcome = await bot.start(language_code="pt-br")
    assert bot.rows("SELECT language, language_chosen FROM subscribers") == [("pt-BR", 0)]
    assert "🌐 Idioma" in labels(welcome)
    question = await bot.reply("/language", language_code="pt-br")
    assert question.text == "🌐 Em que idioma devo escrever?"
    assert labels(question) == ["English", "Русский", "Español", "Português (Brasil)"]
    await bot.press(question, "lang:en", language_code="pt-br")
    answered = bot.standin.message(USER, question.message_id).text
    assert answered.startswith("✅ MagDaily writes to you in English from now on")
    assert bot.rows("SELECT language, language_chosen FROM subscribers") == [("en", 1)]
    menu = bot.standin.visible_commands(USER, language_code="pt")
    assert {"command": "tip", "description": "A tip right now"} in menu
    assert bot.standin.commands_for({"type": "chat", "chat_id": USER}) == menu
    # Telegram still says Portuguese: the choice stands, for replies and the panel.
    panel = await bot.reply("/settings", language_code="pt-br")
    assert "🌐 Language" in labels(panel)


async def test_a_choice_answers_in_the_new_language_at_once(bot):
    await bot.start(language_code="en")
    question = await bot.reply("/language")
    await bot.press(question, "lang:ru")
    assert bot.standin.message(USER, question.message_id).text == (
        "✅ Теперь MagDaily пишет вам по-русски.")
    assert bot.rows("SELECT language, language_chosen FROM subscribers") == [("ru", 1)]
    assert bot.standin.commands_for({"type": "chat", "chat_id": USER})  # the chat's own menu


async def test_a_second_choice_replaces_the_first(bot):
    await bot.start(language_code="en")
    await bot.press(await bot.reply("/language"), "lang:ru")
    question = await bot.reply("/language")
    await bot.press(question, "lang:pt-BR")
    assert bot.rows("SELECT language, language_chosen FROM subscribers") == [("pt-BR", 1)]
    assert bot.standin.message(USER, question.message_id).text == (
        "✅ O MagDaily agora escreve em português.")


async def test_a_followed_language_is_rewritten_only_when_telegram_says_otherwise(bot):
    await bot.start(language_code="ru")
    updated = bot.rows("SELECT updated_at FROM subscribers")
    bot.clock.advance(minutes=5)
    await bot.say("/causes", language_code="ru")
    assert bot.rows("SELECT updated_at FROM subscribers") == updated  # no write
    await bot.say("/causes", language_code="es-MX")
    assert bot.rows("SELECT language, language_chosen FROM subscribers") == [("es", 0)]
    await bot.say("/causes", language_code="")  # Telegram sent none: the stored one stands
    assert bot.rows("SELECT language FROM subscribers") == [("es",)]


async def test_start_up_sets_the_menu_and_descriptions_per_language(bot):
    for code in ("ru", "es", "pt"):
        assert bot.standin.commands_for("default", code), code
        assert bot.standin.descriptions[code], code
        assert bot.standin.short_descriptions[code], code
    assert "muscle cramps" in bot.standin.descriptions[""]


async def test_a_version_9_database_reads_english_not_chosen(tmp_path):
    path = tmp_path / "bot.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as connection:
        for number, script in enumerate(MIGRATIONS[:9], start=1):
            connection.executescript(f"BEGIN;{script}\nPRAGMA user_version = {number};COMMIT;")
        connection.execute(
            "INSERT INTO subscribers (chat_id, status, send_time, timezone, topics, "
            "created_at, updated_at) VALUES (7, 'active', '09:00', 'UTC', 'foods', 0, 0)")
        connection.commit()
    storage = await Storage.open(path)
    await storage.close()
    assert stored_rows(path, "PRAGMA user_version") == [(16,)]
    assert stored_rows(path, "SELECT language, language_chosen FROM subscribers") == [("en", 0)]


def test_nothing_maps_one_language_onto_another():
    assert [i18n.locale_for(code) for code in ("uk", "be", "kk", "pt", "pt-br", "es-419",
                                                "ru", None)] == [
        None, None, None, "pt-BR", "pt-BR", "es", "ru", None]

