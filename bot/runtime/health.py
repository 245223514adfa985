"""HTTP health checks for hosting platforms and Docker: /healthz and /readyz.

Platforms (Render, Fly, Cloud Run, Kubernetes) restart a process whose liveness check fails
and send traffic, or a deploy's switch-over, only to one whose readiness check passes:

* `/healthz` — alive and (on the leader) updates flowing: the last completed getUpdates
  call (or webhook post) is at most `stale_after` old (default 2 minutes; a long poll
  returns every 10 s even when nobody writes). Counted from the start (or the takeover),
  so a fresh leader has the same grace; a standby, which polls nothing, is alive.
  200 when fresh, 503 when stale — a bot that no longer receives anything is better
  restarted. In webhook mode Telegram only posts when someone writes, so a quiet bot would
  look stale: there `stale_after` is None, and "updates flowing" means the process is alive
  and the webhook server answers — which it does by answering /healthz itself when the
  checks share the webhook's port (a platform's one PORT; `with_database_check`).
* `/readyz` — this instance is the leader (with SQLite, the only instance always is; with
  PostgreSQL a standby answers 503 "standby") and its database answers within
  DATABASE_CHECK_SECONDS.

Both answer a small JSON object, e.g. {"status": "ok", "last_update_seconds": 12}. They
show no subscriber data, no token and no database address. Off unless HEALTH_PORT (or a
platform's PORT) is set (bot.config). `probe` is the same check from outside the process,
for `run.py health` (Docker's HEALTHCHECK).
"""

from __future__ import annotations

import asyncio
import http.client
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.core.clock import Clock
from bot.core.telegram_app import TelegramApp
from bot.runtime.lifecycle import ErrorCallback, Starter, StartupFailed, Stopper

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=2)
PROBE_SECONDS = 10.0  # below the Dockerfile's HEALTHCHECK --timeout
DATABASE_CHECK_SECONDS = 2.0

DatabaseCheck = Callable[[], Awaitable[bool]]


async def _no_database() -> bool:
    return False


@dataclass(slots=True)
class Health:
    """What the checks report; the running bot updates it."""

    clock: Clock
    stale_after: timedelta | None = STALE_AFTER
    database_ok: DatabaseCheck = _no_database
    leader: bool = True  # SQLite: the one instance; PostgreSQL: set from the election
    started: datetime = field(init=False)
    last_update: datetime | None = None

    def __post_init__(self) -> None:
        self.started = self.clock.now()

    def lead(self) -> None:
        """This instance took over: ready, and liveness counted from now (a standby
        polled nothing, so its wait is no sign of a stall)."""
        self.leader = True
        self.started = self.clock.now()
        self.last_update = None

    def updates_seen(self) -> None:
        """A getUpdates call completed or Telegram posted to the webhook."""
        self.last_update = self.clock.now()

    def alive(self) -> tuple[bool, dict[str, object]]:
        since = self.clock.now() - (self.last_update or self.started)
        body: dict[str, object] = {"last_update_seconds": round(since.total_seconds())}
        if self.last_update is None:
            body["last_update_seconds"] = None
        # A standby receives no updates by design: alive is all it can be asked.
        fresh = not self.leader or self.stale_after is None or since <= self.stale_after
        body["status"] = "ok" if fresh else "stale"
        if not self.leader:
            body["leader"] = False
        return fresh, body

    async def ready(self) -> tuple[bool, dict[str, object]]:
        if not self.leader:
            return False, {"status": "standby", "leader": False}
        try:
            reachable = await asyncio.wait_for(self.database_ok(), DATABASE_CHECK_SECONDS)
        except Exception:  # any failure of the probe means "not reachable"
            log.warning("readiness: the database check failed", exc_info=False)
            reachable = False
        if not reachable:
            return False, {"status": "database unreachable", "leader": True}
        return True, {"status": "ok", "leader": True}


def routes(health: Health) -> web.Application:
    """The aiohttp app serving /healthz and /readyz."""
    app = web.Application()
    add_routes(app, health)
    return app


