"""Reaching Telegram at start-up: a mistake is one line, a network outage is waited out.

Before PTB starts, one `getMe` request tells the cases apart that a traceback would blur:

* 401 — the token was rejected: nothing will ever work, so stop ("Telegram rejected the
  token (401)");
* 404 — TELEGRAM_API_BASE_URL points at the wrong path (PTB reports both as "invalid token");
* any other 4xx but 429, an unusable URL, or a 200 that is not a Bot API answer: stop;
* connection refused, DNS failure, timeout, 429 or 5xx: Telegram (or the network) is
  down, which fixes itself — wait and try again, 1, 2, 4 … seconds, capped at 60, for as
  long as it takes, each attempt one WARNING line "cannot reach …, retrying in N s".

Every line is built here from the URL's host and the status code, never from an
exception's text (aiohttp puts the whole URL, token included, into some of them).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from bot.core.config import Settings

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0
MAX_DELAY = 60.0
PROBE_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Reached:
    username: str


@dataclass(frozen=True, slots=True)
class Fatal:
    """A start-up mistake a person must fix; `line` is the one line to print."""

    line: str


@dataclass(frozen=True, slots=True)
class Unreachable:
    reason: str


Probe = Reached | Fatal | Unreachable


def backoff_delays(first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> Iterator[float]:
    """first, 2×first, 4×first … never more than cap, without end."""
    delay = first
    while True:
        yield min(delay, cap)
        delay = min(delay * 2, cap)


def where(base_url: str) -> str:
    """host:port of the Bot API, for messages (no path: the token goes after it)."""
    parts = urlsplit(base_url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    return f"{parts.hostname}:{port}" if port else str(parts.hostname)


def _connect_reason(exc: aiohttp.ClientConnectorError) -> str:
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "host name not found"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "TLS certificate not accepted"
    if isinstance(exc.os_error, ConnectionRefusedError):
        return "connection refused"
    return (exc.os_error.strerror or type(exc.os_error).__name__).lower()


def _status_verdict(settings: Settings, status: int, body: bytes) -> Probe:
    base = settings.api_base_url
    if status == 401:
        return Fatal("Telegram rejected the token (401): check TELEGRAM_BOT_TOKEN, "
                     "or get a new one from @BotFather")
    if status == 404:
        return Fatal(f"TELEGRAM_API_BASE_URL {base} answered 404: the URL should end in /bot, "
                     "e.g. TELEGRAM_API_BASE_URL=https://api.telegram.org/bot")
    if status == 429 or status >= 500:
        return Unreachable(f"it answered {status}")
    if status != 200:
        return Fatal(f"TELEGRAM_API_BASE_URL {base} answered {status} to getMe; "
                     "e.g. TELEGRAM_API_BASE_URL=https://api.telegram.org/bot")
    try:
        answer = json.loads(body)
        username = str(answer["result"]["username"]) if answer.get("ok") else None
    except (ValueError, KeyError, TypeError, AttributeError):
        username = None
    if username is None:
        return Fatal(f"TELEGRAM_API_BASE_URL {base} does not answer like the Bot API; "
                     "e.g. TELEGRAM_API_BASE_URL=https://api.telegram.org/bot")
    return Reached(username)


async def probe(settings: Settings, probe_timeout: float = PROBE_TIMEOUT) -> Probe:
    """One getMe request, classified."""
    url = f"{settings.api_base_url}{settings.token}/getMe"
    try:
        limit = aiohttp.ClientTimeout(total=probe_timeout)
        async with aiohttp.ClientSession(timeout=limit) as session:
            async with session.post(url) as response:
                body = await response.read()
                status = response.status
    except (aiohttp.InvalidURL, ValueError):
        return Fatal(f"TELEGRAM_API_BASE_URL {settings.api_base_url} is not a usable URL, "
                     "e.g. TELEGRAM_API_BASE_URL=https://api.telegram.org/bot")
    except aiohttp.ClientConnectorError as exc:
        return Unreachable(_connect_reason(exc))
    except TimeoutError:
        return Unreachable(f"no answer within {probe_timeout:g} s")
    except (aiohttp.ClientError, OSError) as exc:
        return Unreachable(type(exc).__name__)
    return _status_verdict(settings, status, body)


async def wait_for_telegram(settings: Settings, stop: asyncio.Event, *,
                            delays: Iterator[float] | None = None,
                            probe_timeout: float = PROBE_TIMEOUT) -> Reached | Fatal | None:
    """Probe until Telegram answers or a mistake shows; None when `stop` was set first."""
    delays = delays if delays is not None else backoff_delays()
    while not stop.is_set():
        verdict = await probe(settings, probe_timeout)
        if not isinstance(verdict, Unreachable):
            return verdict
        delay = next(delays)
        log.warning("cannot reach Telegram at %s (%s), retrying in %g s",
                    where(settings.api_base_url), verdict.reason, delay)
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except TimeoutError:
            pass
    return None
