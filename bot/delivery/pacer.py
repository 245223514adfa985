"""Outgoing-message pacing within Telegram's limits, kept where Telegram counts: on arrival.

Why our own and not PTB's AIORateLimiter: that limiter wraps every Bot call (replies to
users included) with aiolimiter's leaky buckets, which admit a full bucket at once and so
allow up to twice the rate inside one second; and its RetryAfter pause can end early
(PTB issue #5338). Only the bulk sender is paced here: a user's own /tip reply never waits
behind a 100k dispatch.

The promise: never more than `rate` messages inside any 1-second window *as the receiver
sees them*. Even spacing of the moments we hand a request over (releases) is not enough:
a request released on time can reach the server late (our loop or the server's was busy,
the OS ran another process) while the ones after it arrive on time, and a late one followed
by on-time ones puts one message too many into a second (measured: 26 at 25/s beside two
CPU-bound processes). So every send is a `Dispatch` whose arrival is known to lie between
its release and the moment its answer came back (`settle`), and a sliding-window guard
holds release k until the answer to release k - N (N = floor(rate)) and every earlier one
came back, plus one second and a small `margin`. Then any two sends N apart arrive at least
a second apart, whatever the jitter, and no 1-second window at the receiver holds more than
N. A send still in flight counts as arriving as late as `max_transit` after its release (a
hung request must not stop all sending for its whole timeout).

Within that guard, releases follow an even schedule ((1 + margin) / rate apart); a release that woke
a little late, or that the guard held a little (one slow answer a window ago), is followed
by slightly early ones (at most `max_debt` of catch-up, never after a 429 pause), so
asyncio's millisecond timer granularity and the odd slow answer do not cost throughput at
1,000 msg/s; the guard still checks every release. The cost
of the guard is one round trip per window: the steady rate is about N / (1 + margin + RTT).

Other limits kept: one message per second per chat (measured from the previous message's
answer when there is one), 20 per minute per group chat, and a global stop for
`retry_after` seconds when Telegram answers 429. Time and sleep are injectable so tests run
on a virtual clock.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

PER_CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
WINDOW = 1.0  # Telegram's limits are per second


class Dispatch:
    """One paced send: when it was released and, once known, when its answer came back."""

    __slots__ = ("chat_id", "released", "retired", "settled")

    def __init__(self, chat_id: int, released: float) -> None:
        self.chat_id = chat_id
        self.released = released
        self.settled: float | None = None
        self.retired = False  # fell out of the guard's window of the last N sends


class Pacer:
    def __init__(
        self,
        rate_per_second: float | None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        margin: float = 0.005,
        max_transit: float = 1.0,
        max_debt: float = 0.02,
        poll: float = 0.005,
    ) -> None:
        rate = float(rate_per_second or 0.0)
        self._per_window = max(1, int(rate)) if rate > 0 else 0
        self._window = WINDOW + margin
        # Spaced so that N releases fill the guard's window exactly: on a quiet machine
        # the guard never has to hold anyone and the releases stay evenly spaced.
        self._interval = self._window / rate if rate > 0 else 0.0
        self._max_transit = max_transit
        self._max_debt = max_debt
        self._poll = poll
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._next_slot = float("-inf")
        self._recent: deque[Dispatch] = deque()  # the last N releases, oldest first
        self._horizon = float("-inf")  # latest arrival bound of any older release
        self._paused_until = float("-inf")
        self._waiting = 0  # sends waiting for a global slot
        self._chat_last: dict[int, float] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_users: dict[int, int] = {}
        self._group_log: dict[int, deque[float]] = {}
        self.pauses: list[float] = []  # every 429 pause taken, for reports and tests

    @property
    def rate_limited(self) -> bool:
        return self._interval > 0

    @property
    def per_window(self) -> int:
        """At most this many sends arrive inside any one second (0: no global limit)."""
        return self._per_window

    def lag(self) -> float:
        """Seconds a send waiting here could have been released already: the event loop
        was too busy to wake it (not the schedule, the guard or a 429 pause holding it).

        0 when nobody waits for a slot, when unpaced, or before the first release. The
        tick asks between slices of planning (Sender.make_room), so that its work on the
        same event loop does not take the sends' turn.
        """
        if not self._interval or not self._waiting or self._next_slot == float("-inf"):
            return 0.0
        now = self._monotonic()
        return max(0.0, now - self._release_ready(now)[0])

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (Telegram's retry_after), counted from now."""
        until = self._monotonic() + seconds
        if until > self._paused_until:
            self._paused_until = until
            self.pauses.append(seconds)

    @asynccontextmanager
    async def sending(self, chat_id: int, is_group: bool = False) -> AsyncIterator[Dispatch]:
        """`async with pacer.sending(chat):` wait for a slot, send inside, settle on exit."""
        dispatch = await self.acquire(chat_id, is_group)
        try:
            yield dispatch
        finally:
            self.settle(dispatch)

    def settle(self, dispatch: Dispatch, at: float | None = None) -> None:
        """The send's answer came back (or it failed): it has arrived by now, if at all."""
        if dispatch.settled is not None:
            return
        moment = self._monotonic() if at is None else at
        dispatch.settled = max(dispatch.released, moment)
        bound = self._bound(dispatch, moment)
        if dispatch.retired and bound > self._horizon:
            self._horizon = bound
        last = self._chat_last.get(dispatch.chat_id)
        if last is not None and bound > last:
            self._chat_last[dispatch.chat_id] = bound

    def _bound(self, dispatch: Dispatch, now: float) -> float:
        """The latest moment this send can have reached the server (as far as we know)."""
        cap = dispatch.released + self._max_transit
        if dispatch.settled is not None:
            return min(dispatch.settled, cap)
        return min(max(now, dispatch.released), cap)

    async def _wait_until(self, moment: float) -> None:
        delay = moment - self._monotonic()
        if delay > 0:
            await self._sleep(delay)

    async def acquire(self, chat_id: int, is_group: bool = False) -> Dispatch:
        """Wait for this chat's turn, then for a global slot; settle the result after sending.

        A per-chat lock is held from the chat check until the release, so a second
        message to the same chat measures its one-second gap from the first one's real
        release (or answer), even when the first sat waiting for a global slot or a pause.
        """
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        self._chat_users[chat_id] = self._chat_users.get(chat_id, 0) + 1
        try:
            async with lock:
                await self._wait_for_chat(chat_id, is_group)
                dispatch = await self._global_slot(chat_id)
                released = dispatch.released
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
        return dispatch

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

    def _window_ready(self, now: float) -> tuple[float, bool]:
        """When the sliding-window guard lets the next release go; True if that may move
        earlier because the send it waits for is still in flight."""
        ready, in_flight = self._horizon + self._window, False
        if self._per_window and len(self._recent) >= self._per_window:
            oldest = self._recent[0]
            bound = self._bound(oldest, now) + self._window
            if bound > ready:
                ready, in_flight = bound, oldest.settled is None
        return ready, in_flight

    def _release_ready(self, now: float) -> tuple[float, bool]:
        """When the next release may go (a 429 pause, the even schedule and the guard, all
        three); True if that may move earlier because the guard waits for a send still in
        flight."""
        window, in_flight = self._window_ready(now)
        ready = max(self._paused_until, self._next_slot, window)
        return ready, in_flight and ready == window

    async def _global_slot(self, chat_id: int) -> Dispatch:
        self._waiting += 1
        try:
            return await self._take_slot(chat_id)
        finally:
            self._waiting -= 1

    async def _take_slot(self, chat_id: int) -> Dispatch:
        async with self._lock:
            paused = False  # True once a 429 pause held this release
            for _ in range(1_000_000):
                # Re-checked after every wait: a 429 pause may begin, or an answer come
                # back, while we wait.
                now = self._monotonic()
                ready, in_flight = self._release_ready(now)
                if ready <= now:
                    break
                paused = paused or ready == self._paused_until
                if in_flight:
                    ready = min(ready, now + self._poll)
                await self._wait_until(ready)
            now = self._monotonic()
            dispatch = Dispatch(chat_id, now)
            if self._interval:
                # Catch up a release that came up to `max_debt` late: a late wake-up
                # (timer granularity) or a short hold by the guard (one slow answer a
                # window ago). The guard still checks every release, so catching up can
                # bunch a few releases but never puts more than N into a window. Never
                # after a 429 pause: Telegram asked for a real break.
                late = now - self._next_slot
                slot = self._next_slot if not paused and late <= self._max_debt else now
                self._next_slot = slot + self._interval
                self._recent.append(dispatch)
                if len(self._recent) > self._per_window:
                    old = self._recent.popleft()
                    old.retired = True  # still in flight: settle() may push the horizon on
                    self._horizon = max(self._horizon, self._bound(old, now))
            return dispatch

    def _forget_idle(self, now: float) -> None:
        cutoff = now - PER_CHAT_INTERVAL - self._max_transit
        self._chat_last = {c: t for c, t in self._chat_last.items() if t > cutoff}
        self._group_log = {c: q for c, q in self._group_log.items() if q and q[-1] > now - 60}
