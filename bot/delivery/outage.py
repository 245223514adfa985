"""Telegram outages as spells: one log line when Telegram stops answering, one when it is back.

During an outage every send fails, and a line per failure (or an ERROR with a traceback
per update a handler could not answer) buries the one fact an operator needs. The sender
and the error handler report here instead; a spell ends at the first successful send, or
is taken to have ended when no failure came for `quiet` seconds (nothing was sent to
prove it). Ending a spell is what makes the sender retry the rows waiting out their
backoff at once instead of minutes later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Outage:
    """Counts the failed calls of the current spell; logs its start and its end once."""

    def __init__(self, *, quiet: float = 600.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._quiet = quiet
        self._monotonic = monotonic
        self.failures = 0  # in the current spell; 0 when Telegram answers
        self._last = 0.0

    def failed(self, reason: str) -> None:
        """A call to Telegram failed for a reason an outage explains (network, 5xx, timeout)."""
        now = self._monotonic()
        if self.failures and now - self._last > self._quiet:
            self.failures = 0  # a new spell: the last one ended unseen
        if not self.failures:
            log.warning("Telegram is not answering (%s): sends wait and are retried, replies "
                        "fail until it answers again", reason[:80])
        self.failures += 1
        self._last = now

    def answered(self) -> bool:
        """A send went through; True when that ended a spell (log line written)."""
        if not self.failures:
            return False
        log.warning("Telegram answers again after %d failed calls", self.failures)
        self.failures = 0
        return True
