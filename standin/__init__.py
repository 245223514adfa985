"""A stand-in for the Telegram Bot API server, for the tests and the console mode.

Telegram is unreachable where MagDaily is built and tested, so the tests, the console mode
(``bot.runtime.console``) and manual demos talk to this package instead. It is not part of the bot:
the Docker image leaves it out, and nothing under ``bot/`` imports it except the console.

Modules, one job each:

* ``core``       :class:`BotApiStandIn`, one bot's Telegram state: the methods the bot calls,
                 simulated users (send, press, block), and records for assertions;
* ``formatting`` Telegram's HTML parse mode into (text, entities), with Telegram's errors;
* ``params``     per-field parameter decoding and reply-markup validation;
* ``errors``     Telegram's error wordings and body shape;
* ``faults``     fault injection (:class:`Fault`, ``fault_policy``);
* ``records``    what a test asserts on (:class:`SentMessage`, ``call_log`` entries ...);
* ``request``    :class:`StandInRequest`, the in-process PTB transport;
* ``http``       the same core over loopback HTTP (``serve``; ``python -m standin.http``).

The names below are the public surface; ``standin.http`` is imported on its own because only
the end-to-end tests and demos need a server.
"""

from standin.core import BotApiStandIn
from standin.errors import ERR_BLOCKED
from standin.faults import Fault, FaultKind, FaultPolicy, SimulatedTimeout
from standin.formatting import FormattedText, parse_formatted_text
from standin.records import NO_ANSWER_STATUS, AnsweredCallback, CallRecord, Edit, SentMessage
from standin.request import StandInRequest

__all__ = [
    "ERR_BLOCKED",
    "NO_ANSWER_STATUS",
    "AnsweredCallback",
    "BotApiStandIn",
    "CallRecord",
    "Edit",
    "Fault",
    "FaultKind",
    "FaultPolicy",
    "FormattedText",
    "SentMessage",
    "SimulatedTimeout",
    "StandInRequest",
    "parse_formatted_text",
]
