"""The interface catalogues (bot/locales) as a reader meets them: every message translated,
and no translation that changes a placeholder, a tag, a command or a figure of its English.

A placeholder the English does not have makes ``.format`` fail (the reader would get an
error instead of an answer); a tag out of balance makes Telegram refuse the message; a
/command must stay Latin (Telegram's rule) or it is not tappable; a figure ("10 minutes",
"07:30") is part of the meaning.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("ru", "es", "pt_BR")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TAG = re.compile(r"</?[A-Za-z][^<>]*>")
COMMAND = re.compile(r"(?<![\w/])/[a-z]+\b")
DIGITS = re.compile(r"\d+")
TELEGRAM_LIMIT = 4096  # characters of one message


def problems(english: str, translated: str) -> list[str]:
    found = []
    for name, pattern in (("placeholders", PLACEHOLDER), ("tags", TAG), ("commands", COMMAND),
                          ("figures", DIGITS)):
        if Counter(pattern.findall(english)) != Counter(pattern.findall(translated)):
            found.append(f"{name}: {sorted(pattern.findall(english))} → "
                         f"{sorted(pattern.findall(translated))}")
    return found


def catalogue(locale: str):
    path = ROOT / "bot" / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle)


def pairs(message) -> list[tuple[str, str]]:
    """(English, translation) for each form: a plural's every form against its English."""
    if isinstance(message.id, tuple):
        singular, plural = message.id
        forms = list(message.string)
        return [(singular if i == 0 else plural, form) for i, form in enumerate(forms)]
    return [(message.id, message.string)]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_interface_message_is_translated(locale):
    missing = [m.id for m in catalogue(locale)
               if m.id and any(not form for _, form in pairs(m))]
    assert missing == [], f"{locale}: {len(missing)} untranslated, e.g. {missing[:3]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_translation_changes_a_placeholder_tag_command_or_figure(locale):
    bad = {}
    for message in catalogue(locale):
        for english, translated in pairs(message):
            if message.id and translated and problems(english, translated):
                bad[english[:50]] = problems(english, translated)
    assert bad == {}, f"{locale}: {bad}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_translation_fits_a_telegram_message(locale):
    too_long = [m.id for m in catalogue(locale) for _, form in pairs(m)
                if len(form) > TELEGRAM_LIMIT]
    assert too_long == []


def test_the_check_catches_what_would_break_a_reply():
    assert problems("Your tips come at {time}.", "Советы в {время}.")[0].startswith("placeholders")
    assert problems("<b>Settings</b>", "<b>Настройки")[0].startswith("tags")
    assert problems("Send /start first.", "Отправьте /старт.")[0].startswith("commands")
    assert problems("Over 10 minutes", "Больше 15 минут")[0].startswith("figures")
    assert problems("Send /start at {time}.", "Отправьте /start в {time}.") == []
