"""The reader's locale: Telegram's language_code to the bot's locale, one per context, and
English whenever a catalogue or a message is missing (bot/core/i18n.py)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from babel.messages.catalog import Catalog

from bot.core import i18n
from tests.helpers import interface_catalogue


@pytest.mark.parametrize(("code", "locale"), [
    ("ru", "ru"), ("ru-RU", "ru"), ("es", "es"), ("es-419", "es"), ("es-MX", "es"),
    ("pt-br", "pt-BR"), ("pt-BR", "pt-BR"), ("pt", "pt-BR"), ("pt-PT", "pt-BR"),
    ("en", "en"), ("en-GB", "en"),
    ("uk", None), ("be", None), ("kk", None), ("de", None), ("", None), (None, None),
])
def test_telegram_language_codes_map_only_onto_the_same_language(code, locale):
    assert i18n.locale_for(code) == locale


@pytest.fixture
def russian(tmp_path, monkeypatch):
    """A tiny compiled Russian catalogue in a temporary bot/locales."""
    catalog = Catalog(locale="ru", domain="messages")
    catalog.add("Hello", "Здравствуйте")
    catalog.add(("{count} tip", "{count} tips"), ("{count} совет", "{count} совета",
                                                   "{count} советов"))
    with interface_catalogue(tmp_path, monkeypatch, catalog):
        yield


def test_english_is_the_default_and_the_reference():
    assert i18n.current_locale() == "en"
    assert i18n.gettext("Hello") == "Hello"
    assert i18n.ngettext("{count} tip", "{count} tips", 1) == "{count} tip"


def test_russian_plurals_have_three_forms(russian):
    with i18n.use_locale("ru"):
        forms = [i18n.ngettext("{count} tip", "{count} tips", n).format(count=n)
                 for n in (1, 2, 5, 11, 21, 22, 25)]
    assert forms == ["1 совет", "2 совета", "5 советов", "11 советов", "21 совет",
                     "22 совета", "25 советов"]


def test_a_missing_message_is_english_and_logged_once(russian, caplog):
    caplog.set_level(logging.WARNING, logger="bot.core.i18n")
    with i18n.use_locale("ru"):
        assert i18n.gettext("Hello") == "Здравствуйте"
        assert i18n.gettext("Not in the catalogue") == "Not in the catalogue"
        assert i18n.gettext("Not in the catalogue") == "Not in the catalogue"
    assert [r.getMessage() for r in caplog.records].count(
        "no ru translation of 'Not in the catalogue': English is shown") == 1


def test_a_locale_without_a_catalogue_reads_english(tmp_path):
    assert i18n.translations("es", tmp_path).gettext("Hello") == "Hello"


async def test_two_updates_at_once_keep_their_own_locale(russian):
    async def handle(locale: str, seen: list[str]) -> None:
        i18n.set_locale(locale)
        await asyncio.sleep(0)
        seen.append(i18n.gettext("Hello"))

    english: list[str] = []
    russian_seen: list[str] = []
    await asyncio.gather(handle("ru", russian_seen), handle("en", english))
    assert (russian_seen, english) == (["Здравствуйте"], ["Hello"])
    assert i18n.current_locale() == "en"  # the tasks' choices stayed in their contexts


@pytest.fixture
def broken_russian(tmp_path, monkeypatch):
    """A Russian catalogue with one safe entry and three that would crash or be refused."""
    catalog = Catalog(locale="ru", domain="messages")
    catalog.add("Hello", "Здравствуйте")
    catalog.add("Your tips come at {time}.", "Советы приходят в {время}.")
    catalog.add("<b>Settings</b>", "<b>Настройки")
    catalog.add(("{count} tip", "{count} tips"), ("{count} совет", "{n} совета", "{count} советов"))
    with interface_catalogue(tmp_path, monkeypatch, catalog):
        yield


def test_a_translation_that_would_crash_or_be_refused_gives_the_english(broken_russian, caplog):
    """Other placeholders would raise KeyError in .format (the reader would get an error
    instead of an answer); an unbalanced tag would make Telegram refuse the message."""
    caplog.set_level(logging.WARNING, logger="bot.core.i18n")
    with i18n.use_locale("ru"):
        assert i18n.gettext("Hello") == "Здравствуйте"
        assert i18n.gettext("Your tips come at {time}.").format(time="07:30") == (
            "Your tips come at 07:30.")
        assert i18n.gettext("<b>Settings</b>") == "<b>Settings</b>"
        assert i18n.ngettext("{count} tip", "{count} tips", 1).format(count=1) == "1 совет"
        assert i18n.ngettext("{count} tip", "{count} tips", 3).format(count=3) == "3 tips"
    refused = [r.getMessage() for r in caplog.records if "is not used" in r.getMessage()]
    assert len(refused) == 3, refused
