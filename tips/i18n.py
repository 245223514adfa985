"""The health content in the reader's language: compiled gettext catalogues, read at start-up.

The English in tips/data is the reference; each other language is a gettext catalogue,
tips/locales/<locale>/LC_MESSAGES/content.po, compiled next to it as content.mo (by
`make i18n`, committed, so an install and the Docker image carry it; Babel is needed only
to build them, the bot reads them with the standard library). A text is looked up by its
key (msgctxt) and the English it was made from (msgid), so a translation of an English
that has since changed is simply not found.

The loaders take a ``ContentTranslator`` (``load_catalog(translation=...)`` …) and build
one tip set, Causes, RdaTable, FoodTable and ladder per language at start-up. A text with
no usable translation is shown in English, never blank, and logged once per language and
key: missing, stale, or refused because it changes a figure, a tag, a placeholder or a
cited source (tips.translation_checks).
"""

from __future__ import annotations

import gettext
import logging
from pathlib import Path

from tips.translation_checks import meaning_problems

logger = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).parent / "locales"
DOMAIN = "content"
# The languages the content is translated into, as gettext names them. English is the
# reference and needs no catalogue.
LOCALES = ("ru", "es", "pt_BR")


def catalogue_path(locale: str, localedir: Path = LOCALE_DIR, suffix: str = ".po") -> Path:
    return localedir / locale / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


class _Missing(gettext.NullTranslations):
    """The catalogue's fallback: reached only when it has no translation for the key."""

    def __init__(self) -> None:
        super().__init__()
        self.missed = False

    def pgettext(self, context: str, message: str) -> str:
        self.missed = True
        return message


class ContentTranslator:
    """One language's content texts, with the English wherever the translation cannot serve.

    Build one per language and keep it: the once-per-key logging is held here.
    """

    def __init__(self, locale: str, localedir: Path = LOCALE_DIR) -> None:
        self.locale = locale
        self._missing = _Missing()
        self._logged: set[str] = set()
        path = catalogue_path(locale, localedir, ".mo")
        try:
            with path.open("rb") as file:
                self._catalog: gettext.NullTranslations = gettext.GNUTranslations(file)
        except (OSError, ValueError) as exc:
            # A missing or damaged catalogue costs the language, not the bot: English it is.
            logger.warning("content: no %s catalogue (%s); English shown", locale,
                           type(exc).__name__)
            self._catalog = gettext.NullTranslations()
        self._catalog.add_fallback(self._missing)

    def pgettext(self, context: str, message: str) -> str:
        """The translation of ``message`` (the English) under key ``context``, else the English."""
        self._missing.missed = False
        translated = self._catalog.pgettext(context, message)
        if self._missing.missed:
            self._log_once(context, "no current translation")
            return message
        problems = meaning_problems(message, translated)
        if problems:
            self._log_once(context, "translation refused: " + "; ".join(problems))
            return message
        return translated

    def _log_once(self, context: str, why: str) -> None:
        if context not in self._logged:
            self._logged.add(context)
            logger.warning("content: %s for %s in %s; English shown", why, context, self.locale)