def add_routes(app: web.Application, health: Health) -> None:
    """/healthz and /readyz on an existing server (the webhook's, on a platform's one PORT)."""

    async def healthz(_request: web.Request) -> web.Response:
        ok, body = health.alive()
        return web.json_response(body, status=200 if ok else 503)

    async def readyz(_request: web.Request) -> web.Response:
        ok, body = await health.ready()
        return web.json_response(body, status=200 if ok else 503)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)


async def serve(health: Health, listen: str, port: int) -> web.AppRunner:
    """Start the health server; OSError when the port cannot be bound (the caller says so)."""
    runner = web.AppRunner(routes(health), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, listen, port).start()
    except OSError:
        await runner.cleanup()
        raise
    return runner


async def serve_or_fail(health: Health, listen: str, port: int) -> web.AppRunner:
    """`serve`, with a port that cannot be bound as the one start-up line."""
    try:
        return await serve(health, listen, port)
    except OSError as exc:
        what = (exc.strerror or type(exc).__name__).lower()
        raise StartupFailed(f"health port {listen}:{port} cannot be opened ({what}); "
                            "choose another, e.g. HEALTH_PORT=8080") from None


class UpdatesSeenRequest(BaseRequest):
    """The getUpdates request, reporting each completed poll to `on_poll` (liveness)."""

    def __init__(self, inner: BaseRequest, on_poll: Callable[[], None]) -> None:
        self._inner = inner
        self._on_poll = on_poll

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, body = await self._inner.do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout,
            pool_timeout)
        if status == 200:
            self._on_poll()
        return status, body


def with_health(starter: Starter, health: Health, listen: str, port: int,
                database_check: Callable[[TelegramApp], DatabaseCheck]) -> Starter:
    """`starter` (polling or webhook) with the health server started first and stopped last.

    It runs once the runtime is attached (PTB's post_init), so `database_check` can reach
    the opened storage. A port that cannot be bound is one start-up line.
    """

    with_check = with_database_check(starter, health, database_check)

    async def start(application: TelegramApp, on_error: ErrorCallback) -> Stopper:
        runner = await serve_or_fail(health, listen, port)
        log.info("health checks on http://%s:%d/healthz and /readyz", listen, port)
        try:
            stop_updates = await with_check(application, on_error)
        except BaseException:
            await runner.cleanup()
            raise

        async def stop() -> None:
            try:
                if stop_updates is not None:
                    await stop_updates()
            finally:
                await runner.cleanup()

        return stop

    return start


def with_database_check(starter: Starter, health: Health,
                        database_check: Callable[[TelegramApp], DatabaseCheck]) -> Starter:
    """`starter` with /readyz's database probe attached once the runtime is (post_init).

    Alone, it serves checks that live on another server: the webhook's, when they share
    its port.
    """

    async def start(application: TelegramApp, on_error: ErrorCallback) -> Stopper | None:
        health.database_ok = database_check(application)
        return await starter(application, on_error)

    return start


def local_address(listen: str) -> str:
    """Where a check in the same container reaches a server listening on `listen`."""
    if listen in ("", "0.0.0.0"):
        return "127.0.0.1"
    if listen == "::":
        return "::1"
    return listen


def probe(host: str, port: int, timeout: float = PROBE_SECONDS) -> str | None:
    """GET /healthz as a platform's checker would: None for a 200, else the one-line reason.

    Synchronous on purpose: it runs in its own short process (`run.py health`).
    """
    where = f"http://{host}:{port}/healthz"
    try:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            body = response.read(500).decode("utf-8", "replace").strip()
        finally:
            connection.close()
    except (OSError, http.client.HTTPException) as exc:
        what = (getattr(exc, "strerror", None) or type(exc).__name__).lower()
        return f"health check {where} did not answer ({what})"
    if response.status != 200:
        return f"health check {where} answered {response.status} {body}"
    return None
