"""The reader's language for the text layer: one locale per update or per outbox row.

aiogram's i18n middleware is the model: the gate sets the locale of the update it lets
through (``use_locale`` or ``set_locale``), the sender does the same for each row it
renders, and the text layer calls ``_()`` / ``ngettext()`` with English whole sentences,
which come back in the locale of the current context. A ContextVar carries it, so two
updates handled at the same time in two languages never see each other's, and code that
sets nothing gets English, the reference.

Catalogues: gettext domain ``messages`` under bot/locales/<dir>/LC_MESSAGES/, compiled by
``make i18n`` and shipped with the package. A locale without a catalogue, or a message
missing from one, falls back to the English text (logged once per locale and message),
never to a blank.
"""

from __future__ import annotations

import gettext as gettext_module
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

ENGLISH = "en"
# The locales the bot speaks, English first (the reference); values are gettext's folder names.
LOCALES: dict[str, str] = {"en": "en", "ru": "ru", "es": "es", "pt-BR": "pt_BR"}
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locales"

_current: ContextVar[str] = ContextVar("magdaily_locale", default=ENGLISH)
_missing_logged: set[tuple[str, str]] = set()


def locale_for(language_code: str | None) -> str | None:
    """The bot's locale for a Telegram ``language_code``, or None where it has none.

    ``pt-br`` and ``pt`` → pt-BR, ``es-*`` → es, ``ru`` → ru, ``en-*`` → en. Nothing is
    mapped onto a neighbour (``uk``, ``be``, ``kk`` get None, so English), because a reader
    of one language is not served by another that looks close.
    """
    if not language_code:
        return None
    primary = language_code.strip().lower().replace("_", "-").split("-")[0]
    return {"en": "en", "ru": "ru", "es": "es", "pt": "pt-BR"}.get(primary)


def telegram_code(locale: str) -> str | None:
    """The language_code Telegram's setMyCommands and setMyDescription take for a locale
    (two letters: pt-BR is "pt"); None for English, the menu everyone else sees."""
    return None if locale == ENGLISH else locale.split("-")[0].lower()


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> None:
    """Set the locale for the rest of this context (the update being handled)."""
    _current.set(locale if locale in LOCALES else ENGLISH)


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Render in ``locale`` inside the block (the sender, one outbox row at a time)."""
    token = _current.set(locale if locale in LOCALES else ENGLISH)
    try:
        yield
    finally:
        _current.reset(token)


@cache
def translations(locale: str, directory: Path | None = None) -> gettext_module.NullTranslations:
    """The compiled catalogue of ``locale`` (from LOCALE_DIR unless told); English, or a
    missing file, gives NullTranslations, so every message reads as its English."""
    if locale == ENGLISH or locale not in LOCALES:
        return gettext_module.NullTranslations()
    path = (directory or LOCALE_DIR) / LOCALES[locale] / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with path.open("rb") as handle:
            return gettext_module.GNUTranslations(handle)
    except OSError as exc:  # no file, or not a catalogue (bad magic number)
        log.warning("no %s catalogue for %s (%s): English is shown", DOMAIN, locale,
                    type(exc).__name__)
        return gettext_module.NullTranslations()


def _note_missing(locale: str, message: str) -> None:
    key = (locale, message)
    if key not in _missing_logged:
        _missing_logged.add(key)
        log.warning("no %s translation of %r: English is shown", locale, message[:60])


def gettext(message: str) -> str:
    """``message`` (English, a whole sentence) in the current locale."""
    locale = _current.get()
    if locale == ENGLISH:
        return message
    translated = translations(locale).gettext(message)
    if translated == message:
        _note_missing(locale, message)
    return translated


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form for ``count`` in the current locale (Russian has three)."""
    locale = _current.get()
    if locale == ENGLISH:
        return singular if count == 1 else plural
    translated = translations(locale).ngettext(singular, plural, count)
    if translated in (singular, plural):
        _note_missing(locale, singular)
    return translated


def pgettext(context: str, message: str) -> str:
    """``message`` in the current locale where the same English means two things."""
    locale = _current.get()
    if locale == ENGLISH:
        return message
    translated = translations(locale).pgettext(context, message)
    if translated == message:
        _note_missing(locale, message)
    return translated


_ = gettext
