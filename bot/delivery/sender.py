"""The outbox sender: drains pending delivery rows to Telegram and records every outcome.

Contracts (each under test):
- A row is written before its message is sent and settled after, so a crash can at worst
  resend what was in flight (requests under way plus outcomes not yet written: at most
  `concurrency + flush_size` messages), never lose a tip.
- A row is sent at most once by a running bot: a refill claims the rows it takes in the
  database (`OutboxQueries.claim`, with this sender's `epoch`) and takes only unclaimed
  ones; the claim ends with the row's recorded outcome, and the claims of a stopped or
  crashed instance are released when the next one starts sending.
- Enough requests are under way to keep the configured rate through a round trip of up
  to `ROUND_TRIP` seconds (`concurrency_for`): a worker waits for each answer, so N
  workers send at most N / RTT messages a second (8 workers against a 50 ms round trip:
  160/s, far below a paid 1,000/s).
- Telegram faults are ordinary outcomes: 429 pauses every send and resends the same row
  without counting a failure; 403 and "chat not found" make the subscriber inactive;
  5xx, network errors and timeouts are retried with backoff (10 s doubling, at most
  10 min apart) until the row expires: a daily tip at the end of its grace window
  (then `missed`, with the last error), a broadcast copy after `broadcast_retry`
  (24 h; then `failed`). The first send that goes through after such failures brings
  every row still waiting out its backoff forward to now (the pacer still spaces them),
  and an outage is logged once when it starts and once when it ends (`bot.delivery.outage`).
  A daily tip is never sent once its grace window has ended
  (at its end instant included, as the scheduler counts it), so a tip queued before a
  crash cannot arrive on the next local day, not even at 00:00:00.
- A timed-out send may have arrived: it is retried like any fault (so it may arrive
  twice) and counted in the row's `timeouts`, which /stats shows.
- Storage failures never stop the sender: an outcome write that fails keeps its outcomes
  in memory and is retried with backoff (at most `flush_retry_cap` apart), workers stop
  taking new rows while `flush_size` outcomes are unwritten (which keeps the crash bound
  above), and sending resumes at the first write that succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.core.clock import Clock
from bot.core.reasons import BROADCAST_RETRY_HOURS, Reason, log_form
from bot.delivery.outage import Outage
from bot.delivery.pacer import Pacer
from bot.services.subscriptions import chat_gone
from bot.storage import DeliveryOutcome, PendingDelivery, Storage

log = logging.getLogger(__name__)

GONE_MARKERS = ("chat not found", "user not found", "bot was kicked", "user is deactivated",
                "group chat was upgraded", "have no rights to send", "not enough rights",
                "bot is not a member", "peer_id_invalid")


# ------------------------------------------------------------- send results

@dataclass(frozen=True, slots=True)
class Sent:
    message_id: int


@dataclass(frozen=True, slots=True)
class Throttled:
    retry_after: float


@dataclass(frozen=True, slots=True)
class Gone:
    reason: Reason
    detail: str | None = None  # Telegram's description (a migrated chat: its new id)


@dataclass(frozen=True, slots=True)
class Failed:
    reason: Reason
    retryable: bool
    timed_out: bool = False  # no answer in time: Telegram may have delivered it anyway
    detail: str | None = None  # Telegram's description, where it gave one


SendResult = Sent | Throttled | Gone | Failed
# (chat id, the reason's code, Telegram's words)
ChatGone = Callable[[int, Reason, str | None], Awaitable[None]]


class Transport(Protocol):
    """Sends one message; answers with what happened instead of raising."""

    async def send(self, chat_id: int, text: str,
                   markup: InlineKeyboardMarkup | None) -> SendResult: ...


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: TelegramError) -> SendResult:
    """Map PTB's exceptions to the outbox's vocabulary: a reason code and Telegram's words."""
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Throttled(_seconds(exc.retry_after))
    said = exc.message[:200]
    if isinstance(exc, Forbidden):
        return Gone(Reason.CHAT_GONE, said)
    if isinstance(exc, BadRequest):
        if any(marker in said.lower() for marker in GONE_MARKERS):
            return Gone(Reason.CHAT_GONE, said)
        return Failed(Reason.BAD_REQUEST, retryable=False, detail=said)
    if isinstance(exc, ChatMigrated):
        return Gone(Reason.CHAT_MIGRATED, str(exc.new_chat_id))
    if isinstance(exc, TimedOut):
        return Failed(Reason.TIMED_OUT, retryable=True, timed_out=True)
    if isinstance(exc, NetworkError):
        return Failed(Reason.NETWORK, retryable=True, detail=said)
    return Failed(Reason.TELEGRAM_ERROR, retryable=False,
                  detail=f"{type(exc).__name__}: {exc.message}"[:200])


