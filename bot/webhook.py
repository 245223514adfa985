"""Webhook mode: with WEBHOOK_URL set, Telegram pushes updates to PTB's own web server.

Polling stays the default (it needs no public address). A webhook is a public URL anyone
can POST fake updates to, so it is only started with WEBHOOK_SECRET: Telegram then sends
that value in X-Telegram-Bot-Api-Secret-Token and PTB answers 403 to any request that
lacks it or carries another one.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from telegram import Update

from bot.config import Settings
from bot.logs import RedactToken
from tips.catalog import Tip

log = logging.getLogger(__name__)

MISSING_SECRET = (
    "config error: WEBHOOK_URL is set but WEBHOOK_SECRET is not; a webhook without a "
    "secret accepts forged updates, e.g. WEBHOOK_SECRET=change-me-to-a-long-random-string"
)


def webhook_problem(settings: Settings) -> str | None:
    """A one-line reason webhook mode cannot start, or None when it can."""
    if settings.webhook_url and not settings.webhook_secret:
        return MISSING_SECRET
    return None


def url_path(webhook_url: str) -> str:
    """The path PTB serves on, taken from the public URL ('https://h/tg' → 'tg').

    A reverse proxy normally forwards the public path unchanged, so serving on the same
    path needs no second setting.
    """
    return urlsplit(webhook_url).path.strip("/")


def _redact_secret(secret: str) -> None:
    """Keep the webhook secret out of every log line, like the token (logs.setup_logging)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken([secret]))


def run_webhook(settings: Settings, catalog: list[Tip]) -> int:
    """Serve updates over the webhook until SIGINT/SIGTERM; returns the exit code.

    The caller checks `webhook_problem` first; this refuses too, so no path can start an
    unauthenticated webhook.
    """
    if settings.webhook_url is None or not settings.webhook_secret:
        raise ValueError(MISSING_SECRET)
    from bot.app import build_application

    _redact_secret(settings.webhook_secret)
    application = build_application(settings, catalog=catalog)
    log.info("webhook mode: listening on %s:%d path=/%s", settings.webhook_listen,
             settings.webhook_port, url_path(settings.webhook_url))
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=url_path(settings.webhook_url),
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret,
        allowed_updates=Update.ALL_TYPES,
    )
    return 0
