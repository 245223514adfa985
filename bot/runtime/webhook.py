"""Webhook mode: with WEBHOOK_URL set, Telegram pushes updates to a small aiohttp server.

Polling stays the default (it needs no public address). A webhook is a public URL anyone
can POST fake updates to, so it is only started with WEBHOOK_SECRET (at least 16
characters, checked in config): Telegram sends that value in
X-Telegram-Bot-Api-Secret-Token, and a request without it or with another one gets 403.
The comparison is `hmac.compare_digest`, whose time does not depend on where the first
wrong character is, so the secret cannot be guessed one character at a time.

The receiver is ours rather than PTB's built-in server (which compares with `!=`): it is
aiohttp, already a dependency, and it binds the port *before* setWebhook is sent, so a
port in use is one line at start-up and Telegram is never pointed at a bot that is not
listening. Updates go into the Application's queue exactly as PTB's server puts them.

Platforms give a service one PORT; when the health checks share the webhook's port
(`Settings.health_beside_webhook`), this server answers GET /healthz and /readyz too.

A body that is not an update (garbage, or JSON nested deeper than the parser recurses) is
a 400 with no traceback. Telegram posts an update again when it did not see our 200 (a
timeout, a dropped connection), so the receiver remembers the most recent update_ids
(`RecentIds`) and answers a repeat with 200 without queueing it a second time.
"""

from __future__ import annotations

import errno
import hmac
import json
import logging
import socket
from collections import deque
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError

from bot.core.config import Settings
from bot.core.telegram_app import TelegramApp
from bot.runtime.health import Health, add_routes
from bot.runtime.lifecycle import ErrorCallback, Starter, StartupFailed
from bot.runtime.logs import add_secret

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MISSING_SECRET = (
    "config error: WEBHOOK_URL is set but WEBHOOK_SECRET is not; a webhook without a "
    "secret accepts forged updates, e.g. WEBHOOK_SECRET=change-me-to-a-long-random-string"
)


def webhook_problem(settings: Settings) -> str | None:
    """A one-line reason webhook mode cannot start, or None when it can."""
    if settings.webhook_url and not settings.webhook_secret:
        return MISSING_SECRET
    return None


def _port_line(settings: Settings, exc: OSError) -> str:
    what = ("is in use by another program" if exc.errno == errno.EADDRINUSE
            else f"cannot be opened ({(exc.strerror or type(exc).__name__).lower()})")
    return (f"webhook port {settings.webhook_listen}:{settings.webhook_port} {what}; "
            "choose another, e.g. WEBHOOK_PORT=8443")


def port_problem(settings: Settings) -> str | None:
    """Checked before anything starts: a port in use is one line, not a half-started bot.

    (The receiver binds again when it starts, and reports the same line should the port be
    taken in between.)
    """
    try:
        infos = socket.getaddrinfo(settings.webhook_listen, settings.webhook_port,
                                   type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
            probe.bind(address)
    except OSError as exc:
        return _port_line(settings, exc)
    return None


def url_path(webhook_url: str) -> str:
    """The path served on, taken from the public URL ('https://h/tg' → 'tg').

    A reverse proxy normally forwards the public path unchanged, so serving on the same
    path needs no second setting.
    """
    return urlsplit(webhook_url).path.strip("/")


def secret_matches(given: str | None, secret: str) -> bool:
    """Constant-time comparison of the header Telegram sent with our secret."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))


class RecentIds:
    """The last `size` update_ids seen, for telling a re-post from a new update.

    Telegram numbers updates in sequence and re-posts one within minutes, so a few
    thousand ids are plenty; memory stays bounded however long the bot runs.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._order: deque[int] = deque()
        self._seen: set[int] = set()
        self._size = size

    def first_time(self, update_id: int) -> bool:
        """True the first time an id is offered (and it is remembered); False after."""
        if update_id in self._seen:
            return False
        self._seen.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self._size:
            self._seen.discard(self._order.popleft())
        return True


def receiver(application: TelegramApp, secret: str, path: str,
             health: Health | None = None) -> web.Application:
    """The aiohttp app answering Telegram's POSTs: 403 without the secret, else queue it.

    With `health`, the same app answers the health checks, and each update taken counts as
    one seen (the JSON's last_update_seconds).
    """
    recent = RecentIds()

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return web.Response(status=400, text="not a Telegram update")
        if update is None or type(update.update_id) is not int:
            return web.Response(status=400, text="not a Telegram update")
        if not recent.first_time(update.update_id):
            log.info("update_id=%s posted again: already taken", update.update_id)
            return web.Response(status=200)
        await application.update_queue.put(update)
        if health is not None:
            health.updates_seen()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/" + path, receive)
    if health is not None:
        add_routes(app, health)
    return app


def webhook_starter(settings: Settings, health: Health | None = None) -> Starter:
    """Bind the receiver on WEBHOOK_LISTEN:WEBHOOK_PORT, then tell Telegram the URL.

    With `health`, the receiver serves the health checks too (their shared port)."""
    if settings.webhook_url is None or not settings.webhook_secret:
        raise ValueError(MISSING_SECRET)  # no path may start an unauthenticated webhook
    webhook_url, secret = settings.webhook_url, settings.webhook_secret
    add_secret(secret)

    async def start(application: TelegramApp,
                    on_error: ErrorCallback) -> Callable[[], Awaitable[None]]:
        runner = web.AppRunner(receiver(application, secret, url_path(webhook_url), health),
                               access_log=None,
                               shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, settings.webhook_listen, settings.webhook_port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise StartupFailed(_port_line(settings, exc)) from None
        try:
            await application.bot.set_webhook(webhook_url, secret_token=secret,
                                              allowed_updates=Update.ALL_TYPES)
        except TelegramError as exc:
            await runner.cleanup()
            raise StartupFailed(
                f"Telegram refused WEBHOOK_URL {webhook_url} ({type(exc).__name__})") from None
        log.info("webhook mode: listening on %s:%d path=/%s%s", settings.webhook_listen,
                 settings.webhook_port, url_path(webhook_url),
                 "" if health is None else ", health checks on /healthz and /readyz")
        return runner.cleanup

    return start
