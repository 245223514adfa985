"""The pacer as shipped before issue 13, kept only so the benchmark can show the difference.

It spaced *releases* evenly ((1 + 2 %) / rate apart) and trusted every request to reach the
server as evenly. Under CPU load a late request followed by on-time ones put one message
too many into a second at the receiver (issue 13: 26 at 25/s). bot/delivery/pacer.py replaced it;
the benchmark runs both beside the same two CPU-bound processes. Not used by the bot.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

PER_CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20


class LegacyPacer:
    def __init__(
        self,
        rate_per_second: float | None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        margin: float = 0.02,
    ) -> None:
        # `margin` widens the spacing a little so scheduling jitter on a busy machine
        # cannot squeeze one message too many into a second.
        self._interval = 0.0 if not rate_per_second else (1.0 + margin) / rate_per_second
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._last_release = float("-inf")
        self._paused_until = float("-inf")
        self._chat_last: dict[int, float] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_users: dict[int, int] = {}
        self._group_log: dict[int, deque[float]] = {}
        self.pauses: list[float] = []  # every 429 pause taken, for reports and tests

    @property
    def rate_limited(self) -> bool:
        return self._interval > 0

    @asynccontextmanager
    async def sending(self, chat_id: int, is_group: bool = False) -> AsyncIterator[None]:
        """The new Sender's interface; the old pacer never learned when an answer came."""
        await self.acquire(chat_id, is_group)
        yield

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (Telegram's retry_after), counted from now."""
        until = self._monotonic() + seconds
        if until > self._paused_until:
            self._paused_until = until
            self.pauses.append(seconds)

    async def _wait_until(self, moment: float) -> None:
        delay = moment - self._monotonic()
        if delay > 0:
            await self._sleep(delay)

    async def acquire(self, chat_id: int, is_group: bool = False) -> None:
        """Wait for this chat's turn, then for a global slot.

        A per-chat lock is held from the chat check until the release, so a second
        message to the same chat measures its one-second gap from the first one's real
        release, even when the first sat waiting for a global slot or a 429 pause.
        """
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        self._chat_users[chat_id] = self._chat_users.get(chat_id, 0) + 1
        try:
            async with lock:
                await self._wait_for_chat(chat_id, is_group)
                released = await self._global_slot()
                self._chat_last[chat_id] = released
                if is_group:
                    self._group_log.setdefault(chat_id, deque()).append(released)
        finally:
            self._chat_users[chat_id] -= 1
            if not self._chat_users[chat_id]:
                del self._chat_users[chat_id]
                del self._chat_locks[chat_id]
        if len(self._chat_last) > 50_000:
            self._forget_idle(released)

    async def _wait_for_chat(self, chat_id: int, is_group: bool) -> None:
        for _ in range(1_000_000):
            now = self._monotonic()
            ready = self._chat_last.get(chat_id, float("-inf")) + PER_CHAT_INTERVAL
            if is_group:
                log = self._group_log.setdefault(chat_id, deque())
                while log and log[0] <= now - 60.0:
                    log.popleft()
                if len(log) >= GROUP_PER_MINUTE:
                    ready = max(ready, log[0] + 60.0)
            if ready <= now:
                return
            await self._wait_until(ready)

    async def _global_slot(self) -> float:
        async with self._lock:
            for _ in range(1_000_000):
                # Re-checked after every wait: a 429 pause may begin while we queue.
                ready = max(self._paused_until, self._last_release + self._interval)
                if ready <= self._monotonic():
                    break
                await self._wait_until(ready)
            self._last_release = self._monotonic()
            return self._last_release

    def _forget_idle(self, now: float) -> None:
        cutoff = now - PER_CHAT_INTERVAL
        self._chat_last = {c: t for c, t in self._chat_last.items() if t > cutoff}
        self._group_log = {c: q for c, q in self._group_log.items() if q and q[-1] > now - 60}