# Sent as JSON text: python-telegram-bot passes a str parameter through unchanged, and
# Telegram reads form fields as JSON, so these are encoded once instead of per message.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True).to_json()
_MARKUPS_KEPT = 1024


class BotTransport:
    """The real transport: python-telegram-bot's Bot, with its request class and errors.

    It calls sendMessage through Bot.do_api_request and reads the message id from the raw
    result instead of Bot.send_message: building a full Message object from every answer
    was about 40 % of the sender's CPU per message (profiled), and the outbox needs only
    the id. Errors still arrive as PTB's exceptions (RetryAfter, Forbidden, …).

    A keyboard is encoded to JSON once per keyboard object (the tip keyboards are shared,
    `keyboards.tip_actions`), not once per message: that was another sixth of the CPU.
    The cache holds the object itself beside its JSON, so an id in it always belongs to
    the object it was encoded from; it is emptied when it reaches `_MARKUPS_KEPT`.

    Only outbox rows (daily tips, broadcasts, check-ins) go through here, never a reply to
    a user, so `paid_broadcast` (ALLOW_PAID_BROADCAST) marks exactly the bulk sends with
    the Bot API's ``allow_paid_broadcast``: up to 1,000 msg/s, billed in Stars from the
    bot's balance for what goes over the free ~30/s. Replies stay free.
    """

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self._bot = bot
        self.paid_broadcast = paid_broadcast
        self._markups: dict[int, tuple[InlineKeyboardMarkup, str]] = {}

    def _markup_json(self, markup: InlineKeyboardMarkup) -> str:
        kept = self._markups.get(id(markup))
        if kept is not None and kept[0] is markup:
            return kept[1]
        if len(self._markups) >= _MARKUPS_KEPT:
            self._markups.clear()
        encoded = markup.to_json()
        self._markups[id(markup)] = (markup, encoded)
        return encoded

    async def send(self, chat_id: int, text: str,
                   markup: InlineKeyboardMarkup | None) -> SendResult:
        params: dict[str, object] = {
            "chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML,
            "link_preview_options": _NO_PREVIEW,
        }
        if markup is not None:
            params["reply_markup"] = self._markup_json(markup)
        if self.paid_broadcast:
            params["allow_paid_broadcast"] = True
        try:
            # Bot API method names are case-insensitive; the lower-case spelling keeps
            # do_api_request from warning that Bot.send_message exists.
            result = await self._bot.do_api_request("sendmessage", api_kwargs=params)
        except TelegramError as exc:
            return classify(exc)
        return Sent(int(result["message_id"]))


# ------------------------------------------------------------------- sender

Rendered = tuple[str, InlineKeyboardMarkup | None]
# How an outbox row looks when it is sent (bot.ui.outbox, injected by the wiring): most
# kinds render at once, a kind that reads what it shows (the weekly picture) awaits it.
Renderer = Callable[[PendingDelivery], Rendered | Awaitable[Rendered]]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class DrainStats:
    """What one drain did: how many messages went out (failures stay in the outbox rows)."""

    sent: int = 0
    paid: int = 0  # sent with allow_paid_broadcast (Telegram bills those above ~30/s)


