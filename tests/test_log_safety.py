"""The logging guards, line by line: each check here was missed by `make mutate` before.

Secrets are hidden in every spelling (whole, URL-encoded, the key alone when it is long
enough to matter) and the whole token goes before its key, so no id is left dangling;
PTB's payload records keep their method name and lose their payload; uncaught errors in
the main thread and in other threads print the real traceback, redacted; the noisy
libraries stay at WARNING.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
import traceback

import pytest

from bot.runtime.logs import (
    RedactToken,
    WithholdUserContent,
    add_secret,
    install_excepthook,
    redact,
    secret_forms,
    setup_logging,
)

TOKEN = "5550001234:ZZsafety-SECRET-key-never-printed"
KEY = TOKEN.split(":", 1)[1]
HIDDEN = "<redacted-token>"
WITHHELD = "<withheld: may hold user text>"


@pytest.fixture
def restore_logging(monkeypatch):
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


# ------------------------------------------------------------------ secret forms

def test_an_empty_secret_before_the_token_does_not_hide_it():
    assert redact(f"bot{TOKEN}/getMe", secret_forms([None, "", TOKEN])) == f"bot{HIDDEN}/getMe"


def test_the_url_encoded_token_is_hidden_as_http_clients_write_it():
    encoded = TOKEN.replace(":", "%3A")  # RFC 3986: upper-case hex digits
    assert redact(f"GET /bot{encoded}/getMe", secret_forms([TOKEN])) == f"GET /bot{HIDDEN}/getMe"


def test_the_whole_token_goes_before_its_key_so_no_id_is_left():
    # Reverse alphabetical order would put the key ("Z…") before the token ("5…").
    assert redact(f"url bot{TOKEN}/x", secret_forms([TOKEN])) == f"url bot{HIDDEN}/x"
    assert redact(f"key {KEY} alone", secret_forms([TOKEN])) == f"key {HIDDEN} alone"


def test_a_key_of_eight_characters_is_hidden_alone_a_shorter_one_is_not():
    assert redact("see abcdefgh", secret_forms(["12:abcdefgh"])) == f"see {HIDDEN}"
    # Hiding a 7-character fragment everywhere would mangle ordinary log text.
    assert redact("see abcdefg", secret_forms(["12:abcdefg"])) == "see abcdefg"
    assert redact("see 12:abcdefg", secret_forms(["12:abcdefg"])) == f"see {HIDDEN}"


def test_a_filter_without_secrets_lets_every_record_through():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    assert RedactToken([]).filter(record) is True
    assert RedactToken([None, ""]).filter(record) is True
    assert record.getMessage() == "hello you"


# ------------------------------------------------------------ PTB payload records

def _filtered(msg, args):
    record = logging.LogRecord("telegram.ext.ExtBot", logging.DEBUG, __file__, 1, msg, args,
                               None)
    assert WithholdUserContent().filter(record) is True
    return record.getMessage()


def test_api_call_records_keep_the_method_and_lose_the_parameters():
    params = {"chat_id": 1, "text": "my calves cramp at night"}
    assert _filtered("Calling Bot API endpoint `%s` with parameters `%s`",
                     ("sendMessage", params)) == \
        f"Calling Bot API endpoint `sendMessage` with parameters `{WITHHELD}`"
    assert _filtered("Call to Bot API endpoint `%s` finished with return value `%s`",
                     ("sendMessage", {"text": "my calves"})) == \
        f"Call to Bot API endpoint `sendMessage` finished with return value `{WITHHELD}`"


def test_an_update_logged_as_a_mapping_is_withheld_whole():
    # logging stores a lone mapping argument as record.args itself, not in a tuple.
    update = {"update_id": 1, "message": {"text": "my calves cramp at night"}}
    assert _filtered("Processing update %s", (update,)) == f"Processing update {WITHHELD}"
    assert _filtered("Dropping pending update: %s", ("raw text",)) == \
        f"Dropping pending update: {WITHHELD}"


# ------------------------------------------------------------ uncaught exceptions

def _raised() -> BaseException:
    try:
        raise RuntimeError(f"cannot reach http://h/bot{TOKEN}/getMe")
    except RuntimeError as exc:
        return exc


def test_an_uncaught_error_prints_its_real_traceback_redacted(restore_logging):
    stream = io.StringIO()
    install_excepthook([TOKEN], stream)
    exc = _raised()
    sys.excepthook(type(exc), exc, exc.__traceback__)
    expected = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    assert stream.getvalue() == expected.replace(TOKEN, HIDDEN)
    assert "Traceback (most recent call last)" in stream.getvalue()


def test_an_uncaught_error_in_a_thread_prints_its_traceback_redacted(restore_logging):
    stream = io.StringIO()
    install_excepthook([TOKEN], stream)

    def worker_that_fails() -> None:
        raise RuntimeError(f"cannot reach http://h/bot{TOKEN}/getMe")

    thread = threading.Thread(target=worker_that_fails)
    thread.start()
    thread.join()
    printed = stream.getvalue()
    assert "Traceback (most recent call last)" in printed
    assert "worker_that_fails" in printed
    assert f"RuntimeError: cannot reach http://h/bot{HIDDEN}/getMe" in printed
    assert TOKEN not in printed and KEY not in printed


# ------------------------------------------------------------------ set-up

def test_setup_writes_one_dated_line_per_event_and_replaces_old_handlers(
        capsys, restore_logging):
    stale = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(stale)
    setup_logging("INFO", [TOKEN])
    assert stale not in logging.getLogger().handlers
    logging.getLogger("magdaily.safety").info("hello %s", TOKEN)
    line = capsys.readouterr().err.strip()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO magdaily\.safety: "
                        + re.escape(f"hello {HIDDEN}"), line), line


NOISY = ("httpx", "httpcore", "telegram.Bot", "telegram.ext.ExtBot", "apscheduler", "aiosqlite")


def test_setup_keeps_the_noisy_libraries_at_warning(restore_logging):
    for name in NOISY:  # levels outlive a test: start from none, as a fresh process does
        logging.getLogger(name).setLevel(logging.NOTSET)
    setup_logging("DEBUG", [TOKEN])
    for name in NOISY:
        assert logging.getLogger(name).level == logging.WARNING, name


def test_a_secret_added_later_is_hidden_too(capsys, restore_logging):
    setup_logging("INFO", [TOKEN])
    webhook_secret = "late-added-webhook-secret-0042"
    add_secret(webhook_secret)
    logging.getLogger("magdaily.safety").warning("secret header %s", webhook_secret)
    err = capsys.readouterr().err
    assert webhook_secret not in err and f"secret header {HIDDEN}" in err
