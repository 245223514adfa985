"""With PostgreSQL: the process serves only while it leads (bot.storage.leader).

Several instances may run on one database (a deploy overlapping the old instance, or a
second machine kept warm). Each starts as a *standby*: it polls nothing, takes no webhook
call, runs no tick and sends nothing, and logs one line saying so; its health checks, if
on, answer /healthz alive and /readyz 503 "standby", so a platform keeps it running but
routes nothing to it. When it wins the advisory lock (within about a second of the
leader's session ending: a SIGKILL, a crash, a lost connection) it becomes the leader with
the next epoch, and bot.runtime.lifecycle starts it as the single instance did before:
polling or the webhook, the tick, and the sender claiming rows with that epoch.

A leader whose lock connection goes away stops sending at once: the callbacks registered
with `on_lost` run synchronously inside the lock watcher (the sender starts no further
send; in-flight ones finish and their outcomes are written, or ignored by the outbox's
fence when the successor already re-claimed the rows), and the process then exits with
code 3 and one line, rather than stepping down in place: an exit leaves nothing of the
old leadership behind (a half-stopped PTB application, timers, caches) and every platform
restarts it, after which it is a standby like any other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.core.database_url import PostgresUrl
from bot.runtime.health import Health, serve_or_fail
from bot.storage.leader import POLL_SECONDS, Leadership

log = logging.getLogger(__name__)


class Candidacy:
    """One process's bid for leadership: `lifecycle.run`'s gate on PostgreSQL."""

    def __init__(self, url: PostgresUrl, health: Health | None = None,
                 health_address: tuple[str, int] | None = None,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self._election = Leadership(url, on_lost=self._lost, poll_seconds=poll_seconds)
        self._health = health
        self._address = health_address
        self._callbacks: list[Callable[[], None]] = []
        self.lost = asyncio.Event()

    @property
    def epoch(self) -> int | None:
        """The leader's epoch once leading: the sender claims (and fences) with it."""
        return self._election.epoch

    def on_lost(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    async def wait(self, stop: asyncio.Event) -> bool:
        """Wait as a standby (health checks up, if on) until leading; False if stopped."""
        runner = None
        if self._health is not None and self._address is not None:
            self._health.leader = False
            runner = await serve_or_fail(self._health, *self._address)
        try:
            epoch = await self._election.acquire(stop)
        finally:
            if runner is not None:  # the leader's own server takes the port over
                await runner.cleanup()
        if epoch is None:
            return False
        if self._health is not None:
            self._health.lead()
        return True

    def _lost(self) -> None:
        self.lost.set()
        if self._health is not None:
            self._health.leader = False
        for callback in self._callbacks:
            try:
                callback()
            except Exception:  # the others must still run: sending stops whatever happens
                log.exception("stopping after the lost leadership")

    async def release(self) -> None:
        await self._election.release()
