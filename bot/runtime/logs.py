"""Logging set-up that can never print the bot token, nor what users wrote.

httpx/aiohttp errors and PTB's own exceptions carry request URLs, and Bot API URLs embed
the token ("The token `…` was rejected by the server", "InvalidUrlClientError: http://h/bot
<token>/getMe"). A filter on every handler rewrites each secret out of the final text — the
message, its arguments, the formatted traceback and any stack — so even a third-party
library's record is safe. An uncaught exception never reaches logging, so the same rewrite
is installed as `sys.excepthook` (and `threading.excepthook`).

Users' words are health data (diary entries, /need answers). PTB logs whole updates and
request parameters at DEBUG ("Processing update %s"); those records keep their place in
the log but lose the payload, so DEBUG stays usable without ever holding a message text.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from typing import TextIO

REDACTED = "<redacted-token>"
WITHHELD = "<withheld: may hold user text>"

# PTB records whose arguments are whole updates, request parameters or API results.
_PAYLOAD_TEMPLATES = frozenset({
    "Processing update %s",
    "Dropping pending update: %s",
    "Webhook received data: %s",
    "Calling Bot API endpoint `%s` with parameters `%s`",
    "Call to Bot API endpoint `%s` finished with return value `%s`",
})


def secret_forms(secrets: Iterable[str | None]) -> list[str]:
    """Every spelling of each secret worth hiding: whole, URL-encoded, and a token's key.

    The key after the colon is what makes a token secret; it alone is enough to hijack the
    bot, so it is redacted wherever it appears, with or without the numeric id.
    """
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        forms.add(secret)
        forms.add(secret.replace(":", "%3A"))
        _, colon, key = secret.partition(":")
        if colon and len(key) >= 8:
            forms.add(key)
    # Longest first, so the whole token is replaced before its key part.
    return sorted(forms, key=len, reverse=True)


def redact(text: str, forms: list[str]) -> str:
    for form in forms:
        text = text.replace(form, REDACTED)
    return text


class RedactToken(logging.Filter):
    """Rewrites secrets out of a record's final text (message, traceback, stack)."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self._forms = secret_forms(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._forms:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact(message, self._forms), None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._forms)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._forms)
        return True


class WithholdUserContent(logging.Filter):
    """Keeps PTB's DEBUG records about updates and API calls, minus their payload."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg in _PAYLOAD_TEMPLATES and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            if record.msg.startswith(("Calling Bot API", "Call to Bot API")):
                record.args = (args[0], WITHHELD)  # keep the method name
            else:
                record.args = tuple(WITHHELD for _ in args)
        return True


def install_excepthook(secrets: Iterable[str | None], stream: TextIO | None = None) -> None:
    """Uncaught exceptions (main thread and threads) are printed with secrets redacted."""
    forms = secret_forms(secrets)

    def write(exc_type: type[BaseException], exc: BaseException,
              tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        target = stream or sys.stderr
        target.write(redact(text, forms))
        target.flush()

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            write(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = write
    threading.excepthook = thread_hook


def add_secret(secret: str) -> None:
    """Hide one more secret (e.g. the webhook secret) in every handler's output."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken([secret]))


def setup_logging(level: str, secrets: list[str]) -> None:
    """One line per event: time, level, logger, message (ids, never user text at any level)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(WithholdUserContent())
    handler.addFilter(RedactToken(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    install_excepthook(secrets)
    # Request URLs carry the token and request parameters carry message texts; these
    # libraries stay quiet below WARNING (the filters above are the second line of defence).
    # aiosqlite logs every statement with its parameters (diary text among them).
    for noisy in ("httpx", "httpcore", "telegram.Bot", "telegram.ext.ExtBot", "apscheduler",
                  "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
