"""Runs the bot process: reach Telegram, start, serve until told to stop, shut down.

This does what PTB's `run_polling`/`run_webhook` do, with the public steps in the same
order (initialize, post_init, start updates, start, … stop, shutdown, post_shutdown), for
three reasons they cannot offer:

* start-up failures end as one line and exit code 2 (`startup.wait_for_telegram` first,
  then any failure of PTB's own start is classified the same way) instead of a traceback;
* a 409 Conflict from getUpdates means another process polls with this token. During a
  rolling deploy that is normal for a few seconds (the old instance still drains its last
  long poll), so a conflict is retried for up to CONFLICT_RETRY_SECONDS (60) with one
  WARNING line; one that lasts longer is a real second bot: one ERROR line and exit code 2
  rather than keep sending beside it (PTB would retry for ever and hand each 409 to the
  error handlers as a traceback);
* SIGTERM/SIGINT during the wait for an unreachable Telegram end the process cleanly;
* with PostgreSQL a `Gate` (bot.runtime.standby) comes first: the process waits as a
  standby until it leads, and stops the moment it no longer does.

Exit codes: 0 after a stop signal, 2 for a start-up mistake or a conflict, 3 after the
leadership was lost (restarted, the process waits as a standby again).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut

from bot.core.config import Settings
from bot.core.telegram_app import TelegramApp
from bot.runtime.startup import Fatal, wait_for_telegram

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_STOPPED = 2  # a start-up mistake or a conflict: restarting will not help by itself
EXIT_LOST = 3  # another instance may lead now: restart and wait as a standby

LOST_LINE = ("stopped: this instance lost the leadership (its lock connection to PostgreSQL "
             "is gone) and sends nothing more; exit code 3, so the platform restarts it as "
             "a standby")

CONFLICT_LINE = ("Telegram answered 409 Conflict: another process is polling with this bot "
                 "token; stopping so the two do not both answer (exit code 2)")
CONFLICT_RETRY_LINE = ("Telegram answered 409 Conflict: another process is polling with this "
                       "bot token (during a deploy, the old instance finishing its last poll); "
                       "retrying for up to %g s before stopping")
# A spell of 409s ends after this long without one. PTB's polling loop retries a failed
# getUpdates at most 30 s apart, and a long poll lasts 10 s, so a conflict that goes on
# always answers within this window: two bots left running never look like fresh spells.
CONFLICT_QUIET_SECONDS = 60.0

ErrorCallback = Callable[[TelegramError], None]
Stopper = Callable[[], Awaitable[None]]
# Starts receiving updates (polling or webhook); raises StartupFailed for a one-line reason;
# may return what stops it again.
Starter = Callable[[TelegramApp, ErrorCallback],
                   Awaitable[Stopper | None]]


class Gate(Protocol):
    """Whether this process may serve now (bot.runtime.standby: the PostgreSQL leader)."""

    lost: asyncio.Event

    async def wait(self, stop: asyncio.Event) -> bool:
        """Until this process may serve (True), or `stop` is set first (False)."""

    def on_lost(self, callback: Callable[[], None]) -> None:
        """Call `callback` at once, synchronously, when the process may no longer serve."""

    async def release(self) -> None:
        """Hand over on the way out."""


class StartupFailed(Exception):
    """A reason the bot cannot start, as the one line to print (never holds the token)."""


class Verdict(Enum):
    """What one 409 means for the process."""

    FIRST = "first"  # a spell begins: say so once, keep polling
    RETRY = "retry"  # the same spell, still within its grace: keep polling quietly
    STOP = "stop"  # the spell outlasted its grace: another bot really runs


@dataclass(slots=True)
class ConflictSpell:
    """Tells a deploy's short overlap from a second bot that keeps polling.

    A spell starts at a 409 and goes on while 409s keep coming (each within
    CONFLICT_QUIET_SECONDS of the one before). A 409 more than `grace` seconds after the
    spell's first one stops the bot. `monotonic` is the clock (a test moves it by hand).
    """

    grace: float
    monotonic: Callable[[], float] = time.monotonic
    started: float | None = None
    last: float | None = None

    def seen(self) -> Verdict:
        now = self.monotonic()
        fresh = self.last is None or now - self.last > CONFLICT_QUIET_SECONDS
        self.last = now
        if fresh or self.started is None:
            self.started = now
            return Verdict.FIRST
        return Verdict.STOP if now - self.started > self.grace else Verdict.RETRY


@dataclass(slots=True)
class _Watch:
    """What the polling error callback saw; the main task reads it after `stop` fires."""

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    conflict: bool = False
    lost: bool = False

    def leadership_lost(self) -> None:
        self.lost = True
        self.stop.set()


async def start_polling(application: TelegramApp,
                        on_error: ErrorCallback) -> Stopper | None:
    assert application.updater is not None
    await application.updater.start_polling(
        timeout=10, allowed_updates=Update.ALL_TYPES, error_callback=on_error)
    return None  # the updater is stopped by `run` itself


def _drop_conflict_records(record: logging.LogRecord) -> bool:
    """After the one CONFLICT_LINE, PTB's own records about the same 409 are noise."""
    return not (record.exc_info and isinstance(record.exc_info[1], Conflict))