# Telegram answers a sendMessage in tens of milliseconds from most hosting regions (the
# round trip plus its own work); sending keeps its full rate up to this, and slows in
# proportion beyond it.
ROUND_TRIP = 0.1
CONCURRENCY = 8  # the fewest requests under way (at the default 25/s: any RTT up to 320 ms)


def concurrency_for(rate_per_second: float | None) -> int:
    """Requests under way needed to send `rate_per_second` when each answer takes up to
    ROUND_TRIP seconds: 8 at the free tier's rates, 100 for paid 1,000/s. The crash bound
    grows with it (`concurrency + flush_size` messages)."""
    if not rate_per_second:
        return CONCURRENCY
    return max(CONCURRENCY, math.ceil(rate_per_second * ROUND_TRIP))


class Sender:
    def __init__(
        self,
        storage: Storage,
        transport: Transport,
        render: Renderer,
        clock: Clock,
        pacer: Pacer,
        *,
        concurrency: int = CONCURRENCY,
        batch_size: int = 500,
        flush_size: int = 32,
        flush_interval: float = 0.1,
        flush_retry_cap: float = 2.0,
        stop_flush_timeout: float = 5.0,
        backoff_base: float = 10.0,
        backoff_cap: float = 600.0,
        daily_grace: timedelta = timedelta(hours=3),
        broadcast_retry: timedelta = timedelta(hours=BROADCAST_RETRY_HOURS),
        sleep: Sleep = asyncio.sleep,
        epoch: int | None = None,
        outage: Outage | None = None,
        on_chat_gone: ChatGone | None = None,
    ) -> None:
        self._storage = storage
        # "The chat is gone" is the subscription service's to record (the wiring passes
        # SubscriptionService.mark_unreachable); a sender built alone takes the same road.
        self._chat_gone = on_chat_gone or functools.partial(chat_gone, storage, clock)
        # This instance's claim on the rows it takes (unique per start: nanoseconds of
        # the wall clock when it was made); see `_release_stale_claims`.
        self.epoch = epoch if epoch is not None else time.time_ns()
        self._claims_checked = False
        self.outage = outage or Outage()
        self._retry_waiting = False  # Telegram answers again: retry the rows backing off
        self._transport = transport
        self._render = render
        self._clock = clock
        self._pacer = pacer
        self._concurrency = concurrency
        self._batch_size = batch_size
        self._flush_size = flush_size
        self._flush_interval = flush_interval
        self._flush_retry_cap = flush_retry_cap
        self._stop_flush_timeout = stop_flush_timeout
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._daily_grace = daily_grace  # for rows queued without an expiry (older rows)
        self._broadcast_retry = broadcast_retry
        self._sleep = sleep
        self._outcomes: list[DeliveryOutcome] = []
        self._busy: set[int] = set()
        self._flushed = asyncio.Event()  # replaced after every successful flush
        self._flush_lock = asyncio.Lock()
        self._flush_due = asyncio.Event()  # a batch is ready: the flusher writes it now
        self._flush_failures = 0
        self._writing = 0  # outcomes in the write under way (not yet durable)
        self._wake = asyncio.Event()
        self._stopping = False

    @property
    def flush_size(self) -> int:
        """Unwritten outcomes at which sending stops (the crash bound): the tick sizes its
        writes by it, since the flush waits while a write holds the lock."""
        return self._flush_size

    def wake(self) -> None:
        self._wake.set()

    async def make_room(self, *, lag: float = 0.002, step: float = 0.001,
                        most: int = 50) -> None:
        """Let paced sends that fell behind catch up before other work on the loop goes on.

        The tick plans on the same event loop as the sender and calls this between slices
        of planning. While rows are being sent and a send waiting at the pacer could have
        gone more than `lag` ago (the loop was too busy to wake it: `Pacer.lag`), it sleeps
        `step` at a time, at most `most` times: the tick is slowed, never stopped. Paid
        broadcasts at 1,000/s fell to ~860-940/s while a crowded minute's tick ran
        without it, ~965-970/s with it (bench/README.md).
        """
        for _ in range(most):
            if not self._busy or self._stopping or self._pacer.lag() <= lag:
                return
            await self._sleep(step)

    def _backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self._backoff_cap,
                                     self._backoff_base * 2 ** max(0, attempts - 1)))

    def _expiry(self, row: PendingDelivery) -> datetime:
        """After this instant the row is given up instead of sent (see the module doc)."""
        if row.expires_at is not None:
            return row.expires_at
        base = row.created_at or self._clock.now()
        return base + (self._broadcast_retry if row.kind == "broadcast" else self._daily_grace)

    def _give_up(self, row: PendingDelivery, at: datetime, cause: str | None,
                 detail: str | None, *, timed_out: bool = False,
                 attempted: bool = True) -> DeliveryOutcome:
        """A row past its expiry: a broadcast copy failed, a tip or prompt missed; the last
        attempt's reason (and Telegram's words for it) kept as the cause."""
        status, reason = (("failed", Reason.RETRIES_EXHAUSTED) if row.kind == "broadcast"
                          else ("missed", Reason.GRACE_WINDOW_PASSED))
        return DeliveryOutcome(row.id, status, at, timed_out=timed_out,
                               count_attempt=attempted, error=reason, cause=cause,
                               detail=detail if cause else None)

    def _signal_flushed(self) -> None:
        self._flushed.set()
        self._flushed = asyncio.Event()

    async def _wait_flushed(self) -> None:
        """Until the next successful flush (or stop); the flusher retries failed ones."""
        if not self._stopping:
            await self._flushed.wait()

    async def _try_flush(self) -> bool:
        """Write the outcomes held in memory; False (and they stay held) if storage failed."""
        async with self._flush_lock:
            outcomes, self._outcomes = self._outcomes, []
            if outcomes:
                self._writing = len(outcomes)
                try:
                    await self._storage.outbox.apply_outcomes(outcomes, self.epoch)
                except BaseException as exc:
                    # Keep them for the next flush: a lost outcome would leave its row
                    # "busy" for ever and, after a restart, send it a second time.
                    self._outcomes[:0] = outcomes
                    self._writing = 0
                    if not isinstance(exc, Exception):
                        raise
                    self._flush_failures += 1
                    if self._flush_failures == 1 or self._flush_failures % 50 == 0:
                        log.error("cannot record %d send outcomes (%s: %s); holding them and "
                                  "retrying", len(self._outcomes), type(exc).__name__, exc)
                    return False
                self._writing = 0
                self._busy.difference_update(o.delivery_id for o in outcomes)
            if self._retry_waiting:
                # After the outcomes written with it, so the rows whose failures came
                # before the first send that went through are among those retried.
                self._retry_waiting = False
                try:
                    retried = await self._storage.outbox.retry_waiting(self._clock.now())
                except Exception as exc:  # they wait out their backoff instead
                    log.warning("could not bring waiting sends forward (%s)",
                                type(exc).__name__)
                else:
                    if retried:
                        log.info("retrying %d waiting sends now", retried)
            if self._flush_failures:
                log.warning("send outcomes recorded again after %d failed writes",
                            self._flush_failures)
                self._flush_failures = 0
            self._signal_flushed()
            return True

    async def _flush_with_retries(self, budget: float) -> bool:
        """Flush, retrying with backoff for about `budget` seconds (used when stopping)."""
        delay, waited = self._flush_interval, 0.0
        while not await self._try_flush():
            if waited >= budget:
                log.error("stopping with %d send outcomes unrecorded: those rows stay "
                          "pending and may be sent once more after the restart",
                          len(self._outcomes))
                return False
            await self._sleep(delay)
            waited += delay
            delay = min(self._flush_retry_cap, delay * 2)
        return True

    def _unwritten(self) -> int:
        return len(self._outcomes) + self._writing

    async def _record(self, outcome: DeliveryOutcome) -> None:
        """Hold one outcome; at half of `flush_size`, ask the flusher to write. Never raises.

        A worker never waits for the database here: while the tick holds the write lock,
        workers blocked on a flush would stall sending (measured: paid broadcasts fell to
        92 % of 1,000/s during a tick). Half, so workers keep sending while one batch is
        being written; `_room` stops them when `flush_size` outcomes are unwritten (a
        write failing or slow), which keeps the crash bound.
        """
        self._outcomes.append(outcome)
        if len(self._outcomes) >= max(1, self._flush_size // 2):
            self._flush_due.set()

    async def _room(self) -> None:
        """Wait while `flush_size` outcomes are unwritten, so a crash resends no more."""
        while self._unwritten() >= self._flush_size and not self._stopping:
            self._flush_due.set()
            await self._wait_flushed()

    async def _deliver(self, row: PendingDelivery, stats: DrainStats) -> None:
        expiry = self._expiry(row)
        # The window is half-open, as the scheduler's: a grace window that ends at the end
        # of the local day ends at the next day's 00:00:00, which is already too late.
        if self._clock.now() >= expiry:
            # Queued before a crash or an outage and now too late: never sent late.
            await self._record(self._give_up(row, self._clock.now(), row.last_error,
                                             row.last_error_detail, attempted=False))
            return
        rendered = self._render(row)
        text, markup = rendered if isinstance(rendered, tuple) else await rendered
        while True:
            # The pacer learns when the answer came back: the message reached Telegram by
            # then, and its 1-second window at the receiver is counted from there.
            async with self._pacer.sending(row.chat_id,
                                           row.chat_type in ("group", "supergroup")):
                # A 429 pause (or the pacer) may have held this send past its expiry, or
                # past a stop: a leader that lost its lock must not start another send.
                expired = self._clock.now() >= expiry
                halted = self._stopping
                if not expired and not halted:
                    result = await self._transport.send(row.chat_id, text, markup)
            if halted:
                self._busy.discard(row.id)  # unsent: the next sender releases its claim
                return
            if expired:
                await self._record(self._give_up(row, self._clock.now(), row.last_error,
                                                 row.last_error_detail, attempted=False))
                return
            if not isinstance(result, Throttled):
                break
            # 429: every send waits out retry_after; this same row goes again and it
            # never counts as an attempt or a failure.
            self._pacer.pause(result.retry_after)
        now = self._clock.now()
        if isinstance(result, Sent):
            if self.outage.answered():
                self._retry_waiting = True
                self._flush_due.set()
            stats.sent += 1
            if getattr(self._transport, "paid_broadcast", False):
                stats.paid += 1
            await self._record(DeliveryOutcome(row.id, "sent", now, message_id=result.message_id))
        elif isinstance(result, Gone):
            await self._record(DeliveryOutcome(row.id, "blocked", now, error=result.reason,
                                               detail=result.detail))
            await self._try_flush()
            try:
                await self._chat_gone(row.chat_id, result.reason, result.detail)
            except Exception:  # the next send to this chat finds out again
                log.exception("could not mark chat %s blocked", row.chat_id)
        elif result.retryable:
            self.outage.failed(log_form(result.reason, result.detail))
            retry_at = now + self._backoff(row.attempts + 1)
            if now >= expiry:
                await self._record(self._give_up(row, now, result.reason, result.detail,
                                                 timed_out=result.timed_out))
            else:
                await self._record(DeliveryOutcome(
                    row.id, "pending", now, error=result.reason, detail=result.detail,
                    timed_out=result.timed_out, retry_at=min(retry_at, expiry)))
        else:
            await self._record(DeliveryOutcome(row.id, "failed", now, error=result.reason,
                                               detail=result.detail,
                                               timed_out=result.timed_out))

    async def _release_stale_claims(self) -> None:
        """Before the first drain, and after one was cancelled: unclaim every row this
        sender holds no outcome for. At start those are what a stopped or crashed instance
        had taken (one instance per database: the instance lock), which were never
        recorded as sent; after a cancelled drain, the rows it had queued."""
        if self._claims_checked:
            return
        released = await self._storage.outbox.release_claims(keep=frozenset(self._busy))
        self._claims_checked = True
        if released:
            log.info("released %d outbox rows claimed but not recorded as sent; sending them "
                     "now", released)

    async def drain_once(self) -> DrainStats:
        """Send every row due now; rows rescheduled for later wait for a later drain."""
        await self._release_stale_claims()
        stats = DrainStats()
        queue: asyncio.Queue[PendingDelivery | None] = asyncio.Queue(maxsize=self._batch_size)

        async def worker() -> None:
            while (row := await queue.get()) is not None:
                try:
                    await self._room()
                    if self._stopping:
                        self._busy.discard(row.id)  # unsent: the next start releases its claim
                        continue
                    await self._deliver(row, stats)
                except Exception:
                    log.exception("delivery %s crashed; retrying later", row.id)
                    now = self._clock.now()
                    await self._record(DeliveryOutcome(
                        row.id, "pending", now, error=Reason.INTERNAL_ERROR,
                        retry_at=now + self._backoff(row.attempts + 1)))
                finally:
                    queue.task_done()

        async def flusher() -> None:
            failures = 0  # never raises: a failed write is retried with backoff
            while True:
                if failures:  # storage failing: back off (0.1 s doubling, capped)
                    await self._sleep(min(self._flush_retry_cap,
                                          self._flush_interval * 2 ** min(failures, 16)))
                else:  # a batch is ready, or every interval
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._flush_due.wait(), self._flush_interval)
                self._flush_due.clear()
                failures = 0 if await self._try_flush() else failures + 1

        workers = [asyncio.create_task(worker()) for _ in range(self._concurrency)]
        ticker = asyncio.create_task(flusher())
        low_water = max(1, self._batch_size // 2)
        aborted = False
        try:
            for _ in range(1_000_000):  # bounded: every round settles or reschedules rows
                if self._stopping:
                    break
                # Claimed in the database: a refill never takes a row already taken.
                rows = await self._storage.outbox.claim(
                    self._clock.now(), self._batch_size, self.epoch)
                if not rows:
                    if not self._busy:
                        break
                    await queue.join()  # everything handed out has an outcome in memory
                    if not await self._try_flush():
                        await self._wait_flushed()
                    continue
                for row in rows:
                    self._busy.add(row.id)
                    await queue.put(row)
                # Refill once half the rows taken have their outcomes recorded.
                while len(self._busy) > low_water and not self._stopping:
                    await self._wait_flushed()
        except asyncio.CancelledError:
            aborted = True
            self._claims_checked = False  # rows it queued stay claimed until then
            raise
        finally:
            if aborted:  # cancelled (shutdown timed out): drop everything held in memory
                for task in (*workers, ticker):
                    task.cancel()
                await asyncio.gather(*workers, ticker, return_exceptions=True)
            else:
                await self._wind_down(queue, workers, ticker)
        return stats

    async def _wind_down(self, queue: asyncio.Queue[PendingDelivery | None],
                         workers: list[asyncio.Task[None]], ticker: asyncio.Task[None]) -> None:
        """End a drain: unsent rows stay pending when stopping; outcomes are written."""
        while self._stopping and not queue.empty():
            dropped = queue.get_nowait()  # unsent: the next start releases its claim
            if dropped is not None:
                self._busy.discard(dropped.id)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers, return_exceptions=True)
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        # Outcomes a failed write still holds stay in memory (their rows stay busy) for
        # the next drain, unless stopping: then a bounded last effort.
        if self._stopping:
            await self._flush_with_retries(self._stop_flush_timeout)
        else:
            await self._try_flush()

    async def run(self, idle_poll: float = 1.0) -> None:
        """Drain whenever woken (tick, broadcast) or when a retry comes due; never dies."""
        while not self._stopping:
            timeout = idle_poll
            try:
                await self.drain_once()
                next_due = await self._storage.outbox.next_pending_due()
                if next_due is not None:
                    timeout = min(idle_poll, max(0.0, (next_due - self._clock.now())
                                                 .total_seconds()))
            except Exception:
                log.exception("sender drain failed; retrying")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._signal_flushed()
