"""The Bot API stand-in served over real HTTP on loopback, for end-to-end tests and demos.

Point PTB at it with ``ApplicationBuilder().base_url(server.base_url)`` or the
``TELEGRAM_API_BASE_URL`` environment variable; PTB then uses its normal request class, so the
whole network path (form encoding, status codes, timeouts, connection pool) is exercised. The
end-to-end tests run the bot as a subprocess against it; no per-request logging and no access
log keep it quiet there.

Small control endpoints under ``/_standin/`` let a person drive a manual demo from another
terminal (``curl -d '{"chat_id": 1, "text": "/start"}' .../_standin/user_sends``).

It binds loopback addresses only (:func:`serve` refuses any other host). aiohttp, the server
here, is also the bot's own HTTP client
(``bot.delivery.aiohttp_request``), so it adds no dependency.

    python -m standin.http --port 8081    prints its base URL, serves until SIGINT/SIGTERM
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import signal
from dataclasses import asdict
from typing import Any

from aiohttp import web

from standin.core import BotApiStandIn
from standin.faults import SimulatedTimeout

__all__ = ["StandInServer", "main", "serve"]

_JSON = "application/json"
_STANDIN_KEY: web.AppKey[BotApiStandIn] = web.AppKey("standin", BotApiStandIn)
_TOKEN_KEY: web.AppKey[str | None] = web.AppKey("token", str)
_GATEWAY_TIMEOUT = {"ok": False, "error_code": 504, "description": "Gateway Timeout"}
_UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


def _check_loopback(host: str) -> None:
    """Refuse anything but loopback: this server must never be reachable from outside."""
    if host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"stand-in host must be a loopback address, got {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"stand-in host must be a loopback address, got {host!r}")


def _json_response(status: int, body: Any) -> web.Response:
    return web.Response(body=json.dumps(body).encode("utf-8"), status=status, content_type=_JSON)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Collect parameters the way Telegram accepts them: query string, form, multipart, JSON.

    PTB's HTTPXRequest posts ``application/x-www-form-urlencoded`` (``multipart/form-data`` when
    uploading files) with every non-string value JSON-dumped; the core decodes those per field.
    """
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    content_type = request.content_type
    if content_type == _JSON:
        raw = await request.read()
        if raw.strip():
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            params.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                params[key] = {"filename": value.filename, "bytes": data}
            else:
                params[key] = value
    return params


async def _api(request: web.Request) -> web.Response:
    """``/bot{token}/{method}``: one Bot API call."""
    expected = request.app[_TOKEN_KEY]
    if expected is not None and request.match_info["token"] != expected:
        return _json_response(401, _UNAUTHORIZED)
    try:
        params = await _read_params(request)
    except ValueError:
        return _json_response(
            400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"}
        )
    standin = request.app[_STANDIN_KEY]
    method = request.match_info["method"]
    try:
        if method.lower() == "getupdates":  # a long poll the client gives up ends here
            status, body = await standin.call(method, params)
        else:
            # Telegram carries out a request it has received whether or not the client
            # stays for the answer: a bot that closes its connection mid-request has still
            # sent the message (handler_cancellation would otherwise undo it).
            status, body = await asyncio.shield(standin.call(method, params))
    except SimulatedTimeout as exc:
        await asyncio.sleep(exc.delay)
        status, body = exc.late_answer or (504, _GATEWAY_TIMEOUT)
    return _json_response(status, body)


async def _control(request: web.Request) -> web.Response:
    """``/_standin/{action}``: play the user's side from outside the process (manual demos)."""
    standin = request.app[_STANDIN_KEY]
    action = request.match_info["action"]
    try:
        args = await _read_params(request)
        if action == "sent":
            chat_id = args.get("chat_id")
            messages = standin.messages_to(int(chat_id)) if chat_id else standin.sent
            return _json_response(200, [asdict(message) for message in messages])
        if action == "user_sends":
            update = standin.user_sends(int(args["chat_id"]), str(args["text"]))
        elif action == "user_presses":
            update = standin.user_presses(
                int(args["chat_id"]), int(args["message_id"]), str(args["callback_data"])
            )
        elif action == "user_blocks":
            update = standin.user_blocks(int(args["chat_id"]))
        elif action == "user_unblocks":
            update = standin.user_unblocks(int(args["chat_id"]))
        else:
            return _json_response(404, {"error": f"unknown action {action!r}"})
    except (KeyError, TypeError, ValueError) as exc:
        return _json_response(400, {"error": f"{type(exc).__name__}: {exc}"})
    return _json_response(200, update)


class StandInServer:
    """A running HTTP stand-in; close it with :meth:`close` (or ``async with``)."""

    def __init__(
        self, standin: BotApiStandIn, runner: web.AppRunner, host: str, port: int
    ) -> None:
        self.standin = standin
        self.host = host
        self.port = port
        self._runner = runner

    @property
    def base_url(self) -> str:
        """For PTB's ``base_url`` / ``TELEGRAM_API_BASE_URL``; PTB appends the token."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/bot"

    @property
    def control_url(self) -> str:
        """Prefix of the user-simulation endpoints (``/user_sends`` ...)."""
        return self.base_url.removesuffix("/bot") + "/_standin"

    async def close(self) -> None:
        """Stop serving; waiting long-polls are released so shutdown does not hang."""
        self.standin.release_pollers()
        await self._runner.cleanup()

    async def __aenter__(self) -> StandInServer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def serve(
    standin: BotApiStandIn,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    token: str | None = None,
) -> StandInServer:
    """Serve ``standin`` on ``host:port`` (0 = any free port) and return the running server.

    With ``token`` set, requests for any other token get Telegram's 401 "Unauthorized".
    """
    _check_loopback(host)
    host = host.strip("[]")
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[_STANDIN_KEY] = standin
    app[_TOKEN_KEY] = token
    app.router.add_route("*", "/bot{token}/{method}", _api)
    app.router.add_route("*", "/_standin/{action}", _control)
    # handler_cancellation: a client that gives up on a long-poll frees its handler at once.
    runner = web.AppRunner(
        app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = runner.addresses[0][1]
    return StandInServer(standin, runner, host, bound_port)


async def _run(host: str, port: int, token: str | None, latency: float) -> None:
    standin = BotApiStandIn()
    standin.latency = latency
    server = await serve(standin, host, port, token=token)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(server.base_url, flush=True)
    print(f"# user simulation: POST JSON to {server.control_url}/user_sends", flush=True)
    try:
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> None:
    """``python -m standin.http --port 8081``: serve a fresh stand-in until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description="Serve the Telegram Bot API stand-in.")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8081, help="port (0 = any free port)")
    parser.add_argument("--token", default=None, help="only accept this bot token")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per call")
    args = parser.parse_args(argv)
    _check_loopback(args.host)
    asyncio.run(_run(args.host, args.port, args.token, args.latency))


if __name__ == "__main__":
    main()
