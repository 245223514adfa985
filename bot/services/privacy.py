"""What the bot keeps about one chat (/mydata) and deleting all of it (/forget).

Pure service code over Storage, speaking in chat ids: the handlers only ask and render.
Everything here is scoped to the asking chat's id, so one user can never see, or delete,
another user's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.core.zones import resolve_zone
from bot.storage import Storage, Subscriber

RECENT_LIMIT = 5  # "the last few" deliveries /mydata lists with dates


@dataclass(frozen=True, slots=True)
class MyData:
    """Everything stored about one chat, with instants already in its own time zone."""

    subscriber: Subscriber
    created: datetime  # when the subscription was made, local time
    delivery_counts: tuple[tuple[str, str, int], ...]  # (kind, status, count)
    recent: tuple[tuple[str, str, datetime, datetime | None], ...]  # local times
    votes: tuple[int, int]  # (helpful, not for me)
    tips_seen: int


def _zone(subscriber: Subscriber) -> tzinfo | None:
    """The subscriber's zone for showing dates; None (keep UTC) if the name went stale."""
    try:
        return resolve_zone(subscriber.timezone)
    except ValueError:
        return None


class PrivacyService:
    """Reads a chat's whole footprint and erases it on request."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def my_data(self, chat_id: int, recent_limit: int = RECENT_LIMIT) -> MyData | None:
        """The chat's stored data, or None when nothing at all is kept about it.

        Deliveries and feedback cannot exist without the subscriber row (they
        reference it), so no row means nothing is stored.
        """
        subscriber = await self._storage.subscribers.get(chat_id)
        if subscriber is None:
            return None
        zone = _zone(subscriber)

        def local(moment: datetime) -> datetime:
            return moment.astimezone(zone) if zone else moment

        recent = tuple(
            (kind, status, local(created), local(sent) if sent else None)
            for kind, status, created, sent in
            await self._storage.privacy.recent_deliveries(chat_id, recent_limit)
        )
        return MyData(
            subscriber=subscriber,
            created=local(subscriber.created_at),
            delivery_counts=tuple(await self._storage.privacy.delivery_tally(chat_id)),
            recent=recent,
            votes=await self._storage.privacy.vote_tally(chat_id),
            tips_seen=await self._storage.privacy.seen_count(chat_id),
        )

    async def has_data(self, chat_id: int) -> bool:
        """Whether /forget has anything to ask about."""
        return await self._storage.subscribers.get(chat_id) is not None

    async def forget(self, chat_id: int) -> bool:
        """Delete the chat and everything hanging off it; False if nothing was stored."""
        return await self._storage.privacy.forget(chat_id)
