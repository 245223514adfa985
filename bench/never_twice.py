"""A crowded minute at paid 1,000/s while users type: how many daily tips went out twice.

``python -m bench.never_twice [due] [users] [seconds] [runs] [pause]`` (defaults: the
attack's shape, 5,000 due, 50 users each doing /tip, 👍, ➕, /settings, /topics, /foods or
/diary every 0.5 s for 8 s, 20 runs). The real Application, the in-process stand-in, the
real pacer and TICK_SECONDS=1; prints one line per run and the total. A few minutes.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import tempfile
import time as wall
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from telegram import Update

from bot.core.config import Settings
from bot.delivery.pacer import Pacer
from bot.runtime.app import attach_runtime, build_application, detach_runtime
from bot.storage import NewSubscriber, Storage
from standin import BotApiStandIn, StandInRequest
from tips.catalog import TOPICS

FIRST = 100_000
ACTIONS = ("/tip", "up", "more", "/settings", "/topics", "/foods", "/diary")


async def one_run(folder: Path, due: int, users: int, seconds: float, pause: float
                  ) -> tuple[int, int]:
    """Returns (daily messages the stand-in received, handler errors logged)."""
    path = folder / "bot.sqlite3"
    storage = await Storage.open(path)
    slot = datetime.now(UTC) + timedelta(seconds=1.5)
    await storage.subscribers.add_many(
        [NewSubscriber(c, time(0), "UTC", tuple(TOPICS), slot) for c in range(FIRST, FIRST + due)]
        + [NewSubscriber(c, time(0), "UTC", tuple(TOPICS), slot + timedelta(days=1))
           for c in range(1, users + 1)], datetime.now(UTC))
    await storage.close()
    settings = Settings(token=None, database_path=path, send_rate_per_second=1000.0,
                        allow_paid_broadcast=True, tick_seconds=1.0)
    standin = BotApiStandIn()
    app = build_application(settings, request=StandInRequest(standin))
    await app.initialize()
    await app.start()
    await attach_runtime(app, settings, pacer=Pacer(1000.0))
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)

    async def typing(chat: int) -> None:
        rng = random.Random(chat)
        stop = wall.monotonic() + seconds
        while wall.monotonic() < stop:
            action = rng.choice(ACTIONS)
            tip = next((m for m in reversed(standin.messages_to(chat))
                        if len(m.callback_data) >= 3), None)
            if action in ("up", "more") and tip is not None:
                update = standin.user_presses(chat, tip.message_id,
                                              tip.callback_data[0 if action == "up" else 2])
            else:
                update = standin.user_sends(chat, "/tip" if action in ("up", "more") else action)
            await app.process_update(Update.de_json(update, app.bot))
            await asyncio.sleep(pause)

    try:
        await asyncio.gather(*(typing(chat) for chat in range(1, users + 1)))
        for _ in range(600):
            if len({m.chat_id for m in standin.sent if m.chat_id >= FIRST}) >= due:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
    finally:
        logging.getLogger().removeHandler(errors)
        await detach_runtime(app)
        await app.stop()
        await app.shutdown()
    return sum(1 for m in standin.sent if m.chat_id >= FIRST), errors.count


class ErrorCount(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def main(argv: list[str]) -> int:
    due, users, runs = (int(argv[i]) if len(argv) > i else d for i, d in ((0, 5000), (1, 50),
                                                                        (3, 20)))
    seconds = float(argv[2]) if len(argv) > 2 else 8.0
    pause = float(argv[4]) if len(argv) > 4 else 0.5
    twice = failed_runs = 0
    for run in range(1, runs + 1):
        with tempfile.TemporaryDirectory(prefix="magdaily-twice-") as folder:
            sent, errors = await one_run(Path(folder), due, users, seconds, pause)
        extra = sent - due
        twice += extra
        failed_runs += extra > 0
        print(f"run {run}: {sent} daily messages for {due} rows ({extra} twice), "
              f"{errors} errors logged", flush=True)
    print(f"duplicates: {twice} in {runs} runs ({failed_runs} runs with any)")
    return 1 if twice else 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    sys.exit(asyncio.run(main(sys.argv[1:])))