def _classify(exc: TelegramError) -> str | None:
    """One line for a fatal PTB start-up error; None when it is worth waiting and retrying."""
    if isinstance(exc, InvalidToken):
        return "Telegram rejected the token (401): check TELEGRAM_BOT_TOKEN"
    if isinstance(exc, TimedOut) or type(exc) is NetworkError:
        return None
    return f"Telegram refused to start the bot ({type(exc).__name__})"


async def run(settings: Settings, build: Callable[[], TelegramApp],
              starter: Starter = start_polling,
              monotonic: Callable[[], float] = time.monotonic,
              gate: Gate | None = None) -> int:
    """The whole life of the bot process; returns its exit code.

    With a `gate`, nothing is built, polled or sent before it opens; once it has, losing
    it stops the process (`build` registers, on the gate, what must stop at once)."""
    watch = _Watch()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, watch.stop.set)
    if gate is None:
        return await _serve(settings, build, starter, monotonic, watch)
    if not await gate.wait(watch.stop):
        return EXIT_OK
    gate.on_lost(watch.leadership_lost)
    try:
        code = await _serve(settings, build, starter, monotonic, watch)
    finally:
        await gate.release()
    if watch.lost:
        log.error(LOST_LINE)
        return EXIT_LOST
    return code


async def _serve(settings: Settings, build: Callable[[], TelegramApp], starter: Starter,
                 monotonic: Callable[[], float], watch: _Watch) -> int:
    spell = ConflictSpell(settings.conflict_retry_seconds, monotonic)
    application = build()
    while True:
        reached = await wait_for_telegram(settings, watch.stop)
        if reached is None:
            return EXIT_OK
        if isinstance(reached, Fatal):
            raise StartupFailed(reached.line)
        log.info("Telegram reached as @%s", reached.username)
        try:
            await application.initialize()
            break
        except TelegramError as exc:
            line = _classify(exc)
            if line is not None:
                await _close_quietly(application)
                raise StartupFailed(line) from None
            log.warning("Telegram went away during start-up (%s); waiting for it",
                        type(exc).__name__)

    def on_error(exc: TelegramError) -> None:
        if isinstance(exc, Conflict):
            verdict = spell.seen()
            if verdict is Verdict.FIRST:
                log.warning(CONFLICT_RETRY_LINE, settings.conflict_retry_seconds)
            if verdict is not Verdict.STOP:
                return
            if not watch.conflict:
                watch.conflict = True
                for handler in logging.getLogger().handlers:
                    handler.addFilter(_drop_conflict_records)
                log.error(CONFLICT_LINE)
            watch.stop.set()
            return
        # What run_polling does with every other polling error: the error handlers.
        application.create_task(application.process_error(error=exc, update=None))

    stopper: Stopper | None = None
    try:
        if application.post_init is not None:
            await application.post_init(application)
        stopper = await starter(application, on_error)
        await application.start()
        await watch.stop.wait()
    finally:
        if stopper is not None:
            await stopper()
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
    return EXIT_STOPPED if watch.conflict else EXIT_OK


async def _close_quietly(application: TelegramApp) -> None:
    """Close the HTTP sessions a failed initialize opened (PTB's shutdown skips them)."""
    try:
        await application.bot.request.shutdown()
    except Exception:  # best effort on the way out
        log.debug("closing request sessions after a failed start", exc_info=True)
