"""Which of several bot processes on one PostgreSQL database is the leader.

With SQLite one process owns the file (bot.runtime.instance_lock) and a second one exits. With
PostgreSQL a second instance is useful: it waits as a *standby* and takes over within
seconds when the leader dies, which is also how a deploy replaces an instance without
downtime. The leader is whoever holds a session-level advisory lock (LOCK_KEY) on its own
dedicated connection:

* PostgreSQL releases a session lock the moment the session ends — a leader killed with
  SIGKILL, a crashed host (once the server's TCP keepalive gives up on it, tuned here to
  about 10 s), a terminated backend — so no lease or clock is needed to free it;
* `acquire` tries the lock every `poll_seconds` (1 s) and returns once it has it; a standby
  therefore takes over at most about a second after the lock is freed;
* each takeover increments `leadership.epoch` in the same transaction that takes the lock,
  so epochs are strictly increasing across leaders. Writes that carry the epoch let the
  storage ignore a stale leader's late writes (a leader that lost its lock while a send was
  in flight);
* a leader must stop sending the moment its lock connection is gone, because from then on
  another instance may lead. asyncpg calls a termination listener as soon as the socket
  closes (a terminated backend, a server restart), and a `SELECT 1` every
  `check_seconds` (bounded by a timeout) catches a connection that hangs without closing.
  Either sets `lost` and calls `on_lost` once.

The lock needs a real session: behind a transaction-mode pooler it would be taken in a
session the bot no longer talks to (bot.storage.postgres refuses such URLs at start-up).

bot.runtime.standby wraps it for the run loop: the process waits as a standby in
`acquire`, starts with the epoch as its sender's claim, and stops sending from `on_lost`.
The `leadership` table is also created by PostgreSQL migration 1; the idempotent CREATE
here lets an election run against a database that was never migrated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

from bot.core.database_url import PostgresUrl
from bot.storage.postgres import CONNECT_TIMEOUT, close_quietly, connect

log = logging.getLogger(__name__)

# "magdaily" as a big-endian 64-bit number: one key per database (advisory locks are
# scoped to the database they are taken in).
LOCK_KEY = int.from_bytes(b"magdaily", "big")
POLL_SECONDS = 1.0
CHECK_SECONDS = 1.0
CHECK_TIMEOUT = 3.0
# The server side of the lock connection: without these, a leader host that vanishes
# without closing its socket would keep the lock until the kernel's default keepalive
# (two hours) gives up. 5 s idle, then 3 probes 2 s apart: about 11 s.
KEEPALIVE = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2",
             "tcp_keepalives_count": "3", "application_name": "magdaily-leader"}

_CREATE = """
CREATE TABLE IF NOT EXISTS leadership (
    id smallint PRIMARY KEY CHECK (id = 1),
    epoch bigint NOT NULL
)"""
_NEXT_EPOCH = """
INSERT INTO leadership (id, epoch) VALUES (1, 1)
ON CONFLICT (id) DO UPDATE SET epoch = leadership.epoch + 1
RETURNING epoch"""


class Leadership:
    """One contender for leadership; `acquire` once, then watch `lost`."""

    def __init__(self, url: PostgresUrl, *, on_lost: Callable[[], None] | None = None,
                 key: int = LOCK_KEY, poll_seconds: float = POLL_SECONDS,
                 check_seconds: float = CHECK_SECONDS,
                 check_timeout: float = CHECK_TIMEOUT) -> None:
        self._url = url
        self._on_lost = on_lost
        self._key = key
        self._poll = poll_seconds
        self._check = check_seconds
        self._check_timeout = check_timeout
        self._connection: Any = None
        self._watchdog: asyncio.Task[None] | None = None
        self._released = False
        self.epoch: int | None = None
        self.lost = asyncio.Event()

    @property
    def leading(self) -> bool:
        return self.epoch is not None and not self.lost.is_set() and not self._released

    async def acquire(self, stop: asyncio.Event | None = None,
                      limit: float | None = None) -> int | None:
        """Wait as a standby until this process leads; its epoch, or None.

        None means `stop` was set or `limit` seconds passed first. Connection failures
        while waiting are retried on the next poll (the database may be restarting).
        """
        loop = asyncio.get_running_loop()
        deadline = None if limit is None else loop.time() + limit
        stop = stop or asyncio.Event()
        waited = False
        while not stop.is_set():
            epoch = await self._try_once()
            if epoch is not None:
                self._lead(epoch)
                return epoch
            if not waited:
                log.info("another instance leads; waiting as a standby")
                waited = True
            pause = self._poll
            if deadline is not None:
                pause = min(pause, deadline - loop.time())
                if pause <= 0:
                    break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
        await self._drop_connection()
        return None

    async def _try_once(self) -> int | None:
        try:
            if self._connection is None or self._connection.is_closed():
                self._connection = await connect(self._url, server_settings=KEEPALIVE)
            return await self._take(self._connection)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            log.warning("leader election: cannot reach PostgreSQL at %s (%s); retrying",
                        self._url.where(), type(exc).__name__)
            await self._drop_connection()
            return None

    async def _take(self, connection: Any) -> int | None:
        """The lock and the next epoch in one transaction; None while another holds it."""
        taken = False
        try:
            async with connection.transaction():
                taken = await connection.fetchval("SELECT pg_try_advisory_lock($1)", self._key)
                if not taken:
                    return None
                await connection.execute(_CREATE)
                return int(await connection.fetchval(_NEXT_EPOCH))
        except BaseException:
            if taken:  # a session lock outlives the rolled-back transaction: give it back
                with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError,
                                         OSError):
                    await connection.execute("SELECT pg_advisory_unlock($1)", self._key)
            raise

    def _lead(self, epoch: int) -> None:
        self.epoch = epoch
        log.info("leading with epoch %d", epoch)
        self._connection.add_termination_listener(lambda _connection: self._lose("closed"))
        self._watchdog = asyncio.create_task(self._watch(), name="leader-watchdog")

    async def _watch(self) -> None:
        """A `SELECT 1` every check_seconds; no answer within check_timeout is a loss."""
        while not self.lost.is_set():
            await asyncio.sleep(self._check)
            try:
                await asyncio.wait_for(self._connection.fetchval("SELECT 1"),
                                       self._check_timeout)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
                self._lose(type(exc).__name__)
                self._connection.terminate()
                return

    def _lose(self, why: str) -> None:
        if self.lost.is_set() or self._released:
            return
        self.lost.set()
        log.error("lost the leader lock (%s): stopping sending; another instance may lead",
                  why)
        if self._on_lost is not None:
            self._on_lost()

    async def release(self) -> None:
        """Give leadership up (on shutdown), so a standby takes over without waiting.

        Bounded: on a connection that has gone silent it gives up after check_timeout and
        drops the socket (the server frees the lock when it notices)."""
        self._released = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        if self._connection is not None and not self._connection.is_closed():
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError,
                                     TimeoutError):
                await self._connection.execute("SELECT pg_advisory_unlock($1)", self._key,
                                               timeout=self._check_timeout)
        await self._drop_connection()

    async def _drop_connection(self) -> None:
        if self._connection is not None:
            await close_quietly(self._connection, CONNECT_TIMEOUT)
            self._connection = None

    def backend_pid(self) -> int | None:
        """The server process of the lock connection (what pg_terminate_backend ends)."""
        return None if self._connection is None else int(self._connection.get_server_pid())
