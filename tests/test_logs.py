"""The token never reaches the log: records, their arguments, tracebacks, uncaught errors."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from telegram.error import InvalidToken, NetworkError

from bot.delivery.aiohttp_request import AiohttpRequest
from bot.runtime.logs import install_excepthook, setup_logging

TOKEN = "5550001234:AAF-logs-SECRET-key-never-printed-0123"
KEY = TOKEN.split(":", 1)[1]


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hooks = sys.excepthook
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    sys.excepthook = hooks


async def test_token_is_redacted_from_records_and_tracebacks(capsys, restore_logging):
    setup_logging("DEBUG", [TOKEN])
    log = logging.getLogger("magdaily.redaction-test")

    url = f"http://127.0.0.1:99999/bot{TOKEN}/getMe"
    log.info("request to %s", url)  # the token in an argument
    log.warning(f"the key alone: {KEY}")  # ... in the message itself
    # A real network error from the bot's own request class carries the URL with the token.
    request = AiohttpRequest()
    await request.initialize()
    try:
        await request.do_request(url, "POST")
    except NetworkError:
        log.exception("send failed")
    finally:
        await request.shutdown()
    # PTB's own exception text holds the token, chained under another error.
    try:
        try:
            raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
        except InvalidToken as exc:
            raise RuntimeError(f"start-up failed for {TOKEN}") from exc
    except RuntimeError:
        log.error("start-up", exc_info=True)
    log.debug("where %s", TOKEN, stack_info=True)

    err = capsys.readouterr().err
    assert "request to http://127.0.0.1:99999/bot" in err and "/getMe" in err
    assert "the key alone:" in err
    assert "send failed" in err and "InvalidUrlClientError" in err  # the traceback is there
    assert "was rejected by the server" in err and "start-up failed for" in err
    assert "Stack (most recent call last)" in err
    assert TOKEN not in err and KEY not in err, err


def test_uncaught_exception_is_printed_without_the_token(restore_logging):
    stream = io.StringIO()
    install_excepthook([TOKEN], stream)
    try:
        raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
    except InvalidToken as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    text = stream.getvalue()
    assert "Traceback" in text and "was rejected by the server" in text
    assert TOKEN not in text and KEY not in text


def test_user_text_in_ptb_debug_records_is_withheld(capsys, restore_logging):
    setup_logging("DEBUG", [TOKEN])
    logging.getLogger("telegram.ext.Application").debug(
        "Processing update %s", "Update(message=Message(text='zebra diary entry'))")
    logging.getLogger("telegram.ext.Updater").debug(
        "Webhook received data: %s", '{"message": {"text": "zebra diary entry"}}')
    err = capsys.readouterr().err
    assert err.count("Processing update") == 1 and "Webhook received data" in err
    assert "zebra" not in err
