"""What every message the bot sends on its own looks like, rendered when it is sent.

The outbox stores facts (a tip id, a broadcast id, a prompt's kind and day), never the
words: `OutboxRenderer` turns a claimed row into text and keyboard at send time, from one
table of kind → renderer. The sender gets it from the wiring (bot.runtime.app), so the
delivery layer holds no presentation. A kind that must read what it shows (the weekly
picture: this week's diary against last) renders asynchronously; the rest at once, with
no coroutine per tip on the sender's hot path.

A renderer takes the row and only the row: whatever decides the words for one recipient
comes with it from the claim (as `chat_type` and the recipient's `language` do), and no
kind composes ahead of the send. Every kind renders under its row's language
(bot.core.i18n.use_locale), with that language's content (tips, the urgency ladder).

Broadcast progress messages, which the bot edits on its own, are rendered here too.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.core.i18n import current_locale, use_locale
from bot.services.content import ContentLibrary
from bot.services.diary import DiaryService
from bot.services.tipfeed import TipFeed
from bot.storage.models import Broadcast, PendingDelivery
from bot.ui import keyboards, texts

if TYPE_CHECKING:
    from bot.services.broadcasts import Progress

Rendered = tuple[str, InlineKeyboardMarkup | None]
KindRenderer = Callable[[PendingDelivery], Rendered | Awaitable[Rendered]]


def broadcast_text(english: str, translations: Mapping[str, str] | None, locale: str) -> str:
    """A broadcast as one recipient gets it: the admin's text in their language when they
    wrote one, else the English (never another language, never a blank)."""
    return (translations or {}).get(locale) or english


def _day(row: PendingDelivery) -> date:
    """The scheduled kinds' local date; a prompt row without one cannot be worded."""
    if not row.local_date:
        raise ValueError(f"outbox row {row.id} of kind {row.kind} has no local date")
    return date.fromisoformat(row.local_date)


class OutboxRenderer:
    """Renders an outbox row by its kind (`kinds`); called by the sender for every send."""

    def __init__(self, feed: TipFeed, diary: DiaryService, content: ContentLibrary) -> None:
        self._feed = feed
        self._diary = diary
        self._content = content
        self.kinds: dict[str, KindRenderer] = {
            "daily": self.tip,
            "later": self.later,
            "broadcast": self.broadcast,
            "checkin": self.checkin,
            "stretch": self.stretch,
            "weekly": self.weekly,
            "nudge": self.nudge,
        }
        self._awaited = {kind for kind, render in self.kinds.items()
                         if inspect.iscoroutinefunction(render)}

    def __call__(self, row: PendingDelivery) -> Rendered | Awaitable[Rendered]:
        """The row worded in its recipient's language (the subscriber row's)."""
        render = self.kinds[row.kind]
        if row.kind in self._awaited:
            return self._awaited_in_locale(render, row)
        with use_locale(row.language):
            return render(row)

    async def _awaited_in_locale(self, render: KindRenderer, row: PendingDelivery
                                 ) -> Rendered:
        # Set while the coroutine runs, not when it is made: the sender awaits it later.
        with use_locale(row.language):
            rendered = render(row)
            return rendered if isinstance(rendered, tuple) else await rendered

    def tip(self, row: PendingDelivery) -> Rendered:
        """A tip with its reaction buttons (🌅 marked when daily); a tip no longer in the
        catalogue goes out as stored, without buttons."""
        stored = self._feed.tip(row.tip_id or "")
        if stored is None:
            return row.text, None
        tip = self._content.current().tip(stored)
        daily = row.kind in ("daily", "later")  # a Later is the daily tip again
        text = texts.tip_message(tip, daily=daily)
        if row.remind_setup:  # skipped the sign-up questions: reminded once, here
            text += texts.setup_reminder()
        return text, keyboards.tip_actions(tip.id, later=daily)

    def later(self, row: PendingDelivery) -> Rendered:
        """A "⏰ Later" is its message again: the tip it names, or the evening stretch."""
        return self.tip(row) if row.tip_id else self.stretch(row)

    def broadcast(self, row: PendingDelivery) -> Rendered:
        """An admin's broadcast: their text as they confirmed it, in the recipient's
        language (the locale the sender renders the row in) when they wrote one."""
        return broadcast_text(row.text, row.translations, current_locale()), None

    def checkin(self, row: PendingDelivery) -> Rendered:
        """The morning check-in about the night before the row's day."""
        night = _day(row)
        return texts.checkin_question(night), keyboards.checkin_question(night)

    def stretch(self, row: PendingDelivery) -> Rendered:
        """The evening stretch, with "done" for the row's day and "⏰ Later"."""
        return texts.evening_stretch(), keyboards.stretch_actions(_day(row))

    def nudge(self, row: PendingDelivery) -> Rendered:
        """The afternoon water nudge, with the one-tap glass."""
        return texts.water_nudge(), keyboards.nudge()

    async def weekly(self, row: PendingDelivery) -> Rendered:
        """The weekly picture from the diary as it is now: bars and rules from the same
        numbers as the chart, each fired rule with its advice from the urgency ladder."""
        day = _day(row)
        view = await self._diary.weekly(row.chat_id, day)
        return (texts.weekly_summary(view.picture, view.series, self._content.current().causes,
                                     view.food, view.days),
                keyboards.weekly_chart(day))


def broadcast_progress(broadcast: Broadcast, progress: Progress) -> Rendered:
    """A broadcast's status message in the admin's chat, with its stop button."""
    return (texts.broadcast_progress(broadcast, progress),
            keyboards.broadcast_progress(broadcast))
