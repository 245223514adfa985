"""The outbox sender: drains pending delivery rows to Telegram and records every outcome.

A row is written before its message is sent and settled after, so a crash can at worst
resend what was in flight (requests under way plus outcomes not yet flushed: at most
`concurrency + flush_size`), never lose a tip. Telegram faults are ordinary outcomes:
429 pauses every send and resends the same row without counting a failure; 403 and
"chat not found" make the subscriber inactive; 5xx, network errors and timeouts are
retried with backoff, then marked failed with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
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

from bot.clock import Clock
from bot.pacer import Pacer
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
    reason: str


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str
    retryable: bool


SendResult = Sent | Throttled | Gone | Failed


class Transport(Protocol):
    """Sends one message; answers with what happened instead of raising."""

    async def send(self, chat_id: int, text: str,
                   markup: InlineKeyboardMarkup | None) -> SendResult: ...


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: TelegramError) -> SendResult:
    """Map PTB's exceptions to the outbox's vocabulary."""
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Throttled(_seconds(exc.retry_after))
    text = exc.message.lower()
    if isinstance(exc, Forbidden):
        return Gone(exc.message[:200])
    if isinstance(exc, BadRequest):
        if any(marker in text for marker in GONE_MARKERS):
            return Gone(exc.message[:200])
        return Failed(f"bad request: {exc.message}"[:200], retryable=False)
    if isinstance(exc, ChatMigrated):
        return Gone(f"chat migrated to {exc.new_chat_id}")
    if isinstance(exc, TimedOut):
        return Failed("timed out", retryable=True)
    if isinstance(exc, NetworkError):
        return Failed(f"network: {exc.message}"[:200], retryable=True)
    return Failed(f"{type(exc).__name__}: {exc.message}"[:200], retryable=False)


_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class BotTransport:
    """The real transport: python-telegram-bot's Bot, with its request class and errors.

    It calls sendMessage through Bot.do_api_request and reads the message id from the raw
    result instead of Bot.send_message: building a full Message object from every answer
    was about 40 % of the sender's CPU per message (profiled), and the outbox needs only
    the id. Errors still arrive as PTB's exceptions (RetryAfter, Forbidden, …).

    Only outbox rows (daily tips, broadcasts, check-ins) go through here, never a reply to
    a user, so `paid_broadcast` (ALLOW_PAID_BROADCAST) marks exactly the bulk sends with
    the Bot API's ``allow_paid_broadcast``: up to 1,000 msg/s, billed in Stars from the
    bot's balance for what goes over the free ~30/s. Replies stay free.
    """

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self._bot = bot
        self.paid_broadcast = paid_broadcast

    async def send(self, chat_id: int, text: str,
                   markup: InlineKeyboardMarkup | None) -> SendResult:
        params: dict[str, object] = {
            "chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML,
            "link_preview_options": _NO_PREVIEW,
        }
        if markup is not None:
            params["reply_markup"] = markup
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

Renderer = Callable[[PendingDelivery], tuple[str, InlineKeyboardMarkup | None]]


@dataclass(slots=True)
class DrainStats:
    """What one drain did: how many messages went out (failures stay in the outbox rows)."""

    sent: int = 0
    paid: int = 0  # sent with allow_paid_broadcast (Telegram bills those above ~30/s)


class Sender:
    def __init__(
        self,
        storage: Storage,
        transport: Transport,
        render: Renderer,
        clock: Clock,
        pacer: Pacer,
        *,
        concurrency: int = 8,
        batch_size: int = 500,
        flush_size: int = 32,
        flush_interval: float = 0.1,
        max_attempts: int = 5,
        backoff_base: float = 10.0,
    ) -> None:
        self._storage = storage
        self._transport = transport
        self._render = render
        self._clock = clock
        self._pacer = pacer
        self._concurrency = concurrency
        self._batch_size = batch_size
        self._flush_size = flush_size
        self._flush_interval = flush_interval
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._outcomes: list[DeliveryOutcome] = []
        self._busy: set[int] = set()
        self._flushed = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._flush_due = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def _backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(600.0, self._backoff_base * 2 ** max(0, attempts - 1)))

    async def _flush(self) -> None:
        async with self._flush_lock:
            outcomes, self._outcomes = self._outcomes, []
            if outcomes:
                try:
                    await self._storage.outbox.apply_outcomes(outcomes)
                except BaseException:
                    # Keep them for the next flush: a lost outcome would leave its row
                    # "busy" forever and, after a restart, send it a second time.
                    self._outcomes[:0] = outcomes
                    raise
                self._busy.difference_update(o.delivery_id for o in outcomes)
            self._flushed.set()

    async def _record(self, outcome: DeliveryOutcome) -> None:
        # --- perf: a worker never waits for the database here. The flusher writes the
        # batch: while the tick holds the write lock, workers blocked on a flush would stall
        # sending (measured: paid broadcasts fell to 92 % of 1,000/s during a tick).
        self._outcomes.append(outcome)
        if len(self._outcomes) >= self._flush_size:
            self._flush_due.set()

    async def _deliver(self, row: PendingDelivery, stats: DrainStats) -> None:
        text, markup = self._render(row)
        while True:
            # The pacer learns when the answer came back: the message reached Telegram by
            # then, and its 1-second window at the receiver is counted from there.
            async with self._pacer.sending(row.chat_id,
                                           row.chat_type in ("group", "supergroup")):
                result = await self._transport.send(row.chat_id, text, markup)
            if not isinstance(result, Throttled):
                break
            # 429: every send waits out retry_after; this same row goes again and it
            # never counts as an attempt or a failure.
            self._pacer.pause(result.retry_after)
        now = self._clock.now()
        if isinstance(result, Sent):
            stats.sent += 1
            if getattr(self._transport, "paid_broadcast", False):
                stats.paid += 1
            await self._record(DeliveryOutcome(row.id, "sent", now, message_id=result.message_id))
        elif isinstance(result, Gone):
            await self._record(DeliveryOutcome(row.id, "blocked", now, error=result.reason))
            await self._flush()
            await self._storage.subscribers.mark_blocked(row.chat_id, result.reason, now)
        elif isinstance(result, Failed) and result.retryable \
                and row.attempts + 1 < self._max_attempts:
            await self._record(DeliveryOutcome(
                row.id, "pending", now, error=result.reason,
                retry_at=now + self._backoff(row.attempts + 1),
            ))
        else:
            assert isinstance(result, Failed)
            await self._record(DeliveryOutcome(row.id, "failed", now, error=result.reason))

    async def drain_once(self) -> DrainStats:
        """Send every row due now; rows rescheduled for later wait for a later drain."""
        stats = DrainStats()
        queue: asyncio.Queue[PendingDelivery | None] = asyncio.Queue(maxsize=self._batch_size)

        async def worker() -> None:
            while (row := await queue.get()) is not None:
                try:
                    await self._deliver(row, stats)
                except Exception:
                    log.exception("delivery %s crashed; retrying later", row.id)
                    now = self._clock.now()
                    await self._record(DeliveryOutcome(
                        row.id, "pending", now, error="internal error",
                        retry_at=now + self._backoff(row.attempts + 1)))
                finally:
                    queue.task_done()

        async def flusher() -> None:
            while True:
                with contextlib.suppress(TimeoutError):  # a full batch, or every interval
                    await asyncio.wait_for(self._flush_due.wait(), self._flush_interval)
                self._flush_due.clear()
                try:
                    await self._flush()
                except Exception:  # the outcomes stay queued; the next round retries
                    log.exception("recording send outcomes failed; retrying")
                    await asyncio.sleep(self._flush_interval)

        workers = [asyncio.create_task(worker()) for _ in range(self._concurrency)]
        ticker = asyncio.create_task(flusher())
        low_water = max(1, self._batch_size // 2)
        try:
            for _ in range(1_000_000):  # bounded: every round settles or reschedules rows
                if self._stopping:
                    break
                rows = await self._storage.outbox.pending(
                    self._clock.now(), self._batch_size, exclude=frozenset(self._busy))
                if not rows:
                    if not self._busy:
                        break
                    await queue.join()  # everything handed out has an outcome in memory
                    await self._flush()
                    continue
                for row in rows:
                    self._busy.add(row.id)
                    await queue.put(row)
                # A row stays "busy" until its outcome is flushed, so a refill can never
                # fetch (and send) a row whose result is still only in memory.
                while len(self._busy) > low_water and not self._stopping:
                    self._flushed.clear()
                    await self._flushed.wait()
        finally:
            while self._stopping and not queue.empty():
                dropped = queue.get_nowait()  # unsent rows stay pending for the next start
                if dropped is not None:
                    self._busy.discard(dropped.id)
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers, return_exceptions=True)
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await self._flush()
        return stats

    async def run(self, idle_poll: float = 1.0) -> None:
        """Drain whenever woken (tick, broadcast) or when a retry comes due."""
        while not self._stopping:
            try:
                await self.drain_once()
            except Exception:
                log.exception("sender drain failed; retrying")
            timeout = idle_poll
            next_due = await self._storage.outbox.next_pending_due()
            if next_due is not None:
                timeout = min(idle_poll, max(0.0, (next_due - self._clock.now())
                                             .total_seconds()))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._flushed.set()
