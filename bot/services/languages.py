"""Which language a chat is answered in, and keeping the stored one true.

The order is fixed: a language the chat chose with /language, else the one Telegram says
the person uses (``language_code``, mapped only onto the same language: ``uk`` reads
English, never Russian), else English. The chosen or followed language is stored on the
subscriber row, because the sender renders a chat's daily tip and prompts with nobody
writing at that moment; a followed one is rewritten when the person's Telegram language
changes (only then: asking costs no write). A chat with no row yet still gets its
language per update, and a choice made before /start is kept in memory until the row
exists.
"""

from __future__ import annotations

from bot.core.clock import Clock
from bot.core.i18n import ENGLISH, LOCALES, locale_for
from bot.storage import Storage

# Choices made before /start, held until the row is created (bounded: the oldest goes).
_ROWLESS_HELD = 10_000


class LanguageService:
    """The per-update language decision (the gate) and /language's choice."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock
        self._rowless: dict[int, str] = {}

    async def for_update(self, chat_id: int | None, language_code: str | None, *,
                         private: bool) -> str:
        """The locale to answer this update in, storing a followed language that changed.

        ``language_code`` is the person's (None when Telegram sent none: the stored
        language stands). A group's stored language is not rewritten by each member who
        writes: it stays what it was created with, or what its administrators chose.
        """
        told = None if language_code is None else (locale_for(language_code) or ENGLISH)
        if chat_id is None:
            return told or ENGLISH
        stored = await self._storage.subscribers.language(chat_id)
        if stored is None:
            return self._rowless.get(chat_id) or told or ENGLISH
        if stored.chosen or told is None:
            return stored.locale
        if private and stored.locale != told:
            await self._storage.subscribers.set_language(chat_id, told, chosen=False,
                                                         now=self._clock.now())
        return told

    async def choose(self, chat_id: int, locale: str) -> None:
        """/language: the chat's language from now on, whatever Telegram says."""
        if locale not in LOCALES:
            raise ValueError(f"no locale {locale!r}")
        stored = await self._storage.subscribers.set_language(chat_id, locale, chosen=True,
                                                              now=self._clock.now())
        if stored:
            self._rowless.pop(chat_id, None)
            return
        if chat_id not in self._rowless and len(self._rowless) >= _ROWLESS_HELD:
            del self._rowless[next(iter(self._rowless))]
        self._rowless[chat_id] = locale

    def chosen_before_start(self, chat_id: int) -> bool:
        """Whether this chat chose its language before it had a row (/start stores it)."""
        return chat_id in self._rowless
