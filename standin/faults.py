"""Fault injection: make the stand-in answer a call with a failure instead of doing it.

A test sets ``BotApiStandIn.fault_policy`` to a function of (method, params) that returns a
:class:`Fault` or None. The faults are the failures the bot's delivery path must survive:
flood control (429 with ``retry_after``), a blocked user (403), an unknown chat (400), a bad
gateway (502), a timeout, which may or may not have delivered the message, and a group
upgraded to a supergroup (400 with ``migrate_to_chat_id``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from standin.errors import ERR_BLOCKED, ERR_CHAT_NOT_FOUND, ApiAnswer, JSONDict, error_answer

__all__ = ["Fault", "FaultKind", "FaultPolicy", "SimulatedTimeout"]

FaultKind = Literal[
    "retry_after", "forbidden", "chat_not_found", "bad_request", "server_error", "timeout",
    "chat_migrated",
]
_FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))


@dataclass(frozen=True)
class Fault:
    """A failure the stand-in should answer with instead of doing the call.

    ``deliver`` only matters for ``timeout``: a real timeout leaves the client unsure whether
    Telegram acted, so ``deliver=True`` performs the call although the client never hears back
    (the duplicate-message hazard of retrying a timed-out send).
    """

    kind: FaultKind
    retry_after: int = 3
    description: str | None = None
    delay: float = 2.0
    deliver: bool = False
    migrate_to_chat_id: int = 0

    def __post_init__(self) -> None:
        if self.kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {_FAULT_KINDS}")

    def answer(self) -> ApiAnswer:
        """The HTTP status and body Telegram would send for this fault (not for ``timeout``)."""
        if self.kind == "retry_after":
            return error_answer(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                retry_after=self.retry_after,
            )
        if self.kind == "forbidden":
            return error_answer(403, self.description or ERR_BLOCKED)
        if self.kind == "chat_not_found":
            return error_answer(400, ERR_CHAT_NOT_FOUND)
        if self.kind == "bad_request":
            text = self.description or "invalid request"
            if not text.startswith("Bad Request"):
                text = f"Bad Request: {text}"
            return error_answer(400, text)
        if self.kind == "chat_migrated":
            return error_answer(400, "Bad Request: group chat was upgraded to a supergroup chat",
                                migrate_to_chat_id=self.migrate_to_chat_id)
        if self.kind == "server_error":
            return error_answer(502, self.description or "Bad Gateway")
        raise ValueError("a timeout fault has no answer")


#: Decides per call: (method name as Telegram spells it, decoded params) -> a fault or None.
FaultPolicy = Callable[[str, JSONDict], Fault | None]


class SimulatedTimeout(Exception):
    """Raised by ``BotApiStandIn.call`` for a "timeout" fault.

    The core cannot express "no answer" as a (status, body) pair, so it hands the decision to
    the transport: the in-process adapter raises ``TimedOut`` at once, the HTTP server stalls
    for ``delay`` seconds and then sends ``late_answer`` (or a 504) to whoever still listens.
    """

    def __init__(self, delay: float, late_answer: ApiAnswer | None) -> None:
        super().__init__(f"simulated timeout ({delay}s)")
        self.delay = delay
        self.late_answer = late_answer
