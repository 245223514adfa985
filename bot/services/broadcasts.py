"""Admin broadcasts on the same outbox as daily tips, so they inherit rate limits, fault
handling and restart safety. This module holds the rules and the progress report; it
talks to Telegram only through the `ProgressEditor` it is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.htmlcheck import check_html
from bot.core.i18n import ENGLISH, LOCALES, locale_for
from bot.storage import Broadcast, Storage

log = logging.getLogger(__name__)

ProgressEditor = Callable[[Broadcast, "Progress"], Awaitable[None]]


# A line of its own holding a language in brackets ("[ru]", "[pt-BR]") starts that
# language's text; what comes before the first one is the English.
_MARKER = re.compile(r"^[ \t]*\[([A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?)\][ \t]*$", re.MULTILINE)
_OTHERS = ", ".join(f"[{locale}]" for locale in LOCALES if locale != ENGLISH)


def split_languages(raw: str) -> tuple[dict[str, str], str | None]:
    """An admin's broadcast as {locale: text}, English first, or ({}, the problem).

    Without a marker the whole text is the English, exactly as typed. A marker names one
    of the bot's locales the way Telegram's language_code does (``[pt]``, ``[pt_br]`` →
    pt-BR), never a neighbour (``[uk]`` is refused, not taken for Russian); each language
    once, none empty, and the English is required: everyone whose language has no text of
    its own gets it.
    """
    markers = list(_MARKER.finditer(raw))
    if not markers:
        return {ENGLISH: raw}, None
    texts: dict[str, str] = {}
    head = raw[:markers[0].start()].strip()
    if head:
        texts[ENGLISH] = head
    for index, marker in enumerate(markers):
        written = marker.group(1)
        locale = locale_for(written)
        if locale is None:
            return {}, f"there is no language [{written}] here: write {_OTHERS} (or [en])"
        if locale in texts:
            what = "the English" if locale == ENGLISH else f"[{locale}]"
            return {}, f"{what} text is given twice"
        end = markers[index + 1].start() if index + 1 < len(markers) else len(raw)
        text = raw[marker.end():end].strip()
        if not text:
            return {}, f"the [{locale}] text is empty"
        texts[locale] = text
    if ENGLISH not in texts:
        return {}, ("the English text must come first: everyone whose language has no text "
                    "of its own gets it")
    return {ENGLISH: texts[ENGLISH]} | texts, None


@dataclass(frozen=True, slots=True)
class Draft:
    broadcast: Broadcast | None
    problem: str | None
    audience: int = 0
    # Every language's text, English first; with more than one, how many active
    # subscribers read each language (the English's count is everyone else).
    texts: dict[str, str] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    sent: int
    failed: int
    blocked: int
    pending: int
    cancelled: int
    eta: timedelta | None
    finished: bool

    @classmethod
    def from_counts(cls, counts: dict[str, int], eta: timedelta | None,
                    finished: bool) -> Progress:
        return cls(
            total=sum(counts.values()), sent=counts.get("sent", 0),
            failed=counts.get("failed", 0), blocked=counts.get("blocked", 0),
            pending=counts.get("pending", 0), cancelled=counts.get("cancelled", 0),
            eta=eta, finished=finished,
        )


class BroadcastService:
    def __init__(self, storage: Storage, clock: Clock, *, rate_per_second: float,
                 on_queued: Callable[[], None] = lambda: None) -> None:
        self._storage = storage
        self._clock = clock
        self._rate = rate_per_second
        self._on_queued = on_queued
        self._last_seen: dict[int, tuple[datetime, int]] = {}

    async def draft(self, admin_id: int, raw: str) -> Draft:
        """Split the languages, check every text as Telegram will, and keep the draft;
        nothing is kept when one text fails, nothing is queued before Confirm."""
        texts, problem = split_languages(raw)
        for locale, text in texts.items():
            problem = check_html(text)
            if problem is not None and len(texts) > 1:
                problem = f"the [{locale}] text: {problem}"
            if problem is not None:
                break
        if problem is not None:
            return Draft(None, problem)
        english, translations = texts[ENGLISH], {k: v for k, v in texts.items() if k != ENGLISH}
        broadcast_id = await self._storage.broadcasts.create(admin_id, english,
                                                             self._clock.now(), translations)
        by_language = (await self._storage.subscribers.count_by_language("active")
                       if translations else {})
        return Draft(await self._storage.broadcasts.get(broadcast_id), None,
                     await self._storage.subscribers.count("active"), texts, by_language)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self._storage.broadcasts.get(broadcast_id)

    async def confirm(self, broadcast_id: int, chat_id: int, message_id: int | None
                      ) -> int | None:
        """Queue the draft for every active subscriber; None when it was not a draft."""
        queued = await self._storage.broadcasts.start(broadcast_id, chat_id, message_id,
                                                     self._clock.now())
        if queued is not None:
            log.info("broadcast id=%s queued=%d", broadcast_id, queued)
            self._on_queued()
        return queued

    async def discard(self, broadcast_id: int) -> bool:
        broadcast = await self._storage.broadcasts.get(broadcast_id)
        if broadcast is None or broadcast.status != "draft":
            return False
        await self._storage.broadcasts.finish(broadcast_id, "cancelled", self._clock.now())
        return True

    async def cancel(self, broadcast_id: int) -> int | None:
        """Stop what has not been sent yet; None when there is nothing to cancel."""
        broadcast = await self._storage.broadcasts.get(broadcast_id)
        if broadcast is None or broadcast.status not in ("draft", "sending"):
            return None
        dropped = await self._storage.broadcasts.finish(broadcast_id, "cancelled",
                                                       self._clock.now())
        log.info("broadcast id=%s cancelled dropped=%d", broadcast_id, dropped)
        return dropped

    async def recent(self, limit: int = 10) -> list[tuple[Broadcast, Progress]]:
        found = []
        for broadcast in await self._storage.broadcasts.recent(limit):
            counts = await self._storage.broadcasts.counts(broadcast.id)
            found.append((broadcast, Progress.from_counts(
                counts, None, broadcast.status in ("done", "cancelled"))))
        return found

    async def progress(self, broadcast: Broadcast) -> Progress:
        """Counts from the outbox, with an ETA from the rate actually achieved so far."""
        counts = await self._storage.broadcasts.counts(broadcast.id)
        pending = counts.get("pending", 0)
        now = self._clock.now()
        settled = sum(v for k, v in counts.items() if k != "pending")
        rate = self._rate
        previous = self._last_seen.get(broadcast.id)
        if previous is not None:
            elapsed = (now - previous[0]).total_seconds()
            if elapsed > 0 and settled > previous[1]:
                rate = min(rate, (settled - previous[1]) / elapsed)
        self._last_seen[broadcast.id] = (now, settled)
        eta = timedelta(seconds=round(pending / rate)) if pending and rate > 0 else None
        finished = broadcast.status in ("done", "cancelled") or pending == 0
        return Progress.from_counts(counts, eta, finished)

    async def report_all(self, editor: ProgressEditor) -> None:
        """One progress pass: edit each running broadcast's status message; close finished ones."""
        for broadcast in await self._storage.broadcasts.with_status("sending"):
            progress = await self.progress(broadcast)
            if progress.finished:
                await self._storage.broadcasts.finish(broadcast.id, "done", self._clock.now())
                broadcast = await self._storage.broadcasts.get(broadcast.id) or broadcast
                self._last_seen.pop(broadcast.id, None)
                log.info("broadcast id=%s done sent=%d failed=%d blocked=%d", broadcast.id,
                         progress.sent, progress.failed, progress.blocked)
            try:
                await editor(broadcast, progress)
            except Exception:
                log.warning("could not update progress of broadcast id=%s", broadcast.id,
                            exc_info=True)


async def run_progress_loop(service: BroadcastService, editor: ProgressEditor,
                            stop: asyncio.Event, interval: float = 3.0) -> None:
    """Edit progress messages at most every `interval` seconds until told to stop."""
    while not stop.is_set():
        try:
            await service.report_all(editor)
        except Exception:
            log.exception("broadcast progress pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
