"""A lean Bot API sink on loopback, run in its own process by the benchmark.

It answers ``sendMessage`` with the ``Message`` Telegram would return (HTML turned into text
plus entities by the stand-in's parser, the inline keyboard and link-preview options echoed),
``getMe`` with the bot user and anything else with ``true``; it keeps only what the
benchmark checks:
the arrival instant of every sendMessage (``time.monotonic``, the system-wide
CLOCK_MONOTONIC, so comparable with the bot process's clock), the distinct chat ids and how
many sends carried ``allow_paid_broadcast``.

Control endpoints: ``POST /_bench/reset`` clears the records (``?delay=0.05``: from now on
answer each sendMessage that many seconds after its arrival, the way back from a Telegram
data centre; default 0); ``GET /_bench/stats`` returns the counts and this process's CPU
seconds (``?times=1`` adds every arrival instant).

    python -m bench.sink [--port 0]    prints its base URL, serves until SIGTERM/SIGINT
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from array import array

from aiohttp import web

from standin.formatting import parse_formatted_text

BOT_USER = {"id": 700000001, "is_bot": True, "first_name": "MagDaily", "username": "MagDailyBot"}
_JSON = "application/json"


class Formatter:
    """parse_formatted_text, memoised: a benchmark sends the same few tips many times."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str | None], tuple[str, list[dict[str, object]]]] = {}

    def __call__(self, text: str, parse_mode: str | None) -> tuple[str, list[dict[str, object]]]:
        key = (text, parse_mode)
        found = self._cache.get(key)
        if found is None:
            formatted = parse_formatted_text(text, parse_mode)
            found = self._cache[key] = (formatted.text, formatted.entities)
            if len(self._cache) > 10_000:
                self._cache.clear()
        return found


def _json_field(value: object) -> object:
    """Form fields carry JSON-encoded objects as strings; a JSON body carries them as is."""
    return json.loads(value) if isinstance(value, str) else value


class Records:
    def __init__(self) -> None:
        self.times = array("d")
        self.chats: set[int] = set()
        self.other_calls = 0
        self.paid = 0  # sendMessage calls that carried allow_paid_broadcast=true
        self.bad_requests = 0
        self.next_id = 1
        self.delay = 0.0  # seconds between a sendMessage's arrival and its answer

    def reset(self, delay: float = 0.0) -> None:
        self.__init__()  # type: ignore[misc]
        self.delay = delay


def _ok(result: object) -> web.Response:
    return web.Response(body=json.dumps({"ok": True, "result": result}).encode(),
                        content_type=_JSON)


def build_app() -> web.Application:
    records = Records()
    formatter = Formatter()

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if method == "sendmessage":
            arrived = time.monotonic()
            if request.content_type == _JSON:
                params = await request.json()
            else:
                params = await request.post()
            try:
                chat_id = int(params["chat_id"])
                text, entities = formatter(str(params["text"]), params.get("parse_mode"))
                markup = params.get("reply_markup")
                preview = params.get("link_preview_options")
                message: dict[str, object] = {
                    "message_id": records.next_id, "from": BOT_USER, "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "Subscriber"},
                    "text": text}
                if entities:
                    message["entities"] = entities
                if markup:
                    message["reply_markup"] = _json_field(markup)
                if preview:
                    message["link_preview_options"] = _json_field(preview)
            except (KeyError, TypeError, ValueError):
                records.bad_requests += 1
                return web.Response(
                    status=400, content_type=_JSON,
                    body=b'{"ok":false,"error_code":400,"description":"Bad Request"}')
            records.times.append(arrived)
            if str(params.get("allow_paid_broadcast", "")).lower() == "true":
                records.paid += 1
            records.chats.add(chat_id)
            records.next_id += 1
            if records.delay:
                await asyncio.sleep(records.delay)
            return _ok(message)
        records.other_calls += 1
        if method == "getme":
            return _ok({**BOT_USER, "can_join_groups": True,
                        "can_read_all_group_messages": False, "supports_inline_queries": False})
        return _ok(True)

    async def reset(request: web.Request) -> web.Response:
        records.reset(float(request.query.get("delay", 0.0)))
        return _ok({"cpu": time.process_time()})

    async def stats(request: web.Request) -> web.Response:
        body: dict[str, object] = {
            "count": len(records.times), "distinct_chats": len(records.chats),
            "other_calls": records.other_calls, "bad_requests": records.bad_requests,
            "paid": records.paid,
            "cpu": time.process_time(),
        }
        if request.query.get("times"):
            body["times"] = records.times.tolist()
        return _ok(body)

    app = web.Application()
    app.router.add_post("/_bench/reset", reset)
    app.router.add_get("/_bench/stats", stats)
    app.router.add_route("*", "/bot{token}/{method}", api)
    return app


async def _serve(port: int) -> None:
    runner = web.AppRunner(build_app(), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    bound = runner.addresses[0][1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"http://127.0.0.1:{bound}", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description="Loopback Bot API sink for the benchmark")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
